//! Real reverse proxies (nginx, Traefik, Caddy, HAProxy) run with the
//! configs from `deploy/`, only their addresses changed to the test's ports.
//! `scripts/test` installs them; a missing one fails the test with a message
//! saying so rather than skipping it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running proxy process.
pub struct ProxyProc {
    child: Child,
    pub port: u16,
    pub name: &'static str,
    dir: tempfile::TempDir,
}

impl ProxyProc {
    pub fn origin(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://localhost:{}{}", self.port, path)
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn logs(&self) -> String {
        let mut out = String::new();
        if let Ok(entries) = std::fs::read_dir(self.dir.path()) {
            for e in entries.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "log") {
                    out.push_str(&format!(
                        "--- {} ---\n{}\n",
                        p.display(),
                        std::fs::read_to_string(&p).unwrap_or_default()
                    ));
                }
            }
        }
        out
    }
}

impl Drop for ProxyProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- {} logs ---\n{}", self.name, self.logs());
        }
    }
}

/// The text of a file under `deploy/`.
pub fn deploy_file(rel: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Point a deploy file at the test's ports: passgate 8080, app 3000, proxy 9000.
pub fn localize(text: &str, gateway: u16, app: u16, proxy: u16) -> String {
    text.replace("127.0.0.1:8080", &format!("127.0.0.1:{gateway}"))
        .replace("127.0.0.1:3000", &format!("127.0.0.1:{app}"))
        .replace("localhost:9000", &format!("localhost:{proxy}"))
        .replace(":9000", &format!(":{proxy}"))
        .replace("listen 9000;", &format!("listen {proxy};"))
}

fn find_binary(name: &str, extra: &[&str]) -> PathBuf {
    let env_key = format!("TEST_BIN_{}", name.to_ascii_uppercase());
    if let Ok(p) = std::env::var(&env_key) {
        return PathBuf::from(p);
    }
    for c in extra {
        if Path::new(c).exists() {
            return PathBuf::from(c);
        }
    }
    if let Ok(path) = std::env::var("PATH") {
        for dir in path.split(':') {
            let p = Path::new(dir).join(name);
            if p.exists() {
                return p;
            }
        }
    }
    panic!(
        "{name} is not installed: run scripts/test (it installs nginx, Caddy, HAProxy and Traefik), or set {env_key}"
    );
}

async fn wait_port(child: &mut Child, port: u16, name: &str, dir: &Path) {
    for _ in 0..400 {
        if let Ok(Some(status)) = child.try_wait() {
            let mut logs = String::new();
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                if e.path().extension().is_some_and(|x| x == "log") {
                    logs.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
                }
            }
            panic!("{name} exited with {status}:\n{logs}");
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{name} did not listen on {port} within 10 s");
}

fn log_file(dir: &Path, name: &str) -> std::fs::File {
    std::fs::File::create(dir.join(format!("{name}.log"))).expect("log file")
}

pub async fn nginx(gateway: u16, app: u16, port: u16) -> ProxyProc {
    nginx_to(&[gateway], app, port).await
}

/// nginx from the deploy kit with several passgate replicas in its
/// `upstream passgate` block (nginx's default balancing and failover).
pub async fn nginx_to(gateways: &[u16], app: u16, port: u16) -> ProxyProc {
    let bin = find_binary("nginx", &["/usr/sbin/nginx"]);
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let first = format!("server 127.0.0.1:{};", gateways[0]);
    let all: Vec<String> = gateways
        .iter()
        .map(|g| format!("server 127.0.0.1:{g};"))
        .collect();
    let conf = localize(&deploy_file("nginx/passgate.conf"), gateways[0], app, port);
    assert!(conf.contains(&first), "the deploy file's upstream block");
    std::fs::write(
        d.join("passgate.conf"),
        conf.replacen(&first, &all.join("\n    "), 1),
    )
    .expect("write");
    std::fs::write(d.join("passgate.js"), deploy_file("nginx/passgate.js")).expect("write");
    // Debian's package enables it in /etc/nginx/modules-enabled; this
    // nginx.conf is the test's own.
    let js_module = "/usr/lib/nginx/modules/ngx_http_js_module.so";
    assert!(
        std::path::Path::new(js_module).exists(),
        "nginx's JavaScript module is not installed (libnginx-mod-http-js): run scripts/test"
    );
    for t in ["body", "proxy", "fastcgi", "uwsgi", "scgi"] {
        std::fs::create_dir_all(d.join(t)).expect("mkdir");
    }
    let main = format!(
        "load_module {js_module};\ndaemon off;\nmaster_process off;\nworker_processes 1;\nuser root;\nerror_log {d}/error.log info;\npid {d}/nginx.pid;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  include {d}/passgate.conf;\n}}\n",
        d = d.display()
    );
    std::fs::write(d.join("nginx.conf"), main).expect("write");
    let mut child = Command::new(bin)
        .args(["-p"])
        .arg(d)
        .arg("-c")
        .arg(d.join("nginx.conf"))
        .arg("-e")
        .arg(d.join("error.log"))
        .stdin(Stdio::null())
        .stdout(log_file(d, "stdout"))
        .stderr(log_file(d, "stderr"))
        .spawn()
        .expect("spawn nginx");
    wait_port(&mut child, port, "nginx", d).await;
    ProxyProc {
        child,
        port,
        name: "nginx",
        dir,
    }
}

pub async fn traefik(gateway: u16, app: u16, port: u16) -> ProxyProc {
    let bin = find_binary("traefik", &["/opt/passgate-test/venv/bin/traefik"]);
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    std::fs::write(
        d.join("traefik.yml"),
        localize(&deploy_file("traefik/traefik.yml"), gateway, app, port),
    )
    .expect("write");
    std::fs::write(
        d.join("dynamic.yml"),
        localize(&deploy_file("traefik/dynamic.yml"), gateway, app, port),
    )
    .expect("write");
    // passgate's local plugin, from Traefik's working directory.
    let plugin = "traefik/plugins-local/src/github.com/passgate/passgate";
    let to = d.join("plugins-local/src/github.com/passgate/passgate");
    std::fs::create_dir_all(&to).expect("mkdir");
    for f in [".traefik.yml", "go.mod", "passgate.go"] {
        std::fs::write(to.join(f), deploy_file(&format!("{plugin}/{f}"))).expect("write");
    }
    let mut child = Command::new(bin)
        .arg(format!("--configFile={}", d.join("traefik.yml").display()))
        .current_dir(d)
        .stdin(Stdio::null())
        .stdout(log_file(d, "stdout"))
        .stderr(log_file(d, "stderr"))
        .spawn()
        .expect("spawn traefik");
    wait_port(&mut child, port, "traefik", d).await;
    // The file provider loads after the entry point opens (and later still
    // on a busy machine): until it has, Traefik answers its own 404 for
    // everything.
    let proc = ProxyProc {
        child,
        port,
        name: "traefik",
        dir,
    };
    let probe = reqwest::Client::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let r = probe.get(proc.url("/.passgate/health/live")).send().await;
        let routed = match r {
            Ok(r) => r.text().await.is_ok_and(|t| t != "404 page not found\n"),
            Err(_) => false,
        };
        if routed {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "traefik did not load its routers within 20 s (logs in {})",
            proc.dir.path().display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    proc
}

pub async fn caddy(gateway: u16, app: u16, port: u16) -> ProxyProc {
    let bin = find_binary("caddy", &["/usr/bin/caddy"]);
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    std::fs::write(
        d.join("Caddyfile"),
        localize(&deploy_file("caddy/Caddyfile"), gateway, app, port),
    )
    .expect("write");
    let mut child = Command::new(bin)
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(d.join("Caddyfile"))
        .current_dir(d)
        .env("HOME", d)
        .env("XDG_DATA_HOME", d.join("data"))
        .env("XDG_CONFIG_HOME", d.join("config"))
        .stdin(Stdio::null())
        .stdout(log_file(d, "stdout"))
        .stderr(log_file(d, "stderr"))
        .spawn()
        .expect("spawn caddy");
    wait_port(&mut child, port, "caddy", d).await;
    ProxyProc {
        child,
        port,
        name: "caddy",
        dir,
    }
}

/// `caddy version`'s first word, without a leading `v` ("2.6.2").
pub fn caddy_version() -> String {
    let bin = find_binary("caddy", &["/usr/bin/caddy"]);
    let out = Command::new(bin)
        .arg("version")
        .output()
        .expect("caddy version");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_start_matches('v')
        .to_string()
}

pub async fn haproxy(gateway: u16, app: u16, port: u16) -> ProxyProc {
    let bin = find_binary("haproxy", &["/usr/sbin/haproxy"]);
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    std::fs::write(
        d.join("haproxy.cfg"),
        localize(&deploy_file("haproxy/haproxy.cfg"), gateway, app, port),
    )
    .expect("write");
    std::fs::write(
        d.join("passgate.lua"),
        localize(&deploy_file("haproxy/passgate.lua"), gateway, app, port),
    )
    .expect("write");
    let mut child = Command::new(bin)
        .args(["-db", "-f"])
        .arg(d.join("haproxy.cfg"))
        .current_dir(d)
        .stdin(Stdio::null())
        .stdout(log_file(d, "stdout"))
        .stderr(log_file(d, "stderr"))
        .spawn()
        .expect("spawn haproxy");
    wait_port(&mut child, port, "haproxy", d).await;
    ProxyProc {
        child,
        port,
        name: "haproxy",
        dir,
    }
}

/// An SMTP sink (PyPI aiosmtpd) that stores every message in a maildir.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn smtp_sink() -> SmtpSink {
    let bin = find_binary(
        "aiosmtpd",
        &[
            concat!(env!("CARGO_MANIFEST_DIR"), "/.tmp/tools/venv/bin/aiosmtpd"),
            "/opt/passgate-test/venv/bin/aiosmtpd",
        ],
    );
    let port = super::gateway::free_port();
    let dir = tempfile::tempdir().expect("tmp");
    for sub in ["tmp", "new", "cur"] {
        std::fs::create_dir_all(dir.path().join(sub)).expect("maildir");
    }
    let mut child = Command::new(bin)
        .args([
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        .arg(dir.path())
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(log_file(dir.path(), "stdout"))
        .stderr(log_file(dir.path(), "stderr"))
        .spawn()
        .expect("spawn aiosmtpd");
    wait_port(&mut child, port, "aiosmtpd", dir.path()).await;
    SmtpSink { child, port, dir }
}

/// Apache httpd with mod_auth_openidc, configured with
/// `deploy/oidc/apache-mod_auth_openidc.conf` (addresses and secrets
/// changed) against the gateway, in front of a page at `/protected/` that
/// shows what Apache received (`REMOTE_USER`, `OIDC_CLAIM_*`).
pub async fn apache_oidc(gateway: u16, port: u16, secret: &str) -> ProxyProc {
    let bin = find_binary("apache2", &["/usr/sbin/apache2"]);
    let modules = Path::new("/usr/lib/apache2/modules");
    assert!(
        modules.join("mod_auth_openidc.so").exists(),
        "mod_auth_openidc is not installed (libapache2-mod-auth-openidc): run scripts/test"
    );
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    // Apache's children run as www-data: they read the pages.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::create_dir_all(d.join("htdocs/protected")).expect("mkdir");
    std::fs::write(
        d.join("htdocs/protected/index.shtml"),
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Apache behind passgate</title></head><body><main>\n\
         <h1>Apache, signed in through passgate</h1>\n\
         <p id=\"user\">REMOTE_USER=<!--#echo var=\"REMOTE_USER\" --></p>\n\
         <p id=\"email\">OIDC_CLAIM_email=<!--#echo var=\"OIDC_CLAIM_email\" --></p>\n\
         <p id=\"groups\">OIDC_CLAIM_groups=<!--#echo var=\"OIDC_CLAIM_groups\" --></p>\n\
         <p id=\"amr\">OIDC_CLAIM_amr=<!--#echo var=\"OIDC_CLAIM_amr\" --></p>\n\
         </main></body></html>\n",
    )
    .expect("write");
    let site = deploy_file("oidc/apache-mod_auth_openidc.conf")
        .replace(
            "https://auth.example.com",
            &format!("http://localhost:{gateway}"),
        )
        .replace(
            "https://wiki.example.com",
            &format!("http://localhost:{port}"),
        )
        .replace("CLIENT-SECRET", secret)
        .replace("CRYPTO-PASSPHRASE", "a-test-passphrase-that-is-long-enough");
    assert!(site.contains(&format!("localhost:{gateway}/.well-known")));
    std::fs::write(d.join("oidc.conf"), site).expect("write");
    let load: String = [
        ("mpm_event_module", "mod_mpm_event.so"),
        ("authn_core_module", "mod_authn_core.so"),
        ("authz_core_module", "mod_authz_core.so"),
        ("authz_user_module", "mod_authz_user.so"),
        ("auth_openidc_module", "mod_auth_openidc.so"),
        ("include_module", "mod_include.so"),
        ("mime_module", "mod_mime.so"),
        ("dir_module", "mod_dir.so"),
    ]
    .iter()
    .map(|(m, f)| format!("LoadModule {m} {}\n", modules.join(f).display()))
    .collect();
    let main = format!(
        "ServerRoot \"{d}\"\nServerName localhost\nListen 127.0.0.1:{port}\nPidFile {d}/httpd.pid\nDefaultRuntimeDir {d}\n\
         ErrorLog {d}/error.log\nLogLevel warn auth_openidc:info\n{load}\
         User www-data\nGroup www-data\n\
         TypesConfig /etc/mime.types\nAddType text/html .shtml\nAddOutputFilter INCLUDES .shtml\nDirectoryIndex index.shtml\n\
         DocumentRoot \"{d}/htdocs\"\n<Directory \"{d}/htdocs\">\n    Options +Includes\n    Require all granted\n</Directory>\n\
         Include {d}/oidc.conf\n",
        d = d.display()
    );
    std::fs::write(d.join("httpd.conf"), main).expect("write");
    let mut child = Command::new(bin)
        .arg("-f")
        .arg(d.join("httpd.conf"))
        .arg("-DFOREGROUND")
        .stdin(Stdio::null())
        .stdout(log_file(d, "stdout"))
        .stderr(log_file(d, "stderr"))
        .spawn()
        .expect("spawn apache2");
    wait_port(&mut child, port, "apache2", d).await;
    ProxyProc {
        child,
        port,
        name: "apache2",
        dir,
    }
}
