use super::*;
use ipnet::IpNet;

fn load(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml(text, "test.toml", std::iter::empty(), Path::new("."))
}

fn load_env(text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::from_toml(
        text,
        "test.toml",
        env.iter().map(|(k, v)| (k.to_string(), v.to_string())),
        Path::new("."),
    )
}

fn problems(text: &str) -> Vec<Problem> {
    match load(text) {
        Ok(_) => panic!("expected problems in:\n{text}"),
        Err(e) => e.problems,
    }
}

#[test]
fn empty_file_is_the_documented_defaults() {
    let c = load("").expect("defaults");
    assert_eq!(c.server.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(c.server.portal.origin, "http://localhost:8080");
    assert_eq!(c.server.prefix, "/.passgate");
    assert_eq!(c.session.cookie_name, "passgate_session");
    assert_eq!(c.session.idle_timeout, Duration::from_secs(12 * 3600));
    assert_eq!(c.session.absolute_timeout, Duration::from_secs(30 * 86400));
    assert_eq!(c.webauthn.rp_id, "localhost");
    assert_eq!(c.signup.mode, SignupMode::Invite);
    assert_eq!(c.identity.headers, HeaderStyle::Remote);
    assert_eq!(c.identity.assertion_header.as_str(), "x-passgate-assertion");
    assert_eq!(c.storage.database_url.expose(), "sqlite://passgate.db");
    assert!(c.storage.redis_url.is_none());
    assert_eq!(c.server.trusted_proxies.len(), 2);
}

#[test]
fn the_shipped_gateway_toml_is_valid() {
    let text = include_str!("../../gateway.toml");
    let c = load(text).unwrap_or_else(|e| panic!("{e}"));
    assert!(!c.routes.routes.is_empty());
}

#[test]
fn https_without_cookie_domain_uses_host_prefixed_cookie() {
    let c = load("[server]\npublic_url = \"https://auth.example.com\"\n[webauthn]\nrp_id = \"example.com\"\n").expect("ok");
    assert_eq!(c.session.cookie_name, "__Host-passgate");
    assert!(c.session.secure_cookie);
    let c = load(
        "[server]\npublic_url = \"https://auth.example.com\"\n[webauthn]\nrp_id = \"example.com\"\n[session]\ncookie_domain = \"example.com\"\n",
    )
    .expect("ok");
    assert_eq!(c.session.cookie_name, "passgate_session");
}

#[test]
fn unknown_keys_are_all_reported_with_their_lines() {
    let text = "[server]\nlisten = \"127.0.0.1:8080\"\nlsiten = \"x\"\n\n[sesion]\nidle_timeout = \"1h\"\n\n[[route]]\nhost = \"localhost\"\nupstrem = \"http://127.0.0.1:1\"\n";
    let p = problems(text);
    let find = |k: &str| {
        p.iter()
            .find(|x| x.key == k)
            .unwrap_or_else(|| panic!("no problem for {k}: {p:?}"))
    };
    assert_eq!(find("server.lsiten").line, Some(3));
    assert_eq!(find("sesion").line, Some(5));
    assert_eq!(find("route[0].upstrem").line, Some(10));
    assert!(find("server.lsiten").message.contains("unknown key"));
}

#[test]
fn syntax_errors_name_the_line() {
    let p = problems("[server]\nlisten = \n");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].line, Some(2));
}

#[test]
fn type_errors_name_key_and_line() {
    let p = problems("[server]\nlisten = 8080\n");
    assert_eq!(p[0].key, "server.listen");
    assert_eq!(p[0].line, Some(2));
}

