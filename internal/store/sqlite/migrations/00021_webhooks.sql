-- +goose Up
-- Receivers of webhooks: the secret sealed, the events wanted as a
-- comma-separated list ("" for every event).
CREATE TABLE webhooks (
    id            INTEGER PRIMARY KEY,
    url           TEXT NOT NULL,
    secret_sealed BLOB NOT NULL,
    events        TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL DEFAULT '',
    removed_at    TEXT
);

-- One row per event and receiver, written with the event: an intent the
-- delivery worker turns into a body when it sends. The supporter and the
-- participation are ids, not references: an erasure names someone whose
-- row a purge deleted, and the worker finds what is gone and sends
-- nothing personal about it.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    webhook_id       INTEGER NOT NULL REFERENCES webhooks(id),
    event            TEXT NOT NULL,
    supporter_id     INTEGER,
    participation_id INTEGER,
    state            TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    lease_until      TEXT,
    last_status      INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    sent_at          TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_receiver ON webhook_deliveries (webhook_id, id);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
