"""The `Ledger`: state changes, each with its audit event in the same transaction, and the run lock."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any

from bot.ledger.approvals import ApprovalRecords
from bot.ledger.base import CHUNK, chunked, detail_json, scrub
from bot.ledger.deliveries import DeliveryWrites
from bot.ledger.lock import HeldLock, hold_run_lock
from bot.ledger.markers import MarkerRecords
from bot.ledger.model import (
    FAILED,
    IN_DOUBT,
    INVALID,
    ITEM_COLUMNS,
    NOT_REACHABLE,
    PENDING,
    SENDING,
    SENT,
    TRANSITIONS,
    Item,
    LedgerError,
    LedgerStateError,
    format_time,
    utc_now,
)
from bot.ledger.runs import RunRecords
from bot.ledger.target import LedgerTarget, PostgresTarget

Change = tuple[int, dict[str, Any], str | None]
Move = tuple[str, str]  # (from state, to state)
Changes = Sequence[Change] | Callable[[sqlite3.Connection], Sequence[Change]]


class Ledger(DeliveryWrites, RunRecords, MarkerRecords, ApprovalRecords):
    """The exactly-once ledger on one SQLite file; hands each thread its own connection."""

    @classmethod
    def open(cls, path: LedgerTarget, *, actor: str, run_id: str) -> Ledger:  # type: ignore[override]
        """Open the ledger at `path`: a SQLite file, or a PostgreSQL database (`PostgresTarget`)."""
        if isinstance(path, PostgresTarget) and cls is Ledger:
            from bot.ledger.postgres import PostgresLedger

            return PostgresLedger.open(path, actor=actor, run_id=run_id)
        return super().open(path, actor=actor, run_id=run_id)

    def _transition(self, to_state: str, allowed_from: frozenset[str], changes: Changes, fence: Any = None) -> str:
        """Move every item in `changes` to `to_state` in one transaction, or none of them.

        Each change is (item_id, column updates, event detail); `changes` may be a function of the
        connection, evaluated inside the transaction. Raises `LedgerStateError` if any item is unknown
        or not in one of `allowed_from`. A `fence` (a database ledger's runner lease) is checked as the rows are
        read. Returns the transaction's time.
        """
        with self._write() as conn:
            now = utc_now()
            if callable(changes):
                changes = changes(conn)
            ids = [item_id for item_id, _, _ in changes]
            if len(set(ids)) != len(ids):
                raise ValueError("the same item appears twice in one state change")
            current: dict[int, tuple[str, str]] = {}
            for chunk in chunked(ids, CHUNK):
                current.update(self._read_rows(conn, chunk, fence))
            for item_id in ids:
                if item_id not in current:
                    raise LedgerStateError(
                        f"Raden {item_id} finns inte i liggaren.", item_id=item_id, to_state=to_state
                    )
                state = current[item_id][0]
                if state not in allowed_from or (state, to_state) not in TRANSITIONS:
                    raise LedgerStateError(
                        f"Raden {item_id} är i läget '{state}': övergången till '{to_state}' är inte"
                        f" tillåten (tillåtet från: {', '.join(sorted(allowed_from))}).",
                        item_id=item_id,
                        from_state=state,
                        to_state=to_state,
                    )
            for item_id, columns, detail in changes:
                state, campaign = current[item_id]
                self._apply_change(conn, now, campaign, (state, to_state), (item_id, columns, detail))
        return now

    def _read_rows(self, conn: sqlite3.Connection, ids: list[int], fence: Any) -> dict[int, tuple[str, str]]:
        """Inside `_transition`'s transaction: (state, campaign) of each of `ids` that exists (the write
        transaction holds the file's one lock, so they cannot change before the commit)."""
        if fence is not None:
            raise ValueError("a ledger file has no runner leases to fence with")
        marks = ", ".join("?" * len(ids))
        sql = f"SELECT id, state, campaign_key FROM items WHERE id IN ({marks})"
        return {item_id: (state, campaign) for item_id, state, campaign in conn.execute(sql, ids)}

    def _apply_change(self, conn: sqlite3.Connection, now: str, campaign: str, states: Move, change: Change) -> None:
        """Inside `_transition`'s transaction: move one checked item from states[0] to states[1], with its event."""
        item_id, columns, detail = change
        cur = conn.execute(
            f"UPDATE items SET state = :to_state, updated_at = :now{set_clause(columns)}"
            " WHERE id = :id AND state = :from_state",
            {**columns, "to_state": states[1], "now": now, "id": item_id, "from_state": states[0]},
        )
        if cur.rowcount != 1:  # pragma: no cover - the write lock makes this impossible
            raise LedgerStateError(f"Raden {item_id} ändrades under övergången.", item_id=item_id)
        self._event(conn, now, campaign, item_id, TRANSITIONS[states], states, detail)

    def mark_sending(self, item_ids: Sequence[int]) -> str:
        """Claim pending items right before the click on Skicka: one durable commit, one claim time.

        Raises `LedgerStateError` (and claims nothing) if any item is not pending.
        """
        if not item_ids:
            raise ValueError("mark_sending needs at least one item")
        claim = {"claimed_at": True, "attempts": True, "reason": None, "detail": None}
        changes = [(i, claim, None) for i in item_ids]
        return self._transition(SENDING, frozenset({PENDING}), changes)

    def mark_sent(self, item_id: int, arende_id: str, sent_at: datetime | str | None = None) -> None:
        """Record the receipt of a send: `sending` → `sent` with the staff tool's ärende-id."""
        self.mark_many_sent([(item_id, arende_id)], sent_at)

    def mark_many_sent(self, pairs: Iterable[tuple[int, str]], sent_at: datetime | str | None = None) -> None:
        """Record a batch receipt, (item_id, ärende-id) pairs, in one transaction."""
        at = format_time(sent_at) if sent_at is not None else utc_now()
        changes = [(i, _sent_columns(a, at), detail_json(arende_id=a, sent_at=at)) for i, a in pairs]
        self._transition(SENT, frozenset({SENDING}), changes)

    def resolve_in_doubt_as_sent(self, item_id: int, arende_id: str, sent_at: datetime | str) -> None:
        """Reconciliation found the ärende in the staff tool: `in_doubt` → `sent`."""
        at = format_time(sent_at)
        change = (item_id, _sent_columns(arende_id, at), detail_json(arende_id=arende_id, sent_at=at))
        self._transition(SENT, frozenset({IN_DOUBT}), [change])

    def mark_not_reachable(self, item_id: int, reason: str, detail: str = "") -> None:
        """The recipient check refused the citizen (business outcome, never retried)."""
        self.mark_many_not_reachable([(item_id, reason, detail)])

    def mark_many_not_reachable(self, triples: Iterable[tuple[int, str, str]]) -> None:
        """Several (item_id, reason, detail) refusals from one batch, in one transaction."""
        self._outcome(NOT_REACHABLE, frozenset({PENDING, SENDING}), triples)

    def mark_failed(self, item_id: int, reason: str, detail: str = "") -> None:
        """A system error beyond the retry budget; only a human's `reset_failed` retries it."""
        self._outcome(FAILED, frozenset({PENDING, SENDING}), [(item_id, reason, detail)])

    def mark_invalid(self, item_id: int, reason: str, detail: str = "") -> None:
        """The staff tool refused the personnummer itself at Lägg till."""
        self._outcome(INVALID, frozenset({PENDING}), [(item_id, reason, detail)])

    def _outcome(self, to_state: str, allowed: frozenset[str], triples: Iterable[tuple[int, str, str]]) -> None:
        changes = []
        for item_id, reason, detail in triples:
            clean = {"reason": scrub(reason), "detail": scrub(detail) or None}
            changes.append((item_id, clean, detail_json(**clean)))
        self._transition(to_state, allowed, changes)

    def mark_in_doubt(self, item_id: int, detail: str = "") -> None:
        """Skicka may have happened but no receipt was seen: `sending` → `in_doubt`."""
        self.mark_many_in_doubt([item_id], detail)

    def mark_many_in_doubt(self, item_ids: Iterable[int], detail: str = "") -> None:
        """A batch whose receipt was not seen, in one transaction."""
        clean = scrub(detail) or None
        changes = [(i, {"detail": clean}, detail_json(detail=clean)) for i in item_ids]
        self._transition(IN_DOUBT, frozenset({SENDING}), changes)

    def mark_pending_again(self, item_id: int, why: str) -> None:
        """Back to pending: from `sending` when the failure was before the click, or from `in_doubt`
        when reconciliation found no ärende."""
        self.mark_many_pending_again([item_id], why)

    def mark_many_pending_again(self, item_ids: Iterable[int], why: str) -> None:
        """`mark_pending_again` for several items in one transaction."""
        clean = scrub(why)
        changes = [(i, {"reason": None, "detail": None}, detail_json(why=clean)) for i in item_ids]
        self._transition(PENDING, frozenset({SENDING, IN_DOUBT}), changes)

    def reset_failed(self, campaign_key: str) -> int:
        """A human's "retry failed": every failed item back to pending; returns how many."""
        reset = {"reason": None, "detail": None}
        found: list[int] = []

        def changes(conn: sqlite3.Connection) -> list[Change]:
            found.extend(_ids_in_state(conn, campaign_key, FAILED))
            return [(i, reset, detail_json(why="retry_failed")) for i in found]

        self._transition(PENDING, frozenset({FAILED}), changes)
        return len(found)

    def recover_interrupted(self, campaign_key: str) -> list[Item]:
        """Turn every `sending` row into `in_doubt` and return all `in_doubt` rows for reconciliation.

        Only under this ledger's run lock for the campaign: without it, another run's live claims
        would be taken for crashed ones.
        """
        if campaign_key not in self._locked:
            raise LedgerError("recover_interrupted kräver kampanjens körlås (acquire_run_lock).")
        why = "interrupted_run"

        def changes(conn: sqlite3.Connection) -> list[Change]:
            return [(i, {"detail": why}, detail_json(why=why)) for i in _ids_in_state(conn, campaign_key, SENDING)]

        self._transition(IN_DOUBT, frozenset({SENDING}), changes)
        return list(self.items(campaign_key, states=[IN_DOUBT]))

    def set_read(self, item_id: int, status: str, first_seen_read_at: datetime | str | None = None) -> None:
        """Follow-up: store the read status; the first time it was seen read is kept once set."""
        seen = format_time(first_seen_read_at) if first_seen_read_at is not None else None
        with self._write() as conn:
            row = conn.execute(
                "SELECT state, campaign_key, read_status, read_at FROM items WHERE id = ?", (item_id,)
            ).fetchone()
            if row is None or row[0] != SENT:
                state = row[0] if row else None
                raise LedgerStateError(
                    f"Raden {item_id} är inte skickad (läge '{state}'): läsläget kan inte sättas.",
                    item_id=item_id,
                    from_state=state,
                )
            now = utc_now()
            conn.execute(
                "UPDATE items SET read_status = ?, read_at = coalesce(read_at, ?), updated_at = ? WHERE id = ?",
                (status, seen, now, item_id),
            )
            if row[2] != status or (row[3] is None and seen is not None):
                detail = detail_json(status=status, first_seen_read_at=row[3] or seen)
                self._event(conn, now, row[1], item_id, "read_status_changed", detail=detail)

    # -- the run lock ---------------------------------------------------------------------------

    def acquire_run_lock(
        self, campaign_key: str, owner: str, *, hsa_id: str = "", lease_s: float = 0.0
    ) -> AbstractContextManager[HeldLock]:
        """Hold the campaign's run lock for a `with` block; raises `CampaignLocked` if another run has it.

        `hsa_id` and `lease_s` are for a database ledger's runner lease; a file lock needs neither (the OS drops
        it when its process dies)."""
        return self._run_lock(campaign_key, owner)

    # -- several runners: on one SQLite file there is one, so these are simple ----------------------------

    shared_runners = False  # True where several runners share the ledger (PostgreSQL)

    def claim(self, campaign_key: str, state: str, limit: int) -> list[Item]:
        """Up to `limit` rows in `state`, oldest first (on SQLite the run lock makes them this run's)."""
        sql = f"SELECT {ITEM_COLUMNS} FROM items WHERE campaign_key = ? AND state = ? ORDER BY id LIMIT ?"
        return [Item(*row) for row in self.connection().execute(sql, (campaign_key, state, limit))]

    def claim_open(self, campaign_key: str, limit: int) -> list[Item]:
        """The next work: up to `limit` in-doubt rows (looked up before anything else), or else pending ones."""
        return self.claim(campaign_key, IN_DOUBT, limit) or self.claim(campaign_key, PENDING, limit)

    @contextmanager
    def _run_lock(self, campaign_key: str, owner: str) -> Iterator[HeldLock]:
        with hold_run_lock(self.path, campaign_key, owner) as held:
            self._locked.add(campaign_key)
            try:
                yield held
            finally:
                self._locked.discard(campaign_key)


# Column updates a transition may make; a value of True in the change means "computed here".
_SET_EXPR = {
    "claimed_at": ":now",
    "attempts": "attempts + 1",
    "reason": ":reason",
    "detail": ":detail",
    "arende_id": ":arende_id",
    "sent_at": ":sent_at",
    "runner_id": ":runner_id",  # PostgreSQL only: the runner whose lease wrote `sending`
}


def set_clause(columns: dict[str, Any]) -> str:
    """The `, col = expr` list a transition's column updates make (in `_SET_EXPR`'s order)."""
    return "".join(f", {col} = {expr}" for col, expr in _SET_EXPR.items() if col in columns)


def _ids_in_state(conn: sqlite3.Connection, campaign_key: str, state: str) -> list[int]:
    sql = "SELECT id FROM items WHERE campaign_key = ? AND state = ? ORDER BY id"
    return [i for (i,) in conn.execute(sql, (campaign_key, state))]


def _sent_columns(arende_id: str, sent_at: str) -> dict[str, Any]:
    if not arende_id:
        raise ValueError("a sent item needs its ärende-id")
    return {"arende_id": arende_id, "sent_at": sent_at, "reason": None, "detail": None}
