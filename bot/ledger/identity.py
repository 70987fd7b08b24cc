"""A campaign is known by name as well as by key.

The key (a hash of the message) makes reruns safe; the name catches a changed message that would reach the same
citizens again. When the ledger holds another campaign of the same name, a run is refused until the campaign file
says which is meant: `continues = "<key or name>"` (the corrected message goes only to those the earlier campaign
has not reached) or `new_message_for_all = true` (a new message, also to those who got the earlier one).
`run`, `validate --campaign` and `status` all read the same `Identity`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.errors import CampaignConflict
from bot.ledger import IN_DOUBT, SENDING, SENT, Ledger
from bot.ledger import Campaign as Recorded
from bot.summary import STATES_SV

# A citizen in one of these states may have received the earlier message: never send them the corrected one.
REACHED = (SENT, SENDING, IN_DOUBT)
FACT_LABELS_SV = {
    "name": "namn",
    "unit": "mottagning",
    "template": "mall",
    "texts": "texter",
    "extra_text": "extra text",
    "attachments": "bilagor",
}
MIN_KEY_PREFIX = 6


class Campaign(Protocol):
    """What identity reads of a campaign file (`bot.config.Campaign`), named here so the ledger never imports
    the config, which imports the ledger."""

    name: str
    continues: str
    new_message_for_all: bool

    def facts(self) -> dict[str, Any]:
        """The message facts recorded with the campaign."""


def same_name(a: str, b: str) -> bool:
    """Names are the same when they differ only in case, spacing or Unicode form."""
    return _normal(a) == _normal(b)


def _normal(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


@dataclass(frozen=True)
class Earlier:
    """Another campaign in the ledger with this campaign's name: what it reached and how its message differs."""

    campaign: Recorded
    counts: dict[str, int]
    differences: tuple[str, ...]

    @property
    def reached(self) -> int:
        """Citizens who got (or may have got) the earlier message."""
        return sum(self.counts.get(state, 0) for state in REACHED)

    def describe(self) -> list[str]:
        """Swedish lines: key, when, counts by state, and what differs."""
        c = self.campaign
        states = ", ".join(f"{STATES_SV.get(s, s)} {n}" for s, n in self.counts.items() if n) or "inga invånare"
        lines = [f"'{c.name}' (nyckel {c.key[:12]}, skapad {c.created_at[:16].replace('T', ' ')}): {states}"]
        if c.continues_key:
            lines.append(f"  fortsätter kampanjen {c.continues_key[:12]}")
        if c.new_message_for_all:
            lines.append("  ett nytt meddelande till alla")
        lines.extend(f"  skiljer sig i {d}" for d in self.differences)
        return lines


@dataclass
class Identity:
    """How a campaign stands among the ledger's campaigns of the same name, and what it may send."""

    campaign: Campaign
    key: str
    recorded: Recorded | None
    earlier: list[Earlier] = field(default_factory=list)
    continues: Recorded | None = None
    chain: list[Recorded] = field(default_factory=list)  # the continued campaign and those it continues
    continued_by: list[Recorded] = field(default_factory=list)
    problem: str | None = None

    def already_received(self, ledger: Ledger) -> set[str]:
        """Personnummer the continued campaigns reached (sent, sending or in doubt): they get nothing new."""
        return {item.pnr for c in self.chain for item in ledger.items(c.key, states=REACHED)}

    def describe(self) -> list[str]:
        """Swedish lines for `status` and `validate --campaign`: declaration, earlier campaigns, the problem."""
        lines = []
        if self.continues is not None:
            lines.append(f"Fortsätter kampanjen {self.continues.key[:12]} ('{self.continues.name}'): de som den")
            lines.append("  redan nått får inget nytt meddelande.")
        if self.campaign.new_message_for_all and self.earlier:
            lines.append("Ett nytt meddelande till alla, också till dem som fått en tidigare kampanj med samma namn.")
        for other in self.continued_by:
            lines.append(f"Fortsätts av kampanjen {other.key[:12]} ('{other.name}').")
        if self.earlier:
            lines.append("Andra kampanjer med samma namn i liggaren:")
            lines.extend("  " + line for e in self.earlier for line in e.describe())
        if self.problem:
            lines.append(self.problem)
        return lines


def identify(ledger: Ledger, campaign: Campaign, key: str) -> Identity:
    """Compare the campaign with the ledger's other campaigns of the same name; `problem` says why not to send."""
    everything = ledger.all_campaigns()
    by_key = {c.key: c for c in everything}
    identity = Identity(campaign, key, by_key.get(key))
    facts = campaign.facts()
    for other in everything:
        if other.key != key and same_name(other.name, campaign.name):
            identity.earlier.append(Earlier(other, ledger.counts(other.key), _differences(other.facts, facts)))
    identity.continued_by = [c for c in everything if c.continues_key == key]
    identity.problem = _problem(identity, everything, by_key)
    return identity


def check_identity(ledger: Ledger, campaign: Campaign, key: str) -> Identity:
    """`identify`, raising CampaignConflict (exit 2, nothing sent) when the campaign may not run as written."""
    identity = identify(ledger, campaign, key)
    if identity.problem:
        raise CampaignConflict(identity.problem)
    return identity


