-- +goose Up
-- Donations through Stripe's hosted Checkout, recorded only from its signed
-- webhook (docs/decisions.md, "Donations"). Amounts are integer minor units
-- with a lower-case ISO 4217 currency. The donor's name and email are
-- sealed, bound to the row; email_index is the blind index of the address
-- (links a gift to the supporter with it). supporter_id is an id, not a
-- reference: a purge may delete a supporter whose gifts stay.

-- Every event applied, by Stripe's id, inserted in the transaction of its
-- effect: a retried event finds its row and changes nothing.
CREATE TABLE stripe_events (
    event_id    TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    received_at TEXT NOT NULL
);

-- One row per monthly gift (a Stripe subscription).
CREATE TABLE monthly_gifts (
    id              INTEGER PRIMARY KEY,
    subscription_id TEXT NOT NULL UNIQUE,
    customer_id     TEXT NOT NULL DEFAULT '',
    amount          INTEGER NOT NULL CHECK (amount >= 0),
    currency        TEXT NOT NULL,
    case_slug       TEXT NOT NULL DEFAULT '',
    lang            TEXT NOT NULL DEFAULT '',
    name_sealed     BLOB,
    email_sealed    BLOB,
    email_index     BLOB,
    supporter_id    INTEGER,
    started_at      TEXT NOT NULL,
    ended_at        TEXT,
    erased_at       TEXT
);
CREATE INDEX monthly_gifts_supporter ON monthly_gifts (supporter_id);
CREATE INDEX monthly_gifts_email ON monthly_gifts (email_index);

-- One row per payment: a one-off gift (payment_ref is its Checkout
-- Session) or one month of a monthly gift (payment_ref is the invoice).
CREATE TABLE donations (
    id              INTEGER PRIMARY KEY,
    payment_ref     TEXT NOT NULL UNIQUE,
    session_id      TEXT NOT NULL DEFAULT '',
    subscription_id TEXT NOT NULL DEFAULT '',
    customer_id     TEXT NOT NULL DEFAULT '',
    amount          INTEGER NOT NULL CHECK (amount > 0),
    currency        TEXT NOT NULL,
    monthly         INTEGER NOT NULL DEFAULT 0,
    case_slug       TEXT NOT NULL DEFAULT '',
    lang            TEXT NOT NULL DEFAULT '',
    name_sealed     BLOB,
    email_sealed    BLOB,
    email_index     BLOB,
    supporter_id    INTEGER,
    paid_at         TEXT NOT NULL,
    erased_at       TEXT
);
CREATE INDEX donations_paid ON donations (paid_at);
CREATE INDEX donations_supporter ON donations (supporter_id);
CREATE INDEX donations_email ON donations (email_index);

-- The finance role (donations and the dashboard, no other personal
-- data). SQLite cannot change a CHECK in place: staff_users is rebuilt
-- with its new CHECK, and the two tables referring to it with it, the
-- children first copied so that dropping the old tables cascades into
-- nothing kept; renaming the new tables points their references back.
CREATE TABLE staff_users_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'researcher', 'finance', 'viewer')),
    password_hash TEXT NOT NULL,
    totp_sealed   BLOB,
    totp_step     INTEGER NOT NULL DEFAULT 0,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    last_login_at TEXT,
    lang          TEXT NOT NULL DEFAULT 'en'
);
INSERT INTO staff_users_new (id, email, role, password_hash, totp_sealed, totp_step, disabled, created_at, last_login_at, lang)
    SELECT id, email, role, password_hash, totp_sealed, totp_step, disabled, created_at, last_login_at, lang FROM staff_users
    WHERE role IN ('admin', 'editor', 'researcher', 'finance', 'viewer');
CREATE TABLE staff_sessions_new (
    token_hash   BLOB PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES staff_users_new(id) ON DELETE CASCADE,
    verified     INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
INSERT INTO staff_sessions_new SELECT token_hash, user_id, verified, created_at, last_seen_at FROM staff_sessions
    WHERE user_id IN (SELECT id FROM staff_users_new);
CREATE TABLE staff_login_failures_new (
    user_id        INTEGER NOT NULL REFERENCES staff_users_new(id) ON DELETE CASCADE,
    network        BLOB NOT NULL,
    failures       INTEGER NOT NULL,
    locked_until   TEXT,
    last_failed_at TEXT NOT NULL,
    PRIMARY KEY (user_id, network)
);
INSERT INTO staff_login_failures_new SELECT user_id, network, failures, locked_until, last_failed_at FROM staff_login_failures
    WHERE user_id IN (SELECT id FROM staff_users_new);
DROP TABLE staff_login_failures;
DROP TABLE staff_sessions;
DROP TABLE staff_users;
ALTER TABLE staff_users_new RENAME TO staff_users;
ALTER TABLE staff_sessions_new RENAME TO staff_sessions;
ALTER TABLE staff_login_failures_new RENAME TO staff_login_failures;
CREATE INDEX staff_sessions_user ON staff_sessions(user_id);

-- +goose Down
CREATE TABLE staff_users_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'researcher', 'viewer')),
    password_hash TEXT NOT NULL,
    totp_sealed   BLOB,
    totp_step     INTEGER NOT NULL DEFAULT 0,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    last_login_at TEXT,
    lang          TEXT NOT NULL DEFAULT 'en'
);
INSERT INTO staff_users_new (id, email, role, password_hash, totp_sealed, totp_step, disabled, created_at, last_login_at, lang)
    SELECT id, email, role, password_hash, totp_sealed, totp_step, disabled, created_at, last_login_at, lang FROM staff_users
    WHERE role IN ('admin', 'editor', 'researcher', 'viewer');
CREATE TABLE staff_sessions_new (
    token_hash   BLOB PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES staff_users_new(id) ON DELETE CASCADE,
    verified     INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
INSERT INTO staff_sessions_new SELECT token_hash, user_id, verified, created_at, last_seen_at FROM staff_sessions
    WHERE user_id IN (SELECT id FROM staff_users_new);
CREATE TABLE staff_login_failures_new (
    user_id        INTEGER NOT NULL REFERENCES staff_users_new(id) ON DELETE CASCADE,
    network        BLOB NOT NULL,
    failures       INTEGER NOT NULL,
    locked_until   TEXT,
    last_failed_at TEXT NOT NULL,
    PRIMARY KEY (user_id, network)
);
INSERT INTO staff_login_failures_new SELECT user_id, network, failures, locked_until, last_failed_at FROM staff_login_failures
    WHERE user_id IN (SELECT id FROM staff_users_new);
DROP TABLE staff_login_failures;
DROP TABLE staff_sessions;
DROP TABLE staff_users;
ALTER TABLE staff_users_new RENAME TO staff_users;
ALTER TABLE staff_sessions_new RENAME TO staff_sessions;
ALTER TABLE staff_login_failures_new RENAME TO staff_login_failures;
CREATE INDEX staff_sessions_user ON staff_sessions(user_id);
DROP TABLE donations;
DROP TABLE monthly_gifts;
DROP TABLE stripe_events;
