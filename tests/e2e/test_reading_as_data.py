"""Reading as data: a records field may come from an element's text, accessible name, description, title, value or
a named attribute, of the row or of an icon inside it; and a tool whose recipient check is only an icon's
accessible name in its own words is read right by a selectors override alone (issue 25, item 2)."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route

from bot.config import DEFAULT_SELECTORS
from bot.errors import SelectorError, UnknownCheckResult
from bot.locators import Selectors
from flows import recipients as recipients_flow
from flows.login import Credentials, LoginRequest, open_staff_tool
from flows.recipients import prepare_recipients
from flows.screen import Screen
from flows.send import choose_template, open_wizard
from tests.helpers import QA, official_test_numbers

pytestmark = [pytest.mark.e2e]

# One row per way a field can be read; the visible text never holds what the sources read.
SOURCES_PAGE = """
<!doctype html><html lang="sv"><body>
<span id="etikett-1" hidden>Kan inte ta emot: spärrad</span>
<ul aria-label="Rader">
  <li data-id="A-1">A-1 <svg class="status" role="img" aria-label="Kan ta emot"></svg></li>
  <li data-id="A-2">A-2 <svg class="status" role="img" aria-labelledby="etikett-1"></svg></li>
  <li data-id="A-3">A-3 <svg class="status" role="img"><title>Avliden</title><desc>Sedan 2026</desc></svg></li>
  <li data-id="A-4">A-4 <span class="status" title="Aldrig inloggad">!</span></li>
  <li data-id="A-5">A-5 <input class="status" value="Ingen avisering" aria-label="Resultat"></li>
  <li data-id="A-6">A-6 <img class="status" alt="Samordningsnummer" src="data:,"></li>
  <li data-id="A-7">A-7</li>
</ul>
</body></html>
"""


def read_rows(page: Page, tmp_path: Path, fields: str) -> list[dict[str, str]]:
    """The records of SOURCES_PAGE read as `receipt.sent` with these TOML `fields` (arende_id from the row text)."""
    override = tmp_path / "site.toml"
    override.write_text(
        '[receipt]\ntable = { role = "list", name = "Rader" }\n'
        '[receipt.sent]\nrecords = "receipt.table"\nrow = "li"\n'
        f"pattern = '(?P<arende_id>A-\\d+)'\nfields = {{ {fields} }}\n",
        encoding="utf-8",
    )
    page.set_content(SOURCES_PAGE)
    return Screen(page, Selectors.load(DEFAULT_SELECTORS, override), timeout_ms=5000).read_records("receipt.sent")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            '{ from = "accessible_name", inside = { css = ".status" } }',
            [
                "Kan ta emot",
                "Kan inte ta emot: spärrad",
                "Avliden",
                "Aldrig inloggad",
                "Resultat",
                "Samordningsnummer",
                "",
            ],
        ),
        ('{ attribute = "aria-label", inside = { css = ".status" } }', ["Kan ta emot", "", "", "", "Resultat", "", ""]),
        ('{ from = "title", inside = { css = ".status" } }', ["", "", "Avliden", "Aldrig inloggad", "", "", ""]),
        ('{ from = "description", inside = { css = ".status" } }', ["", "", "Sedan 2026", "", "", "", ""]),
        ('{ from = "value", inside = { css = "input" } }', ["", "", "", "", "Ingen avisering", "", ""]),
        ('{ attribute = "data-id" }', ["A-1", "A-2", "A-3", "A-4", "A-5", "A-6", "A-7"]),
        ('{ from = "text", inside = { css = "span.status" } }', ["", "", "", "!", "", "", ""]),
    ],
)
def test_record_field_should_be_read_from_the_source_the_data_names(
    page: Page, tmp_path: Path, source: str, expected: list[str]
):
    rows = read_rows(page, tmp_path, f"pnr = {source}")

    assert [row["arende_id"] for row in rows] == [f"A-{n}" for n in range(1, 8)]
    assert [row["pnr"] for row in rows] == expected


# Build B: the check result is only in an icon's accessible name, in the tool's own words.
SITE_WORDS = {
    "Invånaren har aldrig loggat in på 1177": "Kan inte ta emot: Invånaren har aldrig loggat in i 1177",
    "Invånarens inloggning är spärrad": "Kan inte ta emot: Inloggningen är blockerad",
    "Invånaren har ingen avisering (SMS eller e-post) aktiverad": "Kan inte ta emot: Ingen notiskanal",
}
_RESULT = re.compile(r'<span class="result">(?P<inner>.*?)</span>(?=\s*<button)', re.DOTALL)
_ERROR = re.compile(r'<span class="check-error">(?P<text>[^<]*)</span>')

ICON_OVERRIDE = """
[step2.recipients]
records = "step2.list"
row = "li"
pattern = '(?P<pnr>\\d{8}-\\d{4})'
fields = { result = { from = "accessible_name", inside = { css = "svg.status" } } }

