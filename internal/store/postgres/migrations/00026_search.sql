-- +goose Up
-- What readers can find: one row per published case, action and news
-- article and per language it can be read in (its original and each
-- translation). Drafts have no row. title and body are the texts as shown
-- (body: summary and body as plain text); folded_title and folded_body
-- are the same in lower case without diacritics, which is what is
-- matched. Written by the store in the transaction that changes the
-- record (sqlcore/search.go).
CREATE TABLE search_entries (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('case', 'action', 'news')),
    record_id    bigint NOT NULL,
    lang         text NOT NULL,
    original     boolean NOT NULL,
    slug         text NOT NULL,
    title        text NOT NULL,
    body         text NOT NULL,
    folded_title text NOT NULL,
    folded_body  text NOT NULL,
    published_at timestamptz NOT NULL,
    UNIQUE (kind, record_id, lang)
);

-- An entry's document: the title weighs A, the body B. It names no
-- other function, so it reads the same whatever the search_path of
-- whoever builds the index.
-- +goose StatementBegin
CREATE FUNCTION search_vector(lang text, title text, body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.setweight(pg_catalog.to_tsvector(l.c, title), 'A') OPERATOR(pg_catalog.||)
           pg_catalog.setweight(pg_catalog.to_tsvector(l.c, body), 'B')
    FROM (SELECT CASE lang
        WHEN 'en' THEN 'pg_catalog.english'::pg_catalog.regconfig
        WHEN 'es' THEN 'pg_catalog.spanish'::pg_catalog.regconfig
        WHEN 'fr' THEN 'pg_catalog.french'::pg_catalog.regconfig
        ELSE 'pg_catalog.simple'::pg_catalog.regconfig
    END AS c) l
$$;
-- +goose StatementEnd

-- The document is stored, so that ranking reads it rather than parsing
-- the texts again for every row found. Being generated, it is no data of
-- its own: a copy leaves it out and the target computes it again.
ALTER TABLE search_entries ADD COLUMN document tsvector
    GENERATED ALWAYS AS (search_vector(lang, folded_title, folded_body)) STORED;
CREATE INDEX search_entries_document ON search_entries USING gin (document);

-- +goose Down
DROP TABLE search_entries;
DROP FUNCTION search_vector(text, text, text);
