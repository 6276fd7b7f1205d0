"""The state schema: numbered migrations, the same SQL for DuckDB and PostgreSQL.

Tables are prefixed ``onesync_`` so a state store can share a PostgreSQL database (and so the diff
can be pushed down next to a postgres source). Every value is text: timestamps are ISO 8601 UTC,
``data`` is the JSON object of the values OneSignal last confirmed for a key: ``tag:<key>``,
``alias:<label>``, ``sub:<email|sms>`` (the token), ``subid:<email|sms>`` (the subscription id
OneSignal answered with, so onesync can delete exactly the subscription it created) and
``external_id``.

    onesync_schema_version  one row per applied migration
    onesync_meta            key/value: ``serial`` (bumped on every write), ``lineage`` (a uuid)
    onesync_syncs           one row per sync once its first run (baseline) was recorded
    onesync_rows            profile syncs: per key the fingerprint and confirmed values
    onesync_sent            event/message syncs: keys already sent, seen at baseline, or
                            ``missed`` (OneSignal reached nobody; retried once the user exists)
    onesync_conflicts       profile rows OneSignal answered 409 for, with the row fingerprint:
                            not retried until the row or the spec changes
    onesync_outbox          message batches fixed before their first send (recipients, body,
                            idempotency key), so a rerun resends exactly that batch
    onesync_runs            run history: when, who, counts, outcome
    onesync_lock            PostgreSQL: who holds the advisory lock; Snowflake: the lock itself,
                            a lease row (created before the migrations with a token and an
                            expiry, see ``onesync.state.snowflake``)
"""

from __future__ import annotations

SCHEMA_VERSION = 2

MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        1,
        (
            "CREATE TABLE IF NOT EXISTS onesync_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS onesync_syncs (sync TEXT PRIMARY KEY, kind TEXT NOT NULL,"
            " baseline_at TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS onesync_rows (sync TEXT NOT NULL, key TEXT NOT NULL,"
            " fingerprint TEXT, data TEXT, updated_at TEXT, PRIMARY KEY (sync, key))",
            "CREATE TABLE IF NOT EXISTS onesync_sent (sync TEXT NOT NULL, key TEXT NOT NULL,"
            " status TEXT NOT NULL, sent_at TEXT, PRIMARY KEY (sync, key))",
            "CREATE TABLE IF NOT EXISTS onesync_runs (id TEXT PRIMARY KEY, sync TEXT NOT NULL,"
            " started_at TEXT, finished_at TEXT, who TEXT, counts TEXT, outcome TEXT)",
            "CREATE TABLE IF NOT EXISTS onesync_lock (name TEXT PRIMARY KEY, holder TEXT,"
            " pid BIGINT, since TEXT)",
        ),
    ),
    (
        2,
        (
            "ALTER TABLE onesync_sent ADD COLUMN external_id TEXT",
            "ALTER TABLE onesync_sent ADD COLUMN attempts INTEGER DEFAULT 0",
            "CREATE TABLE IF NOT EXISTS onesync_conflicts (sync TEXT NOT NULL, key TEXT NOT NULL,"
            " fingerprint TEXT, reason TEXT NOT NULL, seen_at TEXT, PRIMARY KEY (sync, key))",
            "CREATE TABLE IF NOT EXISTS onesync_outbox (sync TEXT NOT NULL, id TEXT NOT NULL,"
            " keys TEXT NOT NULL, external_ids TEXT NOT NULL, body TEXT NOT NULL,"
            " created_at TEXT, PRIMARY KEY (sync, id))",
        ),
    ),
)
