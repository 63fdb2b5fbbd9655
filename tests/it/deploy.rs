//! The deploy kit and docs stay honest: everything that cannot run here (no
//! Docker engine, no Kubernetes, no systemd) is parsed and cross-checked;
//! every passgate config in the repository is validated by passgate itself;
//! and the config reference matches the code key for key. (The proxy
//! examples run for real in `tests/it/forward_auth.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use passgate::Config;
use serde_yaml::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn validate(text: &str, name: &str, env: &[(&str, &str)], base: &Path) -> Config {
    Config::from_toml(
        text,
        name,
        env.iter().map(|(k, v)| (k.to_string(), v.to_string())),
        base,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_passgate_config_in_the_repository_is_valid() {
    let base = root();
    validate(&read("gateway.toml"), "gateway.toml", &[], base);
    validate(
        &read("deploy/passgate-forward-auth.toml"),
        "deploy/passgate-forward-auth.toml",
        &[],
        base,
    );
    let compose = validate(
        &read("deploy/compose/gateway.toml"),
        "deploy/compose/gateway.toml",
        &[
            (
                "PASSGATE_STORAGE_DATABASE_URL",
                "postgres://passgate:passgate@postgres:5432/passgate",
            ),
            ("PASSGATE_STORAGE_REDIS_URL", "redis://redis:6379"),
        ],
        base,
    );
    assert_eq!(
        compose.storage.redis_url.as_ref().map(|r| r.expose()),
        Some("redis://redis:6379")
    );
    assert!(compose.server.metrics_listen.is_some());
}

fn compose() -> Value {
    serde_yaml::from_str(&read("docker-compose.yml")).unwrap()
}

#[test]
fn docker_compose_references_only_what_it_defines() {
    let c = compose();
    let services = c["services"].as_mapping().unwrap();
    let names: BTreeSet<String> = services
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    for want in ["passgate", "postgres", "redis", "app"] {
        assert!(names.contains(want), "service {want} missing");
    }
    let volumes: BTreeSet<String> = c["volumes"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    for (name, svc) in services {
        let name = name.as_str().unwrap();
        if let Some(deps) = svc["depends_on"].as_mapping() {
            for (dep, cond) in deps {
                let dep = dep.as_str().unwrap();
                assert!(names.contains(dep), "{name} depends on undefined {dep}");
                let cond = cond["condition"].as_str().unwrap();
                assert!(
                    [
                        "service_healthy",
                        "service_started",
                        "service_completed_successfully"
                    ]
                    .contains(&cond)
                );
                if cond == "service_healthy" {
                    assert!(
                        !services[dep]["healthcheck"].is_null(),
                        "{name} waits for {dep} to be healthy, but {dep} has no healthcheck"
                    );
                }
            }
        }
        for v in svc["volumes"].as_sequence().into_iter().flatten() {
            let src = v.as_str().unwrap().split(':').next().unwrap();
            if src.starts_with('.') || src.starts_with('/') {
                assert!(
                    root().join(src).exists(),
                    "{name} mounts {src}, which is not in the repository"
                );
            } else {
                assert!(volumes.contains(src), "{name} uses undefined volume {src}");
            }
        }
    }
    let pg = &services["passgate"];
    assert_eq!(
        pg["build"]["dockerfile"].as_str(),
        Some("deploy/Dockerfile")
    );
    assert!(
        root()
            .join(pg["build"]["dockerfile"].as_str().unwrap())
            .exists()
    );
    for dep in ["postgres", "redis"] {
        assert_eq!(
            pg["depends_on"][dep]["condition"].as_str(),
            Some("service_healthy")
        );
    }
    assert!(
        pg["healthcheck"]["test"]
            .as_sequence()
            .unwrap()
            .iter()
            .any(|t| t.as_str().unwrap_or("").contains("/.passgate/health/ready"))
    );
    // The config it mounts is the one validated above, at the path the image reads.
    let mount = pg["volumes"][0].as_str().unwrap();
    assert_eq!(
        mount,
        "./deploy/compose/gateway.toml:/etc/passgate/gateway.toml:ro"
    );
}

#[test]
fn the_dockerfile_builds_and_runs_what_the_readme_says() {
    let d = read("deploy/Dockerfile");
    let stages: Vec<&str> = d.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(
        stages.len(),
        2,
        "multi-stage: a build stage and a small runtime stage"
    );
    assert!(stages[0].contains(" AS build"));
    assert!(stages[1].contains("-slim"), "small runtime image");
    assert!(d.contains("RUN cargo build --release --locked --bin passgate"));
    assert!(d.contains("COPY --from=build /src/target/release/passgate /usr/local/bin/passgate"));
    let user = d.lines().find(|l| l.starts_with("USER ")).expect("USER");
    assert!(
        !user.contains("root") && !user.contains(" 0"),
        "non-root: {user}"
    );
    assert!(d.contains("ENTRYPOINT [\"/usr/local/bin/passgate\"]"));
    assert!(d.contains("CMD [\"serve\", \"--config\", \"/etc/passgate/gateway.toml\"]"));
    // Everything the build copies exists.
    for l in d
        .lines()
        .filter(|l| l.starts_with("COPY ") && !l.contains("--from"))
    {
        let parts: Vec<&str> = l.split_whitespace().collect();
        for src in &parts[1..parts.len() - 1] {
            assert!(
                root().join(src).exists(),
                "the Dockerfile copies {src}, which does not exist"
            );
        }
    }
    let readme = read("README.md");
    assert!(
        readme.contains("docker build -f deploy/Dockerfile -t passgate ."),
        "the README shows the build command"
    );
    assert!(
        readme.contains("docker compose up --build"),
        "the README shows the compose command"
    );
}

#[test]
fn the_systemd_unit_is_hardened_and_runs_passgate() {
    let u = read("deploy/systemd/passgate.service");
    let mut sections: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut current = String::new();
    for line in u
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        if line.starts_with('[') {
            current = line.trim_matches(['[', ']']).to_string();
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("not a key=value line: {line}"));
        sections
            .entry(current.clone())
            .or_default()
            .push((k.to_string(), v.to_string()));
    }
    assert_eq!(
        sections.keys().cloned().collect::<Vec<_>>(),
        vec!["Install", "Service", "Unit"]
    );
    let svc = &sections["Service"];
    let get = |k: &str| svc.iter().find(|(kk, _)| kk == k).map(|(_, v)| v.as_str());
    assert_eq!(
        get("ExecStart"),
        Some("/usr/local/bin/passgate --config /etc/passgate/gateway.toml serve")
    );
    assert_eq!(get("ExecReload"), Some("/bin/kill -HUP $MAINPID"));
    for (k, v) in [
        ("DynamicUser", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("NoNewPrivileges", "yes"),
        ("PrivateTmp", "yes"),
        ("StateDirectory", "passgate"),
    ] {
        assert_eq!(get(k), Some(v), "{k}");
    }
    assert_eq!(get("CapabilityBoundingSet"), Some(""), "no capabilities");
    // passgate's own CLI accepts the command lines the unit uses.
    for line in [get("ExecStart").unwrap(), get("ExecStartPre").unwrap()] {
        let args: Vec<&str> = line.split_whitespace().skip(1).collect();
        assert!(
            <passgate::cli::Cli as clap::Parser>::try_parse_from(
                std::iter::once("passgate").chain(args.iter().copied())
            )
            .is_ok(),
            "{line}"
        );
    }
}

#[test]
fn the_kubernetes_manifests_are_complete_and_their_config_is_valid() {
    let docs: Vec<Value> =
        serde_yaml::Deserializer::from_str(&read("deploy/kubernetes/passgate.yaml"))
            .map(|d| Value::deserialize(d).unwrap())
            .collect();
    use serde::Deserialize;
    let kind = |k: &str| docs.iter().filter(|d| d["kind"] == k).collect::<Vec<_>>();
    let deployment = kind("Deployment")[0];
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        container["livenessProbe"]["httpGet"]["path"].as_str(),
        Some("/.passgate/health/live")
    );
    assert_eq!(
        container["readinessProbe"]["httpGet"]["path"].as_str(),
        Some("/.passgate/health/ready")
    );
    assert_eq!(
        deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"].as_bool(),
        Some(true)
    );
    assert!(deployment["spec"]["replicas"].as_u64().unwrap() >= 2);
    let service = kind("Service")[0];
    assert_eq!(
        service["spec"]["selector"],
        deployment["spec"]["selector"]["matchLabels"]
    );
    // The ConfigMap holds a valid config (with the Secret's values as files).
    let cm = kind("ConfigMap")[0];
    let secret = kind("Secret")[0];
    let dir = tempfile::tempdir().unwrap();
    for (k, v) in secret["stringData"].as_mapping().unwrap() {
        std::fs::write(dir.path().join(k.as_str().unwrap()), v.as_str().unwrap()).unwrap();
    }
    let text = cm["data"]["gateway.toml"].as_str().unwrap().replace(
        "/etc/passgate/secrets/",
        &format!("{}/", dir.path().display()),
    );
    let cfg = validate(&text, "ConfigMap passgate", &[], dir.path());
    assert!(
        cfg.storage.redis_url.is_some(),
        "several replicas need Redis"
    );
    assert!(
        cfg.storage.database_url.expose().starts_with("postgres://"),
        "several replicas need PostgreSQL"
    );
    // Every file the config reads is mounted from the Secret.
    for key in ["database_url", "redis_url", "smtp_url"] {
        assert!(
            secret["stringData"][key].is_string(),
            "the Secret provides {key}"
        );
    }
    // ingress-nginx asks passgate and sends people to its login page.
    let app = kind("Ingress")
        .into_iter()
        .find(|i| i["metadata"]["annotations"]["nginx.ingress.kubernetes.io/auth-url"].is_string())
        .expect("annotated Ingress");
    let a = &app["metadata"]["annotations"];
    assert!(
        a["nginx.ingress.kubernetes.io/auth-url"]
            .as_str()
            .unwrap()
            .ends_with("/.passgate/authz/auth-request")
    );
    assert!(
        a["nginx.ingress.kubernetes.io/auth-signin"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/.passgate/login?rd=", cfg.server.portal.origin))
    );
    let host = app["spec"]["rules"][0]["host"].as_str().unwrap();
    assert!(
        cfg.routes
            .lookup(
                host,
                443,
                "/",
                &passgate::authz::Asker {
                    method: &http::Method::GET,
                    client: None
                }
            )
            .unwrap()
            .is_some(),
        "a rule covers {host}"
    );
}

#[test]
fn the_traefik_docker_labels_reference_what_they_define() {
    let c: Value = serde_yaml::from_str(&read("deploy/traefik/docker-compose.labels.yml")).unwrap();
    let mut defined = BTreeSet::new();
    let mut used = Vec::new();
    for (_, svc) in c["services"].as_mapping().unwrap() {
        for l in svc["labels"].as_sequence().into_iter().flatten() {
            let l = l.as_str().unwrap();
            if let Some(rest) = l.strip_prefix("traefik.http.middlewares.") {
                defined.insert(rest.split('.').next().unwrap().to_string());
            }
            if let Some((k, v)) = l.split_once('=')
                && k.ends_with(".middlewares")
            {
                used.extend(
                    v.split(',')
                        .map(|m| m.trim_end_matches("@docker").to_string()),
                );
            }
        }
    }
    assert!(!used.is_empty());
    for m in used {
        assert!(
            defined.contains(&m),
            "middleware {m} is used but not defined"
        );
    }
    let main = compose();
    for (name, _) in c["services"].as_mapping().unwrap() {
        let name = name.as_str().unwrap();
        assert!(
            name == "traefik" || !main["services"][name].is_null(),
            "{name} is not a service of docker-compose.yml"
        );
    }
}

/// Every key in the config struct, with its default, as "section.key" → TOML literal.
fn keys_from_code() -> BTreeMap<String, String> {
    let mut raw = passgate::config::RawConfig::default();
    raw.route.push(Default::default());
    raw.oidc.client.push(Default::default());
    let v: toml::Table = toml::from_str(&toml::to_string(&raw).unwrap()).unwrap();
    fn walk(prefix: &str, table: &toml::Table, out: &mut BTreeMap<String, String>) {
        for (k, val) in table {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match val {
                toml::Value::Table(t) => walk(&key, t, out),
                toml::Value::Array(a) if a.first().is_some_and(|x| x.is_table()) => {
                    walk(&format!("{key}[]"), a[0].as_table().unwrap(), out)
                }
                _ if prefix.is_empty() => {}
                _ => {
                    out.insert(key, val.to_string());
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    walk("", &v, &mut out);
    out
}

#[test]
fn the_config_reference_lists_every_key_with_its_default() {
    let doc = read("docs/config.md");
    let mut documented = BTreeMap::new();
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split(" | ").collect();
        let key = cells[0]
            .trim_start_matches("| ")
            .trim_matches('`')
            .to_string();
        let default = cells[2].trim_matches('`').to_string();
        assert!(
            documented.insert(key.clone(), default).is_none(),
            "{key} is documented twice"
        );
    }
    let code = keys_from_code();
    let missing: Vec<_> = code
        .keys()
        .filter(|k| !documented.contains_key(*k))
        .collect();
    let extra: Vec<_> = documented
        .keys()
        .filter(|k| !code.contains_key(*k))
        .collect();
    assert!(
        missing.is_empty(),
        "keys not in docs/config.md: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "docs/config.md lists keys the code does not have: {extra:?}"
    );
    for (k, v) in &code {
        let normalise = |s: &str| s.replace(' ', "");
        assert_eq!(normalise(&documented[k]), normalise(v), "default of {k}");
    }
    // The shipped gateway.toml uses only real keys (check-config would say so too).
    validate(&read("gateway.toml"), "gateway.toml", &[], root());
}
