"""The flows' condition waits in a real browser: each returns once its condition holds, and times out when it never
does (the page changes itself with timers, as a tool's script would)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from flows.readiness import Condition, ReadinessTimeout, wait_all
from flows.waits import (
    wait_count,
    wait_enabled,
    wait_no_text,
    wait_none_visible,
    wait_text,
    wait_value,
)

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


# wait_all: every condition of a readiness entry in one in-page wait, a refusal in the same predicate ------------

TIMED = "for (const [ms, js] of {steps}) setTimeout(() => eval(js), ms);"


def _timed(page: Page, body: str, *steps: tuple[int, str]) -> Page:
    """A page whose script changes it at the given times (ms after load), as a tool's own script would."""
    script = TIMED.format(steps=json.dumps([list(step) for step in steps]))
    page.set_content(f"<main>{body}</main><script>{script}</script>")
    return page


FORM = "<label>Personnummer <input id='pnr' value='19121212-1212'></label><button id='add' disabled>Lägg till</button>"


def _ready(page: Page, count: int | None = None) -> list[Condition]:
    conditions = [
        Condition("empty", page.get_by_label("Personnummer"), label="empty pnr"),
        Condition("enabled", page.get_by_role("button", name="Lägg till"), label="enabled add"),
    ]
    if count is not None:
        conditions.append(Condition("count", page.locator("li"), count, "count rows"))
    return conditions


def test_wait_all_should_return_once_every_condition_holds(page: Page):
    _timed(
        page,
        FORM + "<ul></ul>",
        (200, "document.getElementById('pnr').value = ''"),
        (400, "document.querySelector('ul').append(document.createElement('li'))"),
        (600, "document.getElementById('add').disabled = false"),
    )
    assert wait_all(_ready(page, count=1), page.locator("#fel"), 10_000) is True
    assert page.get_by_role("button", name="Lägg till").is_enabled()
    assert page.get_by_label("Personnummer").input_value() == "" and page.locator("li").count() == 1


@pytest.mark.parametrize(
    "refusal",
    [
        "const p = document.createElement('p'); p.id = 'fel'; p.textContent = 'Ogiltigt'; document.body.append(p)",
        "document.getElementById('fel').hidden = false",
    ],
    ids=["drawn anew", "unhidden"],
)
def test_wait_all_should_end_early_when_the_refusal_shows(page: Page, refusal: str):
    body = FORM if refusal.startswith("const") else FORM + "<p id='fel' hidden>Ogiltigt</p>"
    _timed(page, body, (300, refusal))
    # The field keeps its text and Lägg till stays disabled: only the refusal can end the wait before a minute.
    assert wait_all(_ready(page), page.locator("#fel"), 60_000) is False


def test_wait_all_should_time_out_naming_the_condition_that_never_held(page: Page):
    _timed(page, FORM, (100, "document.getElementById('pnr').value = ''"))
    with pytest.raises(ReadinessTimeout) as timed_out:
        wait_all(_ready(page), page.locator("#fel"), 1000)
    assert timed_out.value.condition is not None and timed_out.value.condition.label == "enabled add"


def test_wait_all_should_judge_elements_rendered_anew_not_the_ones_they_replaced(page: Page):
    swap = (
        "const field = document.getElementById('pnr'); const newField = field.cloneNode();"
        " newField.value = '19121212-1212'; field.value = ''; field.replaceWith(newField);"
        " const add = document.getElementById('add'); const newAdd = add.cloneNode(true); add.disabled = false;"
        " add.replaceWith(newAdd);"
    )
    _timed(
        page,
        FORM,
        (200, swap),  # the old field empties and the old button is enabled as they go: the new ones are not ready
        (700, "document.getElementById('pnr').value = ''"),
        (900, "document.getElementById('add').disabled = false"),
    )
    assert wait_all(_ready(page), None, 10_000) is True
    assert page.get_by_label("Personnummer").input_value() == ""
    assert page.get_by_role("button", name="Lägg till").is_enabled()


def test_wait_all_should_see_a_busy_element_that_came_after_the_first_look(page: Page):
    _timed(
        page,
        "<p class='busy'>Laddar</p>",
        (
            200,
            "const p = document.createElement('p'); p.className = 'busy'; p.textContent = 'Laddar';"
            " document.body.append(p); document.querySelector('.busy').hidden = true",
        ),
        (700, "document.querySelectorAll('.busy').forEach(p => p.hidden = true)"),
    )
    assert wait_all([Condition("gone", page.locator(".busy"), label="gone busy")], None, 10_000) is True
    assert page.locator(".busy").filter(visible=True).count() == 0


@pytest.mark.parametrize(
    "button",
    [
        "<button aria-disabled='true'>Lägg till</button>",
        "<div aria-disabled='true'><button>Lägg till</button></div>",
        "<fieldset disabled><button>Lägg till</button></fieldset>",
    ],
    ids=["aria-disabled", "aria-disabled ancestor", "disabled fieldset"],
)
def test_wait_all_should_take_enabled_as_playwright_does(page: Page, button: str):
    _timed(page, button)
    assert page.get_by_role("button", name="Lägg till").is_disabled()
    with pytest.raises(ReadinessTimeout):
        wait_all([Condition("enabled", page.get_by_role("button", name="Lägg till"), label="enabled add")], None, 500)
