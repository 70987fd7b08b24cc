"""The parts behind what a run leaves behind: Chromium's sandbox, owner-only folders under any umask, retention
of logs and artifacts, secrets withheld from child processes, and personnummer masked in kept traces."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.app.command_log import log_file_for
from bot.config import load_campaign
from bot.errors import BrowserClosed, ConfigError
from bot.private_files import private_dir
from bot.retention import purge_expired
from bot.run.browser import BrowserSession, BrowserSettings
from bot.run.chromium import BASE_LAUNCH_ARGS, NO_SANDBOX_ENV, launch_args, sandbox_off_reason
from bot.run.trace_scrub import TraceNotSafe, mask_personnummer, recorded_actions, scrub_trace
from bot.secret_env import withheld_from_environment
from tests.helpers import aged_file, demo_campaign, official_test_numbers


def test_chromium_should_keep_its_sandbox_for_a_normal_user():
    assert "--no-sandbox" not in launch_args(euid=1000, environ={})
    assert "--no-sandbox" not in BASE_LAUNCH_ARGS


@pytest.mark.parametrize(
    ("euid", "environ", "reason"), [(0, {}, "root"), (1000, {NO_SANDBOX_ENV: "1"}, NO_SANDBOX_ENV)]
)
def test_chromium_should_drop_its_sandbox_only_where_the_machine_needs_it(euid, environ, reason):
    assert "--no-sandbox" in launch_args(euid=euid, environ=environ)
    assert sandbox_off_reason(euid, environ) == reason


@pytest.fixture
def umask_000():
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_private_dir_should_make_every_missing_folder_0700_under_umask_000(tmp_path, umask_000):
    leaf = private_dir(tmp_path / "a" / "b" / "c")

    for folder in (tmp_path / "a", tmp_path / "a" / "b", leaf):
        assert folder.stat().st_mode & 0o777 == 0o700, folder


def test_private_dir_should_tighten_the_folder_but_leave_an_existing_parent_alone(tmp_path, umask_000):
    (tmp_path / "delad").mkdir(mode=0o755)
    (tmp_path / "delad" / "loggar").mkdir(mode=0o777)

    private_dir(tmp_path / "delad" / "loggar")
    private_dir(tmp_path / "delad", tighten=False)

    assert (tmp_path / "delad" / "loggar").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "delad").stat().st_mode & 0o777 == 0o755


def test_retention_should_delete_old_logs_and_artifacts_and_nothing_else(tmp_path):
    campaign = load_campaign(demo_campaign(tmp_path, ""))
    old = [
        aged_file(campaign.logs / "utskick-20240101T000000Z-aaaa.jsonl", 31),
        aged_file(campaign.artifacts / "20240101T000000Z-aaaa-rad1.png", 31),
        aged_file(campaign.artifacts / "20240101T000000Z-aaaa-rad1.aria.txt", 31),
        aged_file(campaign.artifacts / "20240101T000000Z-aaaa-rad1.trace.zip", 40),
    ]
    kept = [
        aged_file(campaign.logs / "utskick-20240201T000000Z-bbbb.jsonl", 29),
        aged_file(campaign.artifacts / "20240201T000000Z-bbbb-rad1.png", 1),
        aged_file(campaign.logs / "annat.txt", 400),
        aged_file(campaign.ledger, 400),
        aged_file(campaign.reports / "kampanj" / "kampanj-rapport.xlsx", 400),
    ]

    deleted = purge_expired(campaign)

    assert sorted(deleted) == sorted(old)
    assert not any(p.exists() for p in old)
    assert all(p.exists() for p in kept)


@pytest.mark.parametrize("command", ["follow-up", "report", "status", "validate", "doctor"])
def test_retention_should_delete_the_old_logs_of_every_command(tmp_path, command):
    campaign = load_campaign(demo_campaign(tmp_path, ""))
    old = aged_file(log_file_for(campaign.logs, command, "20240101T000000Z-aaaa"), 31)
    young = aged_file(log_file_for(campaign.logs, command, "20240201T000000Z-bbbb"), 29)

    assert purge_expired(campaign) == [old] and young.exists()


def test_retention_zero_should_keep_everything(tmp_path):
    campaign = load_campaign(demo_campaign(tmp_path, "")).with_overrides(keep_days=0)
    old = aged_file(campaign.logs / "utskick-20200101T000000Z-aaaa.jsonl", 2000)

    assert purge_expired(campaign) == [] and old.exists()


def test_keep_days_should_default_to_30_and_refuse_a_negative_value(tmp_path):
    assert load_campaign(demo_campaign(tmp_path, "")).keep_days == 30
    text = (tmp_path / "kampanj.toml").read_text(encoding="utf-8").replace("[paths]", "[paths]\nkeep_days = -1")
    (tmp_path / "kampanj.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="paths.keep_days"):
        load_campaign(tmp_path / "kampanj.toml")


def test_withheld_secrets_should_not_reach_a_child_process_and_come_back_after(monkeypatch):
    monkeypatch.setenv("UTSKICK_PASSWORD", "hemligt-1")
    monkeypatch.setenv("REGION_API_TOKEN", "hemligt-2")
    monkeypatch.setenv("EGEN_VARIABEL", "hemligt-3")
    show = [sys.executable, "-c", "import os; print(sorted(os.environ.items()))"]

    with withheld_from_environment("EGEN_VARIABEL"):
        child = subprocess.run(show, capture_output=True, text=True, check=True).stdout

    assert "hemligt" not in child
    assert (os.environ["UTSKICK_PASSWORD"], os.environ["REGION_API_TOKEN"]) == ("hemligt-1", "hemligt-2")
    assert os.environ["EGEN_VARIABEL"] == "hemligt-3"


def test_trace_masking_should_mask_personnummer_and_leave_hashes_and_times_alone():
    pnr = official_test_numbers(0, 1)[0]
    text = (
        f'{{"value":"{pnr}","text":"{pnr[:8]}-{pnr[8:]}","short":"{pnr[2:]}","url":"/x?pnr={pnr}&a=1",'
        f'"sha1":"c904e3{pnr}f06","time":1796287376.130042,"id":"A-{pnr[2:]}x"}}'
    )

    masked = mask_personnummer(text)

    assert pnr not in masked.replace(f"c904e3{pnr}f06", "").replace(f"A-{pnr[2:]}x", "")
    assert f"{pnr[:8]}-****" in masked and f"{pnr[2:8]}-****" in masked
    assert f"c904e3{pnr}f06" in masked and "1796287376.130042" in masked


def _trace_zip(path: Path, pnr: str, password: str) -> Path:
    """A trace shaped like Playwright's: a login form post, a cookie round trip and a fill of a personnummer."""
    body_sha1 = "0123456789abcdef0123456789abcdef01234567"
    network = {
        "type": "resource-snapshot",
        "snapshot": {
            "request": {
                "method": "POST",
                "url": "http://127.0.0.1/login",
                "headers": [
                    {"name": "Cookie", "value": "session=kaka-1"},
                    {"name": "Authorization", "value": "Basic aGVtbGln"},
                    {"name": "Accept", "value": "text/html"},
                ],
                "cookies": [{"name": "session", "value": "kaka-1"}],
                "postData": {"mimeType": "application/x-www-form-urlencoded", "_sha1": f"{body_sha1}.dat"},
            },
            "response": {
                "status": 302,
                "headers": [{"name": "Set-Cookie", "value": "session=kaka-2; HttpOnly"}],
                "cookies": [{"name": "session", "value": "kaka-2"}],
                "content": {"_sha1": "fedcba9876543210fedcba9876543210fedcba98.html"},
            },
        },
    }
    actions = [
        {"type": "before", "callId": "call@1", "method": "fill", "params": {"value": password}},
        {"type": "before", "callId": "call@2", "method": "fill", "params": {"value": pnr}},
    ]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("trace.network", json.dumps(network) + "\n")
        archive.writestr("trace.trace", "\n".join(json.dumps(a) for a in actions) + "\n")
        archive.writestr(f"resources/{body_sha1}.dat", f"hsa_id=SE1&password={password}&pnr={pnr}")
        archive.writestr("resources/fedcba9876543210fedcba9876543210fedcba98.html", f"<td>{pnr[:8]}-{pnr[8:]}</td>")
        archive.writestr("resources/bild.jpeg", b"\xff\xd8\xff\xe0 not text \xff")
    return path


