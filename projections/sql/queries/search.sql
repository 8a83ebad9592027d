-- name: fts_insert
-- The full-text row shares the item's rowid, so it is found without a scan.
-- The procedural standard items (all but "other matters") are never found,
-- so they are not indexed either: they would only crowd the candidates.
INSERT INTO items_fts (rowid, item_id, title, body, decision)
SELECT rowid, ?1, ?2, ?3, '' FROM items WHERE id = ?1 AND standard IN (0, 5);

-- name: fts_decision
UPDATE items_fts SET decision = ?1 WHERE rowid = (SELECT rowid FROM items WHERE id = ?2);

-- name: item_task_insert
INSERT OR IGNORE INTO item_tasks (item_id, task) VALUES (?, ?);

-- name: item_municipality_insert
INSERT OR IGNORE INTO item_municipalities (item_id, code) VALUES (?, ?);

-- name: search_candidates
-- A search with words, step 1: the best matches (bm25, ties newest first)
-- among those the filters let through, as rowids. Search puts the filters
-- where the comment is: "+f.rowid IN (set)" for the search_in_* sets (the
-- "+" keeps FTS5 from looking up each member of a set on its own) and a
-- rowid range for a year, which FTS5 itself skips to. bm25 is computed
-- only for what passes them, and nothing else is read here. Search writes
-- the numbers of :n and :year into the statement: a bound LIMIT or year
-- here makes SQLite prepare the statement anew at every run.
SELECT f.rowid
FROM items_fts f
WHERE items_fts MATCH :match /* filters */
ORDER BY bm25(items_fts), f.rowid DESC
LIMIT :n;

-- name: search_in_group
SELECT rowid FROM items WHERE group_id = :group

-- name: search_in_level
SELECT i.rowid FROM items i WHERE i.group_id IN (SELECT id FROM groups WHERE level = :level)

-- name: search_in_task
SELECT item FROM search_item_tasks WHERE task = :task

-- name: search_in_municipality
SELECT item FROM search_item_municipalities WHERE code = :municipality

-- name: search_in_outcome
SELECT rowid FROM items WHERE outcome = :outcome

-- name: search_year_first
-- A year's items lie between these rowids (and almost only they do, being
-- added shortly before their meeting); search_hits checks the year itself.
SELECT min(rowid) FROM items WHERE year = :year

-- name: search_year_last
SELECT max(rowid) FROM items WHERE year = :year

-- name: search_hits
-- Step 2: the candidates (a JSON array of rowids, best first) that a search
-- may show, in their order: an internal or secret item only to a viewer who
-- may see it (see Viewer), never withdrawn or pending ones, nor the
-- procedural standard items (only "other matters" carries content); every
-- filter is checked here exactly, whatever step 1 narrowed by. The indexed
-- text comes along for the snippet, which Search makes of it (see ftsQuery).
-- Search reads as many as it asks for (no bound LIMIT: see above).
SELECT i.group_id, coalesce(g.name_fi, ''), coalesce(g.level, 0), i.meeting_id, m.starts_at, i.id, i.section, i.title, i.outcome,
       t.title, t.body, t.decision
FROM json_each(:candidates) cand
CROSS JOIN items i ON i.rowid = cand.value
JOIN meetings m ON m.id = i.meeting_id
LEFT JOIN groups g ON g.id = i.group_id
CROSS JOIN items_fts t ON t.rowid = i.rowid
WHERE i.withdrawn = 0 AND i.standard IN (0, 5)
  AND (i.openness NOT IN (2, 3)
       OR (i.openness = 2 AND (:all_internal OR i.group_id IN (SELECT value FROM json_each(:internal))))
       OR (i.openness = 3 AND (:all_secret OR i.group_id IN (SELECT value FROM json_each(:secret)))))
  AND (:group = '' OR i.group_id = :group) AND (:level = 0 OR g.level = :level) AND (:year = 0 OR i.year = :year)
  AND (:task = 0 OR EXISTS (SELECT 1 FROM item_tasks it WHERE it.item_id = i.id AND it.task = :task))
  AND (:municipality = '' OR EXISTS (SELECT 1 FROM item_municipalities im WHERE im.item_id = i.id AND im.code = :municipality))
  AND (:outcome = 0 OR i.outcome = :outcome)
ORDER BY cand.key;

-- name: search_filters
-- A search without words: the newest items the filters let through, with
-- the same visibility condition as search_hits. Search writes the number
-- of :n into the statement (see search_candidates).
SELECT i.group_id, coalesce(g.name_fi, ''), coalesce(g.level, 0), i.meeting_id, m.starts_at, i.id, i.section, i.title, i.outcome, ''
FROM items i
JOIN meetings m ON m.id = i.meeting_id
LEFT JOIN groups g ON g.id = i.group_id
WHERE i.withdrawn = 0 AND i.standard IN (0, 5)
  AND (i.openness NOT IN (2, 3)
       OR (i.openness = 2 AND (:all_internal OR i.group_id IN (SELECT value FROM json_each(:internal))))
       OR (i.openness = 3 AND (:all_secret OR i.group_id IN (SELECT value FROM json_each(:secret)))))
  AND (:group = '' OR i.group_id = :group) AND (:level = 0 OR g.level = :level) AND (:year = 0 OR i.year = :year)
  AND (:task = 0 OR EXISTS (SELECT 1 FROM item_tasks t WHERE t.item_id = i.id AND t.task = :task))
  AND (:municipality = '' OR EXISTS (SELECT 1 FROM item_municipalities c WHERE c.item_id = i.id AND c.code = :municipality))
  AND (:outcome = 0 OR i.outcome = :outcome)
ORDER BY m.starts_at DESC, i.position
LIMIT :n;
