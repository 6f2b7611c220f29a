-- +goose Up
-- A record's texts in another language than its own: one row per record
-- and language, keyed to the original (kind names its table: case,
-- update, action, news, image). texts is a JSON object of field name to
-- text; source is the fingerprint of the original's texts the translation
-- was made from, so a translation whose original changed since shows as
-- outdated. Records are never deleted, so no foreign key is needed.
CREATE TABLE translations (
    kind      TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    lang      TEXT NOT NULL,
    texts     TEXT NOT NULL,
    source    TEXT NOT NULL,
    version   integer NOT NULL,
    saved_at  TEXT NOT NULL,
    PRIMARY KEY (kind, record_id, lang)
);

-- +goose Down
DROP TABLE translations;
