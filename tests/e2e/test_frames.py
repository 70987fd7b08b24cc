"""Frames and shadow DOM (issue 25, item 5): the staff tool inside an iframe of a portal page is driven, checked and
diagnosed through `[page] frame` alone; a list rendered inside web components' open shadow roots is read as any
other list."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, Route

from bot.config import DEFAULT_SELECTORS
from bot.errors import SessionExpired
from bot.locators import Selectors
from bot.run.preview_shot import MASK_COLOR, save_masked_screenshot
from flows.candidates import closest, page_elements
from flows.field_candidates import hidden_texts
from flows.login import Credentials, LoginRequest, open_staff_tool
from flows.screen import Screen
from flows.send import Message, SendRequest, send_case
from flows.waits import wait_enabled, wait_value
from tests.helpers import (
    BOTH_SKINS_SPA_LONG,
    DEMO_PDF,
    PASSWORD,
    QA,
    SPA_OVERRIDE,
    LiveMock,
    official_test_numbers,
    serve_mock,
    write_campaign,
)

pytestmark = [pytest.mark.e2e]

PORTAL_OVERRIDE = '[page]\nframe = "iframe#personalverktyget"\n'


@pytest.fixture(scope="module")
def portal_mock(mock_skin: str) -> Iterator[LiveMock]:
    """The test's skin (classic unless it asks for another) with Regionportalen (/portal/) showing it in an iframe."""
    server = serve_mock({"CHECK_DELAY_MS": 50, "PORTAL": True}, skin=mock_skin)
    yield server
    server.stop()


@pytest.fixture
def portal_qa(portal_mock: LiveMock) -> Iterator[QA]:
    """The portal mock's QA API, reset."""
    client = QA(portal_mock.url)
    client.reset()
    yield client
    client.faults()


def portal_campaign(
    folder: Path, mock: LiveMock, pnrs: list[str], mode: str = "single", override: str = PORTAL_OVERRIDE
):
    """A campaign whose staff-tool address is the portal page, with `override` as its selectors override."""
    folder.mkdir(parents=True, exist_ok=True)
    site = folder / "portal.toml"
    site.write_text(override, encoding="utf-8")
    return write_campaign(folder, f"{mock.url}/portal", pnrs, mode=mode, staff_tool=f'selectors_override = "{site}"')


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["single", pytest.param("batch", marks=pytest.mark.long)])
def test_run_and_follow_up_through_the_portal_should_work_with_only_the_page_frame_in_the_override(
    tmp_path: Path, portal_mock: LiveMock, portal_qa: QA, mode: str
):
    pnrs = official_test_numbers(3400, 3)
    portal_qa.reachable(*pnrs)
    portal_qa.set_citizen(pnrs[1], login="locked")
    setup = portal_campaign(tmp_path / mode, portal_mock, pnrs, mode=mode)

    result = setup.run("--yes")

    assert result.returncode == 0, result.stderr + result.stdout
    sent = portal_qa.sent()
    assert sorted(s["pnr"] for s in sent) == sorted([pnrs[0], pnrs[2]])
    rows = setup.ledger_rows()
    assert rows[pnrs[1]][0] == "not_reachable"
    assert {s["pnr"]: s["arende_id"] for s in sent} == {p: rows[p][1] for p in (pnrs[0], pnrs[2])}

    portal_qa.read(rows[pnrs[0]][1])
    follow_up = setup.utskick("follow-up")

    assert follow_up.returncode == 0, follow_up.stderr + follow_up.stdout
    assert "Lästa av invånaren: 1" in follow_up.stdout and "Olästa: 1" in follow_up.stdout


def in_portal(override: Path) -> str:
    """A site's selectors override with `[page] frame` added: the same build, shown inside Regionportalen."""
    text = override.read_text(encoding="utf-8")
    return text.replace("[page]\n", PORTAL_OVERRIDE, 1) if "[page]\n" in text else text + "\n" + PORTAL_OVERRIDE


@pytest.mark.slow
@BOTH_SKINS_SPA_LONG
def test_doctor_through_the_portal_should_find_every_key(
    tmp_path: Path, mock_skin: str, portal_mock: LiveMock, portal_qa: QA
):
    pnrs = official_test_numbers(3410, 1)
    portal_qa.reachable(*pnrs)
    override = in_portal(SPA_OVERRIDE) if mock_skin == "spa" else PORTAL_OVERRIDE
    setup = portal_campaign(tmp_path, portal_mock, pnrs, override=override)

    result = setup.utskick("doctor", "--delivery", str(setup.delivery))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Alla nycklar hittades." in result.stdout
    assert portal_qa.sent() == []


