"""Leverans, Förhandsgranskning and Godkännande: choose and check the delivery, see the message as the staff tool
composes it, and let a second person approve it."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from werkzeug.utils import secure_filename

from bot.app.approve import describe_for_approval
from bot.app.validate import REASON_LABELS_SV
from bot.errors import UtskickError
from bot.guideline import check as check_guideline
from bot.ui import operations
from bot.ui.access import state
from bot.ui.pages import campaign_of, render_step, start_from_form, workspace

bp = Blueprint("steps", __name__, url_prefix="/kampanj/<slug>")


@bp.get("/")
def overview(slug: str):
    """A campaign opens on its first step."""
    return redirect(url_for("steps.delivery", slug=slug))


@bp.route("/leverans", methods=["GET", "POST"])
def delivery(slug: str):
    """Leverans: a path on this computer or an upload, the archive's password (memory only), the check."""
    ws = workspace(slug)
    if request.method == "GET":
        return _delivery_page(ws)
    upload = request.files.get("fil")
    path_text = request.form.get("sokvag", "").strip()
    password = request.form.get("losenord", "")
    try:
        if upload is not None and upload.filename:
            folder = ws.new_upload_dir()
            target = folder / (secure_filename(upload.filename) or "leverans")
            upload.save(target)
        elif path_text:
            ws.forget_delivery()
            target = Path(path_text).expanduser()
        else:
            return _delivery_page(
                ws, error="Ange sökvägen till leveransen eller välj en fil att ladda upp.", status=400
            )
        operations.choose_delivery(ws, target, password)
    except UtskickError as e:
        ws.forget_delivery()
        return _delivery_page(ws, error=str(e), status=400)
    flash("Leveransen är kontrollerad.")
    return redirect(url_for("steps.delivery", slug=slug))


def _delivery_page(ws, error: str = "", status: int = 200):
    try:
        campaign = ws.campaign()
    except UtskickError as e:
        return render_step(ws, "steps.delivery", "delivery.html", status=400, error=str(e), campaign=None)
    return render_step(
        ws, "steps.delivery", "delivery.html", status=status, error=error, campaign=campaign, reasons=REASON_LABELS_SV
    )


@bp.route("/forhandsgranskning", methods=["GET", "POST"])
def preview(slug: str):
    """Förhandsgranskning: the dry pass with the first citizen, composed text and the masked step 3."""
    ws = workspace(slug)
    campaign, refused = campaign_of(ws, "steps.preview", "preview.html")
    if refused:
        return refused
    error = ""
    if request.method == "POST":
        if ws.intake is None:
            error = "Välj och kontrollera leveransen först (Leverans)."
        else:
            started, error = start_from_form(ws, "preview", operations.preview, "steps.preview")
            if started:
                return started
    job = state()["jobs"].latest(slug, "preview")
    stale = ws.preview is not None and ws.preview.key != campaign.key()
    guideline = check_guideline(campaign, ws.preview.text if ws.preview and not stale else None)
    return render_step(
        ws, "steps.preview", "preview.html", status=400 if error else 200, error=error, campaign=campaign,
        job=job, stale=stale, guideline=guideline,
    )  # fmt: skip


@bp.get("/forhandsgranskning/bild")
def preview_image(slug: str):
    """The masked screenshot of step 3 (only to the window's session)."""
    ws = workspace(slug)
    if ws.preview is None or ws.preview.screenshot is None or not ws.preview.screenshot.exists():
        abort(404, "Ingen förhandsgranskning ännu.")
    return send_file(ws.preview.screenshot, mimetype="image/png", max_age=0)


@bp.route("/godkannande", methods=["GET", "POST"])
def approval(slug: str):
    """Godkännande: a second person, with name and HSA-id, approves this exact message for this delivery."""
    ws = workspace(slug)
    campaign, refused = campaign_of(ws, "steps.approval", "approval.html")
    if refused:
        return refused
    error = ""
    if request.method == "POST":
        if request.form.get("granskat") != "ja":
            error = "Kryssa i att du har granskat meddelandet och leveransen."
        elif request.form.get("riktlinje") != "ja":
            error = "Kryssa i att du har gått igenom riktlinjens punkter."
        else:
            try:
                given = operations.approve(ws, request.form.get("namn", ""), request.form.get("hsa_id", ""))
                flash(f"Godkänt: {given.describe()}.")
                return redirect(url_for("steps.approval", slug=slug))
            except UtskickError as e:
                error = str(e)
    key = campaign.key()
    given = operations.approvals(campaign)
    covers = ws.intake is not None and any(a.fingerprint == ws.intake.fingerprint for a in given)
    facts = describe_for_approval(campaign, key, ws.intake) if ws.intake is not None else ""
    return render_step(
        ws, "steps.approval", "approval.html", status=400 if error else 200, error=error, campaign=campaign,
        approvals=given, covers=covers, facts=facts,
        guideline=check_guideline(campaign, ws.preview.text if ws.preview and ws.preview.key == key else None),
        values={"namn": request.form.get("namn", ""), "hsa_id": request.form.get("hsa_id", "")},
    )  # fmt: skip
