"""The ledger's SQLite schema and how a connection to it is opened."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from bot.ledger.model import STATES, LedgerError

SCHEMA_VERSION = 3
BUSY_TIMEOUT_MS = 30_000

_STATE_LIST = ", ".join(f"'{s}'" for s in STATES)

# A second person's approval of one message (campaign key) for one delivery (fingerprint): append-only, like
# the events. No reference to `campaigns`: a campaign is approved before its first run registers it (issue 18).
APPROVALS_DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS approvals (
        id              INTEGER PRIMARY KEY,
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
    """CREATE TRIGGER IF NOT EXISTS approvals_append_only_update BEFORE UPDATE ON approvals
       BEGIN SELECT RAISE(ABORT, 'approvals are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS approvals_append_only_delete BEFORE DELETE ON approvals
       BEGIN SELECT RAISE(ABORT, 'approvals are append-only: DELETE refused'); END""",
)

DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS campaigns (
        key        TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        facts_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        continues_key TEXT REFERENCES campaigns(key),
        new_message_for_all INTEGER NOT NULL DEFAULT 0 CHECK (new_message_for_all IN (0, 1))
    )""",
    "CREATE INDEX IF NOT EXISTS campaigns_by_name ON campaigns(name)",
    """CREATE TABLE IF NOT EXISTS deliveries (
        id            INTEGER PRIMARY KEY,
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
    f"""CREATE TABLE IF NOT EXISTS items (
        id             INTEGER PRIMARY KEY,
        campaign_key   TEXT NOT NULL REFERENCES campaigns(key),
        pnr            TEXT NOT NULL CHECK (length(pnr) = 12 AND pnr NOT GLOB '*[^0-9]*'),
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
        UNIQUE (campaign_key, pnr),
        CHECK (state NOT IN ('sending', 'in_doubt') OR claimed_at IS NOT NULL),
        CHECK (state <> 'sent' OR arende_id IS NOT NULL)
    )""",
    "CREATE INDEX IF NOT EXISTS items_by_state ON items(campaign_key, state, id)",
    """CREATE TABLE IF NOT EXISTS rejected (
        id           INTEGER PRIMARY KEY,
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
        id           INTEGER PRIMARY KEY,
        at           TEXT NOT NULL,
        campaign_key TEXT REFERENCES campaigns(key),
        item_id      INTEGER REFERENCES items(id),
        actor        TEXT NOT NULL,
        run_id       TEXT NOT NULL,
        event        TEXT NOT NULL CHECK (event GLOB '[a-z]*' AND event NOT GLOB '*[^a-z0-9_]*'),
        from_state   TEXT CHECK (from_state IS NULL OR from_state IN ({_STATE_LIST})),
        to_state     TEXT CHECK (to_state IS NULL OR to_state IN ({_STATE_LIST})),
        detail       TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS events_by_campaign ON events(campaign_key, id)",
    "CREATE INDEX IF NOT EXISTS events_by_item ON events(item_id, id)",
    """CREATE TRIGGER IF NOT EXISTS events_append_only_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS events_append_only_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS items_never_deleted BEFORE DELETE ON items
       BEGIN SELECT RAISE(ABORT, 'items are never deleted'); END""",
    *APPROVALS_DDL,
)

# What turns a ledger of version N into N + 1; a fresh file gets the whole DDL at once.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    # 1 → 2: a campaign records which earlier campaign of the same name it continues, or that it is a new
    # message for all (issue 15).
    1: (
        "ALTER TABLE campaigns ADD COLUMN continues_key TEXT REFERENCES campaigns(key)",
        "ALTER TABLE campaigns ADD COLUMN new_message_for_all INTEGER NOT NULL DEFAULT 0"
        " CHECK (new_message_for_all IN (0, 1))",
    ),
    # 2 → 3: a second person's approvals (issue 18).
    2: APPROVALS_DDL,
}

# The process umask is global: serialise our own changes to it. Any file another thread creates
# meanwhile only gets stricter permissions, never looser.
_UMASK_LOCK = threading.Lock()


def _create_private(path: Path) -> None:
    """Create the database file with mode 0600 if it is missing; tighten it if it is looser."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def connect(path: Path) -> sqlite3.Connection:
    """Open one connection on the ledger file: WAL, synchronous=FULL, foreign keys, busy timeout.

    The file and its -wal/-shm siblings are created with mode 0600. Transactions are explicit
    (`isolation_level=None`); use one connection per thread.
    """
    with _UMASK_LOCK:
        old = os.umask(0o077)
        try:
            _create_private(path)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if mode.lower() != "wal":
                    raise LedgerError(f"Liggaren kan inte använda WAL-läge (fick '{mode}').")
                conn.execute("PRAGMA synchronous = FULL")
                conn.execute("PRAGMA foreign_keys = ON")
                # Any first write happens here, under the umask, so -wal/-shm are born private.
                ensure_schema(conn)
            except BaseException:
                conn.close()
                raise
        finally:
            os.umask(old)
    return conn


def ensure_schema(conn: sqlite3.Connection) -> None:
    """Create the tables, indexes and triggers if missing, migrate an older schema; refuse a newer one."""
    if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"Liggarens schema är version {version}, nyare än den här versionen av utskick "
                f"({SCHEMA_VERSION}). Uppgradera utskick."
            )
        if version == 0:
            for statement in DDL:
                conn.execute(statement)
        else:
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step]:
                    conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
