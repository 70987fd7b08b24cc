"""The single-page skin's JSON API for one unit: Mina ärenden, the Skicka ärende wizard, Mottagningens ärenden.

Every rule comes from the classic skin's modules (store, arenden, api, mottagning); this module only turns them
into JSON. Errors answer `{"error": <Swedish text>}` (and `field` when a form field is at fault).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, jsonify, request

from mock_personalverktyg.api import find_draft, row_fields, upload_attachment
from mock_personalverktyg.arenden import message_problem, poll_ms, recipients_problem, send_draft
from mock_personalverktyg.errors import error_page
from mock_personalverktyg.models import CITIZEN, NEW_FROM_CITIZEN, STAFF, Arende, Draft, Receipt
from mock_personalverktyg.mottagning import KINDS, STATUSES, search
from mock_personalverktyg.pnr import display
from mock_personalverktyg.security import scope_to_unit, state
from mock_personalverktyg.store import MAX_RECIPIENTS, Refused

bp = Blueprint("spa_api", __name__, url_prefix="/api/spa/enhet/<unit_id>")
scope_to_unit(bp)

NO_TEMPLATE = "Välj en mall"
SENT_AT_FORMAT = "%Y-%m-%d kl. %H:%M:%S"


def _arende(a: Arende) -> dict:
    return {
        "arende_id": a.arende_id,
        "pnr": a.pnr,
        "display": display(a.pnr),
        "subject": a.subject,
        "sent_at": state().faults.clock.show(a.sent_at, SENT_AT_FORMAT),
        "sent_at_short": state().faults.clock.show_short(a.sent_at),
        "sent_by": a.sent_by_name,
        "status": a.status,
    }


def _receipt(draft: Draft, receipt: Receipt) -> dict:
    return {
        "subject": draft.subject,
        "sent": [{"pnr": p, "display": display(p), "arende_id": a} for p, a in receipt.sent],
        "refused": [{"pnr": p, "display": display(p), "reason": r} for p, r in receipt.refused],
    }


def _body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


@bp.get("/mina-arenden")
def mine():
    """Mina ärenden: the user's 20 latest ärenden sent from this unit."""
    sent = state().query(g.unit.id, kind=STAFF, sent_by=g.user.hsa_id)[:20]
    return jsonify(unit={"id": g.unit.id, "name": g.unit.name}, arenden=[_arende(a) for a in sent])


@bp.get("/mallar")
def templates():
    """Step 1's choices: the unit's active templates."""
    found = state().unit_templates(g.unit.id, active_only=True)
    return jsonify(mallar=[{"id": t.id, "name": t.name} for t in found])


@bp.post("/utkast")
def create_draft():
    """Gå vidare: start a send with the chosen template."""
    template = state().template(g.unit.id, str(_body().get("mall", "")))
    if template is None or not template.active:
        return jsonify(error=NO_TEMPLATE, field="mall"), 400
    draft = state().create_draft(g.unit.id, g.user.hsa_id, template)
    return jsonify(id=draft.id), 201


@bp.get("/utkast/<draft_id>")
def get_draft(draft_id: str):
    """Everything steps 2 and 3 show; `sent` is true once Skicka has produced a receipt."""
    draft = find_draft(draft_id, allow_sent=True)
    template = state().template(g.unit.id, draft.template_id)
    rows = state().recipients(draft)
    return jsonify(
        id=draft.id,
        sent=draft.receipt is not None,
        template=template.name if template else "",
        subject=draft.subject,
        text=draft.text,
        texts=[{"name": n, "text": t} for n, t in (template.texts if template else [])],
        instruction=template.instruction if template else "",
        recipients=[row_fields(r) for r in rows],
        problem=recipients_problem(rows),
        poll_ms=poll_ms(),
        attachments=[{"id": a.id, **a.as_json()} for a in draft.attachments],
        signature=state().signatures.get(g.user.hsa_id, ""),
        form_token=draft.form_token,
        max_recipients=MAX_RECIPIENTS,
    )


@bp.get("/utkast/<draft_id>/mottagare")
def list_recipients(draft_id: str):
    """Every row with its check; the page polls this while a check runs."""
    rows = state().recipients(find_draft(draft_id))
    pending = sum(r.result is None for r in rows)
    return jsonify(rows=[row_fields(r) for r in rows], pending=pending, problem=recipients_problem(rows))


