-- +goose Up
-- The background jobs look every minute for supporters who never
-- confirmed and have nothing left (PurgeUnconfirmed). Without this index
-- that read every supporter, inside a write transaction: with 1,000,000
-- supporters, 0.4 s of CPU a minute during which no signature could be
-- stored. Supporters leave the index when they confirm.
CREATE INDEX supporters_unconfirmed ON supporters (created_at) WHERE confirmed_at IS NULL;

-- +goose Down
DROP INDEX supporters_unconfirmed;
