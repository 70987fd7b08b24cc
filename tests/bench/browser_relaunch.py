"""What a dead browser costs a run (issue 27): the bot's own `BrowserSession`, logged in at Mina ärenden against a
local mock, has its Chromium processes SIGKILLed (as the OOM killer would); measured is `relaunch()` (a new
Chromium, context and page) and the new login to Mina ärenden, against a first launch and login.

    python -m tests.bench.browser_relaunch [--rounds 5]

Prints one BENCH-RESULT line (medians in ms). Not a test module: pytest never collects it.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import time

import psutil

from bot.locators import Selectors
from bot.run.browser import BrowserSession, BrowserSettings
from bot.run.chromium import find_chromium
from flows.login import Credentials, LoginRequest, open_staff_tool
from flows.screen import Screen
from tests.bench.common import HSA_ID, PASSWORD, UNIT_NAME, MockProcess, emit
from tests.helpers import PROJECT


def _kill_chromium() -> None:
    """SIGKILL every Chromium process under this one and wait until they are gone."""
    victims = [p for p in psutil.Process().children(recursive=True) if "chrom" in p.name().lower()]
    for p in victims:
        p.send_signal(signal.SIGKILL)
    psutil.wait_procs(victims, timeout=10)


def _login(session: BrowserSession, selectors: Selectors, url: str) -> None:
    screen = Screen(session.page, selectors, session.settings.timeout_ms)
    open_staff_tool(screen, LoginRequest(UNIT_NAME, Credentials(HSA_ID, PASSWORD), f"{url}/"))


def measure(url: str, rounds: int) -> dict:
    """Median ms of a first launch+login and of a relaunch+login after the browser was killed."""
    selectors = Selectors.load(PROJECT / "selectors" / "personalverktyg.toml")
    settings = BrowserSettings(executable_path=find_chromium(), trace="off")
    first, relaunch, login_again = [], [], []
    for _ in range(rounds):
        started = time.perf_counter()
        with BrowserSession(settings, url) as session:
            _login(session, selectors, url)
            first.append((time.perf_counter() - started) * 1000)
            _kill_chromium()
            started = time.perf_counter()
            session.relaunch()
            launched = time.perf_counter()
            _login(session, selectors, url)
            relaunch.append((launched - started) * 1000)
            login_again.append((time.perf_counter() - launched) * 1000)
    return {
        "part": "browser_relaunch",
        "rounds": rounds,
        "first_launch_and_login_ms": round(statistics.median(first)),
        "relaunch_ms": round(statistics.median(relaunch)),
        "login_after_relaunch_ms": round(statistics.median(login_again)),
        "relaunch_and_login_ms": round(statistics.median(r + g for r, g in zip(relaunch, login_again, strict=True))),
    }


def main(argv: list[str] | None = None) -> int:
    """Serve the mock, measure, print the result line."""
    parser = argparse.ArgumentParser(description="What a relaunch of a dead browser costs.")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with MockProcess() as mock:
        emit(measure(mock.url, args.rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
