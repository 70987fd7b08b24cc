"""docs/drift.md stays true: the systemd service's ExecStart, run as written (paths swapped for the test's),
sends through the mock unattended and prints a schema-valid JSON document; the page shows the same unit files,
and every scheduled command line in it is unattended (`--yes`)."""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from bot.app.documents import SCHEMA_FILE
from tests.helpers import PROJECT, official_test_numbers, write_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DRIFT = PROJECT / "docs" / "drift.md"
SERVICE = PROJECT / "docs" / "drift" / "utskick.service"
TIMER = PROJECT / "docs" / "drift" / "utskick.timer"


def unit_section(path: Path, section: str) -> list[tuple[str, str]]:
    """The `Key=Value` lines of one section of a systemd unit file, in order (keys may repeat)."""
    pairs, current = [], None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = line.strip("[]")
        elif current == section:
            key, _, value = line.partition("=")
            pairs.append((key.strip(), value.strip()))
    return pairs


def test_service_should_be_locked_down() -> None:
    service = dict(unit_section(SERVICE, "Service"))
    assert service["UMask"] == "0077"
    assert service["ProtectSystem"] == "strict" and service["PrivateTmp"] == "true"
    assert service["Type"] == "oneshot" and service["KillSignal"] == "SIGTERM"
    assert "OnCalendar" in dict(unit_section(TIMER, "Timer"))


def test_drift_page_should_show_the_unit_files_as_they_are() -> None:
    page = DRIFT.read_text(encoding="utf-8")
    assert SERVICE.read_text(encoding="utf-8").rstrip() in page
    assert TIMER.read_text(encoding="utf-8").rstrip() in page


def test_every_scheduled_command_in_the_drift_page_should_be_unattended() -> None:
    runs = re.findall(r"utskick(?:\.exe)? run [^\n'\"]*", DRIFT.read_text(encoding="utf-8"))
    assert len(runs) >= 3  # systemd, cron, Task Scheduler
    for command in runs:
        assert "--yes" in command and "--json" in command, command


def test_service_exec_start_should_send_unattended_against_the_mock(tmp_path, live_mock, qa) -> None:
    pnrs = official_test_numbers(3900, 3)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs)
    service = unit_section(SERVICE, "Service")
    argv = shlex.split(dict(service)["ExecStart"])
    assert Path(argv[0]).name == "utskick" and argv[1] == "run"
    swap = {"/etc/utskick/kampanj.toml": str(setup.campaign), argv[argv.index("--delivery") + 1]: str(setup.delivery)}
    command = [sys.executable, "-m", "bot.commands.cli", *(swap.get(a, a) for a in argv[1:])]
    env = {**os.environ, "UTSKICK_PASSWORD": "utskick-demo"}  # what EnvironmentFile= gives the service
    for key, value in service:
        if key == "Environment":
            name, _, val = value.partition("=")
            env[name] = val if name != "UTSKICK_CHROMIUM" or Path(val).exists() else env.get(name, "")
    env = {k: v for k, v in env.items() if v}

    result = subprocess.run(
        command,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
        cwd=tmp_path,
        umask=int(dict(service)["UMask"], 8),
    )

    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    assert document["sent_this_run"] == 3 and document["counts"]["sent"] == 3
    assert sorted(s["pnr"] for s in qa.sent()) == sorted(pnrs)
    for written in [document["log_file"], *document["reports"]]:
        assert stat.S_IMODE(Path(written).stat().st_mode) == 0o600, written
