"""The single-page skin's shell and its unit-less JSON: who is logged in, the units, the signature.

The shell is one HTML page; everything after the login is rendered by `static/spa/*.js` from the JSON API
(`spa_api.py`). Faults, login, inactivity timeout (401 JSON) and CSRF (header `X-CSRFToken`) come from
`security.guard_request`, as for the classic pages.
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify, render_template, request

from mock_personalverktyg.security import csrf_token, state

bp = Blueprint("spa", __name__)
# The unit-less JSON, apart from the shell: the modern skin serves it under its own page.
api_bp = Blueprint("spa_session", __name__)

SIGNATURE_SAVED = "Signaturen är sparad"


@bp.get("/app/")
def shell():
    """The one page of the single-page skin; its hash route says which screen to render."""
    return render_template("spa.html")


@api_bp.get("/api/spa/session")
def session_info():
    """The logged-in user, the units they may work for, and the CSRF token for the header."""
    user = g.user
    units = [state().seed.units[u] for u in user.units if u in state().seed.units]
    return jsonify(
        user={"hsa_id": user.hsa_id, "name": user.name, "role": user.role},
        units=[{"id": u.id, "name": u.name} for u in units],
        csrf=csrf_token(),
    )


@api_bp.get("/api/spa/installningar")
def settings():
    """Personliga inställningar: the signature shown under every message."""
    return jsonify(signature=state().signatures.get(g.user.hsa_id, ""))


@api_bp.put("/api/spa/installningar")
def save_settings():
    """Save the signature."""
    body = request.get_json(silent=True) or {}
    signature = str(body.get("signature", "")).strip()
    with state().lock:
        state().signatures[g.user.hsa_id] = signature
    return jsonify(signature=signature, message=SIGNATURE_SAVED)
