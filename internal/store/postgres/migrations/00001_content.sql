-- +goose Up
CREATE TABLE images (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hash       text NOT NULL UNIQUE,
    alt        text NOT NULL CHECK (alt <> ''),
    credit     text NOT NULL DEFAULT '',
    width      integer NOT NULL,
    height     integer NOT NULL,
    format     text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE image_variants (
    image_id     bigint NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    width        integer NOT NULL,
    content_type text NOT NULL,
    data         bytea NOT NULL,
    PRIMARY KEY (image_id, width)
);

CREATE TABLE tags (
    id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE
);

CREATE TABLE cases (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug         text NOT NULL UNIQUE,
    lang         text NOT NULL,
    title        text NOT NULL,
    summary      text NOT NULL DEFAULT '',
    body         text NOT NULL DEFAULT '',
    image_id     bigint REFERENCES images(id),
    people_count integer NOT NULL DEFAULT 0,
    status       text NOT NULL CHECK (status IN ('active', 'monitoring', 'closed')),
    reference    text NOT NULL DEFAULT '',
    published_at timestamptz,
    updated_at   timestamptz NOT NULL
);

CREATE TABLE case_countries (
    case_id  bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    position integer NOT NULL,
    code     text NOT NULL,
    PRIMARY KEY (case_id, code)
);

CREATE TABLE case_tags (
    case_id bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    tag_id  bigint NOT NULL REFERENCES tags(id),
    PRIMARY KEY (case_id, tag_id)
);

CREATE TABLE timeline_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id      bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    happened_on  date NOT NULL,
    place        text NOT NULL DEFAULT '',
    title        text NOT NULL,
    body         text NOT NULL DEFAULT '',
    people_count integer NOT NULL DEFAULT 0
);
CREATE INDEX timeline_events_case ON timeline_events(case_id, happened_on);

CREATE TABLE demands (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id  bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    position integer NOT NULL,
    text     text NOT NULL,
    UNIQUE (case_id, position)
);

CREATE TABLE updates (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id      bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    number       integer NOT NULL,
    title        text NOT NULL,
    body         text NOT NULL DEFAULT '',
    final        boolean NOT NULL DEFAULT false,
    published_at timestamptz NOT NULL,
    UNIQUE (case_id, number)
);

CREATE TABLE targets (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL,
    title        text NOT NULL DEFAULT '',
    organisation text NOT NULL DEFAULT '',
    address      text NOT NULL DEFAULT '',
    email        text NOT NULL DEFAULT '',
    salutation   text NOT NULL DEFAULT '',
    lang         text NOT NULL DEFAULT 'en'
);

CREATE TABLE actions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug         text NOT NULL UNIQUE,
    case_id      bigint REFERENCES cases(id) ON DELETE SET NULL,
    lang         text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('petition', 'appeal')),
    title        text NOT NULL,
    summary      text NOT NULL DEFAULT '',
    body         text NOT NULL DEFAULT '',
    image_id     bigint REFERENCES images(id),
    goal         integer NOT NULL DEFAULT 0,
    count        integer NOT NULL DEFAULT 0,
    deadline     timestamptz,
    closed       boolean NOT NULL DEFAULT false,
    closing_text text NOT NULL DEFAULT '',
    delivery     text NOT NULL DEFAULT 'each' CHECK (delivery IN ('each', 'digest')),
    subject      text NOT NULL DEFAULT '',
    letter       text NOT NULL DEFAULT '',
    published_at timestamptz
);
CREATE INDEX actions_case ON actions(case_id);

CREATE TABLE action_targets (
    action_id bigint NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    target_id bigint NOT NULL REFERENCES targets(id),
    position  integer NOT NULL,
    PRIMARY KEY (action_id, target_id)
);

CREATE TABLE action_tags (
    action_id bigint NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    tag_id    bigint NOT NULL REFERENCES tags(id),
    PRIMARY KEY (action_id, tag_id)
);

CREATE TABLE news (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug         text NOT NULL UNIQUE,
    lang         text NOT NULL,
    title        text NOT NULL,
    summary      text NOT NULL DEFAULT '',
    body         text NOT NULL DEFAULT '',
    image_id     bigint REFERENCES images(id),
    published_at timestamptz
);
CREATE INDEX news_published ON news(published_at);

CREATE TABLE news_tags (
    news_id bigint NOT NULL REFERENCES news(id) ON DELETE CASCADE,
    tag_id  bigint NOT NULL REFERENCES tags(id),
    PRIMARY KEY (news_id, tag_id)
);

CREATE TABLE news_cases (
    news_id bigint NOT NULL REFERENCES news(id) ON DELETE CASCADE,
    case_id bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
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
