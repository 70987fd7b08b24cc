"""A browser that dies while a page is being made can leave Playwright waiting for ever (no timeout covers
new_page or close): the session ends the stuck driver, the call fails as a closed browser, and a relaunch works."""

from __future__ import annotations

import pytest

from bot.run import browser as browser_module
from bot.run.browser import BrowserSession, BrowserSettings
from tests.helpers import in_own_thread

pytestmark = pytest.mark.e2e


def test_browser_session_should_end_a_stuck_driver_and_relaunch(tmp_path, monkeypatch):
    in_own_thread(_end_a_stuck_driver_and_relaunch, tmp_path, monkeypatch, timeout=120)


def _end_a_stuck_driver_and_relaunch(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(browser_module, "STUCK_AFTER_S", 1.0)
    settings = BrowserSettings(artifacts=tmp_path / "artefakter", timeout_ms=500)
    with BrowserSession(settings, "http://127.0.0.1:9") as session:
        stuck_page = session._browser.new_context().new_page()  # outlives the context recycle() closes

        def new_page_that_never_answers() -> None:
            # A promise that never settles: Playwright waits on it with no timeout, as on a page of a dead browser.
            stuck_page.evaluate("new Promise(() => {})")

        monkeypatch.setattr(session, "_new_page", new_page_that_never_answers)
        assert session.recycle() is None
        assert not session.alive()
        monkeypatch.undo()

        page = session.relaunch()
        page.set_content("<title>igen</title>")
        assert page.title() == "igen"
        assert session.alive()
