-- name: user_roles
INSERT INTO users (person_id, admin, auditor, organisation) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (person_id) DO UPDATE SET admin = excluded.admin, auditor = excluded.auditor, organisation = excluded.organisation;

-- name: token_insert
INSERT INTO api_tokens (id, person_id, label, secret_sha256, created_at, expires_at, created_by, position)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8);

-- name: token_revoke
UPDATE api_tokens SET revoked_at = ?1 WHERE id = ?2 AND revoked_at = '';

-- name: token_select
SELECT t.person_id, t.secret_sha256, t.expires_at, t.revoked_at, coalesce(u.admin, 0), coalesce(u.auditor, 0)
FROM api_tokens t LEFT JOIN users u ON u.person_id = t.person_id
WHERE t.id = ?1;

-- name: tokens_of
SELECT id, person_id, label, created_at, expires_at, created_by, revoked_at
FROM api_tokens WHERE person_id = ?1 ORDER BY position;

-- name: token_owner
SELECT person_id FROM api_tokens WHERE id = ?1;

-- name: users_select
SELECT u.person_id, u.admin, u.auditor, u.organisation,
       (SELECT count(*) FROM api_tokens t WHERE t.person_id = u.person_id AND t.revoked_at = '' AND t.expires_at > ?1)
FROM users u ORDER BY u.person_id;

-- name: user_select
SELECT admin, auditor FROM users WHERE person_id = ?1;

-- name: seats_of
-- The active memberships of a person on a day: their seats.
SELECT m.group_id, g.name_fi, m.id, m.role
FROM memberships m JOIN groups g ON g.id = m.group_id
WHERE m.person_id = ?1 AND m.active = 1 AND m.term_start <= ?2 AND (m.term_end = '' OR m.term_end >= ?2)
ORDER BY g.level, g.name_fi, m.ord;

-- name: person_known
SELECT EXISTS (SELECT 1 FROM memberships WHERE person_id = ?1) OR EXISTS (SELECT 1 FROM users WHERE person_id = ?1);

-- name: membership_person
SELECT person_id FROM memberships WHERE id = ?1;
