"""Skicka: start the run in the server, watch it live (server-sent events), Stoppa after the current citizen."""

from __future__ import annotations

import json

from flask import Blueprint, Response, redirect, request, url_for

from bot.app.approve import approval_line as approval_line_of
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
    approval_line = approval_line_of(campaign, ws.intake)
    return render_step(
        ws, "send.send", "send.html", status=400 if error else 200, error=error, campaign=campaign,
        job=jobs.latest(slug, "run"), approval_line=approval_line, live=snapshot(ws, jobs.latest(slug, "run")),
    )  # fmt: skip


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
