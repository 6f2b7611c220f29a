-- +goose Up
-- Failed sign-ins are counted per account and client network (a keyed
-- hash of the client's /24 or /64, never the address itself): wrong
-- passwords sent from one network lock the account for that network only,
-- so a stranger who knows a staff address cannot keep its owner out. The
-- account-wide counters they replace go.
CREATE TABLE staff_login_failures (
    user_id        INTEGER NOT NULL REFERENCES staff_users(id) ON DELETE CASCADE,
    network        BLOB NOT NULL,
    failures       INTEGER NOT NULL,
    locked_until   TEXT,
    last_failed_at TEXT NOT NULL,
    PRIMARY KEY (user_id, network)
);
ALTER TABLE staff_users DROP COLUMN failed_logins;
ALTER TABLE staff_users DROP COLUMN locked_until;

-- +goose Down
ALTER TABLE staff_users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff_users ADD COLUMN locked_until TEXT;
DROP TABLE staff_login_failures;
