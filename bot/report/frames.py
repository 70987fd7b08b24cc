"""From ledger rows to pandas DataFrames: a pure function, no files, no browser, no config.

Every time is shown in Swedish local time (Europe/Stockholm) and the headers say so. Personnummer are shown as
`YYYYMMDD-NNNN`; they appear only in the frames meant for the xlsx and the journal export.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from bot.clock import STOCKHOLM
from bot.guideline import STATUS_SV
from bot.ledger import FAILED, IN_DOUBT, INVALID, NOT_REACHABLE, PENDING, SENDING, SENT, Campaign, Item, RejectedRow
from bot.ledger.base import scrub
from bot.summary import REASONS_SV, STATES_SV

ZONE_NOTE = "Alla tider är svensk tid (Europe/Stockholm)."
TIME_FORMAT = "%Y-%m-%d %H:%M"
NOT_SENT_STATES = (FAILED, IN_DOUBT, SENDING, PENDING)
NEXT_STEP_SV = {
    FAILED: "försöks igen vid nästa körning",
    IN_DOUBT: "kontrolleras mot Alla ärenden vid nästa körning, skickas aldrig två gånger",
    SENDING: "avbruten mitt i sändningen: kontrolleras mot Alla ärenden vid nästa körning",
    PENDING: "skickas vid nästa körning",
}
MODES_SV = {"single": "ett ärende per invånare och sändning", "batch": "upp till 250 invånare per sändning"}
SEND_EVENTS = ("sent", "resolved_as_sent")
FOLLOW_UP_EVENTS = ("read_status_changed",)
# How a run ended (the ledger's run_finished outcome), in the words the Körningar sheet uses.
RUN_OUTCOMES_SV = {
    "finished": "klar",
    "declined": "avbruten",
    "interrupted": "avbruten",
    "stopped": "stoppad",
    "crashed": "avbröts av systemet",
    "killed": "avbröts av systemet",
    "running": "pågår",
    "unknown": "okänt (körd före utfallsloggningen)",
}
# Labels of the staff tool's own controls that a scraped row text carries along (the row's Ta bort button).
CONTROL_LABELS = ("Ta bort", "Lägg till", "Tillbaka", "Nästa")
_CONTROL_TAIL = re.compile(r"(?:\s*\b(?:" + "|".join(map(re.escape, CONTROL_LABELS)) + r"))+\s*$")


def clean_tool_text(text: str | None) -> str:
    """A text read from the staff tool without the control labels at its end, and with its whitespace folded."""
    folded = " ".join((text or "").split())
    return _CONTROL_TAIL.sub("", folded).strip()


# An HSA-id holds an organisation number, which looks like a personnummer: the HTML summary leaves it out.
HSA_ID_TEXT = re.compile(r"SE\d{10}-[0-9A-Za-z]{1,31}")


@dataclass(frozen=True)
class RunFact:
    """One run (or follow-up) of the campaign, from the audit events."""

    run_id: str
    actor: str
    started: str
    ended: str
    kind: str
    sent: int
    outcome: str = ""  # Swedish: klar, avbruten, stoppad, avbröts av systemet, pågår ("" for a follow-up)
    exit_code: int | None = None
    signed_in: str = ""  # who the staff tool showed signed in to the run (names, comma-separated; "" not read)


@dataclass(frozen=True)
class ReportInput:
    """Everything a report is made of, read from the ledger once."""

    campaign: Campaign
    items: list[Item]
    rejected: list[RejectedRow]
    runs: list[RunFact] = field(default_factory=list)
    senders: dict[int, str] = field(default_factory=dict)
    signed_in: dict[int, str] = field(default_factory=dict)  # item id -> signed-in user of the run that sent it
    markers: dict[int, tuple[str, ...]] = field(default_factory=dict)  # item id -> what the check showed
    bot_version: str = ""
    selectors_sha256: str = ""
    tool_clock: str = ""  # the staff tool's clock as last measured (one Swedish line), "" before any measurement
    ledger: str = ""  # which ledger the report comes from (two ledgers of one campaign give two reports)
    guideline: dict | None = None  # the guideline checklist the latest run that composed the message showed
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class Counts:
    """The campaign's numbers, as every report shows them."""

    total: int
    sent: int
    read: int
    unread: int
    not_followed_up: int
    not_reachable: int
    not_sent: int
    invalid_items: int
    rejected_rows: int
    reasons: dict[str, int]
    protected: int = 0

    @property
    def invalid(self) -> int:
        """Rows refused at intake plus personnummer the staff tool refused."""
        return self.invalid_items + self.rejected_rows

    @property
    def read_share(self) -> float | None:
        """Read ärenden as a share of sent ones (None before anything is sent)."""
        return self.read / self.sent if self.sent else None

    def rows(self) -> list[tuple[str, int | str]]:
        """The counts as (Swedish label, value), in reading order."""
        share = "–" if self.read_share is None else f"{self.read_share:.0%}".replace("%", " %")
        return [
            ("Invånare i kampanjen", self.total),
            ("Skickade", self.sent),
            ("  varav lästa", self.read),
            ("  varav olästa", self.unread),
            ("  varav ännu inte uppföljda", self.not_followed_up),
            ("  varav med skyddad identitet", self.protected),
            ("Andel lästa av skickade", share),
            ("Ej nåbara (kontakta på annat sätt)", self.not_reachable),
            ("Ej skickade (misslyckade, osäkra eller väntande)", self.not_sent),
            ("Ogiltiga i leveransen", self.invalid),
        ]


