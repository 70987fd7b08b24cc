"""Resultat: the summary, the three reports (only to the window's session) and Följ upp."""

from __future__ import annotations

from flask import Blueprint, abort, request, send_file

from bot.app.report import campaign_report_folder
from bot.ui import operations
from bot.ui.access import state
from bot.ui.live import snapshot
from bot.ui.pages import campaign_of, render_step, start_from_form, workspace

bp = Blueprint("result", __name__, url_prefix="/kampanj/<slug>")
KINDS = {
    ".xlsx": "Rapport till beställaren (xlsx, med personnummer)",
    ".html": "Sammanfattning (html, utan personnummer)",
    ".csv": "Journalexport (csv, med personnummer)",
}


def _reports(ws, campaign) -> list:
    folder = campaign_report_folder(campaign)
    found = [p for p in sorted(folder.glob("*")) if p.is_file() and p.suffix in KINDS] if folder.is_dir() else []
    if not found:
        found = operations.report(ws)
    return found


@bp.route("/resultat", methods=["GET", "POST"])
def result(slug: str):
    """Resultat: what the last run did, the reports, and Följ upp (reads Läst / Oläst and writes them again)."""
    ws = workspace(slug)
    jobs = state()["jobs"]
    campaign, refused = campaign_of(ws, "result.result", "result.html")
    if refused:
        return refused
    error = ""
    if request.method == "POST":
        started, error = start_from_form(ws, "follow_up", operations.follow_up, "result.result")
        if started:
            return started
    reports = [(p.name, KINDS[p.suffix]) for p in _reports(ws, campaign)]
    return render_step(
        ws, "result.result", "result.html", status=400 if error else 200, error=error, campaign=campaign,
        run=jobs.latest(slug, "run"), follow=jobs.latest(slug, "follow_up"), reports=reports,
        live=snapshot(ws, None),
    )  # fmt: skip


@bp.get("/rapport/<name>")
def report(slug: str, name: str):
    """One of the campaign's reports, as a download (only names the report folder holds)."""
    ws = workspace(slug)
    campaign = ws.campaign()
    folder = campaign_report_folder(campaign)
    by_name = {p.name: p for p in folder.glob("*") if p.is_file() and p.suffix in KINDS} if folder.is_dir() else {}
    if name not in by_name:
        abort(404, "Rapporten finns inte.")
    return send_file(by_name[name], as_attachment=True, download_name=name, max_age=0)
