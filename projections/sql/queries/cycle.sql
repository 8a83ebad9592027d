-- name: cycle_meetings
-- Every meeting of a year and the year before (the first window of a year
-- starts at the last meeting of the one before), with its group.
SELECT m.group_id, coalesce(g.name_fi, ''), coalesce(g.level, 0), coalesce(g.parent_id, ''), m.id, m.starts_at, m.place,
       m.video_link, m.deadline_days, m.state, m.year
FROM meetings m LEFT JOIN groups g ON g.id = m.group_id
WHERE m.year IN (?1 - 1, ?1)
ORDER BY m.starts_at, m.group_id;

-- name: cycle_annual_items
SELECT i.meeting_id, i.title, i.group_id, i.openness
FROM items i JOIN meetings m ON m.id = i.meeting_id
WHERE m.year = ?1 AND i.origin = 8 AND i.withdrawn = 0
ORDER BY i.meeting_id, i.position;

-- name: cycle_groups
SELECT id, name_fi, parent_id FROM groups ORDER BY name_fi, id;