@dataclass(frozen=True)
class ReportFrames:
    """The report's tables; `sent`, `not_reachable`, `not_sent` and `journal` hold personnummer."""

    counts: Counts
    summary: pd.DataFrame
    sent: pd.DataFrame
    not_reachable: pd.DataFrame
    not_sent: pd.DataFrame
    invalid: pd.DataFrame
    runs: pd.DataFrame
    journal: pd.DataFrame
    read_curve: list[tuple[datetime, float]]


def to_local(text: str | None) -> datetime | None:
    """A ledger time (ISO 8601, UTC if no zone is given) as an aware Stockholm datetime."""
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(STOCKHOLM)


def local_text(value: str | datetime | None) -> str:
    """A time as `YYYY-MM-DD HH:MM` in Swedish local time; empty if none."""
    moment = to_local(value) if isinstance(value, str) or value is None else value.astimezone(STOCKHOLM)
    return moment.strftime(TIME_FORMAT) if moment else ""


def _naive_local(text: str | None) -> datetime | None:
    """For Excel, which has no time zones: the Stockholm wall-clock time (the header names the zone)."""
    moment = to_local(text)
    return moment.replace(tzinfo=None, microsecond=0) if moment else None


def display_pnr(pnr: str) -> str:
    """`YYYYMMDDNNNN` as `YYYYMMDD-NNNN`."""
    return f"{pnr[:8]}-{pnr[8:]}"


def count(data: ReportInput) -> Counts:
    """The numbers of the campaign."""
    states = Counter(item.state for item in data.items)
    sent = [i for i in data.items if i.state == SENT]
    read = sum(1 for i in sent if i.read_at)
    unread = sum(1 for i in sent if not i.read_at and i.read_status)
    reasons = Counter(
        REASONS_SV.get(i.reason or "", i.reason or "okänd orsak") for i in data.items if i.state == NOT_REACHABLE
    )
    return Counts(
        total=len(data.items),
        sent=len(sent),
        read=read,
        unread=unread,
        not_followed_up=len(sent) - read - unread,
        not_reachable=states[NOT_REACHABLE],
        not_sent=sum(states[s] for s in NOT_SENT_STATES),
        invalid_items=states[INVALID],
        rejected_rows=len(data.rejected),
        reasons=dict(sorted(reasons.items())),
        protected=sum(1 for i in sent if PROTECTED_IDENTITY in data.markers.get(i.id, ())),
    )


def build_frames(data: ReportInput) -> ReportFrames:
    """All of the report's tables from the ledger's rows."""
    counts = count(data)
    return ReportFrames(
        counts=counts,
        summary=_summary(data, counts),
        sent=_sent(data),
        not_reachable=_not_reachable(data),
        not_sent=_not_sent(data),
        invalid=_invalid(data),
        runs=_runs(data),
        journal=_journal(data),
        read_curve=read_curve(data),
    )


def campaign_facts(data: ReportInput) -> list[tuple[str, str]]:
    """The define-the-need facts, as (Swedish label, text); no personnummer, no hashes."""
    f: dict[str, Any] = data.campaign.facts
    sender = f.get("ansvarig_avsandare") or {}
    contact = f.get("contact_unreachable_otherwise")
    return [
        ("Kampanj", data.campaign.name),
        ("Beställare", str(f.get("bestallare", ""))),
        ("Ansvarig avsändare", ", ".join(v for v in (sender.get("name"), sender.get("title")) if v)),
        ("Avsändarens enhet", str(sender.get("unit", ""))),
        ("Sändande mottagning", str(f.get("unit", ""))),
        ("Mall (ärendets rubrik)", str(f.get("template", ""))),
        ("Texter i ordning", ", ".join(f.get("texts") or []) or "(inga)"),
        ("Extra text", str(f.get("extra_text", "")) or "(ingen)"),
        ("Bilagor", ", ".join(a.get("name", "") for a in f.get("attachments") or []) or "(inga)"),
        ("Sändningsläge", MODES_SV.get(f.get("mode"), "")),
        ("Ej nåbara kontaktas på annat sätt", "" if contact is None else ("Ja" if contact else "Nej")),
        *([("Liggare", data.ledger)] if data.ledger else []),
        *guideline_facts(data.guideline),
    ]