@pytest.mark.slow
@pytest.mark.long
def test_doctor_without_the_frame_should_name_the_frame_its_candidates_live_in(
    tmp_path: Path, portal_mock: LiveMock, portal_qa: QA
):
    pnrs = official_test_numbers(3411, 1)
    portal_qa.reachable(*pnrs)
    setup = portal_campaign(tmp_path, portal_mock, pnrs, override="")

    result = setup.utskick("doctor", "--pnr", pnrs[0], "--json")

    assert result.returncode == 3, result.stdout + result.stderr
    assert "fält 'HSA-id' (i ramen frame = \\\"iframe#personalverktyget\\\")" in result.stdout
    assert portal_qa.sent() == []


def test_candidates_should_look_inside_iframes_and_say_which(page: Page, portal_mock: LiveMock):
    page.goto(f"{portal_mock.url}/portal/")
    selectors = Selectors.load(DEFAULT_SELECTORS)
    page.frame_locator("iframe#personalverktyget").get_by_label("HSA-id").wait_for()

    found = page_elements(page, selectors)
    near = closest(selectors, "login.submit", found)

    assert ("heading", "Regionportalen", "") in found
    assert ("button", "Logga in", "iframe#personalverktyget") in found
    assert (near[0].role, near[0].name, near[0].frame, near[0].elsewhere) == (
        "button",
        "Logga in",
        "iframe#personalverktyget",
        True,
    )


# A list of ärenden rendered by web components: every row, cell and header lives in an open shadow root, some rows
# in a nested component's own shadow root, and each status is only in an icon's accessible name.
SHADOW_PAGE = """
<!doctype html><html lang="sv"><body>
<case-list aria-label="Ärenden"></case-list>
<script>
  class CaseRow extends HTMLElement {
    connectedCallback() {
      const root = this.attachShadow({ mode: 'open' });
      const [id, status] = this.dataset.row.split('|');
      root.innerHTML = `<div role="row" class="rad"><span role="cell" class="c">${id}</span>`
        + `<span role="cell" class="c"><svg class="status" role="img" aria-labelledby="s"></svg>`
        + `<span id="s" hidden>${status}</span></span></div>`;
    }
  }
  customElements.define('case-row', CaseRow);
  class CaseList extends HTMLElement {
    connectedCallback() {
      const root = this.attachShadow({ mode: 'open' });
      root.innerHTML = '<div role="table"><div role="row"><span role="columnheader" class="h">Ärende-id</span>'
        + '<span role="columnheader" class="h">Status</span></div>'
        + '<div role="row" class="rad"><span role="cell" class="c">A-1</span>'
        + '<span role="cell" class="c"><svg class="status" role="img" aria-label="Läst av invånare"></svg></span></div>'
        + '<case-row data-row="A-2|Oläst av invånare"></case-row></div>';
    }
  }
  customElements.define('case-list', CaseList);
</script>
</body></html>
"""

SHADOW_OVERRIDE = """
[receipt]
table = { css = "case-list" }

[receipt.sent]
records = "receipt.table"
row = ".rad"
cell = ".c"
header = ".h"
fields = { arende_id = "Ärende-id", pnr = { from = "accessible_name", inside = { css = "svg.status" } } }
"""


def test_records_in_open_shadow_roots_should_be_read_as_any_other_list(page: Page, tmp_path: Path):
    override = tmp_path / "shadow.toml"
    override.write_text(SHADOW_OVERRIDE, encoding="utf-8")
    page.set_content(SHADOW_PAGE)
    screen = Screen(page, Selectors.load(DEFAULT_SELECTORS, override), timeout_ms=5000)

    rows = screen.read_records("receipt.sent")

    assert rows == [
        {"arende_id": "A-1", "pnr": "Läst av invånare"},
        {"arende_id": "A-2", "pnr": "Oläst av invånare"},
    ]


def test_hidden_texts_should_be_found_inside_a_rows_shadow_root(page: Page):
    page.set_content(SHADOW_PAGE)

    found = hidden_texts(page.locator("case-row"))

    assert [(h.css, h.source, h.text) for h in found] == [("svg.status", "accessible_name", "Oläst av invånare")]


