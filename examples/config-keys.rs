//! Prints every config key with its default, as TOML (used to write and
//! check docs/config.md): `cargo run --example config-keys`.
fn main() {
    let mut raw = passgate::config::RawConfig::default();
    raw.route.push(passgate::config::raw::RawRoute::default());
    print!("{}", toml::to_string(&raw).unwrap_or_default());
}
