-- +goose Up
-- Keys for the OSDI API (internal/api): the SHA-256 of each key, never the
-- key; its scopes as a comma-separated list (read, people, write).
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    hash         BLOB NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    last_used_at TEXT,
    revoked_at   TEXT
);

-- When what the API shows of a supporter last changed, so
-- that an integrator can ask for what changed since its last sync.
ALTER TABLE supporters ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
UPDATE supporters SET updated_at = max(created_at, COALESCE(confirmed_at, created_at),
    COALESCE(unsubscribed_at, created_at), COALESCE(erased_at, created_at));
CREATE INDEX supporters_updated ON supporters (updated_at, id);

-- +goose Down
DROP INDEX supporters_updated;
ALTER TABLE supporters DROP COLUMN updated_at;
DROP TABLE api_keys;