[check_results]
ok = "Kan ta emot"

[[check_results.texts]]
pattern = "Kan inte ta emot: .*aldrig loggat in"
reason = "never_logged_in"

[[check_results.texts]]
pattern = "Kan inte ta emot: .*blockerad"
reason = "login_locked"

[[check_results.texts]]
pattern = "Kan inte ta emot: Ingen notiskanal"
reason = "no_notification"
"""


def as_icon(row_html: str) -> str:
    """A checked row's result as an icon whose accessible name is the tool's own words; no visible text."""

    def icon(match: re.Match[str]) -> str:
        inner = match["inner"]
        if "Kontrollerar" in inner:
            return match[0]  # the check still runs: the spinner text stays visible
        error = _ERROR.search(inner)
        words = SITE_WORDS[error["text"]] if error else "Kan ta emot meddelanden"
        return f'<span class="result"><svg class="status" role="img" aria-label="{words}" width="16"></svg></span>'

    return _RESULT.sub(icon, row_html)


def serve_icons(route: Route) -> None:
    """The mock's recipient API, with every row drawn as Build B draws it."""
    response = route.fetch()
    body = response.json() if "json" in response.headers.get("content-type", "") else None
    if not body:
        route.fulfill(response=response)
        return
    for row in [body["row"]] if "row" in body else body.get("rows", []):
        row["html"] = as_icon(row["html"])
    route.fulfill(response=response, body=json.dumps(body), content_type="application/json")


def build_b_step2(page: Page, selectors: Selectors) -> Screen:
    """Logged in, template chosen, at step 2 of a mock whose recipient rows are drawn as Build B draws them."""
    page.route("**/utkast/*/mottagare**", serve_icons)
    screen = Screen(page, selectors, timeout_ms=10000)
    open_staff_tool(screen, LoginRequest("Vårdcentralen Centrum", Credentials("SE2321000016-A001", "utskick-demo")))
    open_wizard(screen)
    choose_template(screen, "Meddelande till invånare")
    return screen


def test_recipients_flow_should_read_the_reason_from_an_icons_accessible_name_by_data_only(
    page: Page, qa: QA, tmp_path: Path
):
    ok, never, locked, silent = official_test_numbers(2420, 4)
    qa.reachable(ok, never, locked, silent)
    qa.set_citizen(never, login="never")
    qa.set_citizen(locked, login="locked")
    qa.set_citizen(silent, notify=[])
    override = tmp_path / "build-b.toml"
    override.write_text(ICON_OVERRIDE, encoding="utf-8")
    screen = build_b_step2(page, Selectors.load(DEFAULT_SELECTORS, override))

    recipients = prepare_recipients(screen, [ok, never, locked, silent])

    assert page.get_by_role("img", name="Kan ta emot meddelanden").count() == 1  # Build B was really served
    assert "Kan ta emot" not in page.get_by_role("list", name="Mottagare").inner_text()
    assert recipients.checked == {
        ok: ("ok", ""),
        never: ("never_logged_in", "Kan inte ta emot: Invånaren har aldrig loggat in i 1177"),
        locked: ("login_locked", "Kan inte ta emot: Inloggningen är blockerad"),
        silent: ("no_notification", "Kan inte ta emot: Ingen notiskanal"),
    }
    assert recipients.not_added == {}


def test_unknown_check_result_should_name_the_icon_inside_the_row_and_the_field_to_write(page: Page, qa: QA):
    (never,) = official_test_numbers(2430, 1)
    qa.reachable(never)
    qa.set_citizen(never, login="never")
    screen = build_b_step2(page, Selectors.load(DEFAULT_SELECTORS))

    with pytest.raises(UnknownCheckResult) as caught:  # the default pattern reads the row's text: "Ta bort"
        prepare_recipients(screen, [never])

    message = str(caught.value)
    assert caught.value.text == "Ta bort"
    assert "svg.status med namnet 'Kan inte ta emot: Invånaren har aldrig loggat in i 1177'" in message
    assert 'fields = { result = { from = "accessible_name", inside = { css = "svg.status" } } }' in message
    assert never not in message and never[2:] not in message


