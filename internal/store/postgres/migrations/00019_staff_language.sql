-- +goose Up
-- The language a staff member reads the admin in: a code of one of the
-- staff catalogues (internal/i18n/staff). English until they choose.
ALTER TABLE staff_users ADD COLUMN lang text NOT NULL DEFAULT 'en';

-- +goose Down
ALTER TABLE staff_users DROP COLUMN lang;
