//! A cookie-keeping HTTP client that behaves like a browser on passgate's
//! pages (sends `Origin`, finds the CSRF token in forms), and mail readers
//! for the outbox and the SMTP sink.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use reqwest::cookie::CookieStore;
use serde_json::Value;

pub struct Browser {
    pub client: reqwest::Client,
    pub jar: Arc<reqwest::cookie::Jar>,
    pub origin: String,
}

impl Browser {
    pub fn new(origin: &str) -> Self {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        Browser {
            client,
            jar,
            origin: origin.to_string(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{}", self.origin, path)
        }
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let r = self
            .client
            .get(self.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .expect("get");
        let s = r.status().as_u16();
        (s, r.text().await.unwrap_or_default())
    }

    /// This browser's CSRF token (loads the sign-in page if needed).
    pub async fn csrf(&self) -> String {
        if let Some(t) = self.cookie("passgate_csrf") {
            return t;
        }
        let (_, page) = self.get("/.passgate/login").await;
        form_value(&page, "csrf").expect("csrf in the page")
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = reqwest::Url::parse(&self.origin).expect("origin");
        let header = self.jar.cookies(&url)?;
        header.to_str().ok()?.split(';').find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    }

    /// A form POST from this browser (with `Origin`).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("origin", &self.origin)
            .header("accept", "text/html")
            .form(fields)
            .send()
            .await
            .expect("post")
    }

    /// A form POST with this browser's CSRF token added.
    pub async fn submit(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.submit_with(path, fields, &[]).await
    }

    /// [`Browser::submit`] with more request fields (as a proxy in front
    /// would add them).
    pub async fn submit_with(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let csrf = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        let mut r = self
            .client
            .post(self.url(path))
            .header("origin", &self.origin)
            .header("accept", "text/html");
        for (n, v) in headers {
            r = r.header(*n, *v);
        }
        r.form(&all).send().await.expect("post")
    }

    /// A JSON POST as `passkey.js` makes it.
    pub async fn json(&self, path: &str, body: &Value) -> (u16, Value, reqwest::header::HeaderMap) {
        let csrf = self.csrf().await;
        let r = self
            .client
            .post(self.url(path))
            .header("origin", &self.origin)
            .header("x-csrf-token", csrf)
            .json(body)
            .send()
            .await
            .expect("post json");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        (status, r.json().await.unwrap_or(Value::Null), headers)
    }

    pub async fn whoami(&self) -> Option<Value> {
        let r = self
            .client
            .get(self.url("/.passgate/whoami"))
            .send()
            .await
            .expect("whoami");
        if r.status() == 200 {
            r.json().await.ok()
        } else {
            None
        }
    }
}

/// The value of a hidden form field in a page.
pub fn form_value(page: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = page.find(&needle)? + needle.len();
    let end = page[start..].find('"')? + start;
    Some(page[start..end].replace("&amp;", "&"))
}

fn decode_qp(s: &str) -> String {
    let s = s.replace("=\r\n", "").replace("=\n", "");
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).to_string()
}

/// The newest message to `to` in a folder of `.eml` files (the outbox) or a
/// maildir (`new/`): its sign-in link and code.
pub async fn mail(dir: &Path, to: &str, newer_than: std::time::SystemTime) -> (String, String) {
    for _ in 0..200 {
        let mut found: Vec<(std::time::SystemTime, String)> = Vec::new();
        for d in [dir.to_path_buf(), dir.join("new")] {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if !p.is_file() {
                    continue;
                }
                let t = e
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                let raw = std::fs::read_to_string(&p).unwrap_or_default();
                if t >= newer_than && raw.contains(&format!("To: {to}")) {
                    found.push((t, raw));
                }
            }
        }
        found.sort_by_key(|(t, _)| *t);
        if let Some((_, raw)) = found.last() {
            let body = decode_qp(raw);
            let link = body
                .split_whitespace()
                .find(|w| w.contains("/.passgate/email/verify?token="))
                .map(|w| {
                    w.trim_matches(|c: char| c == '"' || c == '<' || c == '>')
                        .to_string()
                });
            let code = body.split("sign-in page:").nth(1).and_then(|rest| {
                rest.split(|c: char| !c.is_ascii_digit())
                    .find(|w| w.len() == 6)
                    .map(str::to_string)
            });
            // A mail sent while codes are paused for the address carries
            // the link only (the code is then empty).
            let paused = body.contains("Sign-in codes are paused");
            if let Some(l) = link
                && (code.is_some() || paused)
            {
                let l = l.split('"').next().unwrap_or(&l).to_string();
                return (l, code.unwrap_or_default());
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no sign-in mail to {to} in {}", dir.display());
}

/// Count messages to `to`.
pub fn mail_count(dir: &Path, to: &str) -> usize {
    [dir.to_path_buf(), dir.join("new")]
        .iter()
        .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().flatten())
        .filter(|e| {
            e.path().is_file()
                && std::fs::read_to_string(e.path())
                    .unwrap_or_default()
                    .contains(&format!("To: {to}"))
        })
        .count()
}
