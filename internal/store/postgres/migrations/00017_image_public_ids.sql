-- +goose Up
-- Pictures are named in their URLs by a random public ID rather than by
-- the hash of the uploaded file, which anyone holding the file could
-- compute. Pictures stored before get one now (gen_random_uuid draws from
-- a cryptographic generator).
ALTER TABLE images ADD COLUMN public_id text;
UPDATE images SET public_id = replace(gen_random_uuid()::text, '-', '');
ALTER TABLE images ALTER COLUMN public_id SET NOT NULL;
CREATE UNIQUE INDEX images_public_id ON images (public_id);

-- +goose Down
DROP INDEX images_public_id;
ALTER TABLE images DROP COLUMN public_id;
