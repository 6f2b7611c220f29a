-- +goose Up
-- A participation's emails are written as intents, composed when sent
-- (see model.OutboxMessage.Intent): the language they are written in.
ALTER TABLE outbox ADD COLUMN lang TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE outbox DROP COLUMN lang;
