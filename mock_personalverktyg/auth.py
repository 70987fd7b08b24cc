"""Login (stands in for SITHS), logout and Personliga inställningar (signature)."""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for

from mock_personalverktyg.security import EXPIRED_MESSAGE, log_in, state

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """A path on this site, or None. Browsers drop tabs and newlines from a URL (`/\t/evil.example` becomes
    `//evil.example`, another host), so any control character or space refuses the target outright."""
    if not target or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


@bp.get("/")
def index():
    """Start page: choose a unit, or the single page (the login guard sends strangers to the login page)."""
    return redirect(_home())


def _home() -> str:
    return url_for(current_app.config["HOME_ENDPOINT"])


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with HSA-id and password."""
    notice = EXPIRED_MESSAGE if session.pop("expired", False) else None
    error = None
    next_url = _safe_next(request.values.get("next"))
    if request.method == "POST":
        hsa_id = request.form.get("hsa_id", "").strip()
        password = request.form.get("password", "")
        user = state().seed.users.get(hsa_id)
        if user and hmac.compare_digest(password.encode(), user.password.encode()):
            log_in(user)
            return redirect(next_url or _home())
        error = "Inloggningen misslyckades"
    return render_template("login.html", error=error, notice=notice, next_url=next_url)


@bp.post("/logout")
def logout():
    """End the session."""
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/installningar", methods=["GET", "POST"])
def settings():
    """Personliga inställningar: the signature shown under every message."""
    saved = False
    if request.method == "POST":
        signature = request.form.get("signature", "").strip()
        with state().lock:
            state().signatures[g.user.hsa_id] = signature
        saved = True
    return render_template("settings.html", signature=state().signatures.get(g.user.hsa_id, ""), saved=saved)
