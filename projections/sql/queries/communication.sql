-- Communication responsibilities and upward asks.

-- name: resp_insert
INSERT INTO responsibilities (id, group_id, item_id, membership_id, audience, audience_kind, audience_group_id, due_on, state)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9);

-- name: resp_confirm
UPDATE responsibilities SET state = ?1 WHERE id = ?2 AND state = ?3;

-- name: resp_reassign
UPDATE responsibilities SET membership_id = ?1, due_on = ?2 WHERE id = ?3;

-- name: resp_waive
UPDATE responsibilities SET state = ?1, waived_reason = ?2 WHERE id = ?3;

-- name: resp_done
UPDATE responsibilities SET state = ?1, done = ?2, done_on = ?3 WHERE id = ?4;

-- name: upward_insert
INSERT OR IGNORE INTO upward_answers (meeting_id, membership_id, represents_group_id, item_id) VALUES (?1, ?2, ?3, ?4);

-- name: resp_list
-- Responsibilities with their decision and the responsible member. ?1 group,
-- ?2 membership, ?3 person name, ?4 open only, ?5 overdue only on date ?6,
-- ?7 person id (all optional).
SELECT id, group_id, group_name, item_id, title, section, meeting_id, held_at, membership_id, person_name, organisation,
       audience, due_on, state, done, waived_reason, audience_group_name
FROM responsibility_rows
WHERE (?1 = '' OR group_id = ?1) AND (?2 = '' OR membership_id = ?2) AND (?3 = '' OR person_name = ?3)
  AND (?4 = 0 OR state IN (1, 2)) AND (?5 = 0 OR (state IN (1, 2) AND due_on < ?6)) AND (?7 = '' OR person_id = ?7)
ORDER BY due_on, group_name, section, id;

-- name: resp_for_item
-- The same for one decided item (indexed: the trace asks for each hop).
SELECT id, group_id, group_name, item_id, title, section, meeting_id, held_at, membership_id, person_name, organisation,
       audience, due_on, state, done, waived_reason, audience_group_name
FROM responsibility_rows
WHERE item_id = ?1
ORDER BY due_on, id;

-- name: upward_asks
-- The members of the meeting's group who represent a child group, with
-- their answers (item_id NULL: not answered; '' nothing to bring).
SELECT ms.id, ms.person_name, ms.represents_group_id, coalesce(rg.name_fi, ''), a.item_id, coalesce(i.title, '')
FROM memberships ms
LEFT JOIN groups rg ON rg.id = ms.represents_group_id
LEFT JOIN upward_answers a ON a.meeting_id = ?2 AND a.membership_id = ms.id
LEFT JOIN items i ON i.id = a.item_id AND a.item_id <> ''
WHERE ms.group_id = ?1 AND ms.active = 1 AND ms.represents_group_id <> ''
-- Items brought sort before a "nothing" answer, which the reader then drops.
ORDER BY rg.name_fi, ms.person_name, ms.id, a.item_id IS NULL OR a.item_id = '', i.position;
