-- Saved subscriptions of decisions.
CREATE TABLE subscriptions (
    id         TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL,
    name       TEXT NOT NULL,
    filter     BLOB NOT NULL, -- ohjaamo.v1.SubscriptionFilter
    paused     INTEGER NOT NULL DEFAULT 0,
    deleted    INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    webhook_url TEXT NOT NULL DEFAULT '',
    position   INTEGER NOT NULL -- stream sequence of its creation: the list's order
) STRICT;
CREATE INDEX subscriptions_person ON subscriptions (person_id) WHERE deleted = 0;

-- Webhook deliveries: one row per delivery, updated by each attempt.
CREATE TABLE webhook_deliveries (
    delivery_id     TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL,
    cursor          INTEGER NOT NULL,
    item_id         TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    last_status     INTEGER NOT NULL,
    last_error      TEXT NOT NULL,
    state           INTEGER NOT NULL,
    last_attempt_at TEXT NOT NULL
) STRICT;
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, cursor);
