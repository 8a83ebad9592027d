-- Full-text search fast enough with years of minutes loaded (see Search).
--
-- Prefix indexes: every word of a search is matched as a prefix ("perhe"
-- finds perheet, perhekeskus, ...). Without an index of that prefix length
-- FTS5 merges the lists of every word that begins so, twice per search (to
-- match, and for bm25's document frequencies); with one it reads one list.
-- Short prefixes begin the most words; past six letters few words share a
-- beginning, so merging them is cheap. Each length indexed costs writes.
-- The table is empty when a migration runs (a schema change rebuilds the
-- file from the stream), so it is simply made again.
DROP TABLE items_fts;
CREATE VIRTUAL TABLE items_fts USING fts5(
    item_id UNINDEXED,
    title,
    body,     -- grounds and proposal
    decision, -- decision text and dissents
    tokenize = "unicode61 remove_diacritics 2",
    prefix = '2 3 4 5 6'
);

-- The filters of a search become sets of full-text rowids (which are the
-- items' rowids) before the ranking, so bm25 is computed only for what they
-- let through; these make the sets from indexes alone. A year is a rowid
-- range instead, items being added shortly before their meeting.
CREATE INDEX items_search_group ON items (group_id);
CREATE INDEX items_search_year ON items (year);
CREATE INDEX items_search_outcome ON items (outcome);

-- Tasks and municipalities by item rowid, kept by triggers from the tables
-- keyed by item id, which would need a lookup per item to become rowids.
CREATE TABLE search_item_tasks (
    task INTEGER NOT NULL,
    item INTEGER NOT NULL, -- items.rowid
    PRIMARY KEY (task, item)
) STRICT, WITHOUT ROWID;

CREATE TABLE search_item_municipalities (
    code TEXT NOT NULL,
    item INTEGER NOT NULL, -- items.rowid
    PRIMARY KEY (code, item)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER search_item_tasks_add AFTER INSERT ON item_tasks BEGIN
    INSERT OR IGNORE INTO search_item_tasks (task, item) SELECT NEW.task, rowid FROM items WHERE id = NEW.item_id;
END;
CREATE TRIGGER search_item_tasks_remove AFTER DELETE ON item_tasks BEGIN
    DELETE FROM search_item_tasks WHERE task = OLD.task AND item = (SELECT rowid FROM items WHERE id = OLD.item_id);
END;
CREATE TRIGGER search_item_municipalities_add AFTER INSERT ON item_municipalities BEGIN
    INSERT OR IGNORE INTO search_item_municipalities (code, item) SELECT NEW.code, rowid FROM items WHERE id = NEW.item_id;
END;
CREATE TRIGGER search_item_municipalities_remove AFTER DELETE ON item_municipalities BEGIN
    DELETE FROM search_item_municipalities WHERE code = OLD.code AND item = (SELECT rowid FROM items WHERE id = OLD.item_id);
END;
