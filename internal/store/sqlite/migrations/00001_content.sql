-- +goose Up
CREATE TABLE images (
    id         INTEGER PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    alt        TEXT NOT NULL CHECK (alt <> ''),
    credit     TEXT NOT NULL DEFAULT '',
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    format     TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE image_variants (
    image_id     INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    width        INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    data         BLOB NOT NULL,
    PRIMARY KEY (image_id, width)
);

CREATE TABLE tags (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE cases (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    lang         TEXT NOT NULL,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    image_id     INTEGER REFERENCES images(id),
    people_count INTEGER NOT NULL DEFAULT 0,
    status       TEXT NOT NULL CHECK (status IN ('active', 'monitoring', 'closed')),
    reference    TEXT NOT NULL DEFAULT '',
    published_at TEXT,
    updated_at   TEXT NOT NULL
);

CREATE TABLE case_countries (
    case_id  INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    code     TEXT NOT NULL,
    PRIMARY KEY (case_id, code)
);

CREATE TABLE case_tags (
    case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    tag_id  INTEGER NOT NULL REFERENCES tags(id),
    PRIMARY KEY (case_id, tag_id)
);

CREATE TABLE timeline_events (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    happened_on  TEXT NOT NULL,
    place        TEXT NOT NULL DEFAULT '',
    title        TEXT NOT NULL,
    body         TEXT NOT NULL DEFAULT '',
    people_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX timeline_events_case ON timeline_events(case_id, happened_on);

CREATE TABLE demands (
    id       INTEGER PRIMARY KEY,
    case_id  INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    text     TEXT NOT NULL,
    UNIQUE (case_id, position)
);

CREATE TABLE updates (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    number       INTEGER NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL DEFAULT '',
    final        INTEGER NOT NULL DEFAULT 0,
    published_at TEXT NOT NULL,
    UNIQUE (case_id, number)
);

CREATE TABLE targets (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    title        TEXT NOT NULL DEFAULT '',
    organisation TEXT NOT NULL DEFAULT '',
    address      TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    salutation   TEXT NOT NULL DEFAULT '',
    lang         TEXT NOT NULL DEFAULT 'en'
);

CREATE TABLE actions (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    case_id      INTEGER REFERENCES cases(id) ON DELETE SET NULL,
    lang         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('petition', 'appeal')),
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    image_id     INTEGER REFERENCES images(id),
    goal         INTEGER NOT NULL DEFAULT 0,
    count        INTEGER NOT NULL DEFAULT 0,
    deadline     TEXT,
    closed       INTEGER NOT NULL DEFAULT 0,
    closing_text TEXT NOT NULL DEFAULT '',
    delivery     TEXT NOT NULL DEFAULT 'each' CHECK (delivery IN ('each', 'digest')),
    subject      TEXT NOT NULL DEFAULT '',
    letter       TEXT NOT NULL DEFAULT '',
    published_at TEXT
);
CREATE INDEX actions_case ON actions(case_id);

CREATE TABLE action_targets (
    action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    target_id INTEGER NOT NULL REFERENCES targets(id),
    position  INTEGER NOT NULL,
    PRIMARY KEY (action_id, target_id)
);

CREATE TABLE action_tags (
    action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    tag_id    INTEGER NOT NULL REFERENCES tags(id),
    PRIMARY KEY (action_id, tag_id)
);

CREATE TABLE news (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    lang         TEXT NOT NULL,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    image_id     INTEGER REFERENCES images(id),
    published_at TEXT
);
CREATE INDEX news_published ON news(published_at);

CREATE TABLE news_tags (
    news_id INTEGER NOT NULL REFERENCES news(id) ON DELETE CASCADE,
    tag_id  INTEGER NOT NULL REFERENCES tags(id),
    PRIMARY KEY (news_id, tag_id)
);

CREATE TABLE news_cases (
    news_id INTEGER NOT NULL REFERENCES news(id) ON DELETE CASCADE,
    case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    PRIMARY KEY (news_id, case_id)
);

-- +goose Down
DROP TABLE news_cases;
DROP TABLE news_tags;
DROP TABLE news;
DROP TABLE action_tags;
DROP TABLE action_targets;
DROP TABLE actions;
DROP TABLE targets;
DROP TABLE updates;
DROP TABLE demands;
DROP TABLE timeline_events;
DROP TABLE case_tags;
DROP TABLE case_countries;
DROP TABLE cases;
DROP TABLE tags;
DROP TABLE image_variants;
DROP TABLE images;
