-- Saved subscriptions.

-- name: subscription_insert
INSERT INTO subscriptions (id, person_id, name, filter, created_at, position) VALUES (?1, ?2, ?3, ?4, ?5, ?6);

-- name: subscription_paused
UPDATE subscriptions SET paused = ?1 WHERE id = ?2;

-- name: subscription_deleted
UPDATE subscriptions SET deleted = 1 WHERE id = ?1;

-- name: subscription_webhook
UPDATE subscriptions SET webhook_url = ?1 WHERE id = ?2;

-- name: webhook_attempt
INSERT INTO webhook_deliveries (delivery_id, subscription_id, cursor, item_id, attempts, last_status, last_error, state, last_attempt_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
ON CONFLICT (delivery_id) DO UPDATE SET attempts = max(attempts, excluded.attempts), last_status = excluded.last_status,
    last_error = excluded.last_error, state = excluded.state, last_attempt_at = excluded.last_attempt_at;

-- name: webhook_deliveries
SELECT delivery_id, cursor, item_id, attempts, last_status, last_error, state, last_attempt_at
FROM webhook_deliveries WHERE subscription_id = ?1 ORDER BY cursor DESC, delivery_id LIMIT 500;

-- name: subscription_list
SELECT id, person_id, name, filter, paused, created_at, webhook_url FROM subscriptions
WHERE person_id = ?1 AND deleted = 0 ORDER BY position;