def _problem(identity: Identity, everything: list[Recorded], by_key: dict[str, Recorded]) -> str | None:
    c, key = identity.campaign, identity.key
    if identity.continued_by:
        other = identity.continued_by[0]
        return (
            f"Kampanjen '{c.name}' (nyckel {key[:12]}) fortsätts av kampanjen {other.key[:12]} med ett ändrat "
            "meddelande. Inget skickades: kör den kampanjens fil i stället, så får ingen båda meddelandena."
        )
    if c.continues:
        found = _resolve(c.continues, everything, key)
        if isinstance(found, str):
            return found
        identity.continues = found
        identity.chain = _chain(found, by_key)
        taken = [o for o in everything if o.continues_key == found.key and o.key != key]
        if taken:
            return (
                f"'campaign.continues': kampanjen {found.key[:12]} fortsätts redan av kampanjen {taken[0].key[:12]}."
                f' Inget skickades. Skriv continues = "{taken[0].key[:12]}" i stället.'
            )
    recorded = identity.recorded
    if recorded is not None and identity.continues and recorded.continues_key != identity.continues.key:
        return (
            f"Kampanjen '{c.name}' (nyckel {key[:12]}) registrerades i liggaren som "
            f"{_declaration(recorded.continues_key, recorded.new_message_for_all)}, och dess invånare lades till "
            f"då. Den kan inte i efterhand bli en fortsättning av {identity.continues.key[:12]}: invånare som den "
            "kampanjen redan nått kan finnas bland dem. Inget skickades. Återställ 'campaign.continues'."
        )
    chained = {r.key for r in identity.chain}
    open_ = [e for e in identity.earlier if e.campaign.key not in chained]
    if not open_ or c.new_message_for_all:
        return None
    return _refusal(c, key, open_, bool(c.continues))


def _declaration(continues_key: str | None, new_for_all: bool) -> str:
    if continues_key:
        return f"en fortsättning av {continues_key[:12]}"
    return "ett nytt meddelande till alla" if new_for_all else "en egen kampanj"


def _resolve(wanted: str, everything: list[Recorded], key: str) -> Recorded | str:
    """The campaign `continues` names (a key of at least 6 characters, or a name), or a Swedish problem."""
    by_prefix = [c for c in everything if len(wanted) >= MIN_KEY_PREFIX and c.key.startswith(wanted.lower())]
    found = by_prefix or [c for c in everything if same_name(c.name, wanted) and c.key != key]
    if not found:
        return (
            f"'campaign.continues' = \"{wanted}\": ingen kampanj med den nyckeln eller det namnet finns i liggaren. "
            "Inget skickades. Se `utskick status` för kampanjerna i liggaren och deras nycklar."
        )
    if len(found) > 1:
        keys = ", ".join(c.key[:12] for c in found)
        return f"'campaign.continues' = \"{wanted}\" passar flera kampanjer ({keys}). Ange nyckeln. Inget skickades."
    if found[0].key == key:
        return "'campaign.continues' pekar på kampanjen själv (samma meddelande). Ta bort raden. Inget skickades."
    return found[0]


def _chain(start: Recorded, by_key: dict[str, Recorded]) -> list[Recorded]:
    chain, seen = [], set()
    current: Recorded | None = start
    while current is not None and current.key not in seen:
        chain.append(current)
        seen.add(current.key)
        current = by_key.get(current.continues_key) if current.continues_key else None
    return chain


def _refusal(c: Campaign, key: str, earlier: list[Earlier], continuing: bool) -> str:
    reached = sum(e.reached for e in earlier)
    first = earlier[-1].campaign
    lines = [
        f"Kampanjen '{c.name}' (nyckel {key[:12]}) har samma namn som "
        + ("en kampanj som inte ingår i den som fortsätts" if continuing else "en tidigare kampanj")
        + " i liggaren, men ett annat meddelande. Inget skickades.",
        *("  " + line for e in earlier for line in e.describe()),
        "Skriv i kampanjfilens [campaign] vilket som menas och kör igen:",
        f'  continues = "{first.key[:12]}"   fortsätt den tidigare kampanjen med det ändrade meddelandet; de '
        f"{reached} som redan fått den får inget nytt",
        f"  new_message_for_all = true   ett nytt meddelande, som också går till de {reached} som fått den tidigare",
    ]
    return "\n".join(lines)


def message_differences(before: dict[str, Any], now: dict[str, Any]) -> tuple[str, ...]:
    """Swedish lines for what differs between two campaigns' message facts (name, unit, template, texts …)."""
    return _differences(before, now)


def _differences(before: dict[str, Any], now: dict[str, Any]) -> tuple[str, ...]:
    found = []
    for fact, label in FACT_LABELS_SV.items():
        old, new = before.get(fact), now.get(fact)
        if fact == "attachments":
            old, new = _attachments(old), _attachments(new)
        if old != new:
            found.append(f"{label}: {_show(old)} → {_show(new)}")
    return tuple(found)


def _attachments(value: Any) -> list[str]:
    return [f"{a.get('name')} (sha256 {str(a.get('sha256'))[:8]})" for a in value or []]


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]" if value else "(inga)"
    text = str(value if value is not None else "")
    text = text if len(text) <= 60 else text[:57] + "…"
    return f'"{text}"'
