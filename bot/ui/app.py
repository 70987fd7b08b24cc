"""The window's Flask app: a one-time token exchanged for a session cookie, CSRF on every form, strict headers.

`create_app(folder)` returns the app; `bot.ui.server` serves it with waitress on 127.0.0.1. Every address but
the token's and the static files needs the session the token opened; every POST needs the session's CSRF token.
No address ever holds a personnummer, and the window keeps no access log.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from pathlib import Path

from flask import Flask, abort, render_template, request, session

from bot.ui.jobs import Jobs
from bot.ui.workspace import Workspaces

MAX_UPLOAD_BYTES = 64 * 1024 * 1024
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}
OPEN_ENDPOINTS = ("ui.start", "static")


class Access:
    """The one-time token and the session it opened."""

    def __init__(self) -> None:
        self.token = secrets.token_urlsafe(32)
        self.session_id: str | None = None
        self._lock = threading.Lock()

    def exchange(self, token: str) -> str | None:
        """The new session's id for the right token, once; None for a wrong or used token."""
        with self._lock:
            if self.session_id is not None or not hmac.compare_digest(token.encode(), self.token.encode()):
                return None
            self.session_id = secrets.token_urlsafe(32)
            return self.session_id

    def allows(self, session_id: str | None) -> bool:
        """True for the session the token opened."""
        return bool(self.session_id and session_id and hmac.compare_digest(session_id, self.session_id))


def create_app(folder: Path, *, allowed_hosts: tuple[str, ...] = ()) -> Flask:
    """The window for the campaign files in `folder`; `allowed_hosts` are the Host headers it answers."""
    from bot.ui import views_campaigns, views_result, views_send, views_steps

    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME="utskick_session",
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
    )
    app.extensions["utskick"] = {
        "access": Access(),
        "workspaces": Workspaces(folder),
        "jobs": Jobs(),
        "hosts": allowed_hosts,
    }
    for module in (views_campaigns, views_steps, views_send, views_result):
        app.register_blueprint(module.bp)
    app.before_request(_guard)
    app.after_request(_headers)
    app.context_processor(lambda: {"csrf_token": session.get("csrf", "")})
    app.register_error_handler(403, lambda e: (render_template("error.html", title="Ingen åtkomst", error=e), 403))
    app.register_error_handler(404, lambda e: (render_template("error.html", title="Finns inte", error=e), 404))
    app.register_error_handler(413, lambda e: (render_template("error.html", title="För stor fil", error=e), 413))
    return app


def state() -> dict:
    """The window's shared state: access, workspaces, jobs."""
    from flask import current_app

    return current_app.extensions["utskick"]


def _guard() -> None:
    hosts = state()["hosts"]
    if hosts and request.host not in hosts:
        abort(400)
    if request.endpoint in OPEN_ENDPOINTS:
        return
    if not state()["access"].allows(session.get("sid")):
        abort(403, "Öppna adressen som utskick ui skrev ut när det startade. Den fungerar en gång, i en webbläsare.")
    if request.method == "POST":
        sent = request.form.get("csrf_token", "")
        if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
            abort(403, "Formuläret är för gammalt eller kommer inte från utskick. Ladda om sidan och försök igen.")


def _headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def open_session(session_id: str) -> None:
    """Turn the token's browser into the window's session: a fresh cookie with a CSRF token."""
    session.clear()
    session["sid"] = session_id
    session["csrf"] = secrets.token_urlsafe(32)
