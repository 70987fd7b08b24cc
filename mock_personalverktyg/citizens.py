"""Citizens of the mock and the recipient check ("Lägg till" and again at "Skicka").

Every number in `seed/testpersonnummer.txt` (Skatteverket's test personnummer) is a citizen. Its seeded state
is a pure function of the number: `bucket = int(sha256(pnr12).hexdigest(), 16) % 100` and
`channel = (int(sha256(pnr12).hexdigest(), 16) // 100) % 3`:

| bucket | state                                   | share |
|--------|-----------------------------------------|-------|
| 0-2    | never logged in                         | ~3 %  |
| 3-5    | login locked                            | ~3 %  |
| 6-8    | deceased / deactivated                  | ~3 %  |
| 9-11   | active, no notification channel         | ~3 %  |
| 12-14  | active, protected identity (reachable)  | ~3 %  |
| 15-99  | active with notification                | ~85 % |

Active citizens with notification get `channel` 0 → SMS, 1 → e-post, 2 → both. A valid personnummer outside
the list is a citizen who never logged in. A samordningsnummer (day > 60) cannot log in to 1177.
`find(state)` (and `GET /__qa__/citizens?state=locked`) lists numbers in a given seeded state.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from mock_personalverktyg.pnr import Pnr

LOGIN_STATES = ("active", "never", "locked", "deceased")
CHANNELS = ("sms", "email")
SEED_STATES = ("ok", "no_notification", "never", "locked", "deceased", "protected")

OK_LOGIN = "Aktiv inloggning"
PROTECTED = "Skyddad identitet"
ERRORS = {
    "samordningsnummer": "Samordningsnummer kan inte logga in på 1177",
    "deceased": "Invånaren är avliden eller avregistrerad",
    "never": "Invånaren har aldrig loggat in på 1177",
    "locked": "Invånarens inloggning är spärrad",
    "no_notification": "Invånaren har ingen avisering (SMS eller e-post) aktiverad",
}
_CHANNEL_TEXT = {"sms": "SMS", "email": "E-post"}


@dataclass
class CitizenState:
    """A citizen's login, notification channels and protected-identity flag."""

    login: str = "active"
    notify: list[str] = field(default_factory=list)
    protected: bool = False

    def as_json(self) -> dict:
        """The QA API's representation."""
        return {"login": self.login, "notify": list(self.notify), "protected": self.protected}


@dataclass(frozen=True)
class CheckResult:
    """Outcome of the recipient check: `code` is "ok" or an error key of `ERRORS`."""

    code: str
    texts: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when an ärende can be sent."""
        return self.code == "ok"

    @property
    def message(self) -> str:
        """All texts on one line."""
        return " · ".join(self.texts)


def _digest(pnr12: str) -> int:
    return int(hashlib.sha256(pnr12.encode("ascii")).hexdigest(), 16)


def seeded_kind(pnr12: str) -> str:
    """The seeded state name of a listed number (one of `SEED_STATES`)."""
    bucket = _digest(pnr12) % 100
    for upper, kind in ((3, "never"), (6, "locked"), (9, "deceased"), (12, "no_notification")):
        if bucket < upper:
            return kind
    return "protected" if bucket < 15 else "ok"


def seeded_state(pnr12: str) -> CitizenState:
    """The seeded state of a number from the test list."""
    kind = seeded_kind(pnr12)
    if kind in ("never", "locked", "deceased"):
        return CitizenState(login=kind, notify=["sms"])
    if kind == "no_notification":
        return CitizenState(login="active", notify=[])
    channel = (_digest(pnr12) // 100) % 3
    notify = [["sms"], ["email"], ["sms", "email"]][channel]
    return CitizenState(login="active", notify=notify, protected=kind == "protected")


def load_numbers(path: Path) -> tuple[str, ...]:
    """Read the test personnummer list, one 12-digit number a line."""
    return tuple(line.strip() for line in path.read_text(encoding="ascii").splitlines() if line.strip())


def check(pnr: Pnr, state: CitizenState) -> CheckResult:
    """Decide whether an ärende can reach this citizen, with the texts the recipient row shows."""
    if pnr.is_samordningsnummer:
        return CheckResult("samordningsnummer", (ERRORS["samordningsnummer"],))
    if state.login != "active":
        return CheckResult(state.login, (ERRORS[state.login],))
    if not state.notify:
        return CheckResult("no_notification", (ERRORS["no_notification"],))
    channels = ", ".join(_CHANNEL_TEXT[c] for c in CHANNELS if c in state.notify)
    texts = (OK_LOGIN, f"Avisering: {channels}") + ((PROTECTED,) if state.protected else ())
    return CheckResult("ok", texts)
