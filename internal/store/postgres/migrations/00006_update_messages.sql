-- +goose Up
-- Messages telling everyone who acted about an update point at it, so the
-- admin can show how far the sending has got.
ALTER TABLE outbox ADD COLUMN update_id bigint REFERENCES updates(id) ON DELETE SET NULL;
CREATE INDEX outbox_update ON outbox(update_id, state) WHERE update_id IS NOT NULL;

-- +goose Down
DROP INDEX outbox_update;
ALTER TABLE outbox DROP COLUMN update_id;
