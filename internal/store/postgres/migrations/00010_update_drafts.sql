-- +goose Up
-- An unpublished update leaves the case page and its feed; what it did to
-- the case (closing actions, a new status) stays done.
ALTER TABLE updates ADD COLUMN hidden_at timestamptz;

-- The update an editor is writing for a case, saved before it is
-- published: one per case, replaced by each save, gone once published.
CREATE TABLE update_drafts (
    case_id       bigint PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    title         text NOT NULL,
    body          text NOT NULL,
    final         boolean NOT NULL DEFAULT false,
    close_actions boolean NOT NULL DEFAULT false,
    new_status    text NOT NULL DEFAULT '',
    saved_at      timestamptz NOT NULL
);

-- +goose Down
DROP TABLE update_drafts;
ALTER TABLE updates DROP COLUMN hidden_at;
