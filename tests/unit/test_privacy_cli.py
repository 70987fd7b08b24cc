"""Privacy at the entry point: one masked logging set-up for every command, no local variables in a
traceback, no personnummer in an exception message, an owner-only umask, and a CDP port only on loopback."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import pytest
import structlog
from click.testing import CliRunner

import bot.commands.validate
from bot.commands.cli import entry, main
from bot.pnr import mask
from tests.helpers import demo_campaign

PROJECT = Path(__file__).resolve().parents[2]
TEST_LIST = PROJECT / "mock_personalverktyg" / "seed" / "testpersonnummer.txt"


def official_numbers(count: int) -> list[str]:
    """The first `count` of Skatteverket's test personnummer."""
    return TEST_LIST.read_text().split()[:count]


@pytest.fixture(autouse=True)
def fresh_logging():
    """Each test starts and ends with structlog's defaults and no utskick handler on the root logger."""

    def reset() -> None:
        structlog.reset_defaults()
        root = logging.getLogger()
        for handler in list(root.handlers):
            if getattr(handler, "_utskick", False):
                root.removeHandler(handler)
                handler.close()

    reset()
    previous = os.umask(0o022)
    os.umask(previous)
    yield
    reset()
    os.umask(previous)


def test_internal_error_in_validate_should_show_no_locals_and_no_personnummer(tmp_path, monkeypatch, capsys):
    numbers = official_numbers(4)

    def broken_read_delivery(path, password_env):
        delivery_bytes = "\n".join(numbers).encode()  # a local a console renderer with locals would print
        raise RuntimeError(f"fel i rad 3: {numbers[2]} ({len(delivery_bytes)} byte)")

    monkeypatch.setattr(bot.commands.validate, "read_delivery", broken_read_delivery)
    monkeypatch.setattr(sys, "argv", ["utskick", "validate", str(tmp_path / "leverans.txt")])

    with pytest.raises(SystemExit) as stopped:
        entry()

    captured = capsys.readouterr()
    shown = captured.out + captured.err
    assert stopped.value.code == 1
    assert "internal_error" in shown and "RuntimeError" in shown
    assert "locals" not in shown and "b'18" not in shown, "no local variables in a traceback"
    assert mask(numbers[2]) in shown, "the exception message is there, masked"
    for number in numbers:
        assert number not in shown and number[2:] not in shown and f"{number[:8]}-{number[8:]}" not in shown


def test_entry_should_make_every_new_file_owner_only(tmp_path, monkeypatch):
    os.umask(0)
    monkeypatch.setattr(sys, "argv", ["utskick", "--version"])
    with pytest.raises(SystemExit):
        entry()
    created = tmp_path / "skapad"
    created.mkdir()
    assert created.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize(
    "cdp_url",
    [
        "http://10.1.2.3:9222",
        "http://example.org:9222",
        "ws://192.168.1.5:9222/devtools/browser/x",
        "http://0.0.0.0:9222",
        "http://user:pw@127.0.0.1:9222",
        "file:///tmp/x",
    ],
)
def test_run_should_refuse_a_cdp_url_off_this_machine_with_exit_2(tmp_path, cdp_url):
    campaign = demo_campaign(tmp_path, f'session = "cdp"\ncdp_url = "{cdp_url}"')

    result = CliRunner().invoke(main, ["run", str(campaign), "--yes"])

    assert result.exit_code == 2, result.output
    assert "staff_tool.cdp_url" in result.output and "den här datorn" in result.output
    left = [p.relative_to(tmp_path / "var") for p in (tmp_path / "var").rglob("*") if p.is_file()]
    assert [p.parent.name for p in left] == ["logs"], "nothing was started: only the refusal's log file"
    assert json.loads((tmp_path / "var" / left[0]).read_text(encoding="utf-8"))["event"] == "run_refused"


@pytest.mark.parametrize("cdp_url", ["http://127.0.0.1:9222", "http://localhost:9222", "http://[::1]:9222"])
def test_campaign_should_accept_a_cdp_url_on_loopback(tmp_path, cdp_url):
    from bot.config import load_campaign

    assert load_campaign(demo_campaign(tmp_path, f'session = "cdp"\ncdp_url = "{cdp_url}"')).cdp_url == cdp_url
