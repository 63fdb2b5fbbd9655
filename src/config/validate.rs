//! The validator every section checks with: it records each problem with
//! its key and goes on, so a config with several mistakes is reported
//! whole.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Problem;
use crate::secret::Secret;

/// Collects problems while validating.
#[derive(Default)]
pub(super) struct Validator {
    pub(super) problems: Vec<Problem>,
}

impl Validator {
    pub(super) fn problem(&mut self, key: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            key: key.to_string(),
            line: None,
            env: None,
            message: message.into(),
        });
    }

    pub(super) fn check<T>(
        &mut self,
        key: &str,
        f: impl FnOnce() -> Result<T, String>,
    ) -> Option<T> {
        match f() {
            Ok(v) => Some(v),
            Err(m) => {
                self.problem(key, m);
                None
            }
        }
    }

    pub(super) fn duration(&mut self, key: &str, s: &str) -> Option<Duration> {
        self.check(key, || {
            let d = humantime::parse_duration(s.trim()).map_err(|e| {
                format!("{s:?} is not a duration like \"90s\", \"15m\", \"12h\", \"30d\" ({e})")
            })?;
            if d.is_zero() {
                return Err("must be longer than zero".into());
            }
            Ok(d)
        })
    }

    pub(super) fn socket(&mut self, key: &str, s: &str) -> Option<SocketAddr> {
        self.check(key, || {
            s.trim().parse::<SocketAddr>().map_err(|_| {
                format!("{s:?} is not an address like \"127.0.0.1:8080\" or \"[::]:8080\"")
            })
        })
    }

    pub(super) fn readable_file(&mut self, key: &str, base: &Path, p: &str) -> Option<PathBuf> {
        let path = base.join(p);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => Some(path),
            Ok(_) => {
                self.problem(key, format!("{} is not a file", path.display()));
                None
            }
            Err(e) => {
                self.problem(key, format!("cannot read {}: {e}", path.display()));
                None
            }
        }
    }

    /// A secret given inline or through `<key>_file`. An inline value equal
    /// to the key's default counts as not given.
    pub(super) fn secret(
        &mut self,
        key: &str,
        base: &Path,
        inline: &str,
        file: &str,
        default: &str,
    ) -> Option<Secret> {
        let inline = if !file.trim().is_empty() && inline == default {
            ""
        } else {
            inline
        };
        match (inline.is_empty(), file.trim().is_empty()) {
            (_, true) => Some(Secret::new(inline.trim())),
            (true, false) => {
                let path = base.join(file.trim());
                match std::fs::read_to_string(&path) {
                    Ok(s) => Some(Secret::new(s.trim())),
                    Err(e) => {
                        self.problem(
                            &format!("{key}_file"),
                            format!("cannot read {}: {e}", path.display()),
                        );
                        None
                    }
                }
            }
            (false, false) => {
                self.problem(
                    &format!("{key}_file"),
                    format!("both {key} and {key}_file are set; keep one"),
                );
                None
            }
        }
    }
}
