"""JSON endpoints the wizard pages call with fetch: recipient rows (with the delayed check) and attachments."""

from __future__ import annotations

from pathlib import PurePosixPath

from flask import Blueprint, abort, current_app, g, get_template_attribute, jsonify, make_response, request

from mock_personalverktyg import attachments
from mock_personalverktyg.models import Attachment, Draft, Recipient
from mock_personalverktyg.pnr import display
from mock_personalverktyg.security import scope_to_unit, state
from mock_personalverktyg.store import Refused

bp = Blueprint("api", __name__, url_prefix="/api/enhet/<unit_id>/utkast/<draft_id>")
scope_to_unit(bp)

ALREADY_SENT = "Utskicket är redan skickat"


def find_draft(draft_id: str, allow_sent: bool = False) -> Draft:
    """The user's draft in the request's unit: 404 when there is none, 409 once sent unless `allow_sent`."""
    draft = state().draft(draft_id, g.unit.id, g.user.hsa_id)
    if draft is None:
        abort(404)
    if draft.receipt is not None and not allow_sent:
        abort(make_response(jsonify(error=ALREADY_SENT, sent=True), 409))
    return draft


def row_fields(row: Recipient) -> dict:
    """A recipient row as data: status pending/ok/error, the check's code and texts."""
    result = row.result
    return {
        "pnr": row.pnr,
        "display": display(row.pnr),
        "status": "pending" if result is None else "ok" if result.ok else "error",
        "code": None if result is None else result.code,
        "texts": [] if result is None else list(result.texts),
    }


def row_json(row: Recipient) -> dict:
    """A recipient row for the page, with its HTML."""
    return {**row_fields(row), "html": str(get_template_attribute("_rows.html", "recipient_row")(row))}


def attachment_json(att: Attachment) -> dict:
    """An attachment for the page, with its HTML row."""
    return {**att.as_json(), "id": att.id, "html": str(get_template_attribute("_rows.html", "attachment_row")(att))}


@bp.get("/mottagare")
def list_recipients(draft_id: str):
    """Every row; the page polls this while checks are running."""
    rows = state().recipients(find_draft(draft_id))
    return jsonify(rows=[row_json(r) for r in rows], pending=sum(r.result is None for r in rows))


@bp.post("/mottagare")
def add_recipient(draft_id: str):
    """Lägg till: refuse bad input at once, else add a row whose check completes after CHECK_DELAY_MS."""
    draft = find_draft(draft_id)
    body = request.get_json(silent=True) or request.form
    try:
        row = state().add_recipient(draft, str(body.get("pnr", "")), current_app.config["CHECK_DELAY_MS"] / 1000)
    except Refused as err:
        return jsonify(error=str(err)), 400
    return jsonify(row=row_json(row)), 201


@bp.delete("/mottagare/<pnr12>")
def remove_recipient(draft_id: str, pnr12: str):
    """Ta bort a row."""
    if not state().remove_recipient(find_draft(draft_id), pnr12):
        abort(404)
    return jsonify(removed=pnr12)


def upload_attachment(draft: Draft) -> Attachment | str:
    """Attach the request's multipart file `fil` after the content and size checks; the refusal text otherwise."""
    upload = request.files.get("fil")
    name = PurePosixPath((upload.filename or "").replace("\\", "/")).name if upload else ""
    content = upload.read() if upload else b""
    problem = attachments.refusal(name, content, current_app.config["MAX_ATTACHMENT_BYTES"])
    return problem if problem else state().add_attachment(draft, name, content)


@bp.post("/bilagor")
def add_attachment(draft_id: str):
    """Bifoga fil: upload one file (multipart field `fil`), checked by content and size."""
    added = upload_attachment(find_draft(draft_id))
    if isinstance(added, str):
        return jsonify(error=added), 400
    return jsonify(attachment=attachment_json(added)), 201


@bp.delete("/bilagor/<att_id>")
def remove_attachment(draft_id: str, att_id: str):
    """Ta bort an attachment."""
    if not state().remove_attachment(find_draft(draft_id), att_id):
        abort(404)
    return jsonify(removed=att_id)
