-- +goose Up
-- A supporter who no longer wants one case's updates, chosen from the
-- link in their emails; the update audience leaves them out of that
-- case alone.
CREATE TABLE update_optouts (
    supporter_id bigint NOT NULL REFERENCES supporters(id) ON DELETE CASCADE,
    case_id      bigint NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    at           timestamptz NOT NULL,
    PRIMARY KEY (supporter_id, case_id)
);

-- +goose Down
DROP TABLE update_optouts;
