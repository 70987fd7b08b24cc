"""Plain records of the mock: units, staff users, templates, drafts, ärenden, receipts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from mock_personalverktyg.citizens import CheckResult

STAFF = "Skickat av vården"
CITIZEN = "Skickat av invånare"
UNREAD = "Oläst av invånare"
READ = "Läst av invånare"
NEW_FROM_CITIZEN = "Ny"
LOCAL_ADMIN = "lokal administratör"


@dataclass(frozen=True)
class Unit:
    """A mottagning the staff tool sends from."""

    id: str
    name: str


@dataclass(frozen=True)
class User:
    """A staff user; the mock's login stands in for SITHS."""

    hsa_id: str
    name: str
    role: str
    units: tuple[str, ...]
    password: str

    @property
    def is_local_admin(self) -> bool:
        """Lokal administratör may manage templates."""
        return self.role == LOCAL_ADMIN


@dataclass
class Template:
    """A template (mall) of one unit: a name (the subject), named texts and an instruction."""

    id: str
    unit: str
    name: str
    kind: str
    texts: list[tuple[str, str]]
    instruction: str
    active: bool
    origin: str = "Lokal"


@dataclass
class Recipient:
    """A row of the recipient list; `result` stays None until the (delayed) check has run."""

    pnr: str
    ready_at: float
    result: CheckResult | None = None


@dataclass
class Attachment:
    """A file attached to a draft."""

    id: str
    name: str
    size: int
    sha256: str
    content: bytes = field(repr=False)

    def as_json(self) -> dict:
        """Name, size and hash, as the QA API reports them."""
        return {"name": self.name, "size": self.size, "sha256": self.sha256}


@dataclass
class Draft:
    """A send being prepared in the wizard by one user in one unit."""

    id: str
    unit: str
    user: str
    template_id: str
    subject: str
    form_token: str
    text: str = ""
    recipients: list[Recipient] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    receipt: Receipt | None = None


@dataclass
class Receipt:
    """What one Skicka produced: sent (pnr, ärende-id) pairs and refused (pnr, reason) pairs."""

    sent: list[tuple[str, str]]
    refused: list[tuple[str, str]]


@dataclass
class Arende:
    """One ärende between the unit and one citizen."""

    arende_id: str
    pnr: str
    unit: str
    kind: str
    subject: str
    sent_at: float
    sent_by: str
    sent_by_name: str
    status: str
    template: str = ""
    text: str = ""
    signature: str = ""
    attachments: list[dict] = field(default_factory=list)
    read_at: float | None = None

    def as_json(self) -> dict:
        """The QA API's representation (times as ISO 8601 with offset)."""
        return {
            "arende_id": self.arende_id,
            "pnr": self.pnr,
            "unit": self.unit,
            "template": self.template,
            "subject": self.subject,
            "text": self.text,
            "signature": self.signature,
            "attachments": list(self.attachments),
            "sent_at": iso(self.sent_at),
            "sent_by": self.sent_by,
            "status": self.status,
            "read_at": iso(self.read_at) if self.read_at is not None else None,
        }


STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local(ts: float) -> dt.datetime:
    """An epoch time in Swedish time, as the staff tool shows it whatever the server's own zone is."""
    return dt.datetime.fromtimestamp(ts, STOCKHOLM)


def iso(ts: float) -> str:
    """ISO 8601 with offset, to the second."""
    return local(ts).isoformat(timespec="seconds")
