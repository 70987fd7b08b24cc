"""What a shared computer asks of the parts around the window (issue 24): the notify child gets only what it
needs, a ledger URL never carries a password, and a campaign file cannot smuggle a line break into the name or
the staff-tool address, nor an attachment from outside its folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.config import load_campaign
from bot.errors import ConfigError
from bot.ledger.target import PostgresTarget, database_target
from bot.notify import NotifySettings, notify_run_end
from bot.private_files import sweep_stale_tempdirs
from bot.secret_env import take_from_environment

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "campaign.toml"
DUMP_ENV = "import json, os, sys; open(sys.argv[1], 'w').write(json.dumps(dict(os.environ)))"


def test_notify_command_should_get_no_password_from_the_environment(tmp_path, monkeypatch):
    for name in ("UTSKICK_PASSWORD", "UTSKICK_7Z_PASSWORD", "UTSKICK_LEDGER_PASSWORD", "PGPASSWORD"):
        monkeypatch.setenv(name, f"hemligt-{name}")
    monkeypatch.setenv("UTSKICK_NOTIFY_TOKEN", "webhook-token")
    seen = tmp_path / "env.json"
    settings = NotifySettings(command=(sys.executable, "-c", DUMP_ENV, str(seen)))
    assert notify_run_end(settings, {"exit_code": 0}) == []
    env = json.loads(seen.read_text())
    assert not [value for value in env.values() if "hemligt" in value or "webhook-token" in value]
    assert (env["UTSKICK_EVENT"], env["UTSKICK_EXIT_CODE"]) == ("finish", "0")
    assert env.get("PATH")  # what a command needs to run stays


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://utskick@db.region.se/utskick?password=hemligt",
        "postgresql://utskick@db.region.se/utskick?sslmode=require&PASSWORD=hemligt",
        "postgresql:///utskick?host=db.region.se&user=utskick&password=hemligt",
        "postgresql://utskick@db.region.se/utskick?sslpassword=hemligt",
    ],
)
def test_ledger_url_with_a_password_in_the_query_should_be_refused_without_showing_it(url):
    with pytest.raises(ConfigError) as refused:
        database_target(url, "UTSKICK_LEDGER_PASSWORD", "kampanj.toml")
    assert "'paths.ledger'" in str(refused.value) and "lösenord" in str(refused.value)
    assert "hemligt" not in str(refused.value)


def test_printed_ledger_url_should_mask_any_password():
    target = PostgresTarget("postgresql://utskick:hemligt@db.region.se/utskick?password=hemligt2&sslmode=require")
    assert "hemligt" not in str(target) and "hemligt" not in repr(target)
    assert "db.region.se" in str(target) and "sslmode=require" in str(target)


def _campaign(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    folder = tmp_path / "kampanjer"
    folder.mkdir(exist_ok=True)
    (folder / "information.pdf").write_bytes(DEMO.with_name("information.pdf").read_bytes())
    text = DEMO.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    path = folder / "kampanj.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (('name = "Demo: provsvar november"', 'name = "Demo\\nKörning klar: 0 fel"'), "campaign.name"),
        (('url = "http://127.0.0.1:5077"', 'url = "http://127.0.0.1:5077\\r\\nX: y"'), "staff_tool.url"),
    ],
)
def test_campaign_with_a_line_break_in_a_one_line_value_should_be_refused_naming_the_key(tmp_path, change, key):
    with pytest.raises(ConfigError) as refused:
        load_campaign(_campaign(tmp_path, change))
    assert f"'{key}'" in str(refused.value) and "radbrytning" in str(refused.value)


@pytest.mark.parametrize("where", ["outside", "absolute", "link"])
def test_attachment_outside_the_campaign_folder_should_be_refused_naming_the_key(tmp_path, where):
    elsewhere = tmp_path / "annan-mapp"
    elsewhere.mkdir()
    (elsewhere / "hemlig.pdf").write_bytes(DEMO.with_name("information.pdf").read_bytes())
    value = {"outside": "../annan-mapp/hemlig.pdf", "absolute": str(elsewhere / "hemlig.pdf"), "link": "lank.pdf"}
    path = _campaign(tmp_path, ('attachments = ["information.pdf"]', f"attachments = [{json.dumps(value[where])}]"))
    if where == "link":
        (path.parent / "lank.pdf").symlink_to(elsewhere / "hemlig.pdf")
    with pytest.raises(ConfigError) as refused:
        load_campaign(path)
    assert "'message.attachments'" in str(refused.value) and "kampanjmappen" in str(refused.value)


def test_sweep_should_remove_only_this_users_folders_whose_window_is_gone(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead, alive = int(gone.stdout), os.getpid()
    folders = {
        name: tmp_path / name
        for name in (f"utskick-leverans-{dead}-a", f"utskick-ui-{alive}-b", "utskick-annat", "annat-program-1-c")
    }
    for path in folders.values():
        path.mkdir()
    elsewhere = tmp_path / "behall"
    elsewhere.mkdir()
    (tmp_path / f"utskick-forhandsgranskning-{dead}-lank").symlink_to(elsewhere)
    removed = sweep_stale_tempdirs(tmp_path)
    assert removed == [folders[f"utskick-leverans-{dead}-a"]]
    assert all(p.exists() for name, p in folders.items() if str(dead) not in name) and elsewhere.exists()


def test_webhook_token_should_still_reach_the_webhook_after_the_window_took_it_from_the_environment(monkeypatch):
    monkeypatch.setenv("UTSKICK_TEST_WEBHOOK_TOKEN", "webhook-token")
    received: list[str] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            received.append(self.headers.get("Authorization", ""))
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    taken = take_from_environment()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/larm"
        settings = NotifySettings(webhook=url, token_env="UTSKICK_TEST_WEBHOOK_TOKEN")
        assert notify_run_end(settings, {"exit_code": 0}) == []
        assert received == ["Bearer webhook-token"]
    finally:
        os.environ.update(taken)  # the other tests' secrets (the test ledger's password) go back
        taken.clear()
        server.shutdown()
        server.server_close()
