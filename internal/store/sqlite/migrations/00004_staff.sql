-- +goose Up
-- Staff accounts. The email is the login name and is kept in the clear: it
-- must be found at every login, and staff addresses are work addresses.
CREATE TABLE staff_users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'researcher', 'viewer')),
    password_hash TEXT NOT NULL,
    totp_sealed   BLOB,
    totp_step     INTEGER NOT NULL DEFAULT 0,
    disabled      INTEGER NOT NULL DEFAULT 0,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT,
    created_at    TEXT NOT NULL,
    last_login_at TEXT
);

-- Signed-in browsers; only the SHA-256 of each token is kept.
CREATE TABLE staff_sessions (
    token_hash   BLOB PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES staff_users(id) ON DELETE CASCADE,
    verified     INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX staff_sessions_user ON staff_sessions(user_id);

-- Every staff write and every read of restricted records. Nothing in Vigil
-- updates or deletes these rows.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    user_id     INTEGER,
    user_email  TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id   INTEGER NOT NULL DEFAULT 0,
    before      TEXT NOT NULL DEFAULT '',
    after       TEXT NOT NULL DEFAULT '',
    ip_hash     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_object ON audit_log(object_type, object_id);
CREATE INDEX audit_log_user ON audit_log(user_id);

-- Site-wide settings an admin changes (e.g. a second factor for all staff).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE audit_log;
DROP TABLE staff_sessions;
DROP TABLE staff_users;
