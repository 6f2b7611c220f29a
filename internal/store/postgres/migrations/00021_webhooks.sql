-- +goose Up
-- Receivers of webhooks: the secret sealed, the events wanted as a
-- comma-separated list ("" for every event).
CREATE TABLE webhooks (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url           text NOT NULL,
    secret_sealed bytea NOT NULL,
    events        text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    created_by    text NOT NULL DEFAULT '',
    removed_at    timestamptz
);

-- One row per event and receiver, written with the event: an intent the
-- delivery worker turns into a body when it sends. The supporter and the
-- participation are ids, not references: an erasure names someone whose
-- row a purge deleted, and the worker finds what is gone and sends
-- nothing personal about it.
CREATE TABLE webhook_deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id       bigint NOT NULL REFERENCES webhooks(id),
    event            text NOT NULL,
    supporter_id     bigint,
    participation_id bigint,
    state            text NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    lease_until      timestamptz,
    last_status      integer NOT NULL DEFAULT 0,
    last_error       text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    sent_at          timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_receiver ON webhook_deliveries (webhook_id, id);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
