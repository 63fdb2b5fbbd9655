-- The passkey a session was started with, so removing the passkey ends it.
ALTER TABLE sessions ADD COLUMN credential_id BYTEA;
CREATE INDEX sessions_credential ON sessions (credential_id);
