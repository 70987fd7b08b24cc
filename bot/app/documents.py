"""The one JSON document `run`, `status`, `follow-up` and `report` print with `--json` and the alert sends (schema:
docs/schema/utskick-output.schema.json): counts by state and reason, exit code, run id, log and report paths.

Nothing in it is a personnummer: the document is built from counts, ids and paths, and the finished text passes
the same masking as the logs before it is printed.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from bot.ledger import STATES, LockNote

SCHEMA_VERSION = 1
SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "schema" / "utskick-output.schema.json"
# How a command ended, for a script: the exit code says the same, this says it in a word.
OUTCOME_BY_EXIT = {0: "finished", 1: "crashed", 2: "refused", 3: "stopped", 4: "interrupted"}


def all_states(counts: dict[str, int] | None) -> dict[str, int]:
    """Every ledger state with its count (0 when none)."""
    counts = counts or {}
    return {state: int(counts.get(state, 0)) for state in STATES}


def _path(value: Path | str | None) -> str | None:
    return str(value) if value else None


def base_document(command: str, *, exit_code: int, campaign: str | None, campaign_key: str | None) -> dict[str, Any]:
    """The fields every document has."""
    return {
        "schema_version": SCHEMA_VERSION,
        "command": command,
        "campaign": campaign,
        "campaign_key": campaign_key,
        "exit_code": exit_code,
        "outcome": OUTCOME_BY_EXIT.get(exit_code, "crashed"),
        "message": "",
        "run_id": None,
        "log_file": None,
        "reports": [],
    }


def reasons_by_code(book: Any, key: str) -> dict[str, int]:
    """The campaign's not-reachable citizens per reason code, from an open ledger."""
    found: dict[str, int] = {}
    for item in book.items(key, states=["not_reachable"]):
        found[item.reason or "unknown"] = found.get(item.reason or "unknown", 0) + 1
    return dict(sorted(found.items()))


def campaign_reasons(ledger: Path, key: str) -> dict[str, int]:
    """`reasons_by_code` for the ledger file at `ledger` (empty when the campaign has never run)."""
    from bot.ledger import Ledger

    if not ledger.exists():
        return {}
    with Ledger.open(ledger, actor="json", run_id="json") as book:
        return reasons_by_code(book, key) if book.campaign(key) else {}


def run_document(summary: Any, *, run_id: str, campaign_key: str, started: datetime, declined: bool) -> dict:
    """`utskick run --json`: what the run did, from its summary."""
    doc = base_document("run", exit_code=summary.exit_code, campaign=summary.campaign, campaign_key=campaign_key)
    if declined:
        doc["outcome"] = "declined"
    doc.update(
        run_id=run_id,
        message=summary.message,
        dry_run=summary.dry_run,
        started_at=started.isoformat(),
        seconds=round(summary.seconds, 3),
        sent_this_run=summary.sent_this_run,
        would_send=summary.would_send,
        not_reachable_this_run=dict(sorted(summary.not_reachable.items())),
        rejected_in_delivery=summary.rejected_in_delivery,
        counts=all_states(summary.counts),
        log_file=_path(summary.log_file),
        artifacts=_path(summary.artifacts),
        reports=[str(p) for p in summary.reports],
    )
    if getattr(summary, "guideline", None) is not None:
        doc["guideline"] = summary.guideline
    return doc


def error_document(
    command: str,
    error: Exception,
    exit_code: int,
    *,
    campaign: str | None = None,
    campaign_key: str | None = None,
    run_id: str | None = None,
    log_file: Path | None = None,
) -> dict:
    """A command refused or stopped before it had a result: the exit code and the Swedish reason."""
    doc = base_document(command, exit_code=exit_code, campaign=campaign, campaign_key=campaign_key)
    doc.update(message=str(error), error=type(error).__name__, run_id=run_id, log_file=_path(log_file))
    return doc


def running_document(note: LockNote | None) -> dict | None:
    """The run holding the campaign's lock (or that died holding it), for `status`."""
    if note is None:
        return None
    return {
        "run_id": note.owner,
        "host": note.host,
        "pid": note.pid,
        "started_at": note.since,
        "heartbeat_at": note.heartbeat,
        "done": note.done,
        "total": note.total,
        "stale": note.process_gone(),
    }
