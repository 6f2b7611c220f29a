-- +goose Up
-- Staff accounts. The email is the login name and is kept in the clear: it
-- must be found at every login, and staff addresses are work addresses.
CREATE TABLE staff_users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL UNIQUE,
    role          text NOT NULL CHECK (role IN ('admin', 'editor', 'researcher', 'viewer')),
    password_hash text NOT NULL,
    totp_sealed   bytea,
    totp_step     bigint NOT NULL DEFAULT 0,
    disabled      boolean NOT NULL DEFAULT false,
    failed_logins integer NOT NULL DEFAULT 0,
    locked_until  timestamptz,
    created_at    timestamptz NOT NULL,
    last_login_at timestamptz
);

-- Signed-in browsers; only the SHA-256 of each token is kept.
CREATE TABLE staff_sessions (
    token_hash   bytea PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES staff_users(id) ON DELETE CASCADE,
    verified     boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL
);
CREATE INDEX staff_sessions_user ON staff_sessions(user_id);

-- Every staff write and every read of restricted records. Nothing in Vigil
-- updates or deletes these rows.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL,
    user_id     bigint,
    user_email  text NOT NULL,
    action      text NOT NULL,
    object_type text NOT NULL DEFAULT '',
    object_id   bigint NOT NULL DEFAULT 0,
    before      text NOT NULL DEFAULT '',
    after       text NOT NULL DEFAULT '',
    ip_hash     text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_object ON audit_log(object_type, object_id);
CREATE INDEX audit_log_user ON audit_log(user_id);

-- Site-wide settings an admin changes (e.g. a second factor for all staff).
CREATE TABLE settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE audit_log;
DROP TABLE staff_sessions;
DROP TABLE staff_users;
