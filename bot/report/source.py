"""Read what a report needs from the ledger, once: the campaign, its rows, and run facts from the audit events."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bot.ledger import Event, Ledger, LedgerError, read_lock_note
from bot.ledger.runs import RUN_FINISHED, RUN_STARTED, SENDER_SIGNED_IN
from bot.report.files import ledger_label
from bot.report.frames import FOLLOW_UP_EVENTS, RUN_OUTCOMES_SV, SEND_EVENTS, ReportInput, RunFact


def bot_version() -> str:
    """The installed utskick version."""
    try:
        return version("utskick")
    except PackageNotFoundError:  # pragma: no cover - running from a plain checkout
        from bot import __version__

        return __version__


def files_sha256(paths: Iterable[Path | None]) -> str:
    """sha256 over the selectors file and its override (as the report is made); empty if none exist."""
    digest = hashlib.sha256()
    found = False
    for path in paths:
        if path is not None and Path(path).is_file():
            digest.update(Path(path).read_bytes())
            found = True
    return digest.hexdigest() if found else ""


def runs_from_events(
    events: Iterable[Event], running: str | None = None
) -> tuple[list[RunFact], dict[int, str], dict[int, str]]:
    """Each run's actor, signed-in user, first and last event, sends and how it ended; who sent each item (the
    run's actor) and who the staff tool showed signed in to the run that sent it.

    A send run that recorded its start but no end was ended by the system (killed), unless it is `running`.
    """
    runs: dict[str, dict] = {}
    senders: dict[int, str] = {}
    sent_by_run: dict[int, str] = {}
    for e in events:
        run = runs.setdefault(e.run_id, {"actor": e.actor, "started": e.at, "ended": e.at, "sent": 0, "kinds": set()})
        run["ended"] = max(run["ended"], e.at)
        run["started"] = min(run["started"], e.at)
        run["kinds"].add(e.event)
        if e.event == RUN_FINISHED:
            run["end"] = json.loads(e.detail or "{}")
        if e.event == SENDER_SIGNED_IN:
            run.setdefault("signed_in", {})[json.loads(e.detail or "{}").get("name", "")] = None
        if e.event in SEND_EVENTS and e.item_id is not None:
            run["sent"] += 1
            senders[e.item_id] = e.actor
            sent_by_run[e.item_id] = e.run_id
    facts = []
    for run_id, r in runs.items():
        follow_up = r["kinds"] <= set(FOLLOW_UP_EVENTS)
        end = r.get("end", {})
        if follow_up:
            outcome = ""
        elif end:
            outcome = end.get("outcome", "unknown")
        elif run_id == running:
            outcome = "running"
        else:
            outcome = "killed" if RUN_STARTED in r["kinds"] else "unknown"
        facts.append(
            RunFact(
                run_id=run_id,
                actor=r["actor"],
                started=r["started"],
                ended=r["ended"],
                kind="uppföljning" if follow_up else "utskick",
                sent=r["sent"],
                outcome=RUN_OUTCOMES_SV.get(outcome, outcome),
                exit_code=end.get("exit_code"),
                signed_in=", ".join(n for n in r.get("signed_in", {}) if n),
            )
        )
    signed_in = {run.run_id: run.signed_in for run in facts}
    signed_in_by_item = {item: signed_in[run_id] for item, run_id in sent_by_run.items() if signed_in.get(run_id)}
    return sorted(facts, key=lambda r: r.started), senders, signed_in_by_item


def read_input(
    ledger: Ledger, key: str, *, selectors_files: Iterable[Path | None] = (), now: datetime | None = None
) -> ReportInput:
    """Everything the report shows about campaign `key`; raises LedgerError if the ledger does not know it."""
    campaign = ledger.campaign(key)
    if campaign is None:
        raise LedgerError(f"Kampanjen {key[:12]} finns inte i liggaren.")
    note = read_lock_note(ledger.path, key)
    running = note.owner if note is not None and not note.process_gone() else None
    events = list(ledger.events(key))
    runs, senders, signed_in = runs_from_events(events, running=running)
    clock = ledger.tool_clock(key)
    ends = [json.loads(e.detail or "{}") for e in events if e.event == RUN_FINISHED]
    guideline = next((end["guideline"] for end in reversed(ends) if end.get("guideline")), None)
    return ReportInput(
        campaign=campaign,
        items=list(ledger.items(key)),
        rejected=list(ledger.rejected_rows(key)),
        runs=runs,
        senders=senders,
        signed_in=signed_in,
        markers=ledger.markers(key),
        bot_version=bot_version(),
        selectors_sha256=files_sha256(selectors_files),
        tool_clock=clock.describe() if clock else "",
        ledger=ledger_label(ledger.path),
        generated_at=now or datetime.now(UTC),
        guideline=guideline,
    )
