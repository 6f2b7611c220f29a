-- +goose Up
-- What an action asks supporters to agree to; the exact text shown is kept
-- with every answer in consents.
CREATE TABLE action_consents (
    id        INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    key       TEXT NOT NULL,
    text      TEXT NOT NULL,
    required  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (action_id, key)
);

-- Appeal delivery settings, per action.
ALTER TABLE actions ADD COLUMN send_from_hour INTEGER NOT NULL DEFAULT 8;  -- in the targets' time zone
ALTER TABLE actions ADD COLUMN send_to_hour   INTEGER NOT NULL DEFAULT 18;
ALTER TABLE actions ADD COLUMN time_zone      TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE actions ADD COLUMN daily_cap      INTEGER NOT NULL DEFAULT 0;  -- per target per day; 0: none
ALTER TABLE actions ADD COLUMN cc             TEXT NOT NULL DEFAULT '';
ALTER TABLE actions ADD COLUMN bcc            TEXT NOT NULL DEFAULT '';
ALTER TABLE actions ADD COLUMN test_recipient TEXT NOT NULL DEFAULT '';   -- set: appeals go here, not to targets

-- A supporter is one person, found by the blind index of the normalised
-- email. Name, email and postal code are sealed (see internal/secret).
-- AUTOINCREMENT: an id is never handed out twice, so a link in an old
-- email can never act on someone who came later.
CREATE TABLE supporters (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    email_index      BLOB NOT NULL UNIQUE,
    email_sealed     BLOB,
    name_sealed      BLOB,
    postal_sealed    BLOB,
    country          TEXT NOT NULL DEFAULT '',
    lang             TEXT NOT NULL DEFAULT 'en',
    created_at       TEXT NOT NULL,
    confirmed_at     TEXT,
    unsubscribed_at  TEXT,
    reminded_at      TEXT
);

CREATE TABLE participations (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    supporter_id   INTEGER NOT NULL REFERENCES supporters(id) ON DELETE CASCADE,
    action_id      INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    created_at     TEXT NOT NULL,
    confirmed_at   TEXT,
    subject_sealed BLOB,          -- appeals: the supporter's subject
    letter_sealed  BLOB,          -- appeals: the supporter's letter
    comment_sealed BLOB,
    referrer       TEXT NOT NULL DEFAULT '',
    share_code     TEXT NOT NULL DEFAULT '',
    ip_hash        BLOB,          -- keyed hash, never the address
    agent_class    TEXT NOT NULL DEFAULT '',
    fill_ms        INTEGER NOT NULL DEFAULT 0,
    UNIQUE (supporter_id, action_id)
);
CREATE INDEX participations_action ON participations(action_id, created_at);
CREATE INDEX participations_pending ON participations(confirmed_at, created_at);

CREATE TABLE consents (
    id               INTEGER PRIMARY KEY,
    supporter_id     INTEGER NOT NULL REFERENCES supporters(id) ON DELETE CASCADE,
    participation_id INTEGER REFERENCES participations(id) ON DELETE SET NULL,
    key              TEXT NOT NULL,
    text             TEXT NOT NULL,
    given            INTEGER NOT NULL,
    source           TEXT NOT NULL,
    at               TEXT NOT NULL
);
CREATE INDEX consents_supporter ON consents(supporter_id);

-- Every email is a row, written in the transaction of the event that causes
-- it. Recipient and content are sealed; the worker opens them to send.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    message_id       TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('queued', 'held', 'sending', 'sent', 'failed')),
    sealed           BLOB NOT NULL,
    supporter_id     INTEGER REFERENCES supporters(id) ON DELETE SET NULL,
    participation_id INTEGER REFERENCES participations(id) ON DELETE SET NULL,
    target_id        INTEGER REFERENCES targets(id),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    lease_until      TEXT,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    sent_at          TEXT
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);

-- One row per appeal and target: queued into the outbox within the
-- action's sending hours and daily cap; delivered when the SMTP server took it.
CREATE TABLE appeal_deliveries (
    participation_id INTEGER NOT NULL REFERENCES participations(id) ON DELETE CASCADE,
    target_id        INTEGER NOT NULL REFERENCES targets(id),
    outbox_id        INTEGER REFERENCES outbox(id) ON DELETE SET NULL,
    queued_at        TEXT,
    delivered_at     TEXT,
    PRIMARY KEY (participation_id, target_id)
);
CREATE INDEX appeal_deliveries_pending ON appeal_deliveries(queued_at);
CREATE INDEX appeal_deliveries_outbox ON appeal_deliveries(outbox_id);

-- An appeal is delivered when the SMTP server accepted its email: recorded
-- in the same transaction that marks the email sent.
-- +goose StatementBegin
CREATE TRIGGER outbox_sent_delivers_appeals AFTER UPDATE OF state ON outbox
WHEN NEW.state = 'sent' AND OLD.state <> 'sent'
BEGIN
    UPDATE appeal_deliveries SET delivered_at = NEW.sent_at
    WHERE outbox_id = NEW.id AND delivered_at IS NULL;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER outbox_sent_delivers_appeals;
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
