-- Dashboard sessions (the cookie holds a random token; only its SHA-256 is stored) and
-- failed logins per user name, for throttling. Shared by every server process.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_ms);

CREATE TABLE login_failures (
    name TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX login_failures_name ON login_failures (name, at_ms);
