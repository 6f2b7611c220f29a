-- +goose Up
-- The model letter of an appeal in other languages than the action's own:
-- a supporter reading in one of them edits the letter in it.
CREATE TABLE action_letters (
    action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    lang      TEXT NOT NULL,
    subject   TEXT NOT NULL,
    letter    TEXT NOT NULL,
    PRIMARY KEY (action_id, lang)
);

-- +goose Down
DROP TABLE action_letters;
