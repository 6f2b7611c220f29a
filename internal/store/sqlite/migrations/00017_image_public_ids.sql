-- +goose Up
-- Pictures are named in their URLs by a random public ID rather than by
-- the hash of the uploaded file, which anyone holding the file could
-- compute. Pictures stored before get one now.
ALTER TABLE images ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE images SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX images_public_id ON images (public_id);

-- +goose Down
DROP INDEX images_public_id;
ALTER TABLE images DROP COLUMN public_id;
