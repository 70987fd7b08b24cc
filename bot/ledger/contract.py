"""The ledger contract: every transition, read, lock, approval, event and run record the rest of the code uses.

`SqliteLedger` (`bot.ledger.store`) and `PostgresLedger` (`bot.ledger.postgres`) implement it; `Ledger.open`
(`bot.ledger.backend`) chooses one. The transition rules themselves are `bot.ledger.model.TRANSITIONS`, used by
both through `bot.ledger.core`. On PostgreSQL every transition a runner writes under its lease is fenced (lease,
campaign, claim: `LeaseLost` otherwise); on SQLite the file's run lock leaves one run to write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol, Self

from bot.ledger.approvals import Approval
from bot.ledger.clock import ClockReading
from bot.ledger.model import AddResult, Campaign, Citizen, Event, Item, RejectedRow, Rejection
from bot.ledger.runs import RunEnd


class LedgerContract(Protocol):
    """What a ledger backend offers the core (commands, runner, report, window)."""

    actor: str
    run_id: str
    shared_runners: bool  # True where several runners share the ledger (PostgreSQL)

    # -- life ----------------------------------------------------------------------------------------------
    def connection(self) -> Any:
        """The calling thread's connection (portable `?` statements run on both backends)."""
        ...

    def close(self) -> None:
        """Close every connection; the ledger cannot be used afterwards."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    # -- campaigns and deliveries --------------------------------------------------------------------------
    def ensure_campaign(
        self,
        key: str,
        name: str,
        facts: dict[str, Any],
        *,
        continues_key: str | None = None,
        new_message_for_all: bool = False,
    ) -> None:
        """Record the campaign once."""
        ...

    def add_delivery(
        self,
        campaign_key: str,
        fingerprint: str,
        source: str,
        citizens: Iterable[Citizen | tuple[str, str | None, str | None, int | None]],
        rejected: Iterable[Rejection | tuple[str | None, int | None, str, str, str]] = (),
        *,
        duplicates: int = 0,
    ) -> AddResult:
        """Add a delivery's citizens as `pending`."""
        ...

    # -- transitions (a runner's are fenced on PostgreSQL) ---------------------------------------------------
    def mark_sending(self, item_ids: Sequence[int]) -> str:
        """`pending` → `sending` right before Skicka; returns the claim time."""
        ...

    def mark_sent(self, item_id: int, arende_id: str, sent_at: datetime | str | None = None) -> None:
        """`sending` → `sent`."""
        ...

    def mark_many_sent(self, pairs: Iterable[tuple[int, str]], sent_at: datetime | str | None = None) -> None:
        """A batch receipt: `sending` → `sent`."""
        ...

    def resolve_in_doubt_as_sent(self, item_id: int, arende_id: str, sent_at: datetime | str) -> None:
        """`in_doubt` → `sent`."""
        ...

    def mark_not_reachable(self, item_id: int, reason: str, detail: str = "") -> None:
        """`pending`/`sending` → `not_reachable`."""
        ...

    def mark_many_not_reachable(self, triples: Iterable[tuple[int, str, str]]) -> None:
        """Several refusals of one batch."""
        ...

    def mark_failed(self, item_id: int, reason: str, detail: str = "") -> None:
        """`pending`/`sending` → `failed`."""
        ...

    def mark_invalid(self, item_id: int, reason: str, detail: str = "") -> None:
        """`pending` → `invalid`."""
        ...

    def mark_in_doubt(self, item_id: int, detail: str = "") -> None:
        """`sending` → `in_doubt`."""
        ...

    def mark_many_in_doubt(self, item_ids: Iterable[int], detail: str = "") -> None:
        """A batch without receipt: `sending` → `in_doubt`."""
        ...

    def mark_pending_again(self, item_id: int, why: str) -> None:
        """`sending`/`in_doubt` → `pending`."""
        ...

    def mark_many_pending_again(self, item_ids: Iterable[int], why: str) -> None:
        """Several back to `pending`."""
        ...

    def recover_interrupted(self, campaign_key: str) -> list[Item]:
        """Under the run lock: crashed runs' `sending` rows → `in_doubt`; returns every `in_doubt` row."""
        ...

    def reset_failed(self, campaign_key: str) -> int:
        """A person's retry: every `failed` row → `pending` (never fenced)."""
        ...

    def set_read(self, item_id: int, status: str, first_seen_read_at: datetime | str | None = None) -> None:
        """Follow-up: a sent row's read status."""
        ...

    # -- the run lock and several runners --------------------------------------------------------------------
    def acquire_run_lock(
        self, campaign_key: str, owner: str, *, hsa_id: str = "", lease_s: float = ...
    ) -> AbstractContextManager[Any]:
        """The campaign's run lock (file) or runner lease (database) for a `with` block."""
        ...

    def claim(self, campaign_key: str, state: str, limit: int) -> list[Item]:
        """Up to `limit` rows in `state` for this run."""
        ...

    def claim_open(self, campaign_key: str, limit: int) -> list[Item]:
        """In-doubt rows first, else pending ones, for this run."""
        ...

    # -- reads -------------------------------------------------------------------------------------------
    def counts(self, campaign_key: str) -> dict[str, int]:
        """Items per state."""
        ...

    def item(self, item_id: int) -> Item:
        """One item."""
        ...

    def items(self, campaign_key: str, states: Iterable[str] | None = None) -> Iterator[Item]:
        """A campaign's items in id order."""
        ...

    def iter_pending(self, campaign_key: str, batch_size: int = 250) -> Iterator[list[Item]]:
        """Pending items, a batch at a time."""
        ...

    def pending_ids(self, campaign_key: str, limit: int | None = None) -> list[int]:
        """Ids of pending items."""
        ...

    def rejected_rows(self, campaign_key: str) -> Iterator[RejectedRow]:
        """Refused intake rows."""
        ...

    def events(self, campaign_key: str, item_id: int | None = None) -> Iterator[Event]:
        """The audit trail."""
        ...

    def deliveries(self, campaign_key: str) -> list[dict]:
        """The campaign's deliveries."""
        ...

    def campaign(self, key: str) -> Campaign | None:
        """The campaign with this key."""
        ...

    def find_campaigns(self, name_or_key: str) -> list[Campaign]:
        """Campaigns by name or key prefix, newest first."""
        ...

    def find_campaign(self, name_or_key: str) -> Campaign | None:
        """The newest campaign matching `find_campaigns`."""
        ...

    def all_campaigns(self) -> list[Campaign]:
        """Every campaign."""
        ...

    # -- events, approvals, run records ----------------------------------------------------------------------
    def record_markers(self, pairs: Iterable[tuple[int, Iterable[str]]]) -> None:
        """Markers the recipient check showed, as events."""
        ...

    def markers(self, campaign_key: str) -> dict[int, tuple[str, ...]]:
        """Markers shown per item."""
        ...

    def record_approval(
        self,
        campaign_key: str,
        campaign_name: str,
        fingerprint: str,
        source: str,
        *,
        approver_name: str,
        approver_hsa_id: str,
        facts: dict[str, Any],
    ) -> Approval:
        """A second person's approval."""
        ...

    def approval(self, approval_id: int) -> Approval:
        """One approval."""
        ...

    def approvals(self, campaign_key: str | None = None) -> list[Approval]:
        """Approvals, oldest first."""
        ...

    def record_run_started(self, campaign_key: str) -> None:
        """A run's start event."""
        ...

    def record_run_finished(
        self, campaign_key: str, *, outcome: str, exit_code: int, sent: int, guideline: dict | None = None
    ) -> None:
        """A run's end event (with the guideline checklist of the message it composed, when it got that far)."""
        ...

    def record_sender(self, campaign_key: str, name: str) -> None:
        """Who the staff tool showed as signed in after the run's login."""
        ...

    def senders(self, campaign_key: str) -> list[str]:
        """The signed-in senders the campaign's runs recorded."""
        ...

    def run_ends(self, campaign_key: str) -> dict[str, RunEnd]:
        """How each run ended."""
        ...

    # -- the staff tool's clock (bot.ledger.clock) ---------------------------------------------------------------
    def record_tool_clock(self, campaign_key: str, offset_s: float, *, arende_id: str, shown: str, zone: str) -> None:
        """A measured offset of the tool's shown times, as a campaign event."""
        ...

    def tool_clock(self, campaign_key: str) -> ClockReading | None:
        """The campaign's latest measurement."""
        ...

    def first_claim(self, campaign_key: str) -> str | None:
        """When the campaign's first row was claimed."""
        ...

    def known_arende_ids(self, pnrs: Iterable[str]) -> set[str]:
        """Every ärende-id the ledger holds for these citizens."""
        ...

    def latest_sent(self, campaign_key: str, limit: int = 1) -> list[tuple[str, str, str, str]]:
        """The latest sends a receipt confirmed: (pnr, ärende-id, claimed_at, sent_at)."""
        ...


class SharedRunnersContract(LedgerContract, Protocol):
    """What a ledger several runners share (PostgreSQL) offers besides: pace, preflight, stops, runners."""

    def open_elsewhere(self, campaign_key: str) -> int:
        """Open rows another live runner holds."""
        ...

    def reserve_send(self, campaign_key: str, seconds: float) -> float:
        """The campaign's next send slot; seconds to wait."""
        ...

    def shared_preflight(self, fingerprint: str, make: Callable[[], str], stop: threading.Event) -> str | None:
        """One preflight per campaign and delivery among live runners."""
        ...

    def record_stop(self, reason: str) -> None:
        """Stop every runner of the campaign."""
        ...

    def stop_seen(self) -> str | None:
        """A stop another runner recorded."""
        ...

    def runners(self, campaign_key: str) -> list[Any]:
        """Every runner the campaign has had."""
        ...
