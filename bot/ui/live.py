"""The live view's facts, as one JSON-friendly snapshot: counts by state from the ledger, pace, time left, and
the latest events in Swedish (ledger row ids, never a personnummer)."""

from __future__ import annotations

import json
from datetime import datetime

from bot.errors import ConfigError
from bot.ledger import Ledger
from bot.summary import STATES_SV, reason_sv
from bot.ui.jobs import Job
from bot.ui.workspace import Workspace

RECENT = 8
EVENTS_SV = {
    "claimed": "skickas",
    "sent": "skickat",
    "resolved_as_sent": "skickat (hittat i Alla ärenden)",
    "not_reachable": "kan inte nås",
    "failed": "misslyckades (systemfel)",
    "marked_in_doubt": "osäkert, kontrolleras i Alla ärenden",
    "resolved_as_not_sent": "inte skickat, försöks igen",
    "released_before_click": "försöks igen",
}


def snapshot(ws: Workspace, job: Job | None) -> dict:
    """What the tab shows now."""
    counts, recent = _from_ledger(ws)
    rate, left = job.pace() if job is not None else (None, None)
    return {
        "state": "none" if job is None else job.state,
        "running": bool(job and job.running),
        "done": job.done if job else 0,
        "total": job.total if job else None,
        "counts": [[STATES_SV.get(s, s), n] for s, n in counts.items() if n],
        "rate": f"{rate:.0f} per minut" if rate is not None else "–",
        "left": _duration(left) if left is not None else "–",
        "notes": sorted([*(job.notes if job else []), *recent], reverse=True)[:RECENT],
        "events": [],
        "message": job.message if job and not job.running else "",
        "exit_code": job.exit_code if job else None,
        "stop_asked": bool(job and job.stop_asked),
    }


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def _from_ledger(ws: Workspace) -> tuple[dict[str, int], list[str]]:
    try:
        campaign = ws.campaign()
    except ConfigError:
        return {}, []
    if not campaign.ledger.exists():
        return {}, []
    key = campaign.key()
    with Ledger.open(campaign.ledger, actor="ui", run_id="ui") as ledger:
        if ledger.campaign(key) is None:
            return {}, []
        rows = ledger.connection().execute(
            "SELECT at, item_id, event, detail FROM events WHERE campaign_key = ? AND item_id IS NOT NULL"
            " AND event != 'item_added' ORDER BY id DESC LIMIT ?",
            (key, RECENT),
        )
        recent = [_line(*row) for row in rows]
        return ledger.counts(key), recent


def _line(at: str, item_id: int, event: str, detail: str | None) -> str:
    facts = json.loads(detail or "{}")
    what = EVENTS_SV.get(event, event)
    if event == "not_reachable" and facts.get("reason"):
        what += f" ({reason_sv(facts['reason'])})"
    if facts.get("arende_id"):
        what += f", ärende {facts['arende_id']}"
    local = datetime.fromisoformat(at).astimezone().strftime("%H:%M:%S")
    return f"{local} rad {item_id}: {what}"
