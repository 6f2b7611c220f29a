-- +goose Up
-- A newsletter sign-up's yes, typed by whoever knew the address, waits
-- for the link sent to that mailbox (ConfirmSupporter) before it is on
-- the supporter's record: confirming some other action does not make it
-- theirs.
ALTER TABLE consents ADD COLUMN pending boolean NOT NULL DEFAULT false;

-- The newsletter answers already stored for addresses never confirmed
-- wait too.
UPDATE consents SET pending = true WHERE participation_id IS NULL AND key = 'newsletter'
    AND supporter_id IN (SELECT id FROM supporters WHERE confirmed_at IS NULL);

-- +goose Down
ALTER TABLE consents DROP COLUMN pending;