#[test]
fn every_semantic_problem_is_reported_at_once() {
    let text = r#"
[server]
listen = "nowhere"
public_url = "https://auth.other.org/portal"
trusted_proxies = ["10.0.0.0/33", "not-an-ip"]

[session]
idle_timeout = "12 parsecs"
absolute_timeout = "0s"
cookie_domain = "example.com"

[webauthn]
rp_id = "example.com"

[storage]
database_url = "mysql://x"
redis_url = "http://redis"

[email]
transport = "pigeon"

[signup]
mode = "domains"

[identity]
headers = "all"

[branding]
accent_color = "blue"

[[route]]
host = "app.example.com"
path = "/"
upstream = "ftp://127.0.0.1:21"
policy = "sometimes"

[[route]]
host = "app.example.com"
path = "/a/../b"
policy = "public"
groups = ["dev"]
"#;
    let p = problems(text);
    let keys: Vec<&str> = p.iter().map(|x| x.key.as_str()).collect();
    for k in [
        "server.listen",
        "server.public_url",
        "server.trusted_proxies[0]",
        "server.trusted_proxies[1]",
        "session.idle_timeout",
        "session.absolute_timeout",
        "storage.database_url",
        "storage.redis_url",
        "email.transport",
        "signup.allowed_domains",
        "identity.headers",
        "branding.accent_color",
        "route[0].upstream",
        "route[0].policy",
        "route[1].path",
        "route[1].groups",
    ] {
        assert!(keys.contains(&k), "missing {k} in {keys:?}");
    }
    // Lines point into the file.
    let listen = p.iter().find(|x| x.key == "server.listen").expect("listen");
    assert_eq!(listen.line, Some(3));
    let up = p
        .iter()
        .find(|x| x.key == "route[0].upstream")
        .expect("upstream");
    assert_eq!(up.line, Some(34));
}

#[test]
fn public_url_must_sit_under_rp_id() {
    let p = problems(
        "[server]\npublic_url = \"https://auth.example.com\"\n[webauthn]\nrp_id = \"example.org\"\n",
    );
    assert_eq!(p[0].key, "server.public_url");
    assert!(p[0].message.contains("rp_id"), "{}", p[0].message);
    // A subdomain is fine, and so is equality.
    load("[server]\npublic_url = \"https://auth.example.com\"\n[webauthn]\nrp_id = \"example.com\"\n").expect("subdomain");
    load("[server]\npublic_url = \"https://example.com\"\n[webauthn]\nrp_id = \"example.com\"\n")
        .expect("equal");
    // Suffix that is not a label boundary is not a subdomain.
    assert!(load("[server]\npublic_url = \"https://badexample.com\"\n[webauthn]\nrp_id = \"example.com\"\n").is_err());
}

#[test]
fn cookie_domain_must_cover_the_portal_and_the_protected_hosts() {
    let base = "[server]\npublic_url = \"https://auth.example.com\"\n[webauthn]\nrp_id = \"example.com\"\n";
    let p = problems(&format!(
        "{base}[session]\ncookie_domain = \"example.org\"\n"
    ));
    assert!(p.iter().any(|x| x.key == "session.cookie_domain"), "{p:?}");
    // A protected host that the cookie cannot reach.
    let p = problems(&format!(
        "{base}[[route]]\nhost = \"app.example.com\"\nupstream = \"http://127.0.0.1:3000\"\n"
    ));
    assert!(
        p.iter()
            .any(|x| x.key == "route[0].host" && x.line == Some(5)),
        "{p:?}"
    );
    load(&format!(
        "{base}[session]\ncookie_domain = \"example.com\"\n[[route]]\nhost = \"app.example.com\"\nupstream = \"http://127.0.0.1:3000\"\n"
    ))
    .expect("covered");
}

#[test]
fn routes_that_can_never_match_are_errors() {
    let text = "[[route]]\nhost = \"localhost\"\npath = \"/\"\nupstream = \"http://127.0.0.1:3000\"\n\n[[route]]\nhost = \"localhost\"\npath = \"/admin\"\npolicy = \"deny\"\n";
    let p = problems(text);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].key, "route[1]");
    assert_eq!(p[0].line, Some(6));
    assert!(p[0].message.contains("never match"));
}

