-- Access: network-wide roles and API tokens (only hashes of their secrets).
CREATE TABLE users (
    person_id    TEXT PRIMARY KEY,
    admin        INTEGER NOT NULL,
    auditor      INTEGER NOT NULL,
    organisation TEXT NOT NULL
) STRICT;

CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    person_id     TEXT NOT NULL,
    label         TEXT NOT NULL,
    secret_sha256 BLOB NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    revoked_at    TEXT NOT NULL DEFAULT '',
    position      INTEGER NOT NULL
) STRICT;
CREATE INDEX api_tokens_person ON api_tokens (person_id, position);
