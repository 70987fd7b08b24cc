"""The exactly-once ledger: one SQLite row per campaign × citizen, an append-only audit trail.

States: `pending` → `sending` (committed before the click on Skicka) → `sent` | `not_reachable` |
`invalid` | `failed` | `in_doubt`. On start, under the campaign's run lock, `recover_interrupted`
turns every `sending` row into `in_doubt` for reconciliation against the staff tool; nothing is ever
re-sent on a guess. The allowed moves are `TRANSITIONS`; anything else raises `LedgerStateError`.
"""

from bot.ledger.approvals import Approval
from bot.ledger.base import scrub
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
from bot.ledger.store import Ledger

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
    "scrub",
    "utc_now",
]
