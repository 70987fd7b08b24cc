"""The window's doors, through Flask's test client: the token opens one session once, the cookie holds only an
opaque id that a foreign cookie of the same name cannot replace, every form needs the session's CSRF token, a
foreign Host header is refused, a taken link says so, and what holds patient data is never cached."""

from __future__ import annotations

import os
import re
import shutil
import stat
from pathlib import Path

import pytest

from bot.app.report import campaign_report_folder
from bot.ui.app import COOKIE, create_app
from bot.ui.workspace import Preview

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
HOST = "localhost"  # the test client's host


@pytest.fixture
def app(tmp_path):
    folder = tmp_path / "kampanjer"
    folder.mkdir()
    return create_app(folder, allowed_hosts=(HOST,))


def _token(app) -> str:
    return app.extensions["utskick"]["access"].token


def _signed_in(app):
    client = app.test_client()
    assert client.get(f"/start/{_token(app)}").status_code == 200
    return client


def _csrf(client) -> str:
    page = client.get("/ny").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_token_should_open_one_session_once(app):
    first, second = app.test_client(), app.test_client()
    assert first.get("/").status_code == 403
    assert first.get(f"/start/{_token(app)}").status_code == 200
    assert first.get("/").status_code == 200
    assert first.get(f"/start/{_token(app)}").status_code == 200  # the same browser opening its link again
    assert second.get(f"/start/{_token(app)}").status_code == 403
    assert second.get("/").status_code == 403
    assert app.test_client().get("/start/fel-token").status_code == 403


def test_taken_link_should_tell_the_case_handler_what_happened_and_what_to_do(app):
    thief = app.test_client()
    assert thief.get(f"/start/{_token(app)}").status_code == 200
    taken = app.test_client().get(f"/start/{_token(app)}")
    page = taken.get_data(as_text=True)
    assert taken.status_code == 403
    assert "redan öppnats i en annan webbläsare" in page and "Tryck Enter" in page


def test_new_link_should_end_the_old_session_and_let_the_case_handler_back_in(app):
    old = _signed_in(app)
    app.extensions["utskick"]["access"].renew()
    assert old.get("/").status_code == 403
    assert _signed_in(app).get("/").status_code == 200


def test_session_cookie_should_hold_only_an_opaque_id_without_the_csrf_token(app):
    client = app.test_client()
    response = client.get(f"/start/{_token(app)}")
    cookie = response.headers["Set-Cookie"]
    value = cookie.split(";")[0].split("=", 1)[1]
    assert cookie.startswith(f"{COOKIE}=") and "Domain" not in cookie
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", value)
    assert _csrf(client) not in cookie


def test_foreign_cookie_of_the_same_name_should_neither_get_in_nor_log_the_case_handler_out(app):
    client = _signed_in(app)
    real = client.get_cookie(COOKIE).value
    for header in (f"{COOKIE}=annan-server; {COOKIE}={real}", f"{COOKIE}={real}; {COOKIE}=annan-server"):
        assert app.test_client(use_cookies=False).get("/", headers={"Cookie": header}).status_code == 200
    assert app.test_client(use_cookies=False).get("/", headers={"Cookie": f"{COOKIE}=annan-server"}).status_code == 403


def test_form_should_need_the_sessions_csrf_token(app):
    client = _signed_in(app)
    assert client.post("/ny", data={"filnamn": "x"}).status_code == 403
    assert client.post("/ny", data={"filnamn": "x", "csrf_token": "gissat"}).status_code == 403
    refused = client.post("/ny", data={"filnamn": "", "csrf_token": _csrf(client)})
    assert refused.status_code == 400 and "Filnamn" in refused.get_data(as_text=True)


def test_window_should_refuse_a_foreign_host_and_send_strict_headers(app):
    client = app.test_client()
    foreign = client.get(f"/start/{_token(app)}", headers={"Host": "127.0.0.1:5000"})
    assert foreign.status_code == 400 and "adressen som utskick ui skrev ut" in foreign.get_data(as_text=True)
    response = client.get(f"/start/{_token(app)}")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def _campaign(app) -> Path:
    folder = app.extensions["utskick"]["workspaces"].folder
    shutil.copy(DEMO / "information.pdf", folder)
    path = folder / "kampanj.toml"
    path.write_text((DEMO / "campaign.toml").read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_preview_image_and_reports_should_never_be_cached(app, tmp_path):
    client = _signed_in(app)
    ws = app.extensions["utskick"]["workspaces"].get(_campaign(app).stem)
    shot = tmp_path / "steg3.png"
    shot.write_bytes((DEMO / "information.pdf").read_bytes())
    ws.preview = Preview("text", shot, "key")
    campaign = ws.campaign()
    reports = campaign_report_folder(campaign)
    reports.mkdir(parents=True)
    (reports / "rapport.xlsx").write_bytes(b"xlsx")
    for address in ("/kampanj/kampanj/forhandsgranskning/bild", "/kampanj/kampanj/rapport/rapport.xlsx"):
        response = client.get(address)
        response.close()
        assert response.status_code == 200, address
        assert response.headers["Cache-Control"] == "no-store", address


def test_new_campaign_should_refuse_to_write_through_a_link_and_keep_the_folder_private(app, tmp_path):
    folder = app.extensions["utskick"]["workspaces"].folder
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    outside = tmp_path / "utanfor.toml"
    (folder / "lank.toml").symlink_to(outside)  # dangling: nothing is there yet
    client = _signed_in(app)
    values = {
        "filnamn": "lank", "name": "Kampanj", "bestallare": "Chefen", "sender_name": "Anna", "sender_title": "",
        "sender_unit": "", "unit": "Vårdcentralen Centrum", "template": "Meddelande om provsvar", "texts": "",
        "extra_text": "", "attachments": "", "url": "http://127.0.0.1:5077", "hsa_id": "SE2321000016-A001",
    }  # fmt: skip
    refused = client.post("/ny", data={**values, "csrf_token": _csrf(client)})
    assert refused.status_code == 400 and "lank.toml finns redan" in refused.get_data(as_text=True)
    assert not outside.exists() and os.path.islink(folder / "lank.toml")