#[test]
fn environment_overrides_keys_and_names_the_variable_in_errors() {
    let c = load_env(
        "[server]\nlisten = \"127.0.0.1:8080\"\n",
        &[
            ("PASSGATE_SERVER_LISTEN", "127.0.0.1:9999"),
            ("PASSGATE_STORAGE_REDIS_URL", "redis://127.0.0.1:6379"),
            ("PASSGATE_SERVER_TRUSTED_PROXIES", "[\"10.0.0.0/8\"]"),
            ("PASSGATE_EMAIL_SIGN_IN", "false"),
            ("PASSGATE_CONFIG", "ignored.toml"),
            ("OTHER_VAR", "x"),
        ],
    )
    .expect("ok");
    assert_eq!(c.server.listen.to_string(), "127.0.0.1:9999");
    assert_eq!(
        c.storage.redis_url.as_ref().map(|s| s.expose()),
        Some("redis://127.0.0.1:6379")
    );
    assert_eq!(
        c.server.trusted_proxies,
        vec!["10.0.0.0/8".parse::<IpNet>().expect("net")]
    );
    assert!(!c.email.sign_in);

    let e = load_env(
        "",
        &[
            ("PASSGATE_SERVER_LISTEN", "nope"),
            ("PASSGATE_SERVER_LSITEN", "x"),
            ("PASSGATE_NOPE", "1"),
        ],
    )
    .expect_err("bad env");
    let listen = e
        .problems
        .iter()
        .find(|p| p.key == "server.listen")
        .expect("listen");
    assert_eq!(listen.env.as_deref(), Some("PASSGATE_SERVER_LISTEN"));
    assert!(e.to_string().contains("$PASSGATE_SERVER_LISTEN"));
    assert!(e.problems.iter().any(|p| p.key == "server.lsiten" && p.env.as_deref() == Some("PASSGATE_SERVER_LSITEN")));
    assert!(
        !e.problems
            .iter()
            .any(|p| p.env.as_deref() == Some("PASSGATE_NOPE"))
    );

    // Variables naming no section (Kubernetes service links) are ignored, with a warning.
    let c = load_env(
        "",
        &[
            ("PASSGATE_SERVICE_HOST", "10.0.0.1"),
            ("PASSGATE_PORT_8080_TCP", "tcp://10.0.0.1:8080"),
        ],
    )
    .expect("ok");
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("PASSGATE_PORT_8080_TCP") && w.contains("PASSGATE_SERVICE_HOST")),
        "{:?}",
        c.warnings
    );
}

#[test]
fn secrets_from_files() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("db"), "postgres://u:s3cret@db/x\n").expect("write");
    let c = Config::from_toml(
        "[storage]\ndatabase_url = \"\"\ndatabase_url_file = \"db\"\n",
        "t",
        std::iter::empty(),
        dir.path(),
    )
    .expect("ok");
    assert_eq!(c.storage.database_url.expose(), "postgres://u:s3cret@db/x");
    assert!(
        !format!("{c:?}").contains("s3cret"),
        "secrets must not appear in Debug output"
    );

    let e = Config::from_toml(
        "[storage]\ndatabase_url_file = \"missing\"\n",
        "t",
        std::iter::empty(),
        dir.path(),
    )
    .expect_err("both set");
    assert!(
        e.problems
            .iter()
            .any(|p| p.key == "storage.database_url_file")
    );
    let e = Config::from_toml(
        "[storage]\ndatabase_url = \"\"\ndatabase_url_file = \"missing\"\n",
        "t",
        std::iter::empty(),
        dir.path(),
    )
    .expect_err("missing file");
    assert!(
        e.problems[0].message.contains("cannot read"),
        "{}",
        e.problems[0]
    );
}

#[test]
fn forward_auth_only_routes_need_trusted_proxies() {
    let p = problems("[server]\ntrusted_proxies = []\n[[route]]\nhost = \"localhost\"\n");
    assert!(p.iter().any(|x| x.key == "server.trusted_proxies"), "{p:?}");
}

#[test]
fn display_lists_every_problem() {
    let e = load("[server]\nlisten = \"x\"\nprefix = \"nope\"\n").expect_err("bad");
    let s = e.to_string();
    assert!(s.starts_with("test.toml: 2 problems found:"), "{s}");
    assert!(s.contains("line 2: server.listen"), "{s}");
    assert!(s.contains("line 3: server.prefix"), "{s}");
}

