-- Personal data of members is stored sealed: the name and e-mail of a
-- membership are a PersonalData message encrypted with the person's key,
-- which lives outside the stream and outside this file. Forgetting the
-- person deletes the key; the API then shows role and organisation.
-- person_name and email keep only what old events wrote in the clear, and
-- are blanked when that person is forgotten.
ALTER TABLE memberships ADD COLUMN sealed_personal BLOB NOT NULL DEFAULT x'';
