-- name: meeting_insert
INSERT INTO meetings (id, group_id, year, starts_at, place, video_link, deadline_days, state, version, position)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: meeting_reschedule
UPDATE meetings SET starts_at = ?, year = ?, place = ?, video_link = ? WHERE id = ?;

-- name: items_year
UPDATE items SET year = ? WHERE meeting_id = ?;

-- name: meeting_state
UPDATE meetings SET state = ? WHERE id = ?;

-- name: meeting_cancel
UPDATE meetings SET state = ?, cancel_reason = ? WHERE id = ?;

-- name: meeting_open
UPDATE meetings SET state = ?, lawful = ?, quorate = ?, opened_at = ? WHERE id = ?;

-- name: meeting_agenda_approved
UPDATE meetings SET agenda_approved = 1 WHERE id = ?;

-- name: meeting_touch
UPDATE meetings SET version = ?, position = ? WHERE id = ?;

-- name: attendance_insert
INSERT INTO attendance (meeting_id, ord, membership_id, status, deputy_name) VALUES (?, ?, ?, ?, ?);

-- name: item_insert
-- An item starts pending (no meeting, position 0, year 0); item_place puts
-- it on its meeting's agenda.
INSERT INTO items (id, meeting_id, group_id, position, title, openness, urgent, item, year, previous_item_id,
                   origin, standard, from_item_id, direction, sent_at, created_at)
VALUES (?1, NULL, ?2, 0, ?3, ?4, ?5, ?6, 0, ?7, ?8, ?9, ?10, ?11, ?12, ?13);

-- name: item_continued
UPDATE items SET continued_by = ?1 WHERE id = ?2;

-- name: item_shift_closing
-- Makes room before the standard closing items (standard 5-7) for an item
-- of standard kind ?2 that is not one of them.
UPDATE items SET position = position + 1 WHERE meeting_id = ?1 AND standard BETWEEN 5 AND 7 AND ?2 NOT BETWEEN 5 AND 7;

-- name: item_place
-- Puts an item on meeting ?2's agenda: last, but before the closing items
-- unless it is one of them (after item_shift_closing).
UPDATE items SET meeting_id = ?2, year = (SELECT year FROM meetings WHERE id = ?2),
       position = (SELECT count(*) + 1 FROM items WHERE meeting_id = ?2 AND id <> ?1 AND (?3 BETWEEN 5 AND 7 OR standard NOT BETWEEN 5 AND 7))
WHERE id = ?1;

-- name: items_renumber
UPDATE items SET position = (SELECT count(*) + 1 FROM items j WHERE j.meeting_id = items.meeting_id AND j.position < items.position)
WHERE meeting_id = ?1;

-- name: item_position
UPDATE items SET position = ?1 WHERE id = ?2;

-- name: item_edit
UPDATE items SET title = ?1, openness = ?2, item = ?3 WHERE id = ?4;

-- name: item_tasks_delete
DELETE FROM item_tasks WHERE item_id = ?1;

-- name: item_municipalities_delete
DELETE FROM item_municipalities WHERE item_id = ?1;

-- name: fts_edit
UPDATE items_fts SET title = ?1, body = ?2 WHERE rowid = (SELECT rowid FROM items WHERE id = ?3);

-- name: meeting_checkers
UPDATE meetings SET checkers = ? WHERE id = ?;

-- name: meeting_checked
UPDATE meetings SET checked_by = CASE checked_by WHEN '' THEN ?1 ELSE checked_by || ',' || ?1 END WHERE id = ?2;

-- name: meeting_minutes_approved
UPDATE meetings SET minutes_approved = 1 WHERE id = ?;

-- name: correction_insert
INSERT INTO corrections (item_id, ord, before, after, reason, corrected_at)
SELECT ?1, (SELECT count(*) FROM corrections WHERE item_id = ?1), i.decision, ?2, ?3, ?4 FROM items i WHERE i.id = ?1;

-- name: item_correct
UPDATE items SET outcome = ?, decision = ? WHERE id = ?;

-- name: item_withdraw
UPDATE items SET withdrawn = 1 WHERE id = ?;

-- name: item_decide
UPDATE items SET section = ?, outcome = ?, decision = ? WHERE id = ?;

-- name: item_meeting
SELECT coalesce(meeting_id, '') FROM items WHERE id = ?;

-- name: meetings_select
SELECT m.id, m.group_id, coalesce(g.name_fi, ''), m.starts_at, m.place, m.video_link, m.deadline_days, m.state,
       m.agenda_approved, m.lawful, m.quorate, m.cancel_reason, m.version, m.checkers, m.checked_by, m.minutes_approved
FROM meetings m LEFT JOIN groups g ON g.id = m.group_id
WHERE m.group_id = ?1 AND (?2 = '' OR m.id = ?2) AND (?3 = 0 OR m.year = ?3)
ORDER BY m.starts_at, m.id;

-- name: attendance_select
SELECT a.meeting_id, a.membership_id, a.status, a.deputy_name
FROM attendance a JOIN meetings m ON m.id = a.meeting_id
WHERE m.group_id = ?1 AND (?2 = '' OR m.id = ?2) AND (?3 = 0 OR m.year = ?3)
ORDER BY a.meeting_id, a.ord;

-- name: items_select
SELECT i.id, i.meeting_id, i.position, i.urgent, i.withdrawn, i.item, i.section, i.decision, i.previous_item_id
FROM items i JOIN meetings m ON m.id = i.meeting_id
WHERE m.group_id = ?1 AND (?2 = '' OR m.id = ?2) AND (?3 = 0 OR m.year = ?3)
ORDER BY i.meeting_id, i.position;

-- name: corrections_select
SELECT c.item_id, c.before, c.after, c.reason, c.corrected_at
FROM corrections c JOIN items i ON i.id = c.item_id JOIN meetings m ON m.id = i.meeting_id
WHERE m.group_id = ?1 AND (?2 = '' OR m.id = ?2) AND (?3 = 0 OR m.year = ?3)
ORDER BY c.item_id, c.ord;

-- name: history_select
-- The earlier handlings of an item, oldest first, following previous_item_id.
WITH RECURSIVE chain (id, prev, depth) AS (
    SELECT id, previous_item_id, 0 FROM items WHERE id = ?1
    UNION ALL
    SELECT i.id, i.previous_item_id, c.depth + 1 FROM items i JOIN chain c ON i.id = c.prev
)
SELECT i.id, i.meeting_id, m.starts_at, i.section, i.decision
FROM chain c JOIN items i ON i.id = c.id JOIN meetings m ON m.id = i.meeting_id
WHERE c.depth > 0
ORDER BY c.depth DESC;

-- name: item_openness
-- The group and openness of the items in the JSON array ?1.
SELECT i.id, i.group_id, i.openness FROM json_each(?1) j JOIN items i ON i.id = j.value;
