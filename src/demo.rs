//! The demo upstream: a small app that shows what passgate sent it.
//!
//! `passgate demo` runs it behind the gateway so a newcomer can see the
//! identity headers and whether the assertion verified against the
//! gateway's JWKS — exactly what their own app would do. The integration
//! tests and benchmarks use it as their upstream too, so it also has a few
//! test endpoints: `/__download?bytes=N` (streams N bytes), `/__upload`
//! (counts a streamed body), `/__slow?ms=N`, `/__status?code=N`; and any
//! page with `?set-cookie=NAME` sets that cookie (as a hostile app would
//! try with passgate's).

use std::convert::Infallible;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::json;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

type EchoBody = BoxBody<Bytes, Infallible>;

/// Shared state of the echo app.
pub struct Echo {
    /// Where to fetch the gateway's JWKS (None: do not verify).
    jwks_url: RwLock<Option<String>>,
    assertion_header: String,
    jwks: RwLock<Option<Bytes>>,
}

impl Echo {
    pub fn new(jwks_url: Option<String>, assertion_header: &str) -> Arc<Self> {
        Arc::new(Self {
            jwks_url: RwLock::new(jwks_url),
            assertion_header: assertion_header.to_ascii_lowercase(),
            jwks: RwLock::new(None),
        })
    }

    /// Verify assertions against this JWKS from now on.
    pub fn set_jwks_url(&self, url: &str) {
        if let Ok(mut u) = self.jwks_url.write() {
            *u = Some(url.to_string());
        }
    }

    async fn fetch_jwks(&self) -> Option<Bytes> {
        let url = self.jwks_url.read().ok()?.clone()?;
        let client: hyper_util::client::legacy::Client<_, http_body_util::Empty<Bytes>> =
            hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build_http();
        let uri: http::Uri = url.parse().ok()?;
        let resp = tokio::time::timeout(Duration::from_secs(3), client.get(uri))
            .await
            .ok()?
            .ok()?;
        let body = resp.into_body().collect().await.ok()?.to_bytes();
        if let Ok(mut j) = self.jwks.write() {
            *j = Some(body.clone());
        }
        Some(body)
    }

    /// Verify the assertion, refreshing the JWKS once if the key is unknown.
    async fn verify(&self, token: &str) -> serde_json::Value {
        let now = crate::clock::Clock::now(&crate::clock::SystemClock);
        let cached = self.jwks.read().ok().and_then(|j| j.clone());
        let first = match &cached {
            Some(j) => crate::identity::verify(token, j, now),
            None => Err("no JWKS yet".into()),
        };
        let result = match first {
            Ok(c) => Ok(c),
            Err(_) => match self.fetch_jwks().await {
                Some(j) => crate::identity::verify(token, &j, now),
                None => Err("cannot fetch the gateway's JWKS".into()),
            },
        };
        match result {
            Ok(claims) => json!({ "verified": true, "claims": claims }),
            Err(e) => json!({ "verified": false, "error": e }),
        }
    }
}

fn full(b: impl Into<Bytes>) -> EchoBody {
    Full::new(b.into()).boxed()
}

fn query_num(q: Option<&str>, key: &str) -> Option<u64> {
    q?.split('&')
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
}

