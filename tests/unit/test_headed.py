"""`--headed` and `--slowmo`: a Chromium that can show a window, or a clear Swedish refusal before anything runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.run.browser import BrowserSession, BrowserSettings
from bot.run.chromium import HeadedUnavailable, find_headed_chromium, require_headed_chromium
from tests.helpers import official_test_numbers, write_campaign


def _executable(folder: Path, name: str, body: str = "#!/bin/sh\nexit 0\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(body)
    path.chmod(0o755)
    return path


@pytest.fixture
def bare_path(tmp_path, monkeypatch) -> Path:
    """A PATH with only a test folder on it, no UTSKICK_CHROMIUM, and a display."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    monkeypatch.delenv("UTSKICK_CHROMIUM", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr("bot.run.chromium.playwright_own_chromium", lambda: None)
    return folder


def test_headed_should_find_a_full_chromium_and_never_the_headless_shell(bare_path):
    _executable(bare_path, "chromium-headless-shell")
    assert find_headed_chromium() is None
    full = _executable(bare_path, "google-chrome")
    assert find_headed_chromium() == str(full)


def test_headed_should_not_take_debians_headless_shell_wrapper_under_another_name(bare_path, monkeypatch):
    wrapper = _executable(bare_path, "chromium", '#!/bin/sh\nexec /usr/lib/chromium/chromium-headless-shell "$@"\n')
    assert find_headed_chromium() is None
    monkeypatch.setenv("UTSKICK_CHROMIUM", str(wrapper))
    assert find_headed_chromium() is None


def test_headed_should_refuse_in_swedish_without_a_display(bare_path, monkeypatch):
    _executable(bare_path, "chromium")
    monkeypatch.delenv("DISPLAY")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(HeadedUnavailable, match="kräver en skärm"):
        require_headed_chromium()


def test_headed_should_refuse_in_swedish_when_no_full_chromium_can_be_found_or_installed(bare_path):
    with pytest.raises(HeadedUnavailable) as info:
        require_headed_chromium()  # no apt-get on this PATH: nothing is installed
    assert "chromium-headless-shell kan inte" in str(info.value) and "UTSKICK_CHROMIUM" in str(info.value)


def test_run_headed_should_stop_before_anything_runs_with_a_clear_message(tmp_path):
    setup = write_campaign(tmp_path, "http://127.0.0.1:9", official_test_numbers(3950, 1))
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "UTSKICK_CHROMIUM")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.commands.cli",
            "run",
            str(setup.campaign),
            "--delivery",
            str(setup.delivery),
            "--yes",
            "--headed",
        ],
        env={**env, "UTSKICK_PASSWORD": "x", "PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert "Fel: --headed kräver en skärm" in result.stderr
    assert not setup.ledger.exists(), "nothing ran"


def test_slowmo_should_reach_the_browser_launch():
    session = BrowserSession(BrowserSettings(slow_mo_ms=250, executable_path="/bin/true"), "http://127.0.0.1:9")
    assert session._launch_kwargs()["slow_mo"] == 250
