-- +goose Up
-- What publishing an update did to its case, kept with the update.
ALTER TABLE updates ADD COLUMN close_actions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE updates ADD COLUMN new_status TEXT NOT NULL DEFAULT '';
ALTER TABLE actions ADD COLUMN closed_at TEXT;

-- +goose Down
ALTER TABLE actions DROP COLUMN closed_at;
ALTER TABLE updates DROP COLUMN new_status;
ALTER TABLE updates DROP COLUMN close_actions;
