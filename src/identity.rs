//! Identity handed to upstreams: the `Remote-*` / `X-Auth-Request-*` headers
//! and the signed assertion (JWT).

/// The `Remote-*` headers, in the order User, Email, Name, Groups.
pub const REMOTE_HEADERS: [&str; 4] = ["Remote-User", "Remote-Email", "Remote-Name", "Remote-Groups"];
/// The oauth2-proxy style headers, in the order User, Email, Groups.
pub const AUTH_REQUEST_HEADERS: [&str; 3] = ["X-Auth-Request-User", "X-Auth-Request-Email", "X-Auth-Request-Groups"];
/// Every identity header passgate may set.
pub const ALL_IDENTITY_HEADERS: [&str; 7] = [
    "Remote-User",
    "Remote-Email",
    "Remote-Name",
    "Remote-Groups",
    "X-Auth-Request-User",
    "X-Auth-Request-Email",
    "X-Auth-Request-Groups",
];
