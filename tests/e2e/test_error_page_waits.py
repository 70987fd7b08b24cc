"""A page the staff tool answered with a 5xx is the server error, whatever it shows: the waits for an element answer
at once instead of waiting out the step's time, and never take the error page's own header for the next page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route

from bot.config import DEFAULT_SELECTORS
from bot.errors import StaffToolServerError
from bot.locators import Selectors
from flows.screen import Screen

pytestmark = pytest.mark.e2e

TOOL = "http://personalverktyget.test"
# The tool's error page keeps its layout: the header with "Mina ärenden" is there, the page is not.
ERROR_PAGE = """<!doctype html><html lang="sv"><body>
<header><nav><a href="/mina">Mina ärenden</a> <a href="/mottagning">Mottagningens ärenden</a></nav></header>
<main><h1>Tekniskt fel</h1><p>Något gick fel. Försök igen senare.</p></main></body></html>"""


def _answer(status: int):
    def fulfil(route: Route) -> None:
        route.fulfill(status=status, content_type="text/html; charset=utf-8", body=ERROR_PAGE)

    return fulfil


@pytest.fixture
def screen(page: Page) -> Screen:
    # A step time far beyond the test's: waiting it out would be the bug.
    return Screen(page, Selectors.load(DEFAULT_SELECTORS), timeout_ms=600_000)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_wait_visible_on_a_page_answered_with_a_5xx_should_be_the_server_error(page: Page, screen: Screen, status):
    page.route(f"{TOOL}/**", _answer(status))
    page.goto(f"{TOOL}/start")

    with pytest.raises(StaffToolServerError) as caught:
        screen.wait_visible("nav.my_cases")

    assert f"fel {status}" in str(caught.value)


def test_wait_first_on_a_page_answered_with_a_5xx_should_be_the_server_error(page: Page, screen: Screen):
    page.route(f"{TOOL}/**", _answer(500))
    page.goto(f"{TOOL}/start")

    with pytest.raises(StaffToolServerError):
        screen.wait_first("login.hsa_id", "unit.heading", "nav.my_cases")


def test_the_same_page_answered_with_200_should_be_waited_for_as_usual(page: Page, screen: Screen):
    page.route(f"{TOOL}/**", _answer(200))
    page.goto(f"{TOOL}/start")

    assert screen.wait_visible("nav.my_cases").first.is_visible()
    assert screen.wait_first("login.hsa_id", "nav.my_cases") == "nav.my_cases"
