"""Who may use the window and what it shares: the one-time token, the one session it opened, the app's state.

The views read the state and open the session through this module, never through `bot.ui.app`, which imports
them.
"""

from __future__ import annotations

import hmac
import secrets
import threading

from flask import session

TAKEN = (
    "Länken har redan öppnats i en annan webbläsare. Om det inte var du kan någon annan på datorn ha tagit den. "
    "Tryck Enter i terminalen där utskick ui körs: då öppnas en ny länk här och den andra webbläsarens åtkomst "
    "upphör. Tala också om det för IT-säkerhet."
)
NOT_SIGNED_IN = (
    "Den här webbläsaren är inte inloggad i fönstret. Öppna länken som utskick ui öppnade eller skrev ut (den "
    "fungerar en gång, i en webbläsare), eller tryck Enter i terminalen där utskick ui körs för en ny länk."
)
WRONG = "Länken är felaktig eller gammal. Tryck Enter i terminalen där utskick ui körs för en ny länk."


class Access:
    """The current one-time token and the one session it opened (its data lives here, not in the cookie)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.renew()

    def renew(self) -> str:
        """A new one-time token; the session the old one opened ends."""
        with self._lock:
            self.token = secrets.token_urlsafe(32)
            self.session_id: str | None = None
            self.data: dict = {}
            return self.token

    def exchange(self, token: str) -> str | None:
        """The new session's id for the right, unused token; None otherwise."""
        with self._lock:
            if self.session_id is not None or not hmac.compare_digest(token.encode(), self.token.encode()):
                return None
            self.session_id = secrets.token_urlsafe(32)
            self.data = {"csrf": secrets.token_urlsafe(32)}
            return self.session_id

    def taken(self, token: str) -> bool:
        """True when `token` is the current one and some browser already opened it."""
        return self.session_id is not None and hmac.compare_digest(token.encode(), self.token.encode())

    def allows(self, session_id: str | None) -> bool:
        """True for the session the token opened."""
        current = self.session_id
        return bool(current and session_id and hmac.compare_digest(session_id.encode(), current.encode()))


def state() -> dict:
    """The window's shared state: access, workspaces, jobs."""
    from flask import current_app

    return current_app.extensions["utskick"]


def signed_in() -> bool:
    """True when this request comes from the window's session."""
    return state()["access"].allows(getattr(session, "sid", None))


def open_session(token: str) -> str:
    """Exchange the token for the session and hand its id to this browser: "" when in, else the Swedish reason."""
    access = state()["access"]
    session_id = access.exchange(token)
    if session_id is None:
        return TAKEN if access.taken(token) else WRONG
    session.sid, session.opened = session_id, True
    session.update(access.data)
    return ""
