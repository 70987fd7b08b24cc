"""Every command leaves its log file, refusals included, holding only the product's JSON events and no
personnummer; the console shows the Swedish lines only, and the events only with `-v`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import PASSWORD, Setup, official_test_numbers, write_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
PNR_LIKE = re.compile(r"(?<!\d)(\d{10}|\d{12})(?!\d)|(?<!\d)\d{8}-\d{4}(?!\d)|(?<!\d)\d{6}[-+]\d{4}(?!\d)")
# What a structlog console line looks like: `2026-12-03T10:30:00Z [error    ] run_refused  error=… message=…`.
CONSOLE_EVENT = re.compile(r"\[(debug|info|warning|error|critical)\s*\]|\b[a-z_]+_(refused|started|finished)\b")
NOT_A_URL = "http://127.0.0.1:9"  # nothing listens: the refusals below happen before any connection


def utskick(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `utskick ARGS` with no terminal and the staff-tool password set (unless `env` takes it away)."""
    return subprocess.run(
        [sys.executable, "-m", "bot.commands.cli", *args],
        env={**os.environ, "UTSKICK_PASSWORD": PASSWORD, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def without_password() -> dict:
    return {k: v for k, v in os.environ.items() if k != "UTSKICK_PASSWORD"}


def product_events(log_file: Path, pnrs: list[str]) -> list[dict]:
    """Every line of `log_file` parsed as one product event (no third-party line, no personnummer)."""
    text = log_file.read_text(encoding="utf-8")
    assert not PNR_LIKE.search(text), log_file
    for pnr in pnrs:
        assert pnr[2:] not in text and f"{pnr[:8]}-{pnr[8:]}" not in text
    events = [json.loads(line) for line in text.splitlines()]
    assert events, f"{log_file} is empty"
    for event in events:
        assert EVENT_NAME.match(event["event"]), event
        assert event["level"] in ("debug", "info", "warning", "error", "critical"), event
        assert event["timestamp"], event
    return events


def only_log(setup: Setup, pattern: str) -> Path:
    """The one log file in the setup's logs folder matching `pattern`."""
    found = sorted((setup.folder / "logs").glob(pattern))
    assert len(found) == 1, (pattern, found)
    return found[0]


def broken_value(setup: Setup) -> None:
    """Make the campaign file refuse to load: a sending mode that does not exist."""
    text = setup.campaign.read_text(encoding="utf-8")
    setup.campaign.write_text(text.replace('mode = "single"', 'mode = "snabb"'), encoding="utf-8")


def test_console_should_show_only_the_swedish_line_without_verbose(tmp_path):
    setup = write_campaign(tmp_path, NOT_A_URL, official_test_numbers(7100, 1))

    quiet = setup.run()  # no terminal and no --yes

    assert quiet.returncode == 2
    assert "Fel: Ingen terminal att fråga i" in quiet.stderr
    assert not CONSOLE_EVENT.search(quiet.stderr), quiet.stderr
    assert len(quiet.stderr.strip().splitlines()) == 1, quiet.stderr


def test_console_should_show_the_events_with_verbose(tmp_path):
    setup = write_campaign(tmp_path, NOT_A_URL, official_test_numbers(7101, 1))

    loud = setup.run("-v")

    assert loud.returncode == 2
    assert "Fel: Ingen terminal att fråga i" in loud.stderr
    assert re.search(r"\[error\s*\] run_refused", loud.stderr), loud.stderr


@pytest.mark.parametrize(
    ("case", "args", "env_of"),
    [
        ("no terminal", (), lambda: None),
        ("missing password", ("--yes",), without_password),
    ],
)
def test_run_refused_should_log_the_refusal(tmp_path, case, args, env_of):
    pnrs = official_test_numbers(7110, 2)
    setup = write_campaign(tmp_path, NOT_A_URL, pnrs)

    result = subprocess.run(
        setup.command(*args), env=env_of(), capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL
    )

    assert result.returncode == 2, result.stderr
    assert "Fel:" in result.stderr and not CONSOLE_EVENT.search(result.stderr), result.stderr
    events = product_events(only_log(setup, "utskick-*.jsonl"), pnrs)
    refused = [e for e in events if e["event"] == "run_refused"]
    assert len(refused) == 1 and refused[0]["level"] == "error", events
    assert refused[0]["message"] in result.stderr


def command_line(command: str, setup: Setup) -> tuple[str, ...]:
    """The arguments of `command` on this setup's campaign (`run` sends without asking)."""
    campaign = str(setup.campaign)
    return {
        "run": ("run", campaign, "--delivery", str(setup.delivery), "--yes"),
        "follow-up": ("follow-up", campaign),
        "report": ("report", campaign),
        "status": ("status", campaign),
        "validate": ("validate", str(setup.delivery), "--campaign", campaign),
        "doctor": ("doctor", campaign, "--pnr", setup.pnrs[0]),
    }[command]


@pytest.mark.parametrize("command", ["run", "follow-up", "report", "status", "validate", "doctor"])
def test_command_refused_for_a_bad_campaign_value_should_log_the_refusal(tmp_path, command):
    pnrs = official_test_numbers(7120, 2)
    setup = write_campaign(tmp_path, NOT_A_URL, pnrs)

    broken_value(setup)

    result = utskick(*command_line(command, setup))

    assert result.returncode == 2, result.stderr
    said = result.stdout + result.stderr  # validate writes its Swedish report, errors included, on stdout
    assert "sending.mode" in said and not CONSOLE_EVENT.search(said), said
    name = "utskick-2*.jsonl" if command == "run" else f"utskick-{command}-*.jsonl"
    events = product_events(only_log(setup, name), pnrs)
    assert [e["event"] for e in events] == [f"{command.replace('-', '_')}_refused"]


def test_validate_refused_for_a_missing_delivery_should_log_the_refusal(tmp_path):
    pnrs = official_test_numbers(7130, 1)
    setup = write_campaign(tmp_path, NOT_A_URL, pnrs)

    result = utskick("validate", str(tmp_path / "finns-inte.7z"), "--campaign", str(setup.campaign))

    assert result.returncode == 2
    events = product_events(only_log(setup, "utskick-validate-*.jsonl"), pnrs)
    assert [e["event"] for e in events] == ["validate_started", "validate_refused"]


@pytest.fixture
def sent(tmp_path, live_mock, qa) -> Setup:
    """A campaign that has sent to two citizens on the live mock; its run's log file checked and set aside."""
    pnrs = official_test_numbers(7140, 2)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs)
    result = setup.run("--yes")
    assert result.returncode == 0, result.stderr
    assert not CONSOLE_EVENT.search(result.stderr), result.stderr
    events = product_events(only_log(setup, "utskick-2*.jsonl"), pnrs)
    assert events[0]["event"] == "run_started" and "run_finished" in [e["event"] for e in events]
    return setup


@pytest.mark.parametrize("command", ["follow-up", "report", "status", "validate", "doctor"])
def test_command_should_write_its_log_after_a_success(sent, command):
    result = utskick(*command_line(command, sent))

    assert result.returncode == 0, result.stdout + result.stderr
    assert not CONSOLE_EVENT.search(result.stderr), result.stderr
    events = product_events(only_log(sent, f"utskick-{command}-*.jsonl"), sent.pnrs)
    event = command.replace("-", "_")
    names = [e["event"] for e in events]
    assert names[0] == f"{event}_started" and names[-1] == f"{event}_finished", names
