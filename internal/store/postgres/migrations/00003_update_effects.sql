-- +goose Up
-- What publishing an update did to its case, kept with the update.
ALTER TABLE updates ADD COLUMN close_actions boolean NOT NULL DEFAULT false;
ALTER TABLE updates ADD COLUMN new_status text NOT NULL DEFAULT '';
ALTER TABLE actions ADD COLUMN closed_at timestamptz;

-- +goose Down
ALTER TABLE actions DROP COLUMN closed_at;
ALTER TABLE updates DROP COLUMN new_status;
ALTER TABLE updates DROP COLUMN close_actions;
