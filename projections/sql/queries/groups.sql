-- name: group_insert
INSERT INTO groups (id, level, parent_id, name_fi, name_sv, name_en, wellbeing_county, mode, version, position, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: group_touch
UPDATE groups SET version = ?, position = ?, updated_at = ? WHERE id = ?;

-- name: group_rename
UPDATE groups SET name_fi = ?, name_sv = ?, name_en = ? WHERE id = ?;

-- name: municipality_insert
INSERT INTO group_municipalities (group_id, code, ord) VALUES (?, ?, ?);

-- name: member_insert
INSERT INTO memberships (id, group_id, ord, person_id, person_name, email, organisation, actor_type, role, term_start, term_end, represents_group_id, sealed_personal)
-- ord is the aggregate version of the MemberAdded event: the order added.
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: member_forget
-- A forgotten person's name and e-mail from old events written in the clear.
UPDATE memberships SET person_name = '', email = '' WHERE person_id = ?1;

-- name: seats_select
-- What the API needs to show members by membership id (?1: a JSON array):
-- the sealed personal data (or old plaintext) with role and organisation.
SELECT id, group_id, person_id, person_name, email, sealed_personal, organisation, role
FROM memberships
WHERE id IN (SELECT value FROM json_each(?1));

-- name: member_change
UPDATE memberships SET organisation = ?, actor_type = ?, role = ?, term_end = ?, represents_group_id = ? WHERE id = ? AND group_id = ?;

-- name: member_end
UPDATE memberships SET active = 0, ended_on = ?, end_reason = ? WHERE id = ? AND group_id = ?;

-- name: groups_select
SELECT id, level, parent_id, name_fi, name_sv, name_en, wellbeing_county, mode, version
FROM groups
WHERE (?1 = '' OR id = ?1) AND (?2 = '' OR wellbeing_county = ?2)
ORDER BY level DESC, name_fi, id;

-- name: municipalities_select
SELECT m.group_id, m.code
FROM group_municipalities m JOIN groups g ON g.id = m.group_id
WHERE (?1 = '' OR m.group_id = ?1) AND (?2 = '' OR g.wellbeing_county = ?2)
ORDER BY m.group_id, m.ord;

-- name: members_select
SELECT m.id, m.group_id, m.person_id, m.person_name, m.email, m.organisation, m.actor_type, m.role,
       m.term_start, m.term_end, m.represents_group_id, coalesce(r.name_fi, ''), m.active, m.ended_on, m.end_reason
FROM memberships m
JOIN groups g ON g.id = m.group_id
LEFT JOIN groups r ON r.id = m.represents_group_id
WHERE (?1 = '' OR m.group_id = ?1) AND (?2 = '' OR g.wellbeing_county = ?2) AND (?3 OR m.active = 1)
ORDER BY m.group_id, m.ord;

-- name: children_select
SELECT id FROM groups WHERE parent_id = ? ORDER BY name_fi, id;

-- name: group_children
SELECT id FROM groups WHERE parent_id = ?1 ORDER BY name_fi, id;
