-- Saved subscriptions.

-- name: subscription_insert
INSERT INTO subscriptions (id, person_id, name, filter, created_at) VALUES (?1, ?2, ?3, ?4, ?5);

-- name: subscription_paused
UPDATE subscriptions SET paused = ?1 WHERE id = ?2;

-- name: subscription_deleted
UPDATE subscriptions SET deleted = 1 WHERE id = ?1;

-- name: subscription_list
SELECT id, person_id, name, filter, paused, created_at FROM subscriptions
WHERE person_id = ?1 AND deleted = 0 ORDER BY created_at, id;
