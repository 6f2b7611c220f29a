-- +goose Up
-- A sent message loses its sealed body (recipients and text) once the
-- mail retention period has passed; the background jobs look for such
-- messages every minute. This index holds only the sent messages that
-- still have a body, by when they were sent, so that look reads what is
-- due and nothing else, however many emails were sent before. Its key
-- starts with state although the rows all say 'sent': SQLite's planner
-- then sees two of its terms used (state = and sent_at <) and takes it
-- over outbox_due, which matches state alone and reads every sent row.
CREATE INDEX outbox_sent_bodies ON outbox (state, sent_at) WHERE state = 'sent' AND length(sealed) > 0;

-- +goose Down
DROP INDEX outbox_sent_bodies;
