-- +goose Up
-- An unpublished update leaves the case page and its feed; what it did to
-- the case (closing actions, a new status) stays done.
ALTER TABLE updates ADD COLUMN hidden_at TEXT;

-- The update an editor is writing for a case, saved before it is
-- published: one per case, replaced by each save, gone once published.
CREATE TABLE update_drafts (
    case_id       INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    final         INTEGER NOT NULL DEFAULT 0,
    close_actions INTEGER NOT NULL DEFAULT 0,
    new_status    TEXT NOT NULL DEFAULT '',
    saved_at      TEXT NOT NULL
);

-- +goose Down
DROP TABLE update_drafts;
ALTER TABLE updates DROP COLUMN hidden_at;
