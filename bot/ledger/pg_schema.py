"""The ledger's PostgreSQL schema: the same tables as the SQLite file, plus what several runners share.

The shared tables (`runners`, `pacing`, `campaign_stops`, `preflights`) exist only here: one SQLite file has one
runner, held by its file lock. A table added to the ledger goes into both `bot.ledger.schema.DDL` and `DDL` below
(and a step in each backend's MIGRATIONS for existing ledgers); the two versions are counted apart.
`tests/unit/test_ledger_schema_parity.py` fails when the two define different tables, columns, keys, checks,
indexes or append-only triggers.
"""

from __future__ import annotations

from bot.ledger.model import STATES, LedgerError
from bot.ledger.pg_roles import may_migrate, migration_refused

SCHEMA_VERSION = 1
# Serialises schema changes between runners that start at once (any constant no other program uses).
MIGRATION_LOCK = 0x75747363_68656D61  # "utschema"

_STATE_LIST = ", ".join(f"'{s}'" for s in STATES)

DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS schema_version (
        only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
        version  INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS campaigns (
        key        TEXT PRIMARY KEY,
        rowid      BIGSERIAL UNIQUE,
        name       TEXT NOT NULL,
        facts_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        continues_key TEXT REFERENCES campaigns(key),
        new_message_for_all INTEGER NOT NULL DEFAULT 0 CHECK (new_message_for_all IN (0, 1))
    )""",
    "CREATE INDEX IF NOT EXISTS campaigns_by_name ON campaigns(name)",
    """CREATE TABLE IF NOT EXISTS deliveries (
        id            BIGSERIAL PRIMARY KEY,
        campaign_key  TEXT NOT NULL REFERENCES campaigns(key),
        fingerprint   TEXT NOT NULL,
        source        TEXT NOT NULL,
        added_at      TEXT NOT NULL,
        accepted      INTEGER NOT NULL,
        new           INTEGER NOT NULL,
        already_known INTEGER NOT NULL,
        invalid       INTEGER NOT NULL,
        duplicates    INTEGER NOT NULL,
        UNIQUE (campaign_key, fingerprint)
    )""",
    """CREATE TABLE IF NOT EXISTS runners (
        id           BIGSERIAL PRIMARY KEY,
        campaign_key TEXT NOT NULL,  -- no reference: a runner takes its lease before it records the campaign
        run_id       TEXT NOT NULL,
        host         TEXT NOT NULL,
        hsa_id       TEXT NOT NULL,
        pid          INTEGER NOT NULL,
        started_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
        heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        lease_until  TIMESTAMPTZ NOT NULL,
        state        TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'ended', 'expired')),
        ended_at     TIMESTAMPTZ,
        done         INTEGER NOT NULL DEFAULT 0,
        total        INTEGER,
        sent         INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS runners_by_campaign ON runners(campaign_key, state, id)",
    f"""CREATE TABLE IF NOT EXISTS items (
        id             BIGSERIAL PRIMARY KEY,
        campaign_key   TEXT NOT NULL REFERENCES campaigns(key),
        pnr            TEXT NOT NULL CHECK (pnr ~ '^[0-9]{{12}}$'),
        source_archive TEXT,
        source_file    TEXT,
        source_line    INTEGER,
        state          TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ({_STATE_LIST})),
        reason         TEXT,
        detail         TEXT,
        arende_id      TEXT,
        claimed_at     TEXT,
        sent_at        TEXT,
        attempts       INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        read_at        TEXT,
        read_status    TEXT,
        updated_at     TEXT NOT NULL,
        runner_id      BIGINT REFERENCES runners(id),
        UNIQUE (campaign_key, pnr),
        CHECK (state NOT IN ('sending', 'in_doubt') OR claimed_at IS NOT NULL),
        CHECK (state <> 'sent' OR arende_id IS NOT NULL)
    )""",
    "CREATE INDEX IF NOT EXISTS items_by_state ON items(campaign_key, state, id)",
    "CREATE INDEX IF NOT EXISTS items_by_runner ON items(runner_id) WHERE runner_id IS NOT NULL",
    """CREATE TABLE IF NOT EXISTS rejected (
        id           BIGSERIAL PRIMARY KEY,
        campaign_key TEXT NOT NULL REFERENCES campaigns(key),
        fingerprint  TEXT NOT NULL,
        source_file  TEXT,
        source_line  INTEGER,
        masked_value TEXT NOT NULL,
        reason_code  TEXT NOT NULL,
        reason       TEXT NOT NULL,
        FOREIGN KEY (campaign_key, fingerprint) REFERENCES deliveries(campaign_key, fingerprint)
    )""",
    "CREATE INDEX IF NOT EXISTS rejected_by_campaign ON rejected(campaign_key, id)",
    f"""CREATE TABLE IF NOT EXISTS events (
        id           BIGSERIAL PRIMARY KEY,
        at           TEXT NOT NULL,
        campaign_key TEXT REFERENCES campaigns(key),
        item_id      BIGINT REFERENCES items(id),
        actor        TEXT NOT NULL,
        run_id       TEXT NOT NULL,
        event        TEXT NOT NULL CHECK (event ~ '^[a-z][a-z0-9_]*$'),
        from_state   TEXT CHECK (from_state IS NULL OR from_state IN ({_STATE_LIST})),
        to_state     TEXT CHECK (to_state IS NULL OR to_state IN ({_STATE_LIST})),
        detail       TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS events_by_campaign ON events(campaign_key, id)",
    "CREATE INDEX IF NOT EXISTS events_by_item ON events(item_id, id)",
    """CREATE OR REPLACE FUNCTION utskick_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation'; END $$""",
    """CREATE OR REPLACE TRIGGER events_append_only_update BEFORE UPDATE ON events
       FOR EACH STATEMENT EXECUTE FUNCTION utskick_refuse('events are append-only: UPDATE refused')""",
    """CREATE OR REPLACE TRIGGER events_append_only_delete BEFORE DELETE OR TRUNCATE ON events
       FOR EACH STATEMENT EXECUTE FUNCTION utskick_refuse('events are append-only: DELETE refused')""",
    """CREATE OR REPLACE TRIGGER items_never_deleted BEFORE DELETE OR TRUNCATE ON items
       FOR EACH STATEMENT EXECUTE FUNCTION utskick_refuse('items are never deleted')""",
    # A second person's approvals (as the SQLite schema 3): append-only, no reference to `campaigns` (a campaign
    # is approved before its first run registers it).
    """CREATE TABLE IF NOT EXISTS approvals (
        id              BIGSERIAL PRIMARY KEY,
        at              TEXT NOT NULL,
        campaign_key    TEXT NOT NULL CHECK (length(campaign_key) = 64),
        campaign_name   TEXT NOT NULL,
        fingerprint     TEXT NOT NULL,
        source          TEXT NOT NULL,
        approver_name   TEXT NOT NULL CHECK (length(trim(approver_name)) > 0),
        approver_hsa_id TEXT NOT NULL CHECK (length(trim(approver_hsa_id)) > 0),
        recorded_by     TEXT NOT NULL,
        facts_json      TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS approvals_by_campaign ON approvals(campaign_key, fingerprint)",
    """CREATE OR REPLACE TRIGGER approvals_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON approvals
       FOR EACH STATEMENT EXECUTE FUNCTION utskick_refuse('approvals are append-only: change refused')""",
    # messages_per_minute shared by every runner: the earliest moment the next message may go (a token bucket
    # of depth one, the same rule as the in-process Pacer).
    """CREATE TABLE IF NOT EXISTS pacing (
        campaign_key TEXT PRIMARY KEY REFERENCES campaigns(key),
        next_at      TIMESTAMPTZ NOT NULL
    )""",
    # A circuit breaker's stop, seen by every runner that started before it.
    """CREATE TABLE IF NOT EXISTS campaign_stops (
        id           BIGSERIAL PRIMARY KEY,
        campaign_key TEXT NOT NULL REFERENCES campaigns(key),
        at           TIMESTAMPTZ NOT NULL DEFAULT now(),
        runner_id    BIGINT REFERENCES runners(id),
        reason       TEXT NOT NULL
    )""",
    # One preflight per campaign and delivery: the first runner makes it, the others wait for it or reuse it.
    """CREATE TABLE IF NOT EXISTS preflights (
        campaign_key TEXT NOT NULL REFERENCES campaigns(key),
        fingerprint  TEXT NOT NULL,
        state        TEXT NOT NULL CHECK (state IN ('running', 'passed', 'failed')),
        runner_id    BIGINT REFERENCES runners(id),
        preview_text TEXT NOT NULL DEFAULT '',
        updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (campaign_key, fingerprint)
    )""",
)

# What turns a ledger of version N into N + 1; an empty database gets the whole DDL at once.
MIGRATIONS: dict[int, tuple[str, ...]] = {}


def ensure_schema(conn) -> None:
    """Create the schema in an empty database or migrate an older one, under an advisory lock; refuse a newer one,
    and an older one the connected role may not change (a runner role)."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        found = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()[0]
        version = conn.execute("SELECT version FROM schema_version").fetchone()[0] if found else 0
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"Liggarens schema är version {version}, nyare än den här versionen av utskick "
                f"({SCHEMA_VERSION}). Uppgradera utskick."
            )
        if version == SCHEMA_VERSION:
            return  # a runner role (bot.ledger.pg_roles) gets here without any DDL
        if not may_migrate(conn, version):
            raise migration_refused(version, SCHEMA_VERSION)
        if version == 0:
            for statement in DDL:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (SCHEMA_VERSION,))
            return
        for step in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[step]:
                conn.execute(statement)
        conn.execute("UPDATE schema_version SET version = %s", (SCHEMA_VERSION,))