async fn handle(echo: Arc<Echo>, req: Request<Incoming>) -> Response<EchoBody> {
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    match path.as_str() {
        "/__download" => {
            let total = query_num(query.as_deref(), "bytes").unwrap_or(1024);
            let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
            let stream = futures_util::stream::unfold(total, move |left| {
                let chunk = chunk.clone();
                async move {
                    if left == 0 {
                        return None;
                    }
                    let n = left.min(chunk.len() as u64) as usize;
                    Some((
                        Ok::<_, Infallible>(Frame::data(chunk.slice(..n))),
                        left - n as u64,
                    ))
                }
            });
            let mut r = Response::new(http_body_util::StreamBody::new(stream).boxed());
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            return r;
        }
        "/__upload" => {
            let mut body = req.into_body();
            let mut n: u64 = 0;
            while let Some(frame) = body.frame().await {
                match frame {
                    Ok(f) => {
                        if let Some(d) = f.data_ref() {
                            n += d.len() as u64;
                        }
                    }
                    Err(e) => {
                        let mut r = Response::new(full(format!("upload failed: {e}")));
                        *r.status_mut() = StatusCode::BAD_REQUEST;
                        return r;
                    }
                }
            }
            return json_response(StatusCode::OK, &json!({ "bytes": n }));
        }
        "/__slow" => {
            let ms = query_num(query.as_deref(), "ms").unwrap_or(1000);
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        "/__status" => {
            let code = query_num(query.as_deref(), "code")
                .and_then(|c| StatusCode::from_u16(c as u16).ok())
                .unwrap_or(StatusCode::OK);
            let mut r = Response::new(full(format!("{code}\n")));
            *r.status_mut() = code;
            return r;
        }
        _ => {}
    }
    let mut headers = serde_json::Map::new();
    for name in req.headers().keys() {
        let values: Vec<serde_json::Value> = req
            .headers()
            .get_all(name)
            .iter()
            .map(|v| json!(String::from_utf8_lossy(v.as_bytes())))
            .collect();
        headers.insert(name.as_str().to_string(), serde_json::Value::Array(values));
    }
    let assertion = match req
        .headers()
        .get(echo.assertion_header.as_str())
        .and_then(|v| v.to_str().ok())
    {
        Some(t) if !t.is_empty() => echo.verify(t).await,
        _ => json!({ "verified": false, "error": "no assertion header" }),
    };
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let info = json!({
        "method": req.method().as_str(),
        "path": path,
        "query": query,
        "version": format!("{:?}", req.version()),
        "headers": headers,
        "assertion": assertion,
    });
    let mut r = if wants_html {
        let mut r = Response::new(full(echo_page(&info)));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        r
    } else {
        json_response(StatusCode::OK, &info)
    };
    for name in query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.strip_prefix("set-cookie="))
    {
        if let Ok(v) = HeaderValue::try_from(format!("{name}=planted; Path=/")) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
}

fn json_response(status: StatusCode, v: &serde_json::Value) -> Response<EchoBody> {
    let mut r = Response::new(full(v.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn echo_page(info: &serde_json::Value) -> String {
    let h = |name: &str| -> String {
        info["headers"][name]
            .as_array()
            .and_then(|a| a.first())
            .and_then(|v| v.as_str())
            .map(esc)
            .unwrap_or_default()
    };
    let name = h("remote-name");
    let email = h("remote-email");
    let who = if !name.is_empty() {
        name.clone()
    } else if !email.is_empty() {
        email.clone()
    } else {
        "stranger".into()
    };
    let verified = info["assertion"]["verified"].as_bool().unwrap_or(false);
    let verdict = if verified {
        "<span class=ok>verified</span> against the gateway's JWKS".to_string()
    } else {
        format!(
            "<span class=bad>not verified</span>: {}",
            esc(info["assertion"]["error"].as_str().unwrap_or(""))
        )
    };
    let claims = serde_json::to_string_pretty(&info["assertion"]["claims"]).unwrap_or_default();
    let mut rows = String::new();
    for n in [
        "remote-user",
        "remote-email",
        "remote-name",
        "remote-groups",
        "x-auth-request-user",
        "x-auth-request-email",
        "x-auth-request-groups",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-forwarded-host",
        "x-request-id",
    ] {
        if info["headers"].get(n).is_some() {
            rows.push_str(&format!("<tr><th>{n}</th><td>{}</td></tr>", h(n)));
        }
    }
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"><title>Demo app</title>
<style>:root{{--fg:#1b2330;--bg:#ffffff;--a:#1f5fd6;--ok:#1d7f45;--bad:#c62828}}@media (prefers-color-scheme:dark){{:root{{--fg:#e8ecf3;--bg:#0e1117;--a:#8ab4ff;--ok:#4cc27c;--bad:#ff6b6b}}}}body{{font:16px/1.5 system-ui,sans-serif;max-width:760px;margin:40px auto;padding:0 16px;color:var(--fg);background:var(--bg)}}a{{color:var(--a)}}table{{border-collapse:collapse;width:100%}}th,td{{text-align:left;padding:6px 8px;border-bottom:1px solid #8884;vertical-align:top}}th{{white-space:nowrap;font-family:ui-monospace,monospace;font-weight:500}}pre{{background:#8882;color:var(--fg);padding:12px;border-radius:8px;overflow:auto}}.ok{{color:var(--ok);font-weight:600}}.bad{{color:var(--bad);font-weight:600}}</style></head>
<body><h1>Hello, {who}</h1><p>This is the demo application behind passgate. It received these identity headers:</p>
<table>{rows}</table><h2>Assertion</h2><p>The <code>X-Passgate-Assertion</code> JWT is {verdict}.</p><pre>{claims}</pre>
<p><a href="/.passgate/account">Your account</a> · <a href="/public">A public page</a> · <a href="/.passgate/logout">Sign out</a></p></body></html>"#,
        claims = esc(&claims)
    )
}

/// Serve the echo app on `listener` until `shutdown` fires.
pub async fn serve(listener: TcpListener, echo: Arc<Echo>, shutdown: CancellationToken) {
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    loop {
        let (stream, _) = tokio::select! {
            r = listener.accept() => match r { Ok(x) => x, Err(_) => continue },
            _ = shutdown.cancelled() => return,
        };
        let _ = stream.set_nodelay(true);
        let echo = echo.clone();
        let builder = builder.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| {
                let echo = echo.clone();
                async move { Ok::<_, Infallible>(handle(echo, req).await) }
            });
            let _ = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), svc)
                .await;
        });
    }
}