def test_scrub_trace_should_drop_cookies_bodies_and_secrets_and_mask_personnummer(tmp_path):
    pnr = official_test_numbers(0, 1)[0]
    trace = _trace_zip(tmp_path / "spar.trace.zip", pnr, "hemligt-losen")

    scrub_trace(trace, ["hemligt-losen", "kaka-2"])

    with zipfile.ZipFile(trace) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    everything = b"\n".join(members.values())
    for secret in (b"hemligt-losen", b"kaka-1", b"kaka-2", b"aGVtbGln", pnr.encode(), f"{pnr[:8]}-{pnr[8:]}".encode()):
        assert secret not in everything, secret
    assert not any(name.endswith(".dat") for name in members), "the request body is not kept"
    entry = json.loads(members["trace.network"])["snapshot"]
    assert [h["name"] for h in entry["request"]["headers"]] == ["Accept"]
    assert entry["response"]["headers"] == [] and "postData" not in entry["request"]
    assert f"{pnr[:8]}-****".encode() in members["trace.trace"]
    assert members["resources/bild.jpeg"] == b"\xff\xd8\xff\xe0 not text \xff"
    assert trace.stat().st_mode & 0o777 == 0o600
    assert recorded_actions(trace) == 2


def test_scrub_trace_should_delete_a_trace_a_secret_survives_in(tmp_path):
    trace = tmp_path / "spar.trace.zip"
    with zipfile.ZipFile(trace, "w") as archive:
        archive.writestr("resources/bild.png", b"\x89PNG\xffhemligt-losen\xff")

    with pytest.raises(TraceNotSafe):
        scrub_trace(trace, ["hemligt-losen"])
    assert not trace.exists()


class _DeadTracing:
    """The tracing of a context whose browser has gone away."""

    def stop(self, path: str | None = None) -> None:
        raise RuntimeError("Target page, context or browser has been closed")

    def start(self, **options: object) -> None:
        raise RuntimeError("Target page, context or browser has been closed")


def test_untraced_login_should_let_the_logins_own_error_through_when_the_browser_died(tmp_path):
    session = BrowserSession(BrowserSettings(artifacts=tmp_path / "artefakter"), "http://127.0.0.1:1")
    session._context = SimpleNamespace(tracing=_DeadTracing())
    session._tracing = True

    with pytest.raises(BrowserClosed), session.untraced():
        raise BrowserClosed("Webbläsaren stängdes.")

    assert session._trace_parts == []
