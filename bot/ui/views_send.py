"""Skicka: start the run in the server, watch it live (server-sent events), Stoppa after the current citizen."""

from __future__ import annotations

import json

from flask import Blueprint, Response, redirect, request, url_for

from bot.errors import UtskickError
from bot.ledger import Ledger
from bot.run.approval import require_approval
from bot.ui import operations
from bot.ui.access import state
from bot.ui.live import snapshot
from bot.ui.pages import campaign_of, render_step, start_from_form, workspace

bp = Blueprint("send", __name__, url_prefix="/kampanj/<slug>")
RETRY_MS = 1000


@bp.route("/skicka", methods=["GET", "POST"])
def send(slug: str):
    """Skicka: the staff-tool password (or the attached SITHS browser), then the run, watched live."""
    ws = workspace(slug)
    jobs = state()["jobs"]
    campaign, refused = campaign_of(ws, "send.send", "send.html")
    if refused:
        return refused
    error = ""
    if request.method == "POST":
        started, error = start_from_form(ws, "run", operations.send, "send.send")
        if started:
            return started
    approval_line = _approval_line(campaign, ws)
    return render_step(
        ws, "send.send", "send.html", status=400 if error else 200, error=error, campaign=campaign,
        job=jobs.latest(slug, "run"), approval_line=approval_line, live=snapshot(ws, jobs.latest(slug, "run")),
    )  # fmt: skip


def _approval_line(campaign, ws) -> str:
    """Whether the run may send, as far as approval goes (the run checks it again itself)."""
    if not campaign.approval_required:
        return "Kampanjen kräver inget godkännande av en andra person."
    if not campaign.ledger.exists():
        return "Kampanjen kräver godkännande av en andra person, och inget finns ännu (Godkännande)."
    key = campaign.key()
    with Ledger.open(campaign.ledger, actor="ui", run_id="ui") as ledger:
        fingerprints = [ws.intake.fingerprint] if ws.intake else [d["fingerprint"] for d in ledger.deliveries(key)]
        try:
            found = require_approval(ledger, campaign, key, fingerprints)
        except UtskickError as e:
            return str(e)
    return "Godkänt: " + "; ".join(a.describe() for a in found) + "."


@bp.post("/stoppa")
def stop(slug: str):
    """Stoppa: the run stops after the current citizen, as SIGTERM does."""
    job = state()["jobs"].running_for(slug)
    if job is not None:
        job.stop()
    return redirect(url_for("send.send", slug=slug))


@bp.get("/handelser")
def events(slug: str):
    """The live view's server-sent events: one JSON snapshot per response, and the browser asks again in a second.

    A held stream would keep one of the server's few threads per open tab; a tab left open (or eight) must not
    freeze the window, so each response ends at once and EventSource reconnects after `retry`.
    """
    ws = workspace(slug)
    kind = request.args.get("jobb", "run")
    if kind not in ("run", "preview", "follow_up"):
        kind = "run"
    job = state()["jobs"].latest(slug, kind)
    body = f"retry: {RETRY_MS}\ndata: {json.dumps(snapshot(ws, job), ensure_ascii=False)}\n\n"
    if job is None or not job.running:
        body += "event: slut\ndata: {}\n\n"
    return Response(body, mimetype="text/event-stream", headers={"X-Accel-Buffering": "no"})