def test_empty_check_result_should_name_the_icon_inside_the_row_not_blame_the_row(page: Page, qa: QA, tmp_path: Path):
    (locked,) = official_test_numbers(2440, 1)
    qa.reachable(locked)
    qa.set_citizen(locked, login="locked")
    override = tmp_path / "text-only.toml"
    icon = 'from = "accessible_name", inside = { css = "svg.status" }'
    override.write_text(ICON_OVERRIDE.replace(icon, 'inside = { css = ".result" }'), encoding="utf-8")
    screen = build_b_step2(page, Selectors.load(DEFAULT_SELECTORS, override))

    with pytest.raises(SelectorError) as caught:
        prepare_recipients(screen, [locked])

    assert caught.value.selector == "step2.recipients"
    assert "Raden visar inget kontrollresultat som text" in str(caught.value)
    assert "svg.status med namnet 'Kan inte ta emot: Inloggningen är blockerad'" in str(caught.value)


def test_unknown_check_result_should_stop_once_the_text_settled_not_after_the_step_timeout(
    page: Page, qa: QA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    (never,) = official_test_numbers(2450, 1)
    qa.reachable(never)
    qa.set_citizen(never, login="never")
    override = tmp_path / "site.toml"
    override.write_text('[check_results]\nnever_logged_in = "kan inte ta emot"\n', encoding="utf-8")
    screen = Screen(page, Selectors.load(DEFAULT_SELECTORS, override), timeout_ms=30_000)
    open_staff_tool(screen, LoginRequest("Vårdcentralen Centrum", Credentials("SE2321000016-A001", "utskick-demo")))
    open_wizard(screen)
    choose_template(screen, "Meddelande till invånare")
    # What the bot asks to wait for once it reads the unknown text, not how long the machine took.
    asked_s: list[float] = []
    wait_page_change = recipients_flow._wait_page_change

    def recorded(screen: Screen, mark: int, until: float) -> None:
        if sys._getframe(1).f_code is recipients_flow._settled_text.__code__:
            asked_s.append(until - time.monotonic())
        wait_page_change(screen, mark, until)

    monkeypatch.setattr(recipients_flow, "_wait_page_change", recorded)

    with pytest.raises(UnknownCheckResult) as caught:
        prepare_recipients(screen, [never])

    assert "aldrig loggat in på 1177" in caught.value.text
    # The row's text settled at once; waiting out the step's 30 s for a text that will not change helps no one.
    assert asked_s and max(asked_s) <= recipients_flow.SETTLED_MS / 1000, asked_s


SPINNER_ICON = '<span class="result"><svg class="status" role="img" aria-label="Kontrollerar mottagaren"></svg></span>'


def test_check_shown_as_an_icon_named_kontrollerar_should_be_waited_for_not_retried(page: Page, qa: QA, tmp_path: Path):
    ok, never = official_test_numbers(2460, 2)
    qa.reachable(ok, never)
    qa.set_citizen(never, login="never")
    override = tmp_path / "build-b.toml"
    override.write_text(ICON_OVERRIDE, encoding="utf-8")
    checking_until = [0.0]

    def spinner_icons(route: Route) -> None:
        """Build B, whose check runs a while and shows only an icon named "Kontrollerar mottagaren" meanwhile."""
        response = route.fetch()
        body = response.json() if "json" in response.headers.get("content-type", "") else None
        if not body:
            route.fulfill(response=response)
            return
        for row in [body["row"]] if "row" in body else body.get("rows", []):
            if time.monotonic() < checking_until[0]:
                row["status"] = "pending"
                row["html"] = _RESULT.sub(
                    SPINNER_ICON, re.sub(r'data-status="\w+"', 'data-status="pending"', row["html"])
                )
            else:
                row["html"] = as_icon(row["html"])
        route.fulfill(response=response, body=json.dumps(body), content_type="application/json")

    page.route("**/utkast/*/mottagare**", spinner_icons)
    screen = Screen(page, Selectors.load(DEFAULT_SELECTORS, override), timeout_ms=15_000)
    open_staff_tool(screen, LoginRequest("Vårdcentralen Centrum", Credentials("SE2321000016-A001", "utskick-demo")))
    open_wizard(screen)
    choose_template(screen, "Meddelande till invånare")
    removals: list[str] = []
    page.on("request", lambda request: removals.append(request.url) if request.method == "DELETE" else None)
    checking_until[0] = time.monotonic() + 3

    recipients = prepare_recipients(screen, [ok, never])

    assert recipients.checked == {
        ok: ("ok", ""),
        never: ("never_logged_in", "Kan inte ta emot: Invånaren har aldrig loggat in i 1177"),
    }
    assert recipients.not_added == {} and removals == []  # waited for the check, never removed and added again
