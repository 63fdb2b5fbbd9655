-- OpenID Connect grants: what one sign-in gave one client. A grant lives
-- no longer than the session it came from (deleting the session, by
-- sign-out, revocation, disabling or deleting the user, deletes it), and
-- its access tokens are checked against it.
CREATE TABLE oidc_grants (
    id           TEXT PRIMARY KEY NOT NULL,
    client_id    TEXT NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id   TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    scope        TEXT NOT NULL,
    auth_time    INTEGER NOT NULL,
    amr          TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL
);
CREATE INDEX oidc_grants_session ON oidc_grants (session_id);
CREATE INDEX oidc_grants_client ON oidc_grants (client_id);

-- Refresh tokens (only their SHA-256). Each use replaces the token; one
-- already used (used_at set) coming back means it was copied, and the
-- grant is revoked.
CREATE TABLE oidc_refresh_tokens (
    token_hash BLOB PRIMARY KEY NOT NULL,
    grant_id   TEXT NOT NULL REFERENCES oidc_grants (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX oidc_refresh_tokens_grant ON oidc_refresh_tokens (grant_id);