#[test]
fn server_workers_is_auto_or_a_count_and_a_bad_value_names_the_key() {
    let auto = load("").expect("defaults");
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(auto.server.workers, cpus, "\"auto\" is one per CPU");
    assert_eq!(
        load("[server]\nworkers = 3\n").expect("int").server.workers,
        3
    );
    assert_eq!(
        load("[server]\nworkers = \"2\"\n")
            .expect("str")
            .server
            .workers,
        2
    );
    assert_eq!(
        load_env("", &[("PASSGATE_SERVER_WORKERS", "5")])
            .expect("env")
            .server
            .workers,
        5
    );
    for bad in ["0", "-1", "1025", "\"many\"", "\"\"", "2.5"] {
        let p = problems(&format!("[server]\nworkers = {bad}\n"));
        assert_eq!(p.len(), 1, "{bad}: {p:?}");
        assert_eq!(p[0].key, "server.workers", "{bad}: {p:?}");
        assert!(
            p[0].message.contains("auto") || bad == "2.5",
            "{bad}: the message says what is allowed: {p:?}"
        );
    }
}

/// Two rules for one host told apart only by port: the client picks the
/// port (found by a second adversarial review), so the config is refused,
/// naming the ported rule; a port on a host no other rule covers is kept.
#[test]
fn rules_told_apart_only_by_port_are_refused() {
    let found = problems(
        "[[route]]\nhost = \"localhost:8443\"\npath = \"/admin\"\nupstream = \"http://127.0.0.1:9\"\n\n[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:9\"\npolicy = \"public\"\n",
    );
    let p = found
        .iter()
        .find(|p| p.key == "route[0].host")
        .unwrap_or_else(|| panic!("{found:?}"));
    assert!(p.message.contains("only by its port"), "{}", p.message);
    assert_eq!(p.line, Some(1));
    assert!(
        load("[[route]]\nhost = \"localhost:8443\"\nupstream = \"http://127.0.0.1:9\"\n").is_ok(),
        "a lone ported rule is fine"
    );
}

/// Replicas share `last_seen` every quarter of the idle timeout; below 10 s
/// that cannot keep a busy session live on every replica, so it is refused.
#[test]
fn idle_timeouts_under_ten_seconds_are_refused() {
    let base = "[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:1\"\n";
    let p = problems(&format!("[session]\nidle_timeout = \"9s\"\n\n{base}"));
    assert!(
        p.iter()
            .any(|x| x.key == "session.idle_timeout" && x.message.contains("at least 10s")),
        "{p:?}"
    );
    assert!(load(&format!("[session]\nidle_timeout = \"10s\"\n\n{base}")).is_ok());
}

#[test]
fn methods_and_networks_are_checked_and_a_bad_entry_names_its_key() {
    let ok = load(
        "[[route]]\nhost = \"localhost\"\npath = \"/api\"\nmethods = [\"options\", \"GET\"]\nnetworks = [\"10.0.0.0/8\", \"2001:db8::1\"]\npolicy = \"public\"\nupstream = \"http://127.0.0.1:3000\"\n",
    )
    .expect("valid");
    let r = &ok.routes.routes[0];
    assert_eq!(r.methods, vec![http::Method::OPTIONS, http::Method::GET]);
    assert_eq!(
        r.networks,
        vec![
            "10.0.0.0/8".parse::<IpNet>().expect("net"),
            "2001:db8::1/128".parse::<IpNet>().expect("net")
        ]
    );
    // IPv4 written as mapped IPv6 (what a dual-stack socket shows) is the
    // IPv4 range it is: in the mapped form it would never match a client.
    let mapped = load(
        "[server]\ntrusted_proxies = [\"::ffff:192.0.2.1\"]\n\n[[route]]\nhost = \"localhost\"\nnetworks = [\"::ffff:10.0.0.0/104\", \"::ffff:127.0.0.2\", \"::ffff:0:0/95\"]\npolicy = \"deny\"\n",
    )
    .expect("valid");
    assert_eq!(
        mapped.routes.routes[0].networks,
        vec![
            "10.0.0.0/8".parse::<IpNet>().expect("net"),
            "127.0.0.2/32".parse::<IpNet>().expect("net"),
            "::fffe:0:0/95".parse::<IpNet>().expect("net").trunc(),
        ]
    );
    assert_eq!(
        mapped.server.trusted_proxies,
        vec!["192.0.2.1/32".parse::<IpNet>().expect("net")]
    );
    let p = problems(
        "[[route]]\nhost = \"localhost\"\nmethods = [\"GET\", \"G E T\", \"CONNECT\"]\nnetworks = [\"10.0.0.0/33\"]\nupstream = \"http://127.0.0.1:3000\"\n",
    );
    let keys: Vec<&str> = p.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "route[0].methods[1]",
            "route[0].methods[2]",
            "route[0].networks[0]"
        ],
        "{p:?}"
    );
}

