"""The ledger's state changes, written once for both backends: the rules (`TRANSITIONS`) and what each change sets.

A backend supplies the transaction and how rows are read and changed in it: `_write` (its transaction helper),
`_read_rows` (the transaction's time, and each row's state and campaign, locked and, under a fence, checked),
`_apply_change` (one row and its audit event) and `_orphans` (the `sending` rows a new run takes over).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from bot.ledger.approvals import ApprovalRecords
from bot.ledger.base import CHUNK, chunked, detail_json, scrub
from bot.ledger.clock import ClockRecords
from bot.ledger.deliveries import DeliveryWrites
from bot.ledger.markers import MarkerRecords
from bot.ledger.model import (
    FAILED,
    IN_DOUBT,
    INVALID,
    NOT_REACHABLE,
    PENDING,
    SENDING,
    SENT,
    TRANSITIONS,
    Item,
    LedgerError,
    LedgerStateError,
    format_time,
)
from bot.ledger.runs import RunRecords

# A column set to the transaction's own time (the database's clock on PostgreSQL).
AT_NOW = "__transaction_time__"
# (item_id, column updates, event detail, or a function of the transaction's time giving it)
Change = tuple[int, dict[str, Any], "str | None | Callable[[str], str]"]
Move = tuple[str, str]  # (from state, to state)
Changes = Sequence[Change] | Callable[[Any], Sequence[Change]]

# Column updates a transition may make: a value of True means "computed here", AT_NOW the transaction's time.
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
    return "".join(
        f", {col} = {':now' if columns[col] == AT_NOW else expr}" for col, expr in _SET_EXPR.items() if col in columns
    )


def bound(columns: dict[str, Any]) -> dict[str, Any]:
    """The column updates that travel as parameters (those computed in SQL left out)."""
    return {col: value for col, value in columns.items() if value is not True and value != AT_NOW}


class LedgerCore(DeliveryWrites, RunRecords, MarkerRecords, ApprovalRecords, ClockRecords, ABC):
    """The state changes both backends share; each change and its audit event in one transaction."""

    shared_runners = False  # True where several runners share the ledger (PostgreSQL)

    # -- what a backend supplies ----------------------------------------------------------------------------

    @abstractmethod
    def _fence(self) -> Any:
        """What a runner's writes are checked against (a PostgreSQL runner's lease), or None."""

    @abstractmethod
    def _read_rows(self, conn: Any, ids: list[int], fence: Any) -> tuple[str, dict[int, tuple[str, str]]]:
        """Inside the transaction: its time, and (state, campaign) of each of `ids` that exists, locked so they
        cannot change before the commit; under a `fence`, refuse (LeaseLost) unless the runner may write them."""

    @abstractmethod
    def _apply_change(self, conn: Any, now: str, campaign: str, states: Move, change: Change) -> None:
        """Inside the transaction: move one checked item from states[0] to states[1], with its event."""

    @abstractmethod
    def _orphans(self, conn: Any, campaign_key: str) -> list[int]:
        """Inside the transaction: the campaign's `sending` rows no live run holds (a new run puts them in doubt)."""

    @abstractmethod
    def acquire_run_lock(
        self, campaign_key: str, owner: str, *, hsa_id: str = "", lease_s: float = 0.0
    ) -> AbstractContextManager[Any]:
        """Hold the campaign's run lock (a file lock, or a database runner lease) for a `with` block."""

    # -- the transition -----------------------------------------------------------------------------------

    def _transition(self, to_state: str, allowed_from: frozenset[str], changes: Changes, fence: Any = None) -> str:
        """Move every item in `changes` to `to_state` in one transaction, or none of them.

        `changes` may be a function of the connection, evaluated inside the transaction. Raises `LedgerStateError`
        if any item is unknown or not in one of `allowed_from`. A `fence` (a runner's lease) is checked as the rows
        are read. Returns the transaction's time.
        """
        with self._write() as conn:
            if callable(changes):
                changes = changes(conn)
            ids = [item_id for item_id, _, _ in changes]
            if len(set(ids)) != len(ids):
                raise ValueError("the same item appears twice in one state change")
            now = ""
            current: dict[int, tuple[str, str]] = {}
            for chunk in chunked(ids, CHUNK) if ids else [[]]:
                now_read, rows = self._read_rows(conn, chunk, fence)
                now = now or now_read
                current.update(rows)
            for item_id in ids:
                _check(item_id, current.get(item_id, (None, None))[0], to_state, allowed_from)
            for item_id, columns, detail in changes:
                state, campaign = current[item_id]
                text = detail(now) if callable(detail) else detail
                self._apply_change(conn, now, campaign, (state, to_state), (item_id, columns, text))
        return now

    # -- the runner's writes (fenced on a database ledger) -------------------------------------------------

    def mark_sending(self, item_ids: Sequence[int]) -> str:
        """Claim pending items right before the click on Skicka: one durable commit, one claim time.

        Raises `LedgerStateError` (and claims nothing) if any item is not pending.
        """
        if not item_ids:
            raise ValueError("mark_sending needs at least one item")
        claim = {"claimed_at": True, "attempts": True, "reason": None, "detail": None, **self._claim_columns()}
        return self._transition(SENDING, frozenset({PENDING}), [(i, claim, None) for i in item_ids], self._fence())

    def _claim_columns(self) -> dict[str, Any]:
        """Columns `sending` sets besides the claim time (a database ledger: the runner)."""
        return {}

    def mark_sent(self, item_id: int, arende_id: str, sent_at: datetime | str | None = None) -> None:
        """Record the receipt of a send: `sending` → `sent` with the staff tool's ärende-id."""
        self.mark_many_sent([(item_id, arende_id)], sent_at)

    def mark_many_sent(self, pairs: Iterable[tuple[int, str]], sent_at: datetime | str | None = None) -> None:
        """Record a batch receipt, (item_id, ärende-id) pairs, in one transaction (sent now unless `sent_at`)."""
        at = format_time(sent_at) if sent_at is not None else AT_NOW
        changes = [(i, _sent_columns(a, at), _sent_detail(a, at)) for i, a in pairs]
        self._transition(SENT, frozenset({SENDING}), changes, self._fence())

    def resolve_in_doubt_as_sent(self, item_id: int, arende_id: str, sent_at: datetime | str) -> None:
        """Reconciliation found the ärende in the staff tool: `in_doubt` → `sent`."""
        at = format_time(sent_at)
        change = (item_id, _sent_columns(arende_id, at), _sent_detail(arende_id, at))
        self._transition(SENT, frozenset({IN_DOUBT}), [change], self._fence())

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
        changes: list[Change] = []
        for item_id, reason, detail in triples:
            clean = {"reason": scrub(reason), "detail": scrub(detail) or None}
            changes.append((item_id, clean, detail_json(**clean)))
        self._transition(to_state, allowed, changes, self._fence())

    def mark_in_doubt(self, item_id: int, detail: str = "") -> None:
        """Skicka may have happened but no receipt was seen: `sending` → `in_doubt`."""
        self.mark_many_in_doubt([item_id], detail)

    def mark_many_in_doubt(self, item_ids: Iterable[int], detail: str = "") -> None:
        """A batch whose receipt was not seen, in one transaction."""
        clean = scrub(detail) or None
        changes: list[Change] = [(i, {"detail": clean}, detail_json(detail=clean)) for i in item_ids]
        self._transition(IN_DOUBT, frozenset({SENDING}), changes, self._fence())

    def mark_pending_again(self, item_id: int, why: str) -> None:
        """Back to pending: from `sending` when the failure was before the click, or from `in_doubt`
        when reconciliation found no ärende."""
        self.mark_many_pending_again([item_id], why)

    def mark_many_pending_again(self, item_ids: Iterable[int], why: str) -> None:
        """`mark_pending_again` for several items in one transaction."""
        clean = scrub(why)
        changes: list[Change] = [(i, {"reason": None, "detail": None}, detail_json(why=clean)) for i in item_ids]
        self._transition(PENDING, frozenset({SENDING, IN_DOUBT}), changes, self._fence())

    def recover_interrupted(self, campaign_key: str) -> list[Item]:
        """Turn every `sending` row no live run holds into `in_doubt`; return all `in_doubt` rows for reconciliation.

        Only under this ledger's run lock for the campaign: without it, another run's live claims would be taken
        for crashed ones.
        """
        if campaign_key not in self._locked:
            raise LedgerError("recover_interrupted kräver kampanjens körlås (acquire_run_lock).")
        why = "interrupted_run"

        def changes(conn: Any) -> list[Change]:
            return [(i, {"detail": why}, detail_json(why=why)) for i in self._orphans(conn, campaign_key)]

        self._transition(IN_DOUBT, frozenset({SENDING}), changes, self._takeover_fence())
        return list(self.items(campaign_key, states=[IN_DOUBT]))

    def _takeover_fence(self) -> Any:
        """The fence for taking over rows whose run is gone (their claims are not this run's)."""
        return None

    # -- writes made without a lease (a person's) ----------------------------------------------------------

    def reset_failed(self, campaign_key: str) -> int:
        """A human's "retry failed": every failed item back to pending; returns how many."""
        reset = {"reason": None, "detail": None}
        found: list[int] = []

        def changes(conn: Any) -> list[Change]:
            sql = "SELECT id FROM items WHERE campaign_key = ? AND state = ? ORDER BY id"
            found.extend(i for (i,) in conn.execute(sql, (campaign_key, FAILED)).fetchall())
            return [(i, reset, detail_json(why="retry_failed")) for i in found]

        self._transition(PENDING, frozenset({FAILED}), changes)
        return len(found)

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
            now = self._now(conn)
            conn.execute(
                "UPDATE items SET read_status = ?, read_at = coalesce(read_at, ?), updated_at = ? WHERE id = ?",
                (status, seen, now, item_id),
            )
            if row[2] != status or (row[3] is None and seen is not None):
                detail = detail_json(status=status, first_seen_read_at=row[3] or seen)
                self._event(conn, now, row[1], item_id, "read_status_changed", detail=detail)


def _check(item_id: int, state: str | None, to_state: str, allowed_from: frozenset[str]) -> None:
    if state is None:
        raise LedgerStateError(f"Raden {item_id} finns inte i liggaren.", item_id=item_id, to_state=to_state)
    if state not in allowed_from or (state, to_state) not in TRANSITIONS:
        raise LedgerStateError(
            f"Raden {item_id} är i läget '{state}': övergången till '{to_state}' är inte"
            f" tillåten (tillåtet från: {', '.join(sorted(allowed_from))}).",
            item_id=item_id,
            from_state=state,
            to_state=to_state,
        )


def _sent_columns(arende_id: str, sent_at: str) -> dict[str, Any]:
    if not arende_id:
        raise ValueError("a sent item needs its ärende-id")
    return {"arende_id": arende_id, "sent_at": sent_at, "reason": None, "detail": None}


def _sent_detail(arende_id: str, sent_at: str) -> str | Callable[[str], str]:
    if sent_at == AT_NOW:
        return lambda now: detail_json(arende_id=arende_id, sent_at=now)
    return detail_json(arende_id=arende_id, sent_at=sent_at)
