-- Items travelling between levels: escalated up to the parent group or
-- referred down to child groups. The columns after the first ones are a
-- LinkedItem (see scanLinked).

-- name: lineage_came_from
-- For the items of the selected meetings: the item each came from.
SELECT s.id, s.direction, s.sent_at,
       src.id, src.group_id, coalesce(g.name_fi, ''), coalesce(g.level, 0), coalesce(src.meeting_id, ''), coalesce(m.starts_at, ''),
       src.title, src.section, src.decision, src.continued_by
FROM items s
JOIN meetings sm ON sm.id = s.meeting_id
JOIN items src ON src.id = s.from_item_id
LEFT JOIN meetings m ON m.id = src.meeting_id
LEFT JOIN groups g ON g.id = src.group_id
WHERE s.from_item_id <> '' AND sm.group_id = ?1 AND (?2 = '' OR sm.id = ?2) AND (?3 = 0 OR sm.year = ?3);

-- name: lineage_sent_to
-- For the items of the selected meetings: where each was sent.
SELECT s.id, dst.direction, dst.sent_at,
       dst.id, dst.group_id, coalesce(g.name_fi, ''), coalesce(g.level, 0), coalesce(dst.meeting_id, ''), coalesce(m.starts_at, ''),
       dst.title, dst.section, dst.decision, dst.continued_by
FROM items s
JOIN meetings sm ON sm.id = s.meeting_id
-- from_item_id <> '' lets the partial index items_from serve the join.
JOIN items dst ON dst.from_item_id = s.id AND dst.from_item_id <> ''
LEFT JOIN meetings m ON m.id = dst.meeting_id
LEFT JOIN groups g ON g.id = dst.group_id
WHERE sm.group_id = ?1 AND (?2 = '' OR sm.id = ?2) AND (?3 = 0 OR sm.year = ?3) AND dst.withdrawn = 0
ORDER BY dst.sent_at, g.name_fi;

-- name: lineage_continuation
-- The later handling of a tabled or returned item.
SELECT i.id, i.group_id, coalesce(g.name_fi, ''), coalesce(g.level, 0), coalesce(i.meeting_id, ''), coalesce(m.starts_at, ''),
       i.title, i.section, i.decision, i.continued_by
FROM items i
LEFT JOIN meetings m ON m.id = i.meeting_id
LEFT JOIN groups g ON g.id = i.group_id
WHERE i.id = ?1;

-- name: lineage_in_flight
-- Every received item not withdrawn, with the item it came from; the
-- caller keeps those whose (last) handling has no final decision.
SELECT dst.direction, dst.sent_at,
       src.id, src.group_id, coalesce(sg.name_fi, ''), coalesce(sg.level, 0), coalesce(src.meeting_id, ''), coalesce(sm.starts_at, ''),
       src.title, src.section, src.decision, src.continued_by,
       dst.id, dst.group_id, coalesce(dg.name_fi, ''), coalesce(dg.level, 0), coalesce(dst.meeting_id, ''), coalesce(dm.starts_at, ''),
       dst.title, dst.section, dst.decision, dst.continued_by
FROM items dst
JOIN items src ON src.id = dst.from_item_id
LEFT JOIN meetings sm ON sm.id = src.meeting_id
LEFT JOIN groups sg ON sg.id = src.group_id
LEFT JOIN meetings dm ON dm.id = dst.meeting_id
LEFT JOIN groups dg ON dg.id = dst.group_id
WHERE dst.from_item_id <> '' AND dst.withdrawn = 0 AND (?1 = '' OR dst.group_id = ?1 OR src.group_id = ?1)
ORDER BY dst.sent_at, dst.id;
