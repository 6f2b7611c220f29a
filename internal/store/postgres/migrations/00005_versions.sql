-- +goose Up
-- Every record an editor changes carries a version, raised by each save:
-- saving over a newer version is refused as a conflict, nothing is lost.
ALTER TABLE cases ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE actions ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE news ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE targets ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE targets DROP COLUMN version;
ALTER TABLE news DROP COLUMN version;
ALTER TABLE actions DROP COLUMN version;
ALTER TABLE cases DROP COLUMN version;
