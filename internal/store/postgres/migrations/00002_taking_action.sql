-- +goose Up
-- What an action asks supporters to agree to; the exact text shown is kept
-- with every answer in consents.
CREATE TABLE action_consents (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action_id bigint NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    position  integer NOT NULL,
    key       text NOT NULL,
    text      text NOT NULL,
    required  boolean NOT NULL DEFAULT false,
    UNIQUE (action_id, key)
);

-- Appeal delivery settings, per action.
ALTER TABLE actions ADD COLUMN send_from_hour integer NOT NULL DEFAULT 8;  -- in the targets' time zone
ALTER TABLE actions ADD COLUMN send_to_hour   integer NOT NULL DEFAULT 18;
ALTER TABLE actions ADD COLUMN time_zone      text NOT NULL DEFAULT 'UTC';
ALTER TABLE actions ADD COLUMN daily_cap      integer NOT NULL DEFAULT 0;  -- per target per day; 0: none
ALTER TABLE actions ADD COLUMN cc             text NOT NULL DEFAULT '';
ALTER TABLE actions ADD COLUMN bcc            text NOT NULL DEFAULT '';
ALTER TABLE actions ADD COLUMN test_recipient text NOT NULL DEFAULT '';   -- set: appeals go here, not to targets

-- A supporter is one person, found by the blind index of the normalised
-- email. Name, email and postal code are sealed (see internal/secret).
CREATE TABLE supporters (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email_index      bytea NOT NULL UNIQUE,
    email_sealed     bytea,
    name_sealed      bytea,
    postal_sealed    bytea,
    country          text NOT NULL DEFAULT '',
    lang             text NOT NULL DEFAULT 'en',
    created_at       timestamptz NOT NULL,
    confirmed_at     timestamptz,
    unsubscribed_at  timestamptz,
    reminded_at      timestamptz
);

CREATE TABLE participations (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    supporter_id   bigint NOT NULL REFERENCES supporters(id) ON DELETE CASCADE,
    action_id      bigint NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    created_at     timestamptz NOT NULL,
    confirmed_at   timestamptz,
    subject_sealed bytea,          -- appeals: the supporter's subject
    letter_sealed  bytea,          -- appeals: the supporter's letter
    comment_sealed bytea,
    referrer       text NOT NULL DEFAULT '',
    share_code     text NOT NULL DEFAULT '',
    ip_hash        bytea,          -- keyed hash, never the address
    agent_class    text NOT NULL DEFAULT '',
    fill_ms        integer NOT NULL DEFAULT 0,
    UNIQUE (supporter_id, action_id)
);
CREATE INDEX participations_action ON participations(action_id, created_at);
CREATE INDEX participations_pending ON participations(confirmed_at, created_at);

CREATE TABLE consents (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    supporter_id     bigint NOT NULL REFERENCES supporters(id) ON DELETE CASCADE,
    participation_id bigint REFERENCES participations(id) ON DELETE SET NULL,
    key              text NOT NULL,
    text             text NOT NULL,
    given            boolean NOT NULL,
    source           text NOT NULL,
    at               timestamptz NOT NULL
);
CREATE INDEX consents_supporter ON consents(supporter_id);

-- Every email is a row, written in the transaction of the event that causes
-- it. Recipient and content are sealed; the worker opens them to send.
CREATE TABLE outbox (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id       text NOT NULL UNIQUE,
    kind             text NOT NULL,
    state            text NOT NULL CHECK (state IN ('queued', 'held', 'sending', 'sent', 'failed')),
    sealed           bytea NOT NULL,
    supporter_id     bigint REFERENCES supporters(id) ON DELETE SET NULL,
    participation_id bigint REFERENCES participations(id) ON DELETE SET NULL,
    target_id        bigint REFERENCES targets(id),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    lease_until      timestamptz,
    last_error       text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL,
    sent_at          timestamptz
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);

-- One row per appeal and target: queued into the outbox within the
-- action's sending hours and daily cap; delivered when the SMTP server took it.
CREATE TABLE appeal_deliveries (
    participation_id bigint NOT NULL REFERENCES participations(id) ON DELETE CASCADE,
    target_id        bigint NOT NULL REFERENCES targets(id),
    outbox_id        bigint REFERENCES outbox(id) ON DELETE SET NULL,
    queued_at        timestamptz,
    delivered_at     timestamptz,
    PRIMARY KEY (participation_id, target_id)
);
CREATE INDEX appeal_deliveries_pending ON appeal_deliveries(queued_at);
CREATE INDEX appeal_deliveries_outbox ON appeal_deliveries(outbox_id);

-- An appeal is delivered when the SMTP server accepted its email: recorded
-- in the same transaction that marks the email sent.
-- +goose StatementBegin
CREATE FUNCTION outbox_sent_delivers_appeals() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE appeal_deliveries SET delivered_at = NEW.sent_at
    WHERE outbox_id = NEW.id AND delivered_at IS NULL;
    RETURN NULL; -- an AFTER trigger's result is ignored
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER outbox_sent_delivers_appeals AFTER UPDATE OF state ON outbox
FOR EACH ROW WHEN (NEW.state = 'sent' AND OLD.state <> 'sent')
EXECUTE FUNCTION outbox_sent_delivers_appeals();

-- +goose Down
DROP TRIGGER outbox_sent_delivers_appeals ON outbox;
DROP FUNCTION outbox_sent_delivers_appeals();
DROP TABLE appeal_deliveries;
DROP TABLE outbox;
DROP TABLE consents;
DROP TABLE participations;
DROP TABLE supporters;
DROP TABLE action_consents;
ALTER TABLE actions DROP COLUMN send_from_hour;
ALTER TABLE actions DROP COLUMN send_to_hour;
ALTER TABLE actions DROP COLUMN time_zone;
ALTER TABLE actions DROP COLUMN daily_cap;
ALTER TABLE actions DROP COLUMN cc;
ALTER TABLE actions DROP COLUMN bcc;
ALTER TABLE actions DROP COLUMN test_recipient;
