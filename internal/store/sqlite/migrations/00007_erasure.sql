-- +goose Up
-- An erased supporter keeps an anonymous row, so counts and dates stay
-- right; everything that named them is gone.
ALTER TABLE supporters ADD COLUMN erased_at TEXT;

-- +goose Down
ALTER TABLE supporters DROP COLUMN erased_at;
