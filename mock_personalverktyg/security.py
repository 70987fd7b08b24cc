"""Request guards: fault injection, login and inactivity timeout, CSRF, unit permission."""

from __future__ import annotations

import hmac
import secrets

from flask import Blueprint, Flask, abort, current_app, g, jsonify, redirect, request, session, url_for

from mock_personalverktyg.models import Unit, User
from mock_personalverktyg.pnr import display
from mock_personalverktyg.store import MockState

PUBLIC_ENDPOINTS = {"auth.login", "static", "portal.portal"}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
EXPIRED_MESSAGE = "Din session har gått ut. Logga in igen."


def state() -> MockState:
    """The app's mock state."""
    return current_app.extensions["personalverktyg"]


def now() -> float:
    """The app's clock (injectable as `CLOCK` so tests never sleep)."""
    return current_app.config["CLOCK"]()


def is_api() -> bool:
    """True for the JSON endpoints the pages call with fetch."""
    return request.path.startswith("/api/")


def csrf_token() -> str:
    """The session's CSRF token, created on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def log_in(user: User) -> None:
    """Start a fresh session for the user, keeping the CSRF token of the login form."""
    token = csrf_token()
    session.clear()
    session.update(csrf=token, user=user.hsa_id, last_seen=now(), epoch=state().session_epoch)


def _expire() -> None:
    token = session.get("csrf")
    session.clear()
    session["expired"] = True
    if token:
        session["csrf"] = token


def _inject_faults():
    faults = state().faults
    delay = faults.latency_s()
    if delay:
        current_app.config["SLEEP"](delay)
    if faults.roll("error_rate"):
        abort(500)


def _load_user():
    g.user = None
    hsa_id = session.get("user")
    expired = False
    if hsa_id:
        timeout = state().faults.session_timeout_s(current_app.config["SESSION_TIMEOUT_S"])
        if now() - session.get("last_seen", 0) > timeout or session.get("epoch", 0) != state().session_epoch:
            _expire()
            expired = True
        else:
            session["last_seen"] = now()
            g.user = state().seed.users.get(hsa_id)
    if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        if is_api():
            return jsonify(error="session_expired" if expired else "not_logged_in"), 401
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target))
    return None


def _check_csrf():
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRFToken") or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, description="csrf")


def guard_request():
    """App-wide before_request: faults, then session, then CSRF (QA API and static files are exempt)."""
    if request.url_rule is None or request.endpoint == "static" or request.blueprint == "qa":
        return None
    _inject_faults()
    response = _load_user()
    if response is not None:
        return response
    _check_csrf()
    return None


def scope_to_unit(bp: Blueprint) -> None:
    """Make every route of `bp` take `<unit_id>`, refusing units the user has no permission for (403)."""

    @bp.url_value_preprocessor
    def _pull_unit(endpoint, values):
        g.unit_id = values.pop("unit_id", None) if values else None

    @bp.before_request
    def _check_unit():
        unit = state().seed.units.get(g.unit_id)
        if unit is None:
            abort(404)
        if unit.id not in g.user.units:
            abort(403)
        g.unit = unit
        session["unit"] = unit.id


def nav_unit() -> Unit | None:
    """The unit the header shows: the page's, else the last chosen one the user may use."""
    unit = g.get("unit")
    if unit is None and g.get("user") is not None:
        chosen = state().seed.units.get(session.get("unit", ""))
        unit = chosen if chosen and chosen.id in g.user.units else None
    return unit


def _frame_only_here(response):
    # The tool may be shown in a frame of a page on its own origin (the portal), never of another site's.
    response.headers["Content-Security-Policy"] = "frame-ancestors 'self'"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def install(app: Flask) -> None:
    """Register the guards, the unit URL default and the template globals."""
    app.before_request(guard_request)
    app.after_request(_frame_only_here)
    app.add_template_filter(display, "pnr")
    app.add_template_filter(lambda ts: state().faults.clock.show(ts, "%Y-%m-%d %H:%M:%S"), "localtime")

    @app.url_defaults
    def _default_unit(endpoint, values):
        unit = g.get("unit")
        if unit is not None and "unit_id" not in values and app.url_map.is_endpoint_expecting(endpoint, "unit_id"):
            values["unit_id"] = unit.id

    @app.context_processor
    def _globals():
        return {"csrf_token": csrf_token, "current_user": g.get("user"), "nav_unit": nav_unit()}
