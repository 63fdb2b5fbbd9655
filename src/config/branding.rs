//! `[branding]`: the name, logo and colour the pages show.

use super::raw::RawBranding;
use super::validate::Validator;

#[derive(Debug, Clone)]
pub struct BrandingConfig {
    pub name: String,
    pub logo_url: Option<String>,
    pub accent_color: String,
    /// Pages and emails in this language unless the reader's browser asks
    /// for another passgate has (or they chose one).
    pub language: crate::i18n::Lang,
}

pub(super) fn check(b: &RawBranding, v: &mut Validator) -> BrandingConfig {
    if b.name.trim().is_empty() {
        v.problem("branding.name", "must not be empty");
    }
    let logo_url = if b.logo_url.trim().is_empty() {
        None
    } else {
        let l = b.logo_url.trim();
        let ok = l.starts_with('/') && !l.starts_with("//")
            || url::Url::parse(l).is_ok_and(|u| u.scheme() == "https" || u.scheme() == "http");
        if !ok {
            v.problem(
                "branding.logo_url",
                "must be an http(s) URL or a path starting with /",
            );
        }
        Some(l.to_string())
    };
    let accent_ok = {
        let c = b.accent_color.trim();
        c.starts_with('#')
            && matches!(c.len(), 4 | 7)
            && c[1..].bytes().all(|x| x.is_ascii_hexdigit())
    };
    if !accent_ok {
        v.problem(
            "branding.accent_color",
            "must be a hex colour like \"#2f6feb\" or \"#36c\"",
        );
    }

    let language = match crate::i18n::Lang::parse(b.language.trim()) {
        Some(l) => l,
        None => {
            v.problem(
                "branding.language",
                format!(
                    "{:?} is not one of {}",
                    b.language,
                    crate::i18n::Lang::ALL
                        .map(|l| format!("\"{}\"", l.code()))
                        .join(", ")
                ),
            );
            crate::i18n::Lang::En
        }
    };
    BrandingConfig {
        name: b.name.trim().to_string(),
        logo_url,
        accent_color: b.accent_color.trim().to_string(),
        language,
    }
}