def guideline_facts(guideline: dict | None) -> list[tuple[str, str]]:
    """The guideline checklist as (Swedish label, outcome and explanation); none before a run composed the message."""
    if not guideline:
        return []
    mode = "krav" if guideline.get("required") else "varningar"
    rows = [("Riktlinje för omvänt ärendeflöde", f"kontrollerad vid senaste körningen ({mode})")]
    for p in guideline.get("points", []):
        rows.append((f"Riktlinje: {p['title']}", f"{STATUS_SV.get(p['status'], p['status'])}. {p['explanation']}"))
    return rows


def run_facts(data: ReportInput, *, with_actors: bool = True) -> list[tuple[str, str]]:
    """Who ran the campaign and when, from the audit events; without actors, only how many ran it (an HSA-id
    holds an organisation number, which looks like a personnummer)."""
    sends = [r for r in data.runs if r.kind == "utskick"]
    follow_ups = [r for r in data.runs if r.kind == "uppföljning"]
    actors = sorted({r.actor for r in sends})
    who = ", ".join(actors) if with_actors else f"{len(actors)} handläggare (HSA-id finns i Excel-rapporten)"
    first_send, last_send = send_period(data)
    signed_in = ", ".join(dict.fromkeys(n for r in sends for n in r.signed_in.split(", ") if n))
    if not with_actors:
        signed_in = HSA_ID_TEXT.sub("HSA-id i Excel-rapporten", signed_in)
    return [
        ("Körd av", who if actors else "(ingen körning ännu)"),
        ("Inloggad i Personalverktyget (avsändare)", signed_in or "(inte avläst)"),
        ("Antal körningar", str(len(sends))),
        ("Första körningen (svensk tid)", local_text(min((r.started for r in sends), default=None))),
        ("Senaste körningen (svensk tid)", local_text(max((r.ended for r in sends), default=None))),
        ("Första Skicka (svensk tid)", local_text(first_send) or "(inget skickat ännu)"),
        ("Sista Skicka (svensk tid)", local_text(last_send) or "(inget skickat ännu)"),
        (
            "Senaste uppföljning med nytt läsläge (svensk tid)",
            local_text(max((r.ended for r in follow_ups), default=None)),
        ),
        ("Rapporten skapad (svensk tid)", local_text(data.generated_at)),
        ("Botversion", data.bot_version),
    ]


def send_period(data: ReportInput) -> tuple[str | None, str | None]:
    """When the messages went out: the first and the last Skicka of a sent ärende (ledger times, UTC)."""
    times = sorted(i.sent_at for i in data.items if i.state == SENT and i.sent_at)
    return (times[0], times[-1]) if times else (None, None)


def _summary(data: ReportInput, counts: Counts) -> pd.DataFrame:
    f = data.campaign.facts
    attachments = "; ".join(f"{a.get('name')} (sha256 {a.get('sha256')})" for a in f.get("attachments") or [])
    rows: list[tuple[str, Any]] = [*campaign_facts(data)]
    rows.insert(1, ("Kampanjnyckel", data.campaign.key))
    if attachments:
        rows.append(("Bilagor med kontrollsumma", attachments))
    rows += [("", ""), *run_facts(data), ("Selektorfil (sha256)", data.selectors_sha256), ("Tidszon", ZONE_NOTE)]
    if data.tool_clock:
        rows.append(("Personalverktygets klocka", data.tool_clock))
    rows += [("", ""), *counts.rows()]
    rows += [(f"Ej nåbara: {reason}", n) for reason, n in counts.reasons.items()]
    return pd.DataFrame(rows, columns=["Uppgift", "Värde"])


def _source(item: Item) -> tuple[str, int | None]:
    return item.source_file or "", item.source_line


SENT_COLUMNS = [
    "Personnummer",
    "Ärende-id",
    "Skickat (svensk tid)",
    "Läst",
    "Status i Personalverktyget",
    "Först sedd läst (svensk tid)",
    "Skyddad identitet",
    "Fil",
    "Rad",
]
PROTECTED_IDENTITY = "protected_identity"


def _read_word(item: Item) -> str:
    if item.read_at:
        return "Läst"
    return "Oläst" if item.read_status else "Ej uppföljt"


