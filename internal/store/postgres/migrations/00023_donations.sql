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
    event_id    text PRIMARY KEY,
    type        text NOT NULL,
    received_at timestamptz NOT NULL
);

-- One row per monthly gift (a Stripe subscription).
CREATE TABLE monthly_gifts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id text NOT NULL UNIQUE,
    customer_id     text NOT NULL DEFAULT '',
    amount          bigint NOT NULL CHECK (amount >= 0),
    currency        text NOT NULL,
    case_slug       text NOT NULL DEFAULT '',
    lang            text NOT NULL DEFAULT '',
    name_sealed     bytea,
    email_sealed    bytea,
    email_index     bytea,
    supporter_id    bigint,
    started_at      timestamptz NOT NULL,
    ended_at        timestamptz,
    erased_at       timestamptz
);
CREATE INDEX monthly_gifts_supporter ON monthly_gifts (supporter_id);
CREATE INDEX monthly_gifts_email ON monthly_gifts (email_index);

-- One row per payment: a one-off gift (payment_ref is its Checkout
-- Session) or one month of a monthly gift (payment_ref is the invoice).
CREATE TABLE donations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_ref     text NOT NULL UNIQUE,
    session_id      text NOT NULL DEFAULT '',
    subscription_id text NOT NULL DEFAULT '',
    customer_id     text NOT NULL DEFAULT '',
    amount          bigint NOT NULL CHECK (amount > 0),
    currency        text NOT NULL,
    monthly         boolean NOT NULL DEFAULT false,
    case_slug       text NOT NULL DEFAULT '',
    lang            text NOT NULL DEFAULT '',
    name_sealed     bytea,
    email_sealed    bytea,
    email_index     bytea,
    supporter_id    bigint,
    paid_at         timestamptz NOT NULL,
    erased_at       timestamptz
);
CREATE INDEX donations_paid ON donations (paid_at);
CREATE INDEX donations_supporter ON donations (supporter_id);
CREATE INDEX donations_email ON donations (email_index);

-- The finance role: donations and the dashboard, no other personal data.
ALTER TABLE staff_users DROP CONSTRAINT staff_users_role_check;
ALTER TABLE staff_users ADD CONSTRAINT staff_users_role_check
    CHECK (role IN ('admin', 'editor', 'researcher', 'finance', 'viewer'));

-- +goose Down
DELETE FROM staff_users WHERE role = 'finance';
ALTER TABLE staff_users DROP CONSTRAINT staff_users_role_check;
ALTER TABLE staff_users ADD CONSTRAINT staff_users_role_check CHECK (role IN ('admin', 'editor', 'researcher', 'viewer'));
DROP TABLE donations;
DROP TABLE monthly_gifts;
DROP TABLE stripe_events;