@bp.post("/utkast/<draft_id>/mottagare")
def add_recipient(draft_id: str):
    """Lägg till: refuse bad input at once, else a row whose check completes after CHECK_DELAY_MS."""
    draft = find_draft(draft_id)
    try:
        row = state().add_recipient(draft, str(_body().get("pnr", "")), current_app.config["CHECK_DELAY_MS"] / 1000)
    except Refused as err:
        return jsonify(error=str(err), field="pnr"), 400
    return jsonify(row=row_fields(row)), 201


@bp.delete("/utkast/<draft_id>/mottagare/<pnr12>")
def remove_recipient(draft_id: str, pnr12: str):
    """Ta bort a row."""
    if not state().remove_recipient(find_draft(draft_id), pnr12):
        abort(404)
    return jsonify(removed=pnr12)


@bp.post("/utkast/<draft_id>/nasta")
def next_step(draft_id: str):
    """Nästa: allowed only when every row is checked and reachable."""
    problem = recipients_problem(state().recipients(find_draft(draft_id)))
    if problem:
        return jsonify(error=problem), 400
    return jsonify(ok=True)


@bp.post("/utkast/<draft_id>/bilagor")
def add_attachment(draft_id: str):
    """Bifoga fil: one multipart file `fil`, checked by content and size."""
    added = upload_attachment(find_draft(draft_id))
    if isinstance(added, str):
        return jsonify(error=added), 400
    return jsonify(attachment={"id": added.id, **added.as_json()}), 201


@bp.delete("/utkast/<draft_id>/bilagor/<att_id>")
def remove_attachment(draft_id: str, att_id: str):
    """Ta bort an attachment."""
    if not state().remove_attachment(find_draft(draft_id), att_id):
        abort(404)
    return jsonify(removed=att_id)


@bp.put("/utkast/<draft_id>/text")
def save_text(draft_id: str):
    """Keep Rubrik and Meddelande (Tillbaka, and before Skicka)."""
    body = _body()
    state().save_text(find_draft(draft_id), _subject(body), _text(body))
    return jsonify(ok=True)


def _subject(body: dict) -> str:
    return str(body.get("rubrik", "")).strip()


def _text(body: dict) -> str:
    return str(body.get("meddelande", "")).replace("\r\n", "\n").strip()


@bp.post("/utkast/<draft_id>/skicka")
def send(draft_id: str):
    """Skicka (the dialog's button): re-check, record one ärende per reachable recipient, answer the receipt."""
    draft = find_draft(draft_id, allow_sent=True)
    if draft.receipt is None:
        body = _body()
        state().save_text(draft, _subject(body), _text(body))
        problem = message_problem(draft, draft.subject, draft.text)
        if problem:
            return jsonify(error=problem[1], field=problem[0]), 400
        try:
            dropped = send_draft(draft, str(body.get("form_token", "")))
        except Refused as err:
            return jsonify(error=str(err)), 400
        if dropped:
            return error_page(504)
    return jsonify(_receipt(draft, draft.receipt))


@bp.get("/utkast/<draft_id>/kvitto")
def receipt(draft_id: str):
    """The receipt of a sent draft (409 before Skicka)."""
    draft = find_draft(draft_id, allow_sent=True)
    if draft.receipt is None:
        return jsonify(error="Ärendet är inte skickat ännu"), 409
    return jsonify(_receipt(draft, draft.receipt))


@bp.get("/arenden")
def cases():
    """Mottagningens ärenden: `vy=nya` (the default tab) or `vy=alla` with filters and `sida`; no date filters."""
    if request.args.get("vy", "nya") == "nya":
        found = state().query(g.unit.id, kind=CITIZEN, status=NEW_FROM_CITIZEN)
        return jsonify(arenden=[_arende(a) for a in found], total=len(found))
    result = search(g.unit.id, request.args, request.args.get("sida", 1, type=int), date_filters=False)
    return jsonify(
        arenden=[_arende(a) for a in result["arenden"]],
        errors=result["errors"],
        total=result["total"],
        page=result["page"],
        pages=result["pages"],
        first=result["first"],
        filters={k: result["args"][k] for k in ("arendetyp", "status", "personnummer")},
        kinds=[{"value": v, "text": t} for v, (t, _) in KINDS.items()],
        statuses=[{"value": v, "text": t} for v, (t, _) in STATUSES.items()],
    )
