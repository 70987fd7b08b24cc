"""Ledger value types, the state machine, the campaign key and personnummer masking."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from bot.errors import UtskickError
from bot.pnr import mask as mask_pnr  # the one masker; the ledger's name for it stays importable

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
NOT_REACHABLE = "not_reachable"
INVALID = "invalid"
FAILED = "failed"
IN_DOUBT = "in_doubt"

STATES: tuple[str, ...] = (PENDING, SENDING, SENT, NOT_REACHABLE, INVALID, FAILED, IN_DOUBT)

# Every allowed state change and the audit event it writes. Anything else is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    (PENDING, SENDING): "claimed",
    (PENDING, NOT_REACHABLE): "not_reachable",
    (PENDING, INVALID): "marked_invalid",
    (PENDING, FAILED): "failed",
    (SENDING, SENT): "sent",
    (SENDING, NOT_REACHABLE): "not_reachable",
    (SENDING, FAILED): "failed",
    (SENDING, PENDING): "released_before_click",
    (SENDING, IN_DOUBT): "marked_in_doubt",
    (IN_DOUBT, SENT): "resolved_as_sent",
    (IN_DOUBT, PENDING): "resolved_as_not_sent",
    (FAILED, PENDING): "failed_reset",
}

_PNR = re.compile(r"\d{12}")


class LedgerError(UtskickError):
    """The ledger cannot do what was asked (unknown campaign, newer schema, bad input)."""


class LedgerStateError(LedgerError):
    """A state change the ledger's transition table refuses: the exactly-once guard."""

    def __init__(
        self,
        message: str,
        *,
        item_id: int | None = None,
        from_state: str | None = None,
        to_state: str | None = None,
    ) -> None:
        super().__init__(message)
        self.item_id = item_id
        self.from_state = from_state
        self.to_state = to_state


def utc_now() -> str:
    """Now as ISO 8601 UTC with microseconds, e.g. `2024-05-01T08:00:00.123456Z`."""
    return format_time(datetime.now(UTC))


def format_time(moment: datetime | str) -> str:
    """A datetime as the ledger's ISO 8601 UTC text; text is validated and stored as given."""
    if isinstance(moment, str):
        datetime.fromisoformat(moment)
        return moment
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give a timezone-aware time")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def is_pnr12(value: str) -> bool:
    """True for exactly 12 ASCII digits, the form the ledger stores."""
    return isinstance(value, str) and _PNR.fullmatch(value) is not None


def _canonical(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_canonical(str(k)): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def canonical_json(facts: dict[str, Any]) -> str:
    """Facts as canonical JSON: sorted keys, no spaces, NFC-normalised text, no NaN."""
    return json.dumps(_canonical(facts), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def campaign_key(facts: dict[str, Any]) -> str:
    """The stable campaign key: sha256 (hex) over the canonical JSON of the message-defining facts."""
    return hashlib.sha256(canonical_json(facts).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Item:
    """One campaign × citizen row. `repr` leaves the personnummer out."""

    id: int
    campaign_key: str
    pnr: str = field(repr=False)
    source_archive: str | None
    source_file: str | None
    source_line: int | None
    state: str
    reason: str | None
    detail: str | None
    arende_id: str | None
    claimed_at: str | None
    sent_at: str | None
    attempts: int
    read_at: str | None
    read_status: str | None
    updated_at: str

    @property
    def masked_pnr(self) -> str:
        """The personnummer as `YYYYMMDD-****`, safe for logs and messages."""
        return mask_pnr(self.pnr)


ITEM_COLUMNS = ", ".join(Item.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class Campaign:
    """A campaign: one message sent to a set of citizens."""

    key: str
    name: str
    facts: dict[str, Any]
    created_at: str
    continues_key: str | None = None  # the earlier campaign of the same name this one continues
    new_message_for_all: bool = False  # declared a new message that also goes to those the earlier one reached


@dataclass(frozen=True, slots=True)
class Event:
    """One append-only audit event."""

    id: int
    at: str
    campaign_key: str | None
    item_id: int | None
    actor: str
    run_id: str
    event: str
    from_state: str | None
    to_state: str | None
    detail: str | None


class Citizen(NamedTuple):
    """An accepted intake row, as `add_delivery` takes it."""

    pnr: str
    source_archive: str | None
    source_file: str | None
    source_line: int | None


class Rejection(NamedTuple):
    """A refused intake row, as `add_delivery` takes it; `value` is masked before it is stored."""

    source_file: str | None
    source_line: int | None
    value: str
    reason_code: str
    reason: str


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A refused intake row as stored: reportable by file, line and reason."""

    id: int
    campaign_key: str
    fingerprint: str
    source_file: str | None
    source_line: int | None
    masked_value: str
    reason_code: str
    reason: str


@dataclass(frozen=True, slots=True)
class AddResult:
    """What `add_delivery` did: new items, citizens already in the campaign, rejected rows seen."""

    new: int
    already_known: int
    rejected: int
    delivery_known: bool = False
