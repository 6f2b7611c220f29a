-- +goose Up
-- Exports read the consents of a thousand participations at a time.
CREATE INDEX consents_participation ON consents(participation_id);

-- +goose Down
DROP INDEX consents_participation;
