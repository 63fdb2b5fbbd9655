//! The sign-in pages in real Chromium: runs `tests/e2e/suite.mjs`
//! (playwright-core with a CDP virtual passkey authenticator) against the
//! real gateway and the demo upstream. Screenshots of every page, light and
//! dark, land in `target/e2e-screenshots/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

use crate::common::gateway::{Gateway, Upstream};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_pages_in_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let e2e = root.join("tests/e2e");
    assert!(
        e2e.join("node_modules/playwright-core").exists(),
        "playwright-core is not installed: run scripts/test (it runs `npm ci` in tests/e2e)"
    );
    let chromium =
        std::env::var("TEST_BIN_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "Chromium is not installed at {chromium}: run scripts/test"
    );

    let up = Upstream::start().await;
    let apache_port = crate::common::gateway::free_port();
    const SECRET: &str = "an-apache-client-secret-of-40-characters";
    let gw = Gateway::start(|s| {
        std::fs::write(s.dir.join("apache.secret"), SECRET).unwrap();
        s.config(
            "",
            &format!(
                "[signup]\nmode = \"open\"\nadmins = [\"erin@example.com\"]\n\n\
                 [[oidc.client]]\nid = \"apache\"\nname = \"The wiki\"\nsecret_file = \"apache.secret\"\n\
                 redirect_uris = [\"http://localhost:{apache_port}/protected/redirect_uri\"]\n\
                 post_logout_redirect_uris = [\"http://localhost:{apache_port}/\"]\n\n\
                 [[oidc.client]]\nid = \"ops-only\"\nname = \"Ops console\"\nsecret_file = \"apache.secret\"\ngroups = [\"ops\"]\n\
                 redirect_uris = [\"http://localhost:{apache_port}/protected/redirect_uri\"]\n\n\
                 [[route]]\nhost = \"localhost\"\npath = \"/sensitive\"\nrequire = [\"passkey\"]\nupstream = \"{up}\"\n\n\
                 [[route]]\nhost = \"localhost\"\npath = \"/fresh\"\nmax_age = \"4s\"\nupstream = \"{up}\"\n\n\
                 [[route]]\nhost = \"localhost\"\nupstream = \"{up}\"\n",
                up = up.echo_url()
            ),
        )
    })
    .await;
    up.echo
        .set_jwks_url(&format!("http://127.0.0.1:{}/.passgate/jwks.json", gw.port));
    let apache = crate::common::proxies::apache_oidc(gw.port, apache_port, SECRET).await;
    let apache_origin = apache.origin();
    let shots = root.join("target/e2e-screenshots");
    let node_dir = e2e.clone();
    let base = gw.origin();
    let outbox = gw.dir.path().join("outbox");
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("suite.mjs")
            .current_dir(&node_dir)
            .env("E2E_BASE", base)
            .env("E2E_APACHE", apache_origin)
            .env("E2E_OUTBOX", outbox)
            .env("E2E_SHOTS", &shots)
            .env("E2E_CHROMIUM", chromium)
            .env("TMPDIR", std::env::temp_dir())
            .output()
            .expect("run node")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "the Chromium suite failed:\n{stdout}\n{stderr}\n--- gateway log ---\n{}\n--- apache ---\n{}",
        gw.log(),
        apache.logs()
    );
    assert!(!gw.log().contains("panicked"));
}
