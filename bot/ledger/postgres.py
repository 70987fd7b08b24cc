"""The ledger on PostgreSQL: the same `Ledger`, its SQL spoken to PostgreSQL, and a runner lease for fencing.

The ledger's queries are written once, in the portable SQL both backends understand, with SQLite's `?` and
`:name` parameters; `PgConnection` turns them into psycopg's. A write transaction (`BEGIN IMMEDIATE` on SQLite,
which takes the file's one write lock) takes a transaction-level advisory lock here: writes stay serialised, as
on SQLite. Claims, leases and pacing (`bot.ledger.leases`) use short transactions of their own.

Round trips are what a PostgreSQL ledger costs, so a write transaction makes two: its BEGIN and write lock travel
with its first statement, and its state changes (each row and its audit event in one statement) with the COMMIT,
each time as one message of several statements (bound on the client; psycopg's pipeline mode costs more CPU
than the round trips it saves). A transition still reads and checks every row under lock before it writes
anything, and COMMIT still returns only once the change is durable.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
from typing import Any, Self

import structlog

from bot.errors import EXIT_INPUT, EXIT_INTERRUPTED
from bot.ledger import leases
from bot.ledger.base import detail_json
from bot.ledger.leases import RunnerLease
from bot.ledger.model import IN_DOUBT, PENDING, SENDING, TRANSITIONS, Item, LedgerError
from bot.ledger.pg_schema import ensure_schema
from bot.ledger.store import Change, Ledger, Move, set_clause
from bot.ledger.target import PostgresTarget

log = structlog.get_logger("utskick.ledger.postgres")

# The write lock every ledger transaction takes (the ASCII of "utskick!").
WRITE_LOCK = 0x75747363_6B696B21
CONNECT_TIMEOUT_S = 10
# A ledger write (a state change and its audit event) is durable at COMMIT; it opens with its first statement.
# Everything else (claims, heartbeats, pace slots, leases) commits without waiting for the disk: losing one in a
# server crash only frees a claim, shortens a lease or skips a slot, and `sending` re-checks claim and lease durably.
_BEGIN_WRITE = ("BEGIN", "SET LOCAL synchronous_commit = on", f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
_BEGIN_PREFIX = "; ".join(_BEGIN_WRITE) + "; "
# Outside quoted text: a `?`, a `:name` parameter, or a `%` (which psycopg reads as a placeholder).
_TOKEN = re.compile(r"'(?:[^']|'')*'|(?<!:):([A-Za-z_]\w*)|\?|%")


@lru_cache(maxsize=512)
def pg_sql(sql: str) -> str:
    """The ledger's SQLite-style statement with psycopg's placeholders: `?` → `%s`, `:name` → `%(name)s`."""

    def swap(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith("'"):
            return token.replace("%", "%%")
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        return f"%({match.group(1)})s"

    return _TOKEN.sub(swap, sql)


class PgConnection:
    """One psycopg connection (autocommit; transactions are explicit) that takes the ledger's SQL as written."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.native = _Native(self)
        self._begin_queued = False  # a write transaction is open, its BEGIN not yet sent
        self._deferred: list[tuple[str, Any]] = []  # writes that travel with the COMMIT

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        """Run one statement; `BEGIN IMMEDIATE` opens a transaction holding the ledger's write lock."""
        if sql == "BEGIN IMMEDIATE":
            self._begin_queued = True  # sent with the transaction's first statement: one round trip fewer
            return None
        if sql == "COMMIT":
            return self._commit()
        if sql == "ROLLBACK":
            self._begin_queued, self._deferred = False, []
            return self.raw.execute(sql) if self._raw_in_transaction() else None
        return self.run(sql if params is None else pg_sql(sql), params)

    def run(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        """Run one statement written with psycopg's placeholders; a queued BEGIN goes with it in one message."""
        if not self._begin_queued:
            return self.raw.execute(query, params)
        self._begin_queued = False
        cur = self._client_cursor()
        cur.execute(_BEGIN_PREFIX + query, params)
        for _ in _BEGIN_WRITE:
            cur.nextset()  # to the statement's own result
        return cur

    def defer(self, sql: str, params: dict[str, Any]) -> None:
        """Inside a write transaction: a write that must change exactly one row, sent with the COMMIT."""
        if not self.in_transaction:
            raise LedgerError("a deferred write needs an open write transaction")
        self._deferred.append((pg_sql(sql), params))

    def _commit(self) -> None:
        deferred, self._deferred = self._deferred, []
        begin, self._begin_queued = self._begin_queued, False
        if begin and not deferred:
            return  # nothing was sent: nothing to commit
        if not deferred:
            self.raw.execute("COMMIT")
            return
        cur = self._client_cursor()
        writes = [cur.mogrify(query, params) for query, params in deferred]
        cur.execute((_BEGIN_PREFIX if begin else "") + "; ".join([*writes, "COMMIT"]))
        for _ in _BEGIN_WRITE if begin else ():
            cur.nextset()
        changed = [cur.rowcount]
        for _ in writes[1:]:
            cur.nextset()
            changed.append(cur.rowcount)
        if changed != [1] * len(writes):  # pragma: no cover - the rows were read and locked before
            raise LedgerError("En ändring i liggaren träffade inte sin rad, fast raden var låst.")

    def _client_cursor(self) -> Any:
        import psycopg

        return psycopg.ClientCursor(self.raw)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        """Run one statement for each row."""
        if self._begin_queued:
            self.run("SELECT 1")
        cur = self.raw.cursor()
        cur.executemany(pg_sql(sql), rows)
        return cur

    @property
    def in_transaction(self) -> bool:
        """True while a transaction is open."""
        return self._begin_queued or self._raw_in_transaction()

    def _raw_in_transaction(self) -> bool:
        import psycopg

        return self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def close(self) -> None:
        """Close the connection."""
        self.raw.close()


class _Native:
    """The connection for SQL written with psycopg's own placeholders (`bot.ledger.leases`), inside a transaction."""

    def __init__(self, conn: PgConnection) -> None:
        self._conn = conn

    def execute(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        """Run one statement as it is written."""
        return self._conn.run(query, params)


class LedgerUnreachable(LedgerError):
    """The ledger database cannot be reached: no driver or no password (exit 2), or the server is away (exit 4)."""

    exit_code = EXIT_INPUT


def connect(target: PostgresTarget, password: str | None) -> PgConnection:
    """Open one connection to the ledger database with `password` (None: a login that needs none)."""
    try:
        import psycopg
    except ImportError as e:
        raise LedgerUnreachable(
            "Liggaren är en PostgreSQL-databas, men psycopg saknas. Installera den med pip install 'utskick[postgres]'."
        ) from e
    extra = {"password": password} if password else {}
    try:
        raw = psycopg.connect(
            target.url,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name="utskick",
            options="-c synchronous_commit=off",
            **extra,
        )
    except psycopg.OperationalError as e:
        hint = "" if password else f" (miljövariabeln {target.password_env} med lösenordet är inte satt)"
        error = LedgerUnreachable(f"Kan inte ansluta till liggaren {target}{hint}: {_first_line(e)}")
        error.exit_code = EXIT_INTERRUPTED if password else EXIT_INPUT
        raise error from e
    return PgConnection(raw)


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


class PostgresLedger(Ledger):
    """The exactly-once ledger in a PostgreSQL database that several runners share."""

    shared_runners = True

    def __init__(self, target: PostgresTarget, *, actor: str, run_id: str) -> None:
        super().__init__(target, actor=actor, run_id=run_id)  # type: ignore[arg-type]
        self.target = target
        # Read once: the runner withholds secrets from the environment while its browsers run.
        self._password = target.password()
        self._schema_ready = False
        self.lease: RunnerLease | None = None

    @classmethod
    def open(cls, target: PostgresTarget, *, actor: str, run_id: str) -> Self:  # type: ignore[override]
        """Connect to the ledger database, creating or migrating its schema."""
        ledger = cls(target, actor=actor, run_id=run_id)
        ledger.connection()
        return ledger

    def connection(self) -> PgConnection:  # type: ignore[override]
        """The calling thread's connection, opened on first use."""
        return super().connection()  # type: ignore[return-value]

    def _new_connection(self) -> PgConnection:  # type: ignore[override]
        """A new connection; the first one creates or migrates the schema."""
        conn = connect(self.target, self._password)
        if not self._schema_ready:
            try:
                ensure_schema(conn.raw)
            except BaseException:
                conn.close()
                raise
            self._schema_ready = True
        return conn

    # -- the runner lease in place of the file lock ------------------------------------------------------

    def acquire_run_lock(
        self, campaign_key: str, owner: str, *, hsa_id: str = "", lease_s: float = leases.DEFAULT_LEASE_S
    ) -> AbstractContextManager[RunnerLease]:
        """Hold a runner lease on the campaign for a `with` block; other runners may hold theirs at the same time."""
        return self._hold_lease(campaign_key, owner, hsa_id, lease_s)

    @contextmanager
    def _hold_lease(self, campaign_key: str, owner: str, hsa_id: str, lease_s: float) -> Iterator[RunnerLease]:
        lease = leases.acquire(lambda: self.connection().raw, campaign_key, owner, hsa_id, lease_s)
        self.lease = lease
        self._locked.add(campaign_key)
        try:
            yield lease
        finally:
            self._locked.discard(campaign_key)
            self.lease = None
            lease.release(self.connection().raw)

    def recover_interrupted(self, campaign_key: str) -> list[Item]:
        """Expire runners whose lease ran out; their `sending` rows become `in_doubt`, their claims free again.

        Live runners' claims are left alone: they are sending right now. Returns every `in_doubt` row.
        """
        if campaign_key not in self._locked:
            raise LedgerError("recover_interrupted kräver kampanjens körlås (acquire_run_lock).")
        why = "interrupted_run"

        def changes(conn: PgConnection) -> list[Change]:
            rows = leases.orphaned_sending(conn.native, campaign_key)
            return [(i, {"detail": why}, detail_json(why=why)) for i in rows]

        self._transition(IN_DOUBT, frozenset({SENDING}), changes)
        return list(self.items(campaign_key, states=[IN_DOUBT]))

    def mark_sending(self, item_ids: Sequence[int]) -> str:
        """Claim right before Skicka; under a lease only while the lease holds and the rows are this runner's."""
        lease = self.lease
        if lease is None:
            return super().mark_sending(item_ids)
        if not item_ids:
            raise ValueError("mark_sending needs at least one item")
        claim = {"claimed_at": True, "attempts": True, "reason": None, "detail": None, "runner_id": lease.runner_id}
        return self._transition(SENDING, frozenset({PENDING}), [(i, claim, None) for i in item_ids], fence=lease)

    def claim(self, campaign_key: str, state: str, limit: int) -> list[Item]:
        """Take up to `limit` rows in `state` that no live runner holds, for this runner (SKIP LOCKED)."""
        if self.lease is None:
            raise LedgerError("claim kräver en körning med lease (acquire_run_lock).")
        return leases.claim(self.connection().raw, self.lease, campaign_key, state, limit)

    def claim_open(self, campaign_key: str, limit: int) -> list[Item]:
        """The next work for this runner: free in-doubt rows, or else free pending ones, in one statement."""
        if self.lease is None:
            raise LedgerError("claim kräver en körning med lease (acquire_run_lock).")
        return leases.claim_open(self.connection().raw, self.lease, campaign_key, limit)

    def _read_rows(  # type: ignore[override]
        self, conn: PgConnection, ids: list[int], fence: RunnerLease | None
    ) -> dict[int, tuple[str, str]]:
        """The rows locked FOR UPDATE; under a fence (a lease) also the lease and the claims checked, in one
        round trip."""
        if fence is not None:
            return leases.fenced_rows(conn.native, fence, ids)
        cur = conn.native.execute("SELECT id, state, campaign_key FROM items WHERE id = ANY(%s) FOR UPDATE", (ids,))
        return {item_id: (state, campaign) for item_id, state, campaign in cur.fetchall()}

    def _apply_change(self, conn: PgConnection, now: str, campaign: str, states: Move, change: Change) -> None:  # type: ignore[override]
        """The row and its audit event in one statement, sent with the COMMIT (the row is checked and locked)."""
        item_id, columns, detail = change
        conn.defer(
            f"WITH changed AS (UPDATE items SET state = :to_state, updated_at = :now{set_clause(columns)}"
            " WHERE id = :id AND state = :from_state RETURNING id)"
            " INSERT INTO events (at, campaign_key, item_id, actor, run_id, event, from_state, to_state, detail)"
            " SELECT :now, :campaign, id, :actor, :run_id, :event, :from_state, :to_state, :event_detail FROM changed",
            {
                **columns,
                "to_state": states[1],
                "from_state": states[0],
                "now": now,
                "id": item_id,
                "campaign": campaign,
                "actor": self.actor,
                "run_id": self.run_id,
                "event": TRANSITIONS[states],
                "event_detail": detail,
            },
        )

    def open_elsewhere(self, campaign_key: str) -> int:
        """Rows still open (pending, sending, in doubt) that another live runner holds."""
        return leases.open_elsewhere(self.connection().raw, self.lease, campaign_key)

    def reserve_send(self, campaign_key: str, seconds: float) -> float:
        """Take the campaign's next send slot, `seconds` after the last one any runner took; seconds to wait."""
        return leases.pace(self.connection().raw, campaign_key, seconds)

    def shared_preflight(self, fingerprint: str, make: Callable[[], str], stop: threading.Event) -> str | None:
        """Make the campaign's preflight for this delivery, or wait for the live runner making it and reuse its
        preview; None when the run stops while waiting."""
        poll = min(1.0, self.lease.lease_s / 6)
        done = leases.shared_preflight(lambda: self.connection().raw, self.lease, fingerprint, make, stop, poll)
        if done is None:
            return None
        preview, made_here = done
        if not made_here:
            log.info("preflight_reused", preview_chars=len(preview))
        return preview

    def record_stop(self, reason: str) -> None:
        """This runner's circuit breaker stopped it: stop every other runner of the campaign too."""
        if self.lease is not None:
            leases.record_stop(self.connection().raw, self.lease, reason)

    def stop_seen(self) -> str | None:
        """Why another runner stopped the campaign after this one started, or None."""
        return leases.stop_seen(self.connection().raw, self.lease) if self.lease is not None else None

    def runners(self, campaign_key: str) -> list[leases.RunnerNote]:
        """Every runner the campaign has had, newest first."""
        return leases.runners(self.connection().raw, campaign_key)
