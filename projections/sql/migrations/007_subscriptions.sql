-- Saved subscriptions of decisions.
CREATE TABLE subscriptions (
    id         TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL,
    name       TEXT NOT NULL,
    filter     BLOB NOT NULL, -- ohjaamo.v1.SubscriptionFilter
    paused     INTEGER NOT NULL DEFAULT 0,
    deleted    INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX subscriptions_person ON subscriptions (person_id) WHERE deleted = 0;
