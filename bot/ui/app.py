"""The window's Flask app: a one-time token exchanged for a server-side session, CSRF on every form, strict headers.

`create_app(folder)` returns the app; `bot.ui.server` serves it with waitress on 127.0.0.1 under a host name of
its own (`utskick-….localhost`): cookies ignore ports but not host names, so no other local server receives or
replaces the window's cookie. The cookie holds only an opaque session id; the session (CSRF token, messages) stays
in the server's memory. Every address but the token's and the static files needs that session; every POST needs
its CSRF token. A new link (Enter in the terminal, `Access.renew`) ends the old session. No address ever holds a
personnummer, and the window keeps no access log.
"""

from __future__ import annotations

import hmac
from pathlib import Path

from flask import Flask, abort, render_template, request, session
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from bot.ui.access import NOT_SIGNED_IN, Access, state
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
ERROR_TITLES = {400: "Fel adress", 403: "Ingen åtkomst", 404: "Finns inte", 413: "För stor fil"}
COOKIE = "utskick_sid"
OPEN_ENDPOINTS = ("ui.start", "static")


class WindowSession(CallbackDict, SessionMixin):
    """Flask's `session` for one request: the server-side data of the session its cookie names (or empty)."""

    def __init__(self, data: dict | None = None, sid: str | None = None) -> None:
        def changed(_):
            self.modified = True

        super().__init__(data or {}, changed)
        self.sid = sid
        self.modified = False
        self.opened = False


class WindowSessions(SessionInterface):
    """Server-side sessions: the cookie is an opaque id; a foreign cookie of the same name is simply ignored."""

    def open_session(self, app: Flask, request) -> WindowSession:
        access = app.extensions["utskick"]["access"]
        for value in request.cookies.getlist(COOKIE):  # another server may have added one of the same name
            if access.allows(value):
                return WindowSession(access.data, value)
        return WindowSession()

    def save_session(self, app: Flask, session: WindowSession, response) -> None:
        access = app.extensions["utskick"]["access"]
        if session.sid is None or not access.allows(session.sid):
            return
        if session.modified:
            access.data = dict(session)
        if session.opened:
            response.set_cookie(COOKIE, session.sid, httponly=True, samesite="Strict", path="/")


def create_app(folder: Path, *, allowed_hosts: tuple[str, ...] = ()) -> Flask:
    """The window for the campaign files in `folder`; `allowed_hosts` are the Host headers it answers."""
    from bot.ui import views_campaigns, views_result, views_send, views_steps

    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES)
    app.session_interface = WindowSessions()
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
    for code, title in ERROR_TITLES.items():
        app.register_error_handler(code, _error_page(title, code))
    return app


def _error_page(title: str, code: int):
    return lambda e: (render_template("error.html", title=title, error=e.description), code)


def _guard() -> None:
    hosts = state()["hosts"]
    if hosts and request.host not in hosts:
        abort(400, "Öppna fönstret med adressen som utskick ui skrev ut (http://utskick-….localhost:…).")
    if request.endpoint in OPEN_ENDPOINTS:
        return
    if not state()["access"].allows(getattr(session, "sid", None)):
        abort(403, NOT_SIGNED_IN)
    if request.method == "POST":
        sent = request.form.get("csrf_token", "")
        if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
            abort(403, "Formuläret är för gammalt eller kommer inte från utskick. Ladda om sidan och försök igen.")


def _headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers["Cache-Control"] = "no-store"  # send_file sets no-cache; a page may hold patient data
    return response
