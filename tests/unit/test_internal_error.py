"""An error that is not the project's own (exit 1) tells the person in Swedish, and names the log file."""

from __future__ import annotations

import json
import os
import sys

import pytest

from bot.commands.cli import entry
from bot.logging_setup import configure_logging
from tests.helpers import demo_campaign


@pytest.fixture
def kept_umask():
    """`entry()` sets the umask to 077 for the process; give the test process its own back."""
    old = os.umask(0o077)
    os.umask(old)
    yield
    os.umask(old)
    configure_logging(None)


def test_internal_error_should_say_so_in_swedish_and_name_the_log_file(tmp_path, monkeypatch, capsys, kept_umask):
    campaign = demo_campaign(tmp_path, "")

    def broken(_facts):
        raise RuntimeError("ett fel som inte är projektets eget")

    monkeypatch.setattr("bot.config.campaign_key", broken)  # Campaign.key(): the one place the key is computed
    monkeypatch.setattr(sys, "argv", ["utskick", "status", str(campaign)])

    with pytest.raises(SystemExit) as ended:
        entry()

    assert ended.value.code == 1
    (log_file,) = sorted((tmp_path / "var" / "logs").glob("utskick-status-*.jsonl"))
    said = capsys.readouterr().err
    assert said.strip() == (
        "Internt fel i utskick (RuntimeError): kommandot avbröts. "
        f"Detaljerna finns i loggfilen {log_file}. Meddela automationsteamet."
    )
    events = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
    assert [e["event"] for e in events] == ["status_started", "internal_error"]
    assert "RuntimeError" in events[-1]["exception"]
