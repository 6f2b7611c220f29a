-- +goose Up
-- Researchers' records of the individuals a case concerns: who, in what
-- situation, where, confirmed when and by what source. Staff only (never
-- the public site); every read and write is audited. The name, place and
-- source note are sealed (see internal/secret), bound to the row's ID, so
-- the row is inserted first and sealed after. No cascade: a case with
-- records cannot be deleted until each is, with its audit entry.
CREATE TABLE records (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id            INTEGER NOT NULL REFERENCES cases(id),
    name_sealed        BLOB,
    status             TEXT NOT NULL CHECK (status IN ('detained', 'transferred', 'released', 'returned', 're-detained', 'unknown')),
    place_sealed       BLOB,
    last_confirmed     TEXT,
    source_note_sealed BLOB,
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX records_case ON records(case_id);

-- +goose Down
DROP TABLE records;