#[test]
fn tokens_max_age_and_require_are_checked_and_a_bad_entry_names_its_key() {
    let ok = load(
        "[[route]]\nhost = \"localhost\"\npath = \"/admin\"\nmax_age = \"15m\"\nrequire = [\"passkey\"]\nupstream = \"http://127.0.0.1:3000\"\n\n[[route]]\nhost = \"localhost\"\npath = \"/ci\"\ntokens = true\nmax_age = \"1h\"\nupstream = \"http://127.0.0.1:3000\"\n",
    )
    .expect("valid");
    let (a, ci) = (&ok.routes.routes[0], &ok.routes.routes[1]);
    assert_eq!(
        (a.max_age, a.require_passkey, a.tokens),
        (Some(900), true, false)
    );
    assert_eq!(
        (ci.max_age, ci.require_passkey, ci.tokens),
        (Some(3600), false, true)
    );
    assert!(ok.routes.has_tokens());
    let p = problems(
        "[[route]]\nhost = \"localhost\"\npath = \"/a\"\nmax_age = \"soon\"\nrequire = [\"passkey\", \"yubikey\"]\nupstream = \"http://127.0.0.1:3000\"\n\n\
         [[route]]\nhost = \"localhost\"\npath = \"/b\"\ntokens = true\nrequire = [\"passkey\"]\nupstream = \"http://127.0.0.1:3000\"\n\n\
         [[route]]\nhost = \"localhost\"\npath = \"/c\"\npolicy = \"public\"\nmax_age = \"5m\"\nupstream = \"http://127.0.0.1:3000\"\n\n\
         [[route]]\nhost = \"localhost\"\npath = \"/d\"\npolicy = \"deny\"\ntokens = true\n",
    );
    let keys: Vec<&str> = p.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "route[0].max_age",
            "route[0].require[1]",
            "route[1].require",
            "route[2].max_age",
            "route[3].tokens"
        ],
        "{p:?}"
    );
}

#[test]
fn an_application_on_the_portals_origin_is_warned_about() {
    let shared = load(
        "[server]\npublic_url = \"http://localhost:8080\"\n\n[[route]]\nhost = \"localhost\"\nupstream = \"http://127.0.0.1:3000\"\n",
    )
    .expect("ok");
    assert!(
        shared
            .warnings
            .iter()
            .any(|w| w.contains("route[0]") && w.contains("portal's own origin")),
        "{:?}",
        shared.warnings
    );
    // A portal of its own, or the app on another port of the same host:
    // separate origins.
    for routes in [
        "[[route]]\nhost = \"app.example.com\"\nupstream = \"http://127.0.0.1:3000\"\n",
        "[[route]]\nhost = \"auth.example.com:8443\"\nupstream = \"http://127.0.0.1:3000\"\n",
        "[[route]]\nhost = \"auth.example.com\"\npolicy = \"deny\"\n",
    ] {
        let c = load(&format!(
            "[server]\npublic_url = \"https://auth.example.com\"\n\n[webauthn]\nrp_id = \"example.com\"\n\n[session]\ncookie_domain = \"example.com\"\n\n{routes}"
        ))
        .expect("ok");
        assert!(
            !c.warnings.iter().any(|w| w.contains("portal's own origin")),
            "{routes}: {:?}",
            c.warnings
        );
    }
}
