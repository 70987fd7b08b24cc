"""Mina ärenden and the Skicka ärende wizard: Välj mall → mottagare → meddelande → Skicka → kvitto."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from mock_personalverktyg.errors import error_page
from mock_personalverktyg.models import STAFF, Draft
from mock_personalverktyg.security import scope_to_unit, state
from mock_personalverktyg.store import Refused

bp = Blueprint("arenden", __name__, url_prefix="/enhet/<unit_id>")
scope_to_unit(bp)

EMPTY_LIST = "Lägg till minst en mottagare innan du går vidare"
PENDING = "Vänta tills kontrollen av alla mottagare är klar"
HAS_ERRORS = "Ta bort mottagare som inte kan ta emot ärenden innan du går vidare"
NO_SUBJECT = "Ange en rubrik"
NO_TEXT = "Skriv ett meddelande innan du skickar"
NO_RECIPIENTS = "Utskicket har inga mottagare. Gå tillbaka och lägg till mottagare."


def _draft(draft_id: str) -> Draft:
    draft = state().draft(draft_id, g.unit.id, g.user.hsa_id)
    if draft is None:
        abort(404)
    return draft


def poll_ms() -> int:
    """How often a page asks for the recipient checks while one runs."""
    return max(50, min(250, current_app.config["CHECK_DELAY_MS"] // 2 or 50))


def recipients_problem(rows: list) -> str | None:
    """Why Nästa cannot go on from the recipient list, or None when every row is checked and reachable."""
    if not rows:
        return EMPTY_LIST
    if any(r.result is None for r in rows):
        return PENDING
    if any(not r.result.ok for r in rows):
        return HAS_ERRORS
    return None


def message_problem(draft: Draft, subject: str, text: str) -> tuple[str, str] | None:
    """(field, message) saying why Skicka cannot send the message, or None; field is rubrik, meddelande or ''."""
    if not subject:
        return "rubrik", NO_SUBJECT
    if not text:
        return "meddelande", NO_TEXT
    if not draft.recipients:
        return "", NO_RECIPIENTS
    return None


def send_draft(draft: Draft, token: str) -> bool:
    """Skicka: re-check and record the ärenden; True when the answer is lost (drop_after_send_rate).

    Raises `Refused` for a stale form token. A repeated Skicka of the same draft records nothing new.
    """
    _, created = state().send(draft, token, g.user.hsa_id, g.user.name)
    return created and state().faults.roll("drop_after_send_rate")


@bp.get("/")
def home():
    """A unit's start page is Mina ärenden."""
    return redirect(url_for("arenden.mine"))


@bp.get("/mina-arenden")
def mine():
    """Mina ärenden: the user's recently sent ärenden in this unit."""
    sent = state().query(g.unit.id, kind=STAFF, sent_by=g.user.hsa_id)[:20]
    return render_template("mine.html", arenden=sent)


@bp.route("/skicka-arende", methods=["GET", "POST"])
def choose_template():
    """Step 1: choose one of the unit's active templates."""
    templates = state().unit_templates(g.unit.id, active_only=True)
    error = None
    if request.method == "POST":
        template = state().template(g.unit.id, request.form.get("mall", ""))
        if template is not None and template.active:
            draft = state().create_draft(g.unit.id, g.user.hsa_id, template)
            return redirect(url_for("arenden.recipients", draft_id=draft.id))
        error = "Välj en mall"
    return render_template("step1.html", templates=templates, error=error)


@bp.route("/utkast/<draft_id>/mottagare", methods=["GET", "POST"])
def recipients(draft_id: str):
    """Step 2: the recipient list (rows are added by fetch); POST is Nästa."""
    draft = _draft(draft_id)
    if draft.receipt is not None:
        return redirect(url_for("arenden.receipt", draft_id=draft.id))
    rows = state().recipients(draft)
    error = None
    if request.method == "POST":
        error = recipients_problem(rows)
        if error is None:
            return redirect(url_for("arenden.message", draft_id=draft.id))
    return render_template(
        "step2.html",
        draft=draft,
        rows=rows,
        error=error,
        poll_ms=poll_ms(),
    )


def _render_message(draft: Draft, error: str | None = None):
    template = state().template(g.unit.id, draft.template_id)
    return render_template(
        "step3.html",
        draft=draft,
        texts=template.texts if template else [],
        instruction=template.instruction if template else "",
        attachments=list(draft.attachments),
        signature=state().signatures.get(g.user.hsa_id, ""),
        count=len(draft.recipients),
        error=error,
    )


@bp.route("/utkast/<draft_id>/meddelande", methods=["GET", "POST"])
def message(draft_id: str):
    """Step 3: subject, message, template texts, attachments; POST is Skicka (or Tillbaka)."""
    draft = _draft(draft_id)
    if draft.receipt is not None:  # a repeated Skicka shows the receipt it already produced
        return redirect(url_for("arenden.receipt", draft_id=draft.id), code=303)
    if request.method == "GET":
        return _render_message(draft)
    subject = request.form.get("rubrik", "").strip()
    text = request.form.get("meddelande", "").replace("\r\n", "\n").strip()
    state().save_text(draft, subject, text)
    if request.form.get("action") == "tillbaka":
        return redirect(url_for("arenden.recipients", draft_id=draft.id))
    problem = message_problem(draft, subject, text)
    if problem:
        return _render_message(draft, problem[1]), 400
    try:
        dropped = send_draft(draft, request.form.get("form_token", ""))
    except Refused:
        abort(400)
    if dropped:
        return error_page(504)
    return redirect(url_for("arenden.receipt", draft_id=draft.id), code=303)


@bp.get("/utkast/<draft_id>/kvitto")
def receipt(draft_id: str):
    """The receipt: one ärende-id per recipient, and those not sent with the reason."""
    draft = _draft(draft_id)
    if draft.receipt is None:
        return redirect(url_for("arenden.message", draft_id=draft.id))
    return render_template("receipt.html", draft=draft, receipt=draft.receipt)
