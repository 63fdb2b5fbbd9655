use super::*;

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(
            http::HeaderName::from_bytes(k.as_bytes()).unwrap_or_else(|e| panic!("{e}")),
            http::HeaderValue::from_str(v).unwrap_or_else(|e| panic!("{e}")),
        );
    }
    h
}

#[test]
fn the_readers_choice_then_their_browsers_then_the_default() {
    let cases: &[(&[(&str, &str)], Lang)] = &[
        (&[], Lang::Fr),
        (&[("accept-language", "de-DE,de;q=0.9,en;q=0.8")], Lang::De),
        (&[("accept-language", "nl, es;q=0.5, en;q=0.4")], Lang::Es),
        (&[("accept-language", "en;q=0.2, fr;q=0.9")], Lang::Fr),
        (&[("accept-language", "es;q=0, de;q=0.1")], Lang::De),
        (&[("accept-language", "*, nl")], Lang::Fr),
        (&[("accept-language", "de;q=abc, es")], Lang::Es),
        (
            &[("accept-language", "de"), ("cookie", "passgate_lang=es")],
            Lang::Es,
        ),
        (
            &[("accept-language", "de"), ("cookie", "passgate_lang=xx")],
            Lang::De,
        ),
    ];
    for (h, want) in cases {
        assert_eq!(negotiate(&headers(h), Lang::Fr), *want, "{h:?}");
    }
}

#[test]
fn messages_are_looked_up_with_their_arguments() {
    assert_eq!(
        Lang::En.t_with("page-footer", &[("brand", "Acme")]),
        "Protected by Acme"
    );
    assert_eq!(
        Lang::De.t_with("page-footer", &[("brand", "Acme")]),
        "Geschützt durch Acme"
    );
    assert!(Lang::Fr.t("no-such-key").contains("no-such-key"));
}

/// The keys of a catalog (messages only; comments and attributes aside).
fn catalog_keys(lang: &str) -> std::collections::BTreeSet<String> {
    let path = format!(
        "{}/login-ui/locales/{lang}/main.ftl",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
        .collect()
}

/// The keys the code and the templates use: `t("…")`, `t1("…"`,
/// `t_with("…"`, `tr!("…"` in Rust and templates.
fn used_keys() -> std::collections::BTreeSet<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p
                .extension()
                .is_some_and(|x| x == "rs" || x == "html" || x == "txt")
            {
                out.push(p);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("src"), &mut files);
    walk(&root.join("login-ui/templates"), &mut files);
    let mut keys = std::collections::BTreeSet::new();
    for f in files {
        if f.ends_with("i18n/tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for call in ["t(", "t1(", "t2(", "t_with(", "t_count("] {
            for (i, _) in text.match_indices(call) {
                // Only the method (`.t("`, ` t("`), not `format!("…t("`.
                let before = text[..i].chars().last();
                if !matches!(before, Some('.') | Some(' ') | Some('(')) {
                    continue;
                }
                let Some(rest) = text[i + call.len()..].trim_start().strip_prefix('"') else {
                    continue;
                };
                let key: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
                    .collect();
                if !key.is_empty() && rest[key.len()..].starts_with('"') {
                    keys.insert(key);
                }
            }
        }
    }
    keys
}

#[test]
fn every_catalog_has_every_key_the_code_uses_and_no_other() {
    let en = catalog_keys("en");
    let used = used_keys();
    let missing: Vec<_> = used.difference(&en).collect();
    let unused: Vec<_> = en.difference(&used).collect();
    assert!(
        missing.is_empty(),
        "used but not in the English catalog: {missing:?}"
    );
    assert!(
        unused.is_empty(),
        "in the catalog but used nowhere: {unused:?}"
    );
    for lang in ["de", "fr", "es"] {
        let keys = catalog_keys(lang);
        let lacking: Vec<_> = en.difference(&keys).collect();
        let extra: Vec<_> = keys.difference(&en).collect();
        assert!(lacking.is_empty(), "{lang} lacks {lacking:?}");
        assert!(
            extra.is_empty(),
            "{lang} has keys English does not: {extra:?}"
        );
    }
    // And Fluent reads every message of every catalog (a message it
    // cannot parse would come out as English, or as its key).
    let en_text = std::fs::read_to_string(format!(
        "{}/login-ui/locales/en/main.ftl",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_default();
    let variables = |key: &str| -> Vec<(String, String)> {
        let line = en_text
            .lines()
            .find(|l| l.split_once('=').is_some_and(|(k, _)| k.trim() == key))
            .unwrap_or("");
        line.match_indices("{ $")
            .map(|(i, _)| {
                let name: String = line[i + 3..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .collect();
                (name, "X".to_string())
            })
            .collect()
    };
    for lang in Lang::ALL {
        for key in &en {
            let vars = variables(key);
            let args: Vec<(&str, &str)> =
                vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let text = lang.t_with(key, &args);
            assert!(
                !text.contains(key.as_str()),
                "{}: {key} is unreadable",
                lang.code()
            );
            // Words that are the same in some languages ("Code").
            const SAME_WORD: [&str; 8] = [
                "email-code-label",
                "account-passkeys",
                "account-badge-admin",
                "admin-sessions",
                "admin-invites",
                "admin-group-name",
                "admin-token-name",
                "admin-token-label",
            ];
            if lang != Lang::En && vars.is_empty() && !SAME_WORD.contains(&key.as_str()) {
                assert_ne!(
                    text,
                    Lang::En.t(key),
                    "{}: {key} is the English text",
                    lang.code()
                );
            }
        }
    }
}
