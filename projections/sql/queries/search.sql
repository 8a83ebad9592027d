-- name: fts_insert
-- The full-text row shares the item's rowid, so it is found without a scan.
INSERT INTO items_fts (rowid, item_id, title, body, decision)
SELECT rowid, ?1, ?2, ?3, '' FROM items WHERE id = ?1;

-- name: fts_decision
UPDATE items_fts SET decision = ?1 WHERE rowid = (SELECT rowid FROM items WHERE id = ?2);

-- name: item_task_insert
INSERT OR IGNORE INTO item_tasks (item_id, task) VALUES (?, ?);

-- name: item_municipality_insert
INSERT OR IGNORE INTO item_municipalities (item_id, code) VALUES (?, ?);

-- name: search_text
-- Secret items are never found (their members will see them once roles exist),
-- nor the procedural standard items (only "other matters" carries content).
SELECT i.group_id, coalesce(g.name_fi, ''), coalesce(g.level, 0), i.meeting_id, m.starts_at, i.id, i.section, i.title, i.outcome,
       snippet(items_fts, -1, '[', ']', '…', 12)
FROM items_fts f
JOIN items i ON i.rowid = f.rowid
JOIN meetings m ON m.id = i.meeting_id
LEFT JOIN groups g ON g.id = i.group_id
WHERE items_fts MATCH ?1 AND i.openness <> 3 AND i.withdrawn = 0 AND i.standard IN (0, 5)
  AND (?2 = '' OR i.group_id = ?2) AND (?3 = 0 OR g.level = ?3) AND (?4 = 0 OR i.year = ?4)
  AND (?5 = 0 OR EXISTS (SELECT 1 FROM item_tasks t WHERE t.item_id = i.id AND t.task = ?5))
  AND (?6 = '' OR EXISTS (SELECT 1 FROM item_municipalities c WHERE c.item_id = i.id AND c.code = ?6))
  AND (?7 = 0 OR i.outcome = ?7)
ORDER BY rank
LIMIT ?8;

-- name: search_filters
SELECT i.group_id, coalesce(g.name_fi, ''), coalesce(g.level, 0), i.meeting_id, m.starts_at, i.id, i.section, i.title, i.outcome, ''
FROM items i
JOIN meetings m ON m.id = i.meeting_id
LEFT JOIN groups g ON g.id = i.group_id
WHERE i.openness <> 3 AND i.withdrawn = 0 AND i.standard IN (0, 5)
  AND (?2 = '' OR i.group_id = ?2) AND (?3 = 0 OR g.level = ?3) AND (?4 = 0 OR i.year = ?4)
  AND (?5 = 0 OR EXISTS (SELECT 1 FROM item_tasks t WHERE t.item_id = i.id AND t.task = ?5))
  AND (?6 = '' OR EXISTS (SELECT 1 FROM item_municipalities c WHERE c.item_id = i.id AND c.code = ?6))
  AND (?7 = 0 OR i.outcome = ?7)
  AND ?1 = ''
ORDER BY m.starts_at DESC, i.position
LIMIT ?8;