def test_candidates_should_see_inside_open_shadow_roots(page: Page):
    page.set_content(SHADOW_PAGE)
    page.locator("case-row").wait_for()

    found = page_elements(page, Selectors.load(DEFAULT_SELECTORS))

    assert ("columnheader", "Ärende-id", "") in found
    assert json.dumps(found)  # plain data a report can hold


def test_preview_screenshot_should_paint_over_personnummer_inside_the_tools_iframe(page: Page, tmp_path: Path):
    pnr = official_test_numbers(11, 1)[0]
    tool = (
        '<body style="background:#fff;font-size:24px"><p id="text" style="background:#fff">'
        f'Mottagare {pnr[:8]}-{pnr[8:]}</p><input id="falt" value="{pnr}" style="font-size:24px"></body>'
    )
    page.set_content(
        '<html lang="sv"><body style="background:#fff"><h1>Regionportalen</h1>'
        f'<iframe id="personalverktyget" srcdoc=\'{tool}\' style="width:600px;height:300px"></iframe></body></html>'
    )
    inside = page.frame_locator("iframe#personalverktyget")
    inside.locator("#falt").wait_for()

    image = Image.open(save_masked_screenshot(page, tmp_path / "bild" / "forhandsgranskning.png")).convert("RGB")

    for selector in ("#text", "#falt"):
        box = inside.locator(selector).bounding_box()
        assert image.getpixel((int(box["x"] + box["width"] / 2), int(box["y"] + box["height"] / 2))) == _rgb(MASK_COLOR)


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5))


def test_diagnose_through_the_portal_should_see_the_login_form_in_the_frame(
    page: Page, tmp_path: Path, portal_mock: LiveMock
):
    override = tmp_path / "portal.toml"
    override.write_text(PORTAL_OVERRIDE, encoding="utf-8")
    screen = Screen(page, Selectors.load(DEFAULT_SELECTORS, override), timeout_ms=5000)
    screen.open(f"{portal_mock.url}/portal/")
    screen.wait_visible("login.hsa_id")

    assert isinstance(screen.diagnose("nav.my_cases"), SessionExpired)


def test_send_through_the_portal_should_reload_and_go_back_within_the_frame_after_a_server_error(
    page: Page, tmp_path: Path, portal_mock: LiveMock, portal_qa: QA
):
    pnrs = official_test_numbers(3420, 2)
    portal_qa.reachable(*pnrs)
    override = tmp_path / "portal.toml"
    override.write_text(PORTAL_OVERRIDE, encoding="utf-8")
    screen = Screen(page, Selectors.load(DEFAULT_SELECTORS, override), timeout_ms=8000)
    login = LoginRequest(
        "Vårdcentralen Centrum", Credentials("SE2321000016-A001", PASSWORD), f"{portal_mock.url}/portal/"
    )
    open_staff_tool(screen, login)
    failed: list[str] = []

    def fail_once(route: Route) -> None:
        request = route.request
        wizard = request.method == "GET" and request.url.endswith("/skicka-arende")
        next_step = request.method == "POST" and request.url.endswith("/mottagare") and "/api/" not in request.url
        kind = "wizard" if wizard else "next" if next_step else ""
        if kind and kind not in failed:
            failed.append(kind)
            route.fulfill(status=500, body="Internal Server Error")
            return
        route.continue_()

    page.route("**/*", fail_once)
    message = Message("Meddelande om provsvar", ("Provsvar klart",), attachments=(DEMO_PDF,))

    outcome = send_case(screen, SendRequest(tuple(pnrs), message, lambda claimed: None))

    assert sorted(failed) == ["next", "wizard"]
    assert sorted(outcome.sent) == sorted(pnrs)
    assert sorted(s["pnr"] for s in portal_qa.sent()) == sorted(pnrs)
    assert page.url.endswith("/portal/")  # the portal page itself was never reloaded away


def test_readiness_waits_should_work_on_fields_inside_an_iframe(page: Page):
    tool = (
        "<input aria-label=Personnummer value=x><button disabled>Lägg till</button>"
        "<script>setTimeout(() => { document.querySelector('input').value = '';"
        " document.querySelector('button').disabled = false; }, 300)</script>"
    )
    page.set_content(f'<iframe id="personalverktyget" srcdoc="{tool}"></iframe>')
    inside = page.frame_locator("iframe#personalverktyget")

    wait_value(inside.get_by_label("Personnummer"), "", 5000)
    wait_enabled(inside.get_by_role("button", name="Lägg till"), 5000)

    assert inside.get_by_label("Personnummer").input_value() == ""
