"""QA API under /__qa__/ (registered only when QA_ENABLED): reset, citizens, sent ärenden, reads, faults."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, jsonify, make_response, request

from mock_personalverktyg import faults
from mock_personalverktyg.citizens import SEED_STATES, check
from mock_personalverktyg.faults import Faults
from mock_personalverktyg.pnr import Pnr, PnrRefused, parse
from mock_personalverktyg.security import state

bp = Blueprint("qa", __name__, url_prefix="/__qa__")


def _bad(message: str, code: int = 400):
    return jsonify(error=message), code


def _pnr(raw: str) -> Pnr:
    try:
        return parse(raw)
    except PnrRefused as err:
        abort(make_response(_bad(str(err))))


def _citizen_json(pnr: Pnr) -> dict:
    current = state().citizen(pnr.digits)
    result = check(pnr, current)
    return {
        "pnr": pnr.digits,
        **current.as_json(),
        "listed": pnr.digits in state().numbers,
        "samordningsnummer": pnr.is_samordningsnummer,
        "check": {"code": result.code, "texts": list(result.texts)},
    }


@bp.post("/reset")
def reset():
    """Back to the seed: citizens, ärenden, drafts, templates, signatures and faults."""
    state().reset()
    return jsonify(ok=True)


@bp.get("/citizens")
def find_citizens():
    """Listed numbers in a seeded state: `?state=locked&limit=5` (states: see citizens.py)."""
    kind = request.args.get("state", "ok")
    if kind not in SEED_STATES:
        return _bad(f"state måste vara en av {SEED_STATES}")
    limit = min(max(request.args.get("limit", 10, type=int), 1), 1000)
    return jsonify(state=kind, pnr=state().find_citizens(kind, limit))


@bp.get("/citizens/<raw>")
def get_citizen(raw: str):
    """A citizen's current state and what the recipient check would say."""
    return jsonify(_citizen_json(_pnr(raw)))


@bp.put("/citizens/<raw>")
def put_citizen(raw: str):
    """Change a citizen's state; partial bodies allowed."""
    pnr = _pnr(raw)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _bad("kroppen måste vara ett JSON-objekt")
    try:
        state().update_citizen(pnr.digits, body)
    except ValueError as err:
        return _bad(str(err))
    return jsonify(_citizen_json(pnr))


@bp.get("/sent")
def sent():
    """Every ärende sent by staff, oldest first."""
    return jsonify([a.as_json() for a in state().sent_by_staff()])


@bp.post("/arenden")
def add_arende():
    """Seed a staff-sent ärende: `{"pnr", "unit", "subject", "sent_by", "sent_at" (ISO 8601 with offset, or now)}`."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _bad("kroppen måste vara ett JSON-objekt")
    unknown = set(body) - {"pnr", "unit", "subject", "sent_by", "sent_at"}
    if unknown:
        return _bad(f"okända fält: {sorted(unknown)}")
    pnr = _pnr(str(body.get("pnr", "")))
    seed = state().seed
    unit, sent_by, subject = body.get("unit"), body.get("sent_by"), body.get("subject")
    if unit not in seed.units:
        return _bad(f"unit måste vara en av {sorted(seed.units)}")
    if sent_by not in seed.users or unit not in seed.users[sent_by].units:
        return _bad("sent_by måste vara HSA-id för en användare med behörighet till enheten")
    if not isinstance(subject, str) or not subject.strip():
        return _bad("subject måste vara en icke-tom text")
    try:
        when = dt.datetime.fromisoformat(body["sent_at"]) if body.get("sent_at") else None
    except (TypeError, ValueError):
        return _bad("sent_at måste vara en tid i ISO 8601")
    if when is not None and when.tzinfo is None:
        return _bad("sent_at måste ha en tidszon, t.ex. 2026-12-03T14:05:00+01:00")
    sent_at = when.timestamp() if when else state().clock()
    arende = state().add_sent_arende(pnr.digits, unit, subject, sent_at, sent_by)
    return jsonify(arende.as_json()), 201


@bp.post("/read/<arende_id>")
def read(arende_id: str):
    """The citizen opens the ärende: status becomes Läst av invånare."""
    arende = state().mark_read(arende_id)
    if arende is None:
        return _bad("ärendet finns inte", 404)
    return jsonify(arende.as_json())


@bp.post("/sessions/expire")
def expire_sessions():
    """Every session logged in so far expires now (as after the tool's inactivity timeout): the next request
    of each finds itself logged out."""
    with state().lock:
        state().session_epoch += 1
    return jsonify(ok=True)


@bp.get("/faults")
def get_faults():
    """The active faults."""
    return jsonify(state().faults.as_json())


@bp.put("/faults")
def put_faults():
    """Replace the active faults (`{}` clears them)."""
    body = request.get_json(silent=True) if request.get_data() else {}
    try:
        new = Faults(faults.validate(body))
    except ValueError as err:
        return _bad(str(err))
    with state().lock:
        state().faults = new
    return jsonify(new.as_json())
