"""The ledger on PostgreSQL (`PostgresLedger`): several runners, each with a lease, and every runner's write fenced.

Its write transaction is `PgConnection`'s (`bot.ledger.pg_connection`). A state change reads its rows and the
database's time in the transaction's first message, locking the rows (`FOR UPDATE`) and, for a runner, its lease
(`FOR SHARE`); it writes only if the lease holds, every row is of the lease's campaign and every row is this runner's
claim (or, when a new run takes over the `sending` rows of runners whose lease ran out, no live runner's). Otherwise
it raises `LeaseLost` (exit 4) and changes nothing. Writes made without a lease (a person's `settle`,
`reset_failed`) are not fenced. Every time a transition records is the database's clock.

A restart of the database is ridden out (`bot.ledger.pg_reconnect`): reads, heartbeats and pace slots are repeated
on a new connection; a claim whose answer was lost is re-read (the rows it may have taken are this runner's); a state
change that broke before its COMMIT was sent is tried again whole, and one whose COMMIT's answer was lost counts as
done only if the database shows this run's own write of it (its events, at its transaction's time), else it stops.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import structlog

from bot.errors import EXIT_INTERRUPTED
from bot.ledger import leases
from bot.ledger.core import Change, LedgerCore, Move, bound, set_clause
from bot.ledger.leases import Fence, RunnerLease
from bot.ledger.model import ITEM_COLUMNS, TRANSITIONS, Item, LedgerError, LedgerStateError
from bot.ledger.pg_connection import NOW_SQL, PgConnection, connect, pg_sql
from bot.ledger.pg_reconnect import ConnectionLost, LedgerUnreachable, Reconnect
from bot.ledger.pg_schema import ensure_schema
from bot.ledger.pg_tls import warn_without_tls
from bot.ledger.target import PostgresTarget

__all__ = ["PostgresLedger", "pg_sql"]

log = structlog.get_logger("utskick.ledger.postgres")

# The transaction's time and whether the fencing runner's lease holds (its row share-locked till the commit).
_HEADER = (
    f"SELECT {NOW_SQL}, (SELECT count(*) FROM (SELECT 1 FROM runners r WHERE r.id = %(me)s AND {leases.LIVE}"
    " FOR SHARE) AS held)"
)
_ROWS = "SELECT id, state, campaign_key, runner_id FROM items WHERE id = ANY(%(ids)s) FOR UPDATE"
# Rows this runner holds that no claim of its returned: those a claim took before its answer was lost.
_HELD_UNSEEN = (
    f"SELECT {ITEM_COLUMNS} FROM items WHERE runner_id = %s AND campaign_key = %s AND state = ANY(%s)"
    " AND NOT (id = ANY(%s)) ORDER BY id LIMIT %s"
)
# How many of a transaction's rows carry this run's event of it: all of them when its COMMIT went through.
_OWN_EVENTS = (
    "SELECT count(DISTINCT item_id) FROM events WHERE run_id = %s AND at = %s AND to_state = %s AND item_id = ANY(%s)"
)


class PostgresLedger(LedgerCore):
    """The exactly-once ledger in a PostgreSQL database that several runners share."""

    shared_runners = True

    def __init__(self, target: PostgresTarget, *, actor: str, run_id: str) -> None:
        super().__init__(target, actor=actor, run_id=run_id)  # type: ignore[arg-type]
        self.target = target
        warn_without_tls(target)
        # Read once: the runner withholds secrets from the environment while its browsers run.
        self._password = target.password()
        self._schema_ready = False
        self.lease: RunnerLease | None = None
        self.reconnect = Reconnect(where=str(target))
        self._claimed: set[int] = set()  # every row a claim of this runner returned
        self._tx = threading.local()  # the open transaction's time and rows, for a COMMIT whose answer was lost

    def connection(self) -> PgConnection:
        """The calling thread's connection, opened on first use."""
        return super().connection()  # type: ignore[no-any-return]

    def _new_connection(self) -> PgConnection:
        """A new connection; the first one creates or migrates the schema."""
        conn = connect(self.target, self._password, self.reconnect)
        if not self._schema_ready:
            try:
                ensure_schema(conn.raw)
            except BaseException:
                conn.close()
                raise
            self._schema_ready = True
        return conn

    # -- the write transaction and its rows --------------------------------------------------------------

    def _transition(self, to_state: str, allowed_from: frozenset[str], changes: Any, fence: Any = None) -> str:
        """The core's transition, tried again after a broken connection: whole when nothing was committed, and
        counted as done when a lost COMMIT turns out to have written it (this run's events at its time)."""
        lost: list[tuple[str, list[int]]] = []

        def attempt() -> str:
            self._tx.now, self._tx.ids = "", []
            try:
                return super(PostgresLedger, self)._transition(to_state, allowed_from, changes, fence)
            except ConnectionLost as e:
                if e.at_commit:
                    lost.append((self._tx.now, list(self._tx.ids)))
                raise
            except LedgerStateError:
                for now, ids in lost:
                    if self._written_here(now, ids, to_state):
                        log.warning("ledger_commit_confirmed", to_state=to_state, rows=len(ids))
                        return now
                raise

        return self.reconnect.call(attempt)

    def _written_here(self, now: str, ids: list[int], to_state: str) -> bool:
        """Whether the transaction of time `now` that moved `ids` to `to_state` committed (its events are there)."""
        found = self.connection().run(_OWN_EVENTS, (self.run_id, now, to_state, ids)).fetchone()[0]
        return bool(ids) and found == len(set(ids))

    def _retried_write(self, write: Callable[[], None]) -> None:
        """A record of its own (markers, clock, run start and end): tried again when it broke before its COMMIT was
        sent; a lost COMMIT is not repeated blindly (the run stops)."""

        def attempt() -> None:
            try:
                write()
            except ConnectionLost as e:
                if e.at_commit:
                    stop = LedgerUnreachable(f"{e} Körningen stoppas; kör samma kommando igen.")
                    stop.exit_code = EXIT_INTERRUPTED
                    raise stop from e
                raise

        self.reconnect.call(attempt)

    def record_markers(self, pairs: Any) -> None:
        """Markers the recipient check showed, as events (again after a broken connection)."""
        rows = [(item_id, tuple(markers)) for item_id, markers in pairs]
        self._retried_write(lambda: super(PostgresLedger, self).record_markers(rows))

    def record_tool_clock(self, campaign_key: str, offset_s: float, *, arende_id: str, shown: str, zone: str) -> None:
        """A measured offset of the tool's shown times (again after a broken connection)."""
        write = super().record_tool_clock
        self._retried_write(lambda: write(campaign_key, offset_s, arende_id=arende_id, shown=shown, zone=zone))

    def record_run_started(self, campaign_key: str) -> None:
        """A run's start event (again after a broken connection)."""
        self._retried_write(lambda: super(PostgresLedger, self).record_run_started(campaign_key))

    def record_run_finished(
        self, campaign_key: str, *, outcome: str, exit_code: int, sent: int, guideline: dict | None = None
    ) -> None:
        """A run's end event (again after a broken connection)."""
        end = {"outcome": outcome, "exit_code": exit_code, "sent": sent, "guideline": guideline}
        self._retried_write(lambda: super(PostgresLedger, self).record_run_finished(campaign_key, **end))

    def record_sender(self, campaign_key: str, name: str) -> None:
        """Who the staff tool showed as signed in (again after a broken connection)."""
        self._retried_write(lambda: super(PostgresLedger, self).record_sender(campaign_key, name))

    @contextmanager
    def _write(self) -> Iterator[PgConnection]:
        """A write transaction holding the ledger's write lock; its writes go with the COMMIT."""
        conn = self.connection()
        conn.begin_write()
        try:
            yield conn
            conn.commit()
        except BaseException:
            conn.rollback()
            raise

    def _now(self, conn: PgConnection) -> str:
        """The database's clock, the one clock every runner shares."""
        return conn.run(f"SELECT {NOW_SQL}").fetchone()[0]

    def _fence(self) -> Fence | None:
        return Fence(self.lease) if self.lease is not None else None

    def _takeover_fence(self) -> Fence | None:
        return Fence(self.lease, takeover=True) if self.lease is not None else None

    def _claim_columns(self) -> dict[str, Any]:
        return {"runner_id": self.lease.runner_id} if self.lease is not None else {}

    def _read_rows(
        self, conn: PgConnection, ids: list[int], fence: Fence | None
    ) -> tuple[str, dict[int, tuple[str, str]]]:
        """In one message: the database's time, the lease checked (under a fence), the rows locked and read."""
        me = fence.lease.runner_id if fence is not None else None
        cur = conn.run_script(_HEADER + (f"; {_ROWS}" if ids else ""), {"me": me, "ids": list(ids)})
        now, live = cur.fetchone()
        self._tx.now = getattr(self._tx, "now", "") or now
        rows: list[tuple[int, str, str, int | None]] = []
        if ids:
            cur.nextset()
            rows = cur.fetchall()
        if fence is not None:
            leases.check_fence(fence, bool(live), rows)
        return now, {item_id: (state, campaign) for item_id, state, campaign, _ in rows}

    def _apply_change(self, conn: PgConnection, now: str, campaign: str, states: Move, change: Change) -> None:
        """The row and its audit event in one statement, sent with the COMMIT (the row is checked and locked)."""
        item_id, columns, detail = change
        getattr(self._tx, "ids", []).append(item_id)
        conn.defer(
            f"WITH changed AS (UPDATE items SET state = :to_state, updated_at = :now{set_clause(columns)}"
            " WHERE id = :id AND state = :from_state RETURNING id)"
            " INSERT INTO events (at, campaign_key, item_id, actor, run_id, event, from_state, to_state, detail)"
            " SELECT :now, :campaign, id, :actor, :run_id, :event, :from_state, :to_state, :event_detail FROM changed",
            {
                **bound(columns),
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

    def _orphans(self, conn: PgConnection, campaign_key: str) -> list[int]:
        """Expire runners whose lease ran out; their `sending` rows (and those no runner holds) are orphans."""
        return leases.orphaned_sending(conn.native, campaign_key)

    # -- the runner lease in place of the file lock ------------------------------------------------------

    def acquire_run_lock(
        self, campaign_key: str, owner: str, *, hsa_id: str = "", lease_s: float = leases.DEFAULT_LEASE_S
    ) -> AbstractContextManager[RunnerLease]:
        """Hold a runner lease on the campaign for a `with` block; other runners may hold theirs at the same time."""
        return self._hold_lease(campaign_key, owner, hsa_id, lease_s)

    @contextmanager
    def _hold_lease(self, campaign_key: str, owner: str, hsa_id: str, lease_s: float) -> Iterator[RunnerLease]:
        self.reconnect.patience_s = lease_s  # a runner away from the ledger longer than its lease has lost it
        lease = leases.acquire(lambda: self.connection().native, campaign_key, owner, hsa_id, lease_s)
        self.lease = lease
        self._locked.add(campaign_key)
        try:
            yield lease
        except BaseException:
            self._end_lease(lease)
            try:
                lease.release(self.connection().native)
            except LedgerError as e:  # the run's own error says more; the lease runs out by itself
                log.error("lease_not_released", runner=lease.runner_id, error=type(e).__name__)
            raise
        self._end_lease(lease)
        lease.release(self.connection().native)

    def _end_lease(self, lease: RunnerLease) -> None:
        self._locked.discard(lease.campaign_key)
        self.lease = None

    def claim(self, campaign_key: str, state: str, limit: int) -> list[Item]:
        """Take up to `limit` rows in `state` that no live runner holds, for this runner (SKIP LOCKED)."""
        if self.lease is None:
            raise LedgerError("claim kräver en körning med lease (acquire_run_lock).")
        lease = self.lease
        return self._claiming(
            lambda c: leases.claim(c, lease, campaign_key, state, limit), campaign_key, [state], limit
        )

    def claim_open(self, campaign_key: str, limit: int) -> list[Item]:
        """The next work for this runner: free in-doubt rows, or else free pending ones, in one statement."""
        if self.lease is None:
            raise LedgerError("claim kräver en körning med lease (acquire_run_lock).")
        lease, states = self.lease, ["in_doubt", "pending"]
        return self._claiming(lambda c: leases.claim_open(c, lease, campaign_key, limit), campaign_key, states, limit)

    def _claiming(
        self, take: Callable[[Any], list[Item]], campaign_key: str, states: list[str], limit: int
    ) -> list[Item]:
        """A claim, sent once per attempt; after a lost answer, the rows it took (held here, never returned) first."""
        in_doubt = False

        def attempt() -> list[Item]:
            nonlocal in_doubt
            conn = self.connection().once
            if in_doubt:
                me = self.lease.runner_id
                rows = conn.execute(_HELD_UNSEEN, (me, campaign_key, states, list(self._claimed), limit)).fetchall()
                if rows:
                    log.warning("claim_recovered", rows=len(rows))
                    return [Item(*row) for row in rows]
            in_doubt = True
            items = take(conn)
            in_doubt = False
            return items

        items = self.reconnect.call(attempt)
        self._claimed.update(item.id for item in items)
        return items

    def open_elsewhere(self, campaign_key: str) -> int:
        """Rows still open (pending, sending, in doubt) that another live runner holds."""
        return leases.open_elsewhere(self.connection().native, self.lease, campaign_key)

    def reserve_send(self, campaign_key: str, seconds: float) -> float:
        """Take the campaign's next send slot, `seconds` after the last one any runner took; seconds to wait."""
        return leases.pace(self.connection().native, campaign_key, seconds)

    def shared_preflight(self, fingerprint: str, make: Callable[[], str], stop: threading.Event) -> str | None:
        """Make the campaign's preflight for this delivery, or wait for the live runner making it and reuse its
        preview; None when the run stops while waiting."""
        poll = min(1.0, self.lease.lease_s / 6)
        done = leases.shared_preflight(lambda: self.connection().native, self.lease, fingerprint, make, stop, poll)
        if done is None:
            return None
        preview, made_here = done
        if not made_here:
            log.info("preflight_reused", preview_chars=len(preview))
        return preview

    def record_stop(self, reason: str) -> None:
        """This runner's circuit breaker stopped it: stop every other runner of the campaign too."""
        if self.lease is not None:
            leases.record_stop(self.connection().native, self.lease, reason)

    def stop_seen(self) -> str | None:
        """Why another runner stopped the campaign after this one started, or None."""
        return leases.stop_seen(self.connection().native, self.lease) if self.lease is not None else None

    def runners(self, campaign_key: str) -> list[leases.RunnerNote]:
        """Every runner the campaign has had, newest first."""
        return leases.runners(self.connection().native, campaign_key)
