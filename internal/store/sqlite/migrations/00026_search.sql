-- +goose Up
-- What readers can find: one row per published case, action and news
-- article and per language it can be read in (its original and each
-- translation). Drafts have no row. title and body are the texts as shown
-- (body: summary and body as plain text); folded_title and folded_body
-- are the same in lower case without diacritics, which is what is
-- matched. Written by the store in the transaction that changes the
-- record (sqlcore/search.go).
CREATE TABLE search_entries (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('case', 'action', 'news')),
    record_id    INTEGER NOT NULL,
    lang         TEXT NOT NULL,
    original     INTEGER NOT NULL,
    slug         TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    folded_title TEXT NOT NULL,
    folded_body  TEXT NOT NULL,
    published_at TEXT NOT NULL,
    UNIQUE (kind, record_id, lang)
);

-- The full-text index over the folded texts, its content read from
-- search_entries and kept in step by the triggers below.
CREATE VIRTUAL TABLE search_fts USING fts5(
    folded_title, folded_body,
    content='search_entries', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);

-- +goose StatementBegin
CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN
    INSERT INTO search_fts (rowid, folded_title, folded_body) VALUES (new.id, new.folded_title, new.folded_body);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN
    INSERT INTO search_fts (search_fts, rowid, folded_title, folded_body)
        VALUES ('delete', old.id, old.folded_title, old.folded_body);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN
    INSERT INTO search_fts (search_fts, rowid, folded_title, folded_body)
        VALUES ('delete', old.id, old.folded_title, old.folded_body);
    INSERT INTO search_fts (rowid, folded_title, folded_body) VALUES (new.id, new.folded_title, new.folded_body);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER search_entries_au;
DROP TRIGGER search_entries_ad;
DROP TRIGGER search_entries_ai;
DROP TABLE search_fts;
DROP TABLE search_entries;
