"""The exactly-once ledger: one row per campaign × citizen, an append-only audit trail, on SQLite or PostgreSQL.

States: `pending` → `sending` (committed before the click on Skicka) → `sent` | `not_reachable` |
`invalid` | `failed` | `in_doubt`. On start, under the campaign's run lock, `recover_interrupted`
turns every `sending` row into `in_doubt` for reconciliation against the staff tool; nothing is ever
re-sent on a guess. The allowed moves are `TRANSITIONS`; anything else raises `LedgerStateError`.
`Ledger.open(target, …)` (`bot.ledger.backend`) gives the backend for the target; both implement
`bot.ledger.contract.LedgerContract`.
"""

from bot.ledger.approvals import Approval
from bot.ledger.backend import Ledger, open_ledger
from bot.ledger.base import scrub
from bot.ledger.contract import LedgerContract
from bot.ledger.lock import HeldLock, LockNote, lock_path, read_lock_note
from bot.ledger.model import (
    FAILED,
    IN_DOUBT,
    INVALID,
    NOT_REACHABLE,
    PENDING,
    SENDING,
    SENT,
    STATES,
    TRANSITIONS,
    AddResult,
    Campaign,
    Citizen,
    Event,
    Item,
    LedgerError,
    LedgerStateError,
    RejectedRow,
    Rejection,
    campaign_key,
    canonical_json,
    mask_pnr,
    utc_now,
)
from bot.ledger.runs import OUTCOMES, RUN_EVENTS, RunEnd, last_run
from bot.ledger.schema import SCHEMA_VERSION, connect

__all__ = [
    "Approval",
    "FAILED",
    "IN_DOUBT",
    "INVALID",
    "NOT_REACHABLE",
    "PENDING",
    "OUTCOMES",
    "RUN_EVENTS",
    "RunEnd",
    "SCHEMA_VERSION",
    "SENDING",
    "SENT",
    "STATES",
    "TRANSITIONS",
    "AddResult",
    "Campaign",
    "Citizen",
    "Event",
    "Item",
    "Ledger",
    "LedgerContract",
    "LedgerError",
    "LedgerStateError",
    "RejectedRow",
    "Rejection",
    "campaign_key",
    "canonical_json",
    "connect",
    "HeldLock",
    "LockNote",
    "last_run",
    "lock_path",
    "read_lock_note",
    "mask_pnr",
    "open_ledger",
    "scrub",
    "utc_now",
]