def _sent(data: ReportInput) -> pd.DataFrame:
    rows = [
        (
            display_pnr(i.pnr),
            i.arende_id,
            _naive_local(i.sent_at),
            _read_word(i),
            i.read_status or "",
            _naive_local(i.read_at),
            "Ja" if PROTECTED_IDENTITY in data.markers.get(i.id, ()) else "",
            *_source(i),
        )
        for i in data.items
        if i.state == SENT
    ]
    return _frame(rows, SENT_COLUMNS, times=["Skickat (svensk tid)", "Först sedd läst (svensk tid)"])


def _not_reachable(data: ReportInput) -> pd.DataFrame:
    rows = [
        (
            display_pnr(i.pnr),
            REASONS_SV.get(i.reason or "", i.reason or ""),
            clean_tool_text(scrub(i.detail)),
            *_source(i),
        )
        for i in data.items
        if i.state == NOT_REACHABLE
    ]
    return _frame(rows, ["Personnummer", "Orsak", "Personalverktygets text", "Fil", "Rad"])


def _not_sent(data: ReportInput) -> pd.DataFrame:
    rows = [
        (
            display_pnr(i.pnr),
            STATES_SV.get(i.state, i.state),
            scrub(i.reason) or "",
            scrub(i.detail) or "",
            i.attempts,
            _naive_local(i.claimed_at),
            NEXT_STEP_SV[i.state],
            *_source(i),
        )
        for i in data.items
        if i.state in NOT_SENT_STATES
    ]
    columns = ["Personnummer", "Läge", "Orsak", "Detalj", "Försök", "Senaste försök (svensk tid)", "Nästa steg"]
    return _frame(rows, [*columns, "Fil", "Rad"], times=["Senaste försök (svensk tid)"])


def _invalid(data: ReportInput) -> pd.DataFrame:
    rows: list[tuple] = [
        (r.source_file or "", r.source_line, r.masked_value, scrub(r.reason), "vid inläsningen av leveransen")
        for r in data.rejected
    ]
    rows += [
        (*_source(i), i.masked_pnr, REASONS_SV.get(i.reason or "", scrub(i.reason) or ""), "av Personalverktyget")
        for i in data.items
        if i.state == INVALID
    ]
    return _frame(rows, ["Fil", "Rad", "Värde (maskerat)", "Orsak", "Upptäckt"])


def _runs(data: ReportInput) -> pd.DataFrame:
    rows = [
        (
            r.run_id,
            r.kind,
            r.actor,
            r.signed_in,
            _naive_local(r.started),
            _naive_local(r.ended),
            r.sent,
            r.outcome,
            r.exit_code,
        )
        for r in data.runs
    ]
    columns = ["Körning", "Typ", "Utförd av", "Inloggad i Personalverktyget", "Start (svensk tid)"]
    columns += ["Slut (svensk tid)", "Skickade", "Utfall"]
    frame = _frame(rows, [*columns, "Slutkod"], times=columns[4:6])
    frame["Slutkod"] = frame["Slutkod"].astype("Int64")
    return frame


JOURNAL_COLUMNS = [
    "Personnummer",
    "Datum (svensk tid)",
    "Mottagning",
    "Mall",
    "Rubrik",
    "Ärende-id",
    "Avsändare",
    "Skickat av (HSA-id)",
    "Inloggad avsändare (Personalverktyget)",
]


def _journal(data: ReportInput) -> pd.DataFrame:
    f = data.campaign.facts
    sender = f.get("ansvarig_avsandare") or {}
    who = ", ".join(v for v in (sender.get("name"), sender.get("title"), sender.get("unit")) if v)
    template = str(f.get("template", ""))
    rows = [
        (
            display_pnr(i.pnr),
            local_text(i.sent_at),
            str(f.get("unit", "")),
            template,
            template,
            i.arende_id,
            who,
            data.senders.get(i.id, ""),
            data.signed_in.get(i.id, ""),
        )
        for i in data.items
        if i.state == SENT
    ]
    return _frame(rows, JOURNAL_COLUMNS)


def read_curve(data: ReportInput) -> list[tuple[datetime, float]]:
    """The read share of sent ärenden over time: 0 at the first send, one step per first-seen read."""
    sent = [i for i in data.items if i.state == SENT]
    if not sent:
        return []
    start = min((t for i in sent if (t := to_local(i.sent_at))), default=data.generated_at.astimezone(STOCKHOLM))
    reads = sorted(t for i in sent if (t := to_local(i.read_at)))
    points = [(start, 0.0)]
    points += [(t, n / len(sent)) for n, t in enumerate(reads, start=1)]
    end = max(data.generated_at.astimezone(STOCKHOLM), points[-1][0])
    points.append((end, len(reads) / len(sent)))
    return points


def _frame(rows: list[tuple], columns: list[str], times: list[str] = ()) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    for column in times:
        frame[column] = pd.to_datetime(frame[column])
    return frame
