-- Family voices and the chains of items that carried them.

-- name: voice_insert
INSERT INTO voices (id, group_id, municipality, channel, summary, raised_on, tags, recorded_by, position)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9);

-- name: item_voice_insert
INSERT OR IGNORE INTO item_voices (voice_id, item_id) VALUES (?1, ?2);

-- name: item_voices_delete
DELETE FROM item_voices WHERE item_id = ?1;

-- name: voice_list
-- Voices raised in the area (the group ?1 and the groups under it; '' = all)
-- and municipality ?2, from ?3 to ?4 (inclusive; '' = open), or one voice ?5.
WITH RECURSIVE area(id) AS (
    SELECT id FROM groups WHERE ?1 <> '' AND id = ?1
    UNION
    SELECT g.id FROM groups g JOIN area a ON g.parent_id = a.id
)
SELECT v.id, v.group_id, coalesce(g.name_fi, ''), coalesce(g.level, 0), v.municipality, v.channel, v.summary, v.raised_on, v.tags,
       v.recorded_by, coalesce(ms.person_name, '')
FROM voices v
LEFT JOIN groups g ON g.id = v.group_id
LEFT JOIN memberships ms ON ms.id = v.recorded_by
WHERE (?1 = '' OR v.group_id IN (SELECT id FROM area)) AND (?2 = '' OR v.municipality = ?2)
  AND (?3 = '' OR v.raised_on >= ?3) AND (?4 = '' OR v.raised_on <= ?4) AND (?5 = '' OR v.id = ?5)
ORDER BY v.raised_on, v.id;

-- name: voice_chain
-- Every item that carried voice ?1: those naming it, and from them every
-- item they were sent on as (escalated or referred) or came back as (tabled
-- or returned), with the meeting and group of each.
WITH RECURSIVE chain(item_id, depth) AS (
    SELECT item_id, 0 FROM item_voices WHERE voice_id = ?1
    UNION
    SELECT i.id, c.depth + 1 FROM chain c JOIN items i ON i.from_item_id = c.item_id AND i.from_item_id <> '' WHERE c.depth < 30
    UNION
    SELECT i.id, c.depth + 1 FROM chain c JOIN items i ON i.previous_item_id = c.item_id AND i.previous_item_id <> '' WHERE c.depth < 30
)
SELECT i.id, min(c.depth), i.group_id, coalesce(g.name_fi, ''), coalesce(g.level, 0), coalesce(i.meeting_id, ''),
       coalesce(nullif(m.opened_at, ''), m.starts_at, ''),
       coalesce(m.state, 0), i.title, i.section, i.decision, i.from_item_id, i.previous_item_id, i.direction, i.sent_at, i.withdrawn
FROM chain c
JOIN items i ON i.id = c.item_id
LEFT JOIN meetings m ON m.id = i.meeting_id
LEFT JOIN groups g ON g.id = i.group_id
GROUP BY i.id;

-- name: resp_report
-- Responsibilities due from ?3 to ?4 in the area (group ?1 and the groups
-- under it; '' = all) and, with ?2, in groups covering municipality ?2.
WITH RECURSIVE area(id) AS (
    SELECT id FROM groups WHERE ?1 <> '' AND id = ?1
    UNION
    SELECT g.id FROM groups g JOIN area a ON g.parent_id = a.id
)
SELECT r.group_id, coalesce(g.name_fi, ''), coalesce(ms.organisation, ''), r.due_on, r.state, r.done_on
FROM responsibilities r
LEFT JOIN groups g ON g.id = r.group_id
LEFT JOIN memberships ms ON ms.id = r.membership_id
WHERE (?1 = '' OR r.group_id IN (SELECT id FROM area))
  AND (?2 = '' OR EXISTS (SELECT 1 FROM group_municipalities gm WHERE gm.group_id = r.group_id AND gm.code = ?2))
  AND (?3 = '' OR r.due_on >= ?3) AND (?4 = '' OR r.due_on <= ?4);
