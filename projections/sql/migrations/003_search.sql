-- Full-text search over agenda items and decisions, and the tags that filter it.
CREATE VIRTUAL TABLE items_fts USING fts5(
    item_id UNINDEXED,
    title,
    body,     -- grounds and proposal
    decision, -- decision text and dissents
    tokenize = "unicode61 remove_diacritics 2"
);

-- Family-centre tasks and municipalities of an item: its tags and its decision's affects.
CREATE TABLE item_tasks (
    item_id TEXT NOT NULL REFERENCES items (id),
    task    INTEGER NOT NULL,
    PRIMARY KEY (item_id, task)
) STRICT, WITHOUT ROWID;

CREATE TABLE item_municipalities (
    item_id TEXT NOT NULL REFERENCES items (id),
    code    TEXT NOT NULL,
    PRIMARY KEY (item_id, code)
) STRICT, WITHOUT ROWID;
CREATE INDEX item_municipalities_code ON item_municipalities (code);
