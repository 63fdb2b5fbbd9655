-- A log of revocations (session ended, user disabled, …) that every replica
-- polls every second, so they take effect everywhere even without Redis and
-- when the CLI, not the server, made the change.
CREATE TABLE revocations (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX revocations_at ON revocations (at);
