-- +goose Up
-- Keys for the OSDI API (internal/api): the SHA-256 of each key, never the
-- key; its scopes as a comma-separated list (read, people, write).
CREATE TABLE api_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL,
    hash         bytea NOT NULL UNIQUE,
    scopes       text NOT NULL,
    created_at   timestamptz NOT NULL,
    created_by   text NOT NULL DEFAULT '',
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- When what the API shows of a supporter last changed, so
-- that an integrator can ask for what changed since its last sync.
ALTER TABLE supporters ADD COLUMN updated_at timestamptz;
UPDATE supporters SET updated_at = GREATEST(created_at, confirmed_at, unsubscribed_at, erased_at);
ALTER TABLE supporters ALTER COLUMN updated_at SET NOT NULL;
CREATE INDEX supporters_updated ON supporters (updated_at, id);

-- +goose Down
DROP INDEX supporters_updated;
ALTER TABLE supporters DROP COLUMN updated_at;
DROP TABLE api_keys;
