-- The group network: groups, the municipalities they cover, memberships.
CREATE TABLE groups (
    id               TEXT PRIMARY KEY,
    level            INTEGER NOT NULL,
    parent_id        TEXT NOT NULL DEFAULT '',
    name_fi          TEXT NOT NULL,
    name_sv          TEXT NOT NULL DEFAULT '',
    name_en          TEXT NOT NULL DEFAULT '',
    wellbeing_county TEXT NOT NULL,
    mode             INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    position         INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;
CREATE INDEX groups_parent ON groups (parent_id);

CREATE TABLE group_municipalities (
    group_id TEXT NOT NULL REFERENCES groups (id),
    code     TEXT NOT NULL,
    ord      INTEGER NOT NULL,
    PRIMARY KEY (group_id, code)
) STRICT;
CREATE INDEX group_municipalities_code ON group_municipalities (code);

CREATE TABLE memberships (
    id                  TEXT PRIMARY KEY,
    group_id            TEXT NOT NULL REFERENCES groups (id),
    ord                 INTEGER NOT NULL,
    person_id           TEXT NOT NULL,
    person_name         TEXT NOT NULL,
    email               TEXT NOT NULL,
    organisation        TEXT NOT NULL,
    actor_type          INTEGER NOT NULL,
    role                INTEGER NOT NULL,
    term_start          TEXT NOT NULL,
    term_end            TEXT NOT NULL,
    represents_group_id TEXT NOT NULL,
    active              INTEGER NOT NULL DEFAULT 1,
    ended_on            TEXT NOT NULL DEFAULT '',
    end_reason          TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX memberships_group ON memberships (group_id, ord);
CREATE INDEX memberships_represents ON memberships (represents_group_id) WHERE represents_group_id <> '';
CREATE INDEX memberships_person ON memberships (person_id);
