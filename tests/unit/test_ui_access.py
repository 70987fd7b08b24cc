"""The window's doors, through Flask's test client: the token opens one session once, every form needs the
session's CSRF token, a foreign Host header is refused, and the headers keep the page to itself."""

from __future__ import annotations

import pytest

from bot.ui.app import create_app


@pytest.fixture
def app(tmp_path):
    return create_app(tmp_path, allowed_hosts=("localhost",))  # the test client's host


def _client(app):
    return app.test_client()


def _token(app) -> str:
    return app.extensions["utskick"]["access"].token


def test_token_should_open_one_session_once(app):
    first, second = _client(app), _client(app)
    assert first.get("/").status_code == 403
    assert first.get(f"/start/{_token(app)}").status_code == 302
    assert first.get("/").status_code == 200
    assert second.get(f"/start/{_token(app)}").status_code == 403
    assert second.get("/").status_code == 403
    assert _client(app).get("/start/fel-token").status_code == 403


def test_form_should_need_the_sessions_csrf_token(app):
    client = _client(app)
    client.get(f"/start/{_token(app)}")
    assert client.post("/ny", data={"filnamn": "x"}).status_code == 403
    assert client.post("/ny", data={"filnamn": "x", "csrf_token": "gissat"}).status_code == 403
    with client.session_transaction() as session:
        csrf = session["csrf"]
    refused = client.post("/ny", data={"filnamn": "", "csrf_token": csrf})
    assert refused.status_code == 400 and "Filnamn" in refused.get_data(as_text=True)


def test_window_should_refuse_a_foreign_host_and_send_strict_headers(app):
    client = _client(app)
    foreign = client.get(f"/start/{_token(app)}", headers={"Host": "evil.example"})
    assert foreign.status_code == 400
    response = client.get(f"/start/{_token(app)}")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
