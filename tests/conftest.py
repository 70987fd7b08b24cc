"""Shared fixtures: the real mock served over HTTP on port 0, and pytest-playwright wired to a local Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from bot.ledger.target import PostgresTarget
from bot.run.chromium import LAUNCH_ARGS, find_chromium
from tests.helpers import LiveMock, serve_mock
from tests.pg_server import PgServer
from tests.pg_server import available as pg_available

# The tests' own `expect(...)` waits: Playwright's 5 s is too short for an upload on two busy cores (the bot's
# flows always pass their own timeout).
expect.set_options(timeout=15_000)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def mock_skin(request: pytest.FixtureRequest) -> str:
    """The mock's skin: "classic" unless a test asks for another with
    `@pytest.mark.parametrize("mock_skin", ["spa"], indirect=True)` (or ALL_SKINS from tests.helpers for every skin)."""
    from mock_personalverktyg import SKINS

    skin = getattr(request, "param", "classic")
    if skin not in SKINS:
        pytest.fail(f"Okänt utseende för mocken: {skin!r} (välj bland {SKINS})")
    return skin


@pytest.fixture(scope="session")
def live_mock(mock_skin: str) -> Iterator[LiveMock]:
    """One mock per skin for the session; tests reset it through the QA API when they need a clean state."""
    server = serve_mock({"CHECK_DELAY_MS": 50}, skin=mock_skin)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def base_url(live_mock: LiveMock) -> str:
    """Hand the live mock's URL to pytest-playwright's `page.goto("/...")`."""
    return live_mock.url


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The Chromium the suite drives; `make test` installs one before the tests start."""
    path = find_chromium()
    if not path:
        pytest.fail("Ingen Chromium hittades: kör `make test` (installerar en) eller sätt UTSKICK_CHROMIUM.")
    return path


@pytest.fixture(autouse=True)
def secrets_left_as_found() -> Iterator[None]:
    """A test that takes secrets out of the process environment (as the window does at start) puts them back: the
    test ledger's password must reach every later test's runner processes, whatever the test order."""
    from bot.secret_env import SECRET_NAME

    before = {k: v for k, v in os.environ.items() if SECRET_NAME.search(k)}
    yield
    after = {k: v for k, v in os.environ.items() if SECRET_NAME.search(k)}
    lost = sorted(set(before) - set(after))
    assert not lost, f"the test took {lost} out of the environment and did not put them back"


@pytest.fixture
def page(page: Page) -> Iterator[Page]:
    """pytest-playwright's page; a route handler still fetching from the mock when the test ends is let go
    quietly (the closing context would fail it, and Playwright reports that in the next test's set-up)."""
    yield page
    if not page.is_closed():
        with suppress(PlaywrightError):  # the test may have closed its context or browser itself
            page.unroute_all(behavior="ignoreErrors")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict, chromium_path: str) -> dict:
    """Launch the discovered Chromium with the flags a closed network needs."""
    return {**browser_type_launch_args, "executable_path": chromium_path, "args": list(LAUNCH_ARGS)}


@pytest.fixture(autouse=True)
def logging_as_the_console_script_sets_it() -> Iterator[None]:
    """Commands invoked in-process (CliRunner) start with logging as `entry()` leaves it (no console events without
    -v), whatever an earlier test configured: results must not depend on test order."""
    from bot.logging_setup import configure_logging

    configure_logging(None)
    yield


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A real PostgreSQL 15 in a temporary folder for the session (Debian's binaries; `make setup` installs them)."""
    why_not = pg_available()
    if why_not:
        pytest.fail(why_not)
    server = PgServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def ledger_backend(request: pytest.FixtureRequest) -> str:
    """Each ledger test runs on both backends."""
    return request.param


@pytest.fixture
def ledger_target(ledger_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Path | PostgresTarget:
    """A fresh ledger: a SQLite file in tmp_path, or an empty database on the session's PostgreSQL."""
    if ledger_backend == "sqlite":
        return tmp_path / "ledger.sqlite"
    return request.getfixturevalue("pg_server").new_database()
