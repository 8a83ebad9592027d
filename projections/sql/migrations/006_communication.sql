-- Communication responsibilities of decisions, the upward asks before
-- meetings, and the family voices with the items that took them up.

-- When a meeting was opened: the day its decisions were made, which may
-- differ from the day it was scheduled for.
ALTER TABLE meetings ADD COLUMN opened_at TEXT NOT NULL DEFAULT '';
CREATE TABLE responsibilities (
    id            TEXT PRIMARY KEY,
    group_id      TEXT NOT NULL,
    item_id       TEXT NOT NULL REFERENCES items (id),
    membership_id TEXT NOT NULL,
    audience      BLOB NOT NULL, -- ohjaamo.v1.Audience
    audience_kind INTEGER NOT NULL,
    audience_group_id TEXT NOT NULL, -- for a child-group audience
    due_on        TEXT NOT NULL,
    state         INTEGER NOT NULL, -- ohjaamo.v1.ResponsibilityState
    done          BLOB,             -- ohjaamo.v1.ResponsibilityDone
    done_on       TEXT NOT NULL DEFAULT '',
    waived_reason TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX responsibilities_group ON responsibilities (group_id, due_on);
CREATE INDEX responsibilities_item ON responsibilities (item_id);
CREATE INDEX responsibilities_member ON responsibilities (membership_id);

-- A responsibility with its decision and the responsible member, as the
-- lists show it (the queries select from it with their own filters).
CREATE VIEW responsibility_rows AS
SELECT r.id, r.group_id, coalesce(g.name_fi, '') AS group_name, r.item_id, i.title, i.section, coalesce(i.meeting_id, '') AS meeting_id,
       coalesce(nullif(m.opened_at, ''), m.starts_at, '') AS held_at,
       r.membership_id, coalesce(ms.person_name, '') AS person_name, coalesce(ms.organisation, '') AS organisation,
       r.audience, r.due_on, r.state, r.done, r.waived_reason, coalesce(ag.name_fi, '') AS audience_group_name,
       coalesce(ms.person_id, '') AS person_id
FROM responsibilities r
JOIN items i ON i.id = r.item_id
LEFT JOIN meetings m ON m.id = i.meeting_id
LEFT JOIN groups g ON g.id = r.group_id
LEFT JOIN memberships ms ON ms.id = r.membership_id
LEFT JOIN groups ag ON ag.id = r.audience_group_id AND r.audience_group_id <> '';

CREATE TABLE upward_answers (
    meeting_id          TEXT NOT NULL,
    membership_id       TEXT NOT NULL,
    represents_group_id TEXT NOT NULL,
    item_id             TEXT NOT NULL, -- '' = nothing to bring
    PRIMARY KEY (meeting_id, membership_id, item_id)
) STRICT;

CREATE TABLE voices (
    id           TEXT PRIMARY KEY,
    group_id     TEXT NOT NULL,
    municipality TEXT NOT NULL,
    channel      INTEGER NOT NULL,
    summary      TEXT NOT NULL,
    raised_on    TEXT NOT NULL,
    tags         BLOB NOT NULL, -- ohjaamo.v1.Tags
    recorded_by  TEXT NOT NULL,
    position     INTEGER NOT NULL
) STRICT;
CREATE INDEX voices_raised ON voices (raised_on);

-- Items that name a voice in AgendaItem.family_voice_ids.
CREATE TABLE item_voices (
    voice_id TEXT NOT NULL,
    item_id  TEXT NOT NULL,
    PRIMARY KEY (voice_id, item_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX item_voices_item ON item_voices (item_id);

-- The voice trace follows tabled and returned items to their later handling.
CREATE INDEX items_previous ON items (previous_item_id) WHERE previous_item_id <> '';
