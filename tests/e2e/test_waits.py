"""The flows' condition waits in a real browser: each returns once its condition holds, and times out when it never
does (the page changes itself with timers, as a tool's script would)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from flows.waits import wait_count, wait_enabled, wait_no_text, wait_none_visible, wait_text, wait_value

pytestmark = pytest.mark.e2e

LATER = "setTimeout(() => {{ {} }}, 300);"


def _page(page: Page, body: str, script: str = "") -> Page:
    page.set_content(f"<main>{body}</main><script>{LATER.format(script) if script else ''}</script>")
    return page


def test_wait_enabled_should_return_once_a_disabled_button_is_enabled(page: Page):
    _page(page, "<button disabled>Lägg till</button>", "document.querySelector('button').disabled = false;")
    wait_enabled(page.get_by_role("button", name="Lägg till"), 5000)
    assert page.get_by_role("button", name="Lägg till").is_enabled()


def test_wait_enabled_should_time_out_on_an_aria_disabled_link(page: Page):
    _page(page, "<a href='#' aria-disabled='true'>Nästa sida</a>")
    with pytest.raises(PlaywrightTimeout):
        wait_enabled(page.get_by_role("link", name="Nästa sida"), 500)


def test_wait_count_should_return_when_the_rows_reach_the_count(page: Page):
    add = "for (let i = 0; i < 3; i++) document.querySelector('ul').append(document.createElement('li'));"
    _page(page, "<ul></ul>", add)
    wait_count(page.locator("li"), 3, 5000)
    assert page.locator("li").count() == 3


@pytest.mark.parametrize(("rows", "wanted"), [(3, 2), (1, 2), (1, 0)])
def test_wait_count_should_time_out_when_the_count_is_another(page: Page, rows: int, wanted: int):
    _page(page, "<ul>" + "<li></li>" * rows + "</ul>")
    with pytest.raises(PlaywrightTimeout):
        wait_count(page.locator("li"), wanted, 500)


def test_wait_value_should_follow_a_field_the_page_renders_anew(page: Page):
    swap = (
        "const old = document.querySelector('input'); const fresh = old.cloneNode(); fresh.value = '';"
        " old.replaceWith(fresh);"
    )
    _page(page, "<label>Personnummer <input value='19121212-1212'></label>", swap)
    wait_value(page.get_by_label("Personnummer"), "", 5000)
    assert page.get_by_label("Personnummer").input_value() == ""


def test_wait_value_should_time_out_while_the_field_keeps_its_text(page: Page):
    _page(page, "<label>Personnummer <input value='19121212-1212'></label>")
    with pytest.raises(PlaywrightTimeout):
        wait_value(page.get_by_label("Personnummer"), "", 500)


def test_wait_text_and_no_text_should_follow_a_spinner_replaced_by_a_result(page: Page):
    _page(page, "<ul><li>Kontrollerar…</li></ul>", "document.querySelector('li').textContent = 'Aktiv inloggning';")
    rows = page.locator("li")
    with pytest.raises(PlaywrightTimeout):
        wait_text(rows.first, "aktiv inloggning", 1000)  # a plain string is matched with its case
    wait_no_text(rows, re.compile("Kontrollerar"), 5000)
    wait_text(rows.first, re.compile("Aktiv inloggning"), 1000)


def test_wait_none_visible_should_ignore_hidden_elements_and_wait_for_visible_ones(page: Page):
    _page(
        page,
        "<p class='busy' hidden>Laddar</p><p class='busy' id='now'>Laddar</p>",
        "document.getElementById('now').hidden = true;",
    )
    wait_none_visible(page.locator(".busy"), 5000)
    assert page.locator(".busy").count() == 2
    _page(page, "<p class='busy'>Laddar</p>")
    with pytest.raises(PlaywrightTimeout):
        wait_none_visible(page.locator(".busy"), 500)
