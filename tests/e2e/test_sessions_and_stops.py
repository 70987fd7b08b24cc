"""How a run gets its session and how it stops: attaching to a browser a person logged into (CDP), a persistent
profile without a login, a wrong password, and SIGTERM mid-run (exit 4, then resume to exactly once)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Playwright

from bot.run.chromium import LAUNCH_ARGS
from tests.helpers import PASSWORD, official_test_numbers, wait_until, write_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def person_browser(chromium_path: str, tmp_path: Path) -> Iterator[str]:
    """A Chromium started with remote debugging, as a case handler starts it before logging in with SITHS."""
    profile = tmp_path / "person-profile"
    process = subprocess.Popen(
        [chromium_path, *LAUNCH_ARGS, "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # Debian's chromium-headless-shell is a shell script: stop the browser it starts too
    )
    try:
        port_file = profile / "DevToolsActivePort"  # Chromium writes the port it chose here
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert port_file.exists(), "Chromium wrote no DevToolsActivePort"
        yield f"http://127.0.0.1:{port_file.read_text().split()[0]}"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def _log_in_as_a_person(playwright: Playwright, cdp_url: str, mock_url: str) -> None:
    """What the person does in their own window: log in (SITHS in the real tool) and stop there."""
    # pytest-playwright's session-wide Playwright: a second sync_playwright() in one process fails once it runs.
    browser = playwright.chromium.connect_over_cdp(cdp_url)
    try:
        page = browser.contexts[0].pages[0]
        page.goto(mock_url)
        page.get_by_label("HSA-id", exact=True).fill("SE2321000016-A001")
        page.get_by_label("Lösenord", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Logga in", exact=True).click()
        page.get_by_role("heading", name="Välj mottagning").wait_for()
    finally:
        browser.close()  # attached, not launched: this disconnects and leaves the person's browser and login


def test_cdp_session_should_send_through_the_browser_a_person_logged_into(
    tmp_path, live_mock, qa, person_browser, playwright
):
    pnrs = official_test_numbers(2700, 3)
    qa.reachable(*pnrs)
    _log_in_as_a_person(playwright, person_browser, live_mock.url)
    setup = write_campaign(tmp_path, live_mock.url, pnrs, staff_tool=f'session = "cdp"\ncdp_url = "{person_browser}"')

    result = setup.run("--yes", env={"UTSKICK_PASSWORD": ""})

    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(s["pnr"] for s in qa.sent()) == sorted(pnrs)
    assert {s["sent_by"] for s in qa.sent()} == {"SE2321000016-A001"}
    with sqlite3.connect(setup.ledger) as conn:  # no staff_tool.hsa_id to go by: the tool's header names the sender
        shown = conn.execute("SELECT detail FROM events WHERE event = 'sender_signed_in'").fetchall()
    assert [json.loads(detail)["name"] for (detail,) in shown] == ["Anna Ärendehanterare"]


def test_cdp_session_without_a_login_should_stop_with_exit_3_and_say_to_log_in(tmp_path, live_mock, qa, person_browser):
    pnrs = official_test_numbers(2710, 1)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs, staff_tool=f'session = "cdp"\ncdp_url = "{person_browser}"')

    result = setup.run("--yes")

    assert result.returncode == 3, result.stdout + result.stderr
    assert "SITHS" in result.stdout + result.stderr
    assert qa.sent() == []


def test_cdp_session_to_a_browser_that_is_not_running_should_stop_with_exit_3(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(2712, 1)
    setup = write_campaign(tmp_path, live_mock.url, pnrs, staff_tool='session = "cdp"\ncdp_url = "http://127.0.0.1:9"')

    result = setup.run("--yes")

    assert result.returncode == 3, result.stdout + result.stderr
    assert "--remote-debugging-port" in result.stdout + result.stderr
    assert qa.sent() == []


def test_profile_session_without_a_login_should_stop_with_exit_3_and_keep_the_profile(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(2714, 1)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs, staff_tool='session = "profile"\nprofile_dir = "profil"')

    result = setup.run("--yes")

    assert result.returncode == 3, result.stdout + result.stderr
    assert "SITHS" in result.stdout + result.stderr
    assert (tmp_path / "profil").is_dir(), "the profile folder is created for the person to log in with"
    assert qa.sent() == []


def test_wrong_password_should_stop_with_exit_3_and_send_nothing(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(2716, 2)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs)

    result = setup.run("--yes", env={"UTSKICK_PASSWORD": "fel-losenord"})

    assert result.returncode == 3, result.stdout + result.stderr
    assert "Inloggningen misslyckades" in result.stdout + result.stderr
    assert "fel-losenord" not in result.stdout + result.stderr + setup.log_text()
    assert qa.sent() == []
    assert {state for state, _ in setup.ledger_rows().values()} == {"pending"}


def test_sigterm_should_stop_after_the_current_citizen_with_exit_4_and_a_rerun_should_finish(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(2720, 8)
    qa.reachable(*pnrs)
    qa.faults(latency_ms=[100, 200], seed=3)  # slow enough that the signal lands mid-run
    setup = write_campaign(tmp_path, live_mock.url, pnrs)

    process = setup.start("--yes")
    wait_until(lambda: setup.count_state("sent") >= 1 or process.poll() is not None, limit_s=120)
    assert process.poll() is None, "the run ended before the signal could be sent"
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)

    assert process.returncode == 4, out + err
    assert "Kör samma kommando igen" in out
    stopped_at = len(qa.sent())
    assert 1 <= stopped_at < len(pnrs), "it stopped after the current citizen, not at once and not at the end"
    assert "sending" not in {state for state, _ in setup.ledger_rows().values()}, "nothing left half-sent"

    qa.faults()
    again = setup.run("--yes")

    assert again.returncode == 0, again.stdout + again.stderr
    per_citizen = Counter(s["pnr"] for s in qa.sent())
    assert per_citizen == Counter(pnrs), "everyone exactly once across the two runs"
