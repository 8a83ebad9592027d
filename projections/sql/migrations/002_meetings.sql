-- Meetings of each group with their agenda items and decisions.
CREATE TABLE meetings (
    id             TEXT PRIMARY KEY,
    group_id       TEXT NOT NULL,
    year           INTEGER NOT NULL,
    starts_at      TEXT NOT NULL,
    place          TEXT NOT NULL,
    video_link     TEXT NOT NULL,
    deadline_days  INTEGER NOT NULL,
    state          INTEGER NOT NULL,
    agenda_approved INTEGER NOT NULL DEFAULT 0,
    lawful         INTEGER NOT NULL DEFAULT 0,
    quorate        INTEGER NOT NULL DEFAULT 0,
    cancel_reason  TEXT NOT NULL DEFAULT '',
    checkers       TEXT NOT NULL DEFAULT '', -- membership ids, comma-separated
    checked_by     TEXT NOT NULL DEFAULT '',
    minutes_approved INTEGER NOT NULL DEFAULT 0,
    version        INTEGER NOT NULL,
    position       INTEGER NOT NULL
) STRICT;
CREATE INDEX meetings_group_year ON meetings (group_id, year, starts_at);

CREATE TABLE attendance (
    meeting_id    TEXT NOT NULL REFERENCES meetings (id),
    ord           INTEGER NOT NULL,
    membership_id TEXT NOT NULL,
    status        INTEGER NOT NULL,
    deputy_name   TEXT NOT NULL,
    PRIMARY KEY (meeting_id, ord)
) STRICT;

CREATE TABLE items (
    id         TEXT PRIMARY KEY,
    meeting_id TEXT REFERENCES meetings (id), -- NULL: pending, received from another level
    group_id   TEXT NOT NULL,
    position   INTEGER NOT NULL,
    title      TEXT NOT NULL,
    openness   INTEGER NOT NULL,
    urgent     INTEGER NOT NULL,
    withdrawn  INTEGER NOT NULL DEFAULT 0,
    item       BLOB NOT NULL, -- ohjaamo.v1.AgendaItem
    year       INTEGER NOT NULL,
    section    INTEGER NOT NULL DEFAULT 0,
    outcome    INTEGER NOT NULL DEFAULT 0,
    decision   BLOB, -- ohjaamo.v1.Decision in force
    previous_item_id TEXT NOT NULL DEFAULT '',
    continued_by     TEXT NOT NULL DEFAULT '', -- the later item a tabled or returned one came back as
    origin           INTEGER NOT NULL DEFAULT 0,
    standard         INTEGER NOT NULL DEFAULT 0, -- ohjaamo.v1.StandardItem; 5-7 close the agenda
    -- Lineage of an item escalated from a child group or referred from the parent group.
    from_item_id     TEXT NOT NULL DEFAULT '',
    direction        INTEGER NOT NULL DEFAULT 0,
    sent_at          TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX items_from ON items (from_item_id) WHERE from_item_id <> '';
CREATE INDEX items_pending ON items (group_id) WHERE meeting_id IS NULL;
CREATE INDEX items_meeting ON items (meeting_id, position);
-- § numbers are unique per group and year; the read model refuses a duplicate too.
CREATE UNIQUE INDEX items_section ON items (group_id, year, section) WHERE section > 0;

-- Corrections of decisions after their meeting, oldest first.
CREATE TABLE corrections (
    item_id      TEXT NOT NULL REFERENCES items (id),
    ord          INTEGER NOT NULL,
    before       BLOB NOT NULL,
    after        BLOB NOT NULL,
    reason       TEXT NOT NULL,
    corrected_at TEXT NOT NULL,
    PRIMARY KEY (item_id, ord)
) STRICT;
