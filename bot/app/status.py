"""The status use case: the campaign's counts in its ledger, the run in progress (or a stale lock), the last run,
the runners of a shared ledger, and the ledger's other campaigns of the same name."""

from __future__ import annotations

from dataclasses import asdict

from bot.app.documents import all_states, base_document, reasons_by_code, running_document
from bot.config import Campaign
from bot.ledger import Ledger, LockNote, last_run, read_lock_note
from bot.ledger.identity import identify


def campaign_status(campaign: Campaign) -> tuple[dict | None, list[str]]:
    """The campaign's facts in its ledger (None when it never ran with this message) and its identity lines."""
    if not campaign.ledger.exists():
        return None, []
    key = campaign.key()
    with Ledger.open(campaign.ledger, actor="status", run_id="status") as book:
        identity_lines = identify(book, campaign, key).describe()
        if book.campaign(key) is None:
            return None, identity_lines
        note = read_lock_note(campaign.ledger, key)
        facts = {
            "counts": book.counts(key),
            "not_reachable": reasons_by_code(book, key),
            "rejected": sum(1 for _ in book.rejected_rows(key)),
            "note": note,
            "last_run": last_run(book, key, running=_live_owner(note)),
            "runners": book.runners(key) if book.shared_runners else [],
            "tool_clock": book.tool_clock(key),
        }
    return facts, identity_lines


def status_document(campaign: Campaign, facts: dict | None, identity_lines: list[str]) -> dict:
    """`utskick status --json`: the counts, the run in progress, the last run, the runners, the same-named."""
    key = campaign.key()
    doc = base_document("status", exit_code=0, campaign=campaign.name, campaign_key=key)
    facts = facts or {"counts": {}, "not_reachable": {}, "rejected": 0, "note": None, "last_run": None, "runners": []}
    doc.update(
        ledger=str(campaign.ledger),
        counts=all_states(facts["counts"]),
        not_reachable=facts["not_reachable"],
        rejected_rows=facts["rejected"],
        running=running_document(facts["note"]),
        last_run=facts["last_run"],
        same_name=identity_lines,
        runners=[asdict(r) for r in facts["runners"]],
        tool_clock=facts["tool_clock"].as_json(campaign.reconcile_clock_skew_s) if facts.get("tool_clock") else None,
    )
    if facts["note"] is None and facts["last_run"] is None and not any(facts["counts"].values()):
        doc["message"] = "Kampanjen har inte körts ännu."
    return doc


def _live_owner(note: LockNote | None) -> str | None:
    """The run id of a holder that is alive (its run is not 'the last run', it is running)."""
    return note.owner if note is not None and not note.process_gone() else None
