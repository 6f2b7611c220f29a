-- +goose Up
-- Each individual's history: dated events, each with its place, source
-- and verification level, after the HURIDOCS events formats (see
-- docs/decisions.md). The current status is derived from them, so the
-- record keeps only who the individual is: a name (sealed) and a label
-- ("Individual 017") in the clear.
ALTER TABLE records ADD COLUMN label TEXT NOT NULL DEFAULT '';

CREATE TABLE record_events (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id          INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    kind               TEXT NOT NULL CHECK (kind IN ('detained', 'transferred', 'charged', 'tried', 'sentenced', 'released',
                           'returned', 're-detained', 'disappeared', 'died', 'in-hiding', 'left-country', 'note')),
    happened_on        TEXT,
    date_precision     TEXT NOT NULL DEFAULT '' CHECK (date_precision IN ('', 'day', 'month', 'year')),
    place_sealed       BLOB,
    source_sealed      BLOB,
    source_how_sealed  BLOB,
    source_date        TEXT,
    verification       TEXT NOT NULL CHECK (verification IN ('single', 'corroborated', 'confirmed')),
    note_sealed        BLOB,
    -- The sealed values are still bound to the record they came from
    -- (records.place_sealed, records.source_note_sealed): the store's
    -- migrate step seals them again for this row and clears the mark.
    legacy_seal        INTEGER NOT NULL DEFAULT 0,
    -- The follow-up action this event drafted: one at most, ever.
    action_id          INTEGER UNIQUE REFERENCES actions(id) ON DELETE SET NULL,
    created_at         TEXT NOT NULL
);
CREATE INDEX record_events_record ON record_events(record_id);

-- Each record's status, place, date last confirmed and source become its
-- first event, undated: the date was when the status was confirmed, the
-- source's date. Nothing said more than one source.
INSERT INTO record_events (record_id, kind, date_precision, place_sealed, source_sealed, source_date, verification,
    legacy_seal, created_at)
SELECT id, CASE status WHEN 'unknown' THEN 'note' ELSE status END, '', place_sealed, source_note_sealed, last_confirmed,
    'single', 1, updated_at
FROM records;

ALTER TABLE records DROP COLUMN status;
ALTER TABLE records DROP COLUMN place_sealed;
ALTER TABLE records DROP COLUMN last_confirmed;
ALTER TABLE records DROP COLUMN source_note_sealed;

-- What the public case page says in figures: the introduction (the group
-- noun, translated with the case's texts) and the published snapshot of
-- the figures an editor chose (JSON), so that the page reads no record.
ALTER TABLE cases ADD COLUMN figures_intro TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN figures TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE cases DROP COLUMN figures;
ALTER TABLE cases DROP COLUMN figures_intro;
ALTER TABLE records ADD COLUMN status TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE records ADD COLUMN place_sealed BLOB;
ALTER TABLE records ADD COLUMN last_confirmed TEXT;
ALTER TABLE records ADD COLUMN source_note_sealed BLOB;
DROP TABLE record_events;
ALTER TABLE records DROP COLUMN label;
