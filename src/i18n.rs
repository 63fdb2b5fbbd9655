//! Pages and emails in the reader's language: Fluent message catalogs
//! (`login-ui/locales/<lang>/main.ftl`, embedded at build time through
//! `fluent-templates`), the choice of language for a request, and the
//! lookups the templates call.
//!
//! The language is, in order: the reader's own choice (the language links
//! at the foot of every page set the `passgate_lang` cookie), the first of
//! their browser's `Accept-Language` that passgate has, and
//! `branding.language`. Every catalog has every key (a test holds them to
//! each other and to the keys the code uses).

use std::collections::HashMap;
use std::sync::OnceLock;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use http::HeaderMap;

fluent_templates::static_loader! {
    static CATALOGS = {
        locales: "./login-ui/locales",
        fallback_language: "en",
        // No Unicode isolation marks around values: they would show up in
        // attributes, emails and plain-text answers.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The cookie that keeps the reader's choice.
pub const COOKIE: &str = "passgate_lang";

/// A language passgate speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    De,
    Fr,
    Es,
}

impl Lang {
    pub const ALL: [Lang; 4] = [Lang::En, Lang::De, Lang::Fr, Lang::Es];

    /// The language's code (`de`), as in `<html lang>` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
            Lang::Es => "es",
        }
    }

    /// Its name in itself, for the language links.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
            Lang::Fr => "Français",
            Lang::Es => "Español",
        }
    }

    /// A language tag (`de`, `de-AT`, `FR`) as one of ours, by its primary
    /// subtag.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next()?.trim();
        Lang::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(primary))
    }

    fn id(self) -> &'static LanguageIdentifier {
        static IDS: OnceLock<[LanguageIdentifier; 4]> = OnceLock::new();
        let ids = IDS.get_or_init(|| Lang::ALL.map(|l| l.code().parse().unwrap_or_default()));
        &ids[self as usize]
    }

    /// The message `key`.
    pub fn t(self, key: &str) -> String {
        CATALOGS.lookup(self.id(), key)
    }

    /// The message `key` with its `{ $name }` placeholders filled.
    pub fn t_with(self, key: &str, args: &[(&str, &str)]) -> String {
        let args: HashMap<std::borrow::Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(k, v)| {
                (
                    std::borrow::Cow::Owned(k.to_string()),
                    FluentValue::from(*v),
                )
            })
            .collect();
        CATALOGS.lookup_with_args(self.id(), key, &args)
    }

    /// The message `key` for a count `$n` (plural forms: `one`, `other`).
    pub fn t_count(self, key: &str, n: impl std::borrow::Borrow<i64>) -> String {
        let mut args: HashMap<std::borrow::Cow<'static, str>, FluentValue<'_>> = HashMap::new();
        args.insert("n".into(), FluentValue::from(*n.borrow()));
        CATALOGS.lookup_with_args(self.id(), key, &args)
    }
}

/// The language for a request: the reader's choice (cookie), else the
/// best of their `Accept-Language` that passgate has, else `default`.
pub fn negotiate(headers: &HeaderMap, default: Lang) -> Lang {
    if let Some(l) = crate::cookies::value(headers, COOKIE).and_then(Lang::parse) {
        return l;
    }
    accept_language(headers).unwrap_or(default)
}

/// The first language of `Accept-Language`, by quality (ties in the
/// order given), that passgate has. `*` and malformed entries are skipped.
fn accept_language(headers: &HeaderMap) -> Option<Lang> {
    let mut best: Option<(u16, usize, Lang)> = None;
    let mut i = 0usize;
    for field in headers.get_all(http::header::ACCEPT_LANGUAGE) {
        let Ok(text) = field.to_str() else { continue };
        for entry in text.split(',').take(32) {
            i += 1;
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), quality);
            let (Some(q), Some(lang)) = (q, Lang::parse(tag)) else {
                continue;
            };
            if q == 0 {
                continue;
            }
            if best.is_none_or(|(bq, bi, _)| q > bq || (q == bq && i < bi)) {
                best = Some((q, i, lang));
            }
        }
    }
    best.map(|(_, _, l)| l)
}

/// A `q` value (0 to 1, up to three decimals) in thousandths.
fn quality(s: &str) -> Option<u16> {
    let s = s.trim();
    let v: f32 = s.parse().ok()?;
    (0.0..=1.0)
        .contains(&v)
        .then(|| (v * 1000.0).round() as u16)
}

#[cfg(test)]
mod tests;
