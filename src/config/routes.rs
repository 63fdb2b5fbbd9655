//! `[[route]]`: the rules — host, path, upstream, policy — checked one by
//! one and then as a table (rules that can never match, rules told apart
//! only by a port, hosts the session cookie would not reach).

use ipnet::IpNet;

use super::Problem;
use super::raw::RawRoute;
use super::validate::Validator;
use crate::authz::{self, EmailPattern, HostPattern, Policy, Portal, Route, RouteTable, Upstream};

/// The rule table. `route_lines[i]` is the line of `route[i]`;
/// `cookie_domain` and `trusted_proxies` are the settings the table is
/// checked against.
pub(super) fn check(
    raw: &[RawRoute],
    route_lines: &[Option<usize>],
    portal: Option<&Portal>,
    cookie_domain: &Option<String>,
    trusted_proxies: &[IpNet],
    v: &mut Validator,
    warnings: &mut Vec<String>,
) -> RouteTable {
    let mut routes = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let k = |f: &str| format!("route[{i}].{f}");
        let line = route_lines.get(i).copied().flatten();
        let host = v.check(&k("host"), || HostPattern::parse(&r.host));
        let path = v.check(&k("path"), || {
            let p = r.path.trim();
            if !p.starts_with('/') {
                return Err("must start with /".into());
            }
            let c = authz::path::canonical(p).map_err(|e| e.to_string())?;
            if p.contains(['%', ';', '\\', '?', '#'])
                || c != p.trim_end_matches('/') && !(c == "/" && p == "/")
            {
                return Err(format!(
                    "must be a plain normalised path prefix (got {p:?}, did you mean {c:?}?)"
                ));
            }
            Ok(c)
        });
        let policy = v.check(&k("policy"), || {
            Policy::parse(&r.policy).ok_or_else(|| {
                format!(
                    "{:?} is not one of \"public\", \"authenticated\", \"deny\"",
                    r.policy
                )
            })
        });
        let upstream = if r.upstream.trim().is_empty() {
            None
        } else {
            v.check(&k("upstream"), || parse_upstream(r.upstream.trim()))
        };
        if policy == Some(Policy::Deny) && upstream.is_some() {
            warnings.push(format!(
                "{} has policy \"deny\": its upstream is never used",
                k("upstream")
            ));
        }
        if matches!(policy, Some(Policy::Public | Policy::Deny))
            && (!r.groups.is_empty() || !r.emails.is_empty())
        {
            v.problem(
                    &k("groups"),
                    "groups and emails only apply to policy = \"authenticated\"; with this policy they would be ignored",
                );
        }
        let groups: Vec<String> = r
            .groups
            .iter()
            .enumerate()
            .filter_map(|(j, g)| {
                let g = g.trim();
                if crate::names::valid_group_name(g) {
                    Some(g.to_string())
                } else {
                    v.problem(
                        &format!("route[{i}].groups[{j}]"),
                        format!("{g:?} is not a group name (letters, digits, - _ .)"),
                    );
                    None
                }
            })
            .collect();
        let emails: Vec<EmailPattern> = r
            .emails
            .iter()
            .enumerate()
            .filter_map(|(j, e)| {
                v.check(&format!("route[{i}].emails[{j}]"), || {
                    EmailPattern::parse(e)
                })
            })
            .collect();
        let upgrades: Vec<String> = r
                .upgrades
                .iter()
                .enumerate()
                .filter_map(|(j, u)| {
                    v.check(&format!("route[{i}].upgrades[{j}]"), || {
                        let u = u.trim();
                        if u.eq_ignore_ascii_case("h2c") {
                            return Err("h2c is never forwarded: an upgraded connection is a tunnel passgate no longer looks into, and HTTP/2 inside it would carry requests no rule has seen".into());
                        }
                        if u.is_empty() || !u.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)) {
                            return Err(format!("{u:?} is not a protocol name (such as \"websocket\")"));
                        }
                        Ok(u.to_ascii_lowercase())
                    })
                })
                .collect();
        let methods: Vec<http::Method> = r
            .methods
            .iter()
            .enumerate()
            .filter_map(|(j, m)| {
                v.check(&format!("route[{i}].methods[{j}]"), || {
                    let m = m.trim().to_ascii_uppercase();
                    if m == "CONNECT" || m == "TRACE" {
                        return Err(format!("{m} is never served (passgate refuses it)"));
                    }
                    http::Method::from_bytes(m.as_bytes())
                        .ok()
                        .filter(|_| !m.is_empty())
                        .ok_or_else(|| format!("{m:?} is not an HTTP method (such as \"GET\")"))
                })
            })
            .collect();
        let networks: Vec<IpNet> = r
            .networks
            .iter()
            .enumerate()
            .filter_map(|(j, n)| {
                v.check(&format!("route[{i}].networks[{j}]"), || {
                    super::server::parse_net(n)
                })
            })
            .collect();
        if r.tokens && policy == Some(Policy::Deny) {
            v.problem(
                &k("tokens"),
                "tokens = true only applies to policy = \"authenticated\" or \"public\"; with \"deny\" no token is ever accepted",
            );
        }
        let max_age = if r.max_age.trim().is_empty() {
            None
        } else {
            v.duration(&k("max_age"), &r.max_age)
                .map(|d| d.as_secs().max(1) as i64)
        };
        let mut require_passkey = false;
        for (j, what) in r.require.iter().enumerate() {
            match what.trim() {
                "passkey" => require_passkey = true,
                other => v.problem(
                    &format!("route[{i}].require[{j}]"),
                    format!("{other:?} is not something a rule can require (only \"passkey\")"),
                ),
            }
        }
        if (max_age.is_some() || require_passkey)
            && matches!(policy, Some(Policy::Public | Policy::Deny))
        {
            v.problem(
                &k(if max_age.is_some() { "max_age" } else { "require" }),
                "max_age and require only apply to policy = \"authenticated\"; with this policy they would be ignored",
            );
        }
        if r.tokens && require_passkey {
            v.problem(
                &k("require"),
                "require = [\"passkey\"] and tokens = true contradict each other: a service token is not a passkey; give token callers a rule of their own",
            );
        }
        if let Some(((host, port), path)) = host.zip(path)
            && let Some(policy) = policy
        {
            routes.push(Route {
                index: i,
                line,
                host,
                port,
                path,
                upstream,
                policy,
                groups,
                emails,
                upgrades,
                methods,
                networks,
                tokens: r.tokens,
                max_age,
                require_passkey,
            });
        }
    }
    let routes = RouteTable::new(routes);
    for (ported, other) in routes.port_dodges() {
        let (Some(r), Some(o)) = (
            routes.routes.iter().find(|x| x.index == ported),
            routes.routes.iter().find(|x| x.index == other),
        ) else {
            continue;
        };
        v.problems.push(Problem {
                key: format!("route[{ported}].host"),
                line: r.line,
                env: None,
                message: format!(
                    "{}:{} is told apart from route[{other}] ({}{}) only by its port, but clients write the port in their Host header and proxies pass it on as written, so a client could pick either rule; give each entry point a host name of its own, or drop the port",
                    r.host,
                    r.port.unwrap_or_default(),
                    o.host,
                    o.port.map(|p| format!(":{p}")).unwrap_or_default()
                ),
            });
    }
    for (later, earlier) in routes.shadowed() {
        let r = &routes.routes[later];
        v.problems.push(Problem {
                key: format!("route[{}]", r.index),
                line: r.line,
                env: None,
                message: format!(
                    "can never match: route[{earlier}] (line {}) comes first and matches everything this rule does (host {}, path {}); move this rule above it or remove it",
                    routes.routes.iter().find(|x| x.index == earlier).and_then(|x| x.line).map_or("?".into(), |l| l.to_string()),
                    r.host,
                    r.path
                ),
            });
    }
    if let Some(portal) = portal {
        for r in &routes.routes {
            if r.policy == Policy::Authenticated
                && r.host != HostPattern::Exact(portal.host.clone())
            {
                let covered = match (cookie_domain, &r.host) {
                    (Some(d), HostPattern::Exact(h)) => h == d || h.ends_with(&format!(".{d}")),
                    (Some(d), HostPattern::Wildcard(h)) => h == d || h.ends_with(&format!(".{d}")),
                    (None, _) => false,
                };
                if !covered {
                    v.problems.push(Problem {
                            key: format!("route[{}].host", r.index),
                            line: r.line,
                            env: None,
                            message: format!(
                                "{} is not the portal host {:?} and session.cookie_domain does not cover it, so a signed-in user's cookie would never reach it; set session.cookie_domain to a parent domain of both",
                                r.host, portal.host
                            ),
                        });
                }
            }
        }
    }
    if routes
        .routes
        .iter()
        .any(|r| r.upstream.is_none() && r.policy != Policy::Deny)
        && trusted_proxies.is_empty()
    {
        v.problem(
                "server.trusted_proxies",
                "is empty, but some routes have no upstream (forward-auth only): list the proxies that call passgate, or their X-Forwarded-* headers will be ignored",
            );
    }
    // An application on the portal's own origin shares it with passgate's
    // pages: a script of the application could use the account and admin
    // pages as whoever is signed in there.
    if let Some(portal) = portal {
        let shared: Vec<String> = routes
            .routes
            .iter()
            .filter(|r| {
                r.policy != Policy::Deny
                    && r.host.matches(&portal.host)
                    && r.port.is_none_or(|p| p == portal.port)
            })
            .map(|r| r.name())
            .collect();
        if let Some(first) = shared.first() {
            warnings.push(format!(
                "{first}{} serves an application on the portal's own origin ({}): a script in that application could use passgate's account and admin pages as whoever is signed in; in production, give the portal a host name of its own (server.public_url)",
                if shared.len() > 1 {
                    format!(" (and {} more)", shared.len() - 1)
                } else {
                    String::new()
                },
                portal.origin
            ));
        }
    }
    if routes.routes.is_empty() {
        warnings.push(
            "no [[route]] is configured: every request except passgate's own pages is denied"
                .into(),
        );
    }

    routes
}

fn parse_upstream(s: &str) -> Result<Upstream, String> {
    let u = url::Url::parse(s).map_err(|e| format!("{s:?} is not a URL: {e}"))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!(
            "{s:?} must be an http:// or https:// URL (got scheme {:?})",
            u.scheme()
        ));
    }
    if u.host_str().is_none() {
        return Err(format!("{s:?} has no host"));
    }
    if !u.username().is_empty()
        || u.password().is_some()
        || u.query().is_some()
        || u.fragment().is_some()
    {
        return Err(format!(
            "{s:?} must not carry user info, a query or a fragment"
        ));
    }
    if u.path() != "/" {
        return Err(format!(
            "{s:?} has a path ({:?}); requests are forwarded with their own path, so give the origin only",
            u.path()
        ));
    }
    let scheme: http::uri::Scheme = u.scheme().parse().map_err(|_| "bad scheme".to_string())?;
    let host = u.host_str().unwrap_or_default();
    let authority = match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    };
    let authority = authority
        .parse::<http::uri::Authority>()
        .map_err(|e| format!("{s:?}: {e}"))?;
    Ok(Upstream {
        scheme,
        authority,
        url: s.to_string(),
    })
}
