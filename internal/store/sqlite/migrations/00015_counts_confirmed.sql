-- +goose Up
-- A participation now counts once it is confirmed from the mailbox (see
-- docs/decisions.md, "Counts move only with the mailbox"): the
-- participations waiting for their confirmation leave the public counts,
-- and come back one by one as they are confirmed.
UPDATE actions SET count = MAX(count - (SELECT COUNT(*) FROM participations p
	WHERE p.action_id = actions.id AND p.confirmed_at IS NULL), 0);

-- +goose Down
UPDATE actions SET count = count + (SELECT COUNT(*) FROM participations p
	WHERE p.action_id = actions.id AND p.confirmed_at IS NULL);
