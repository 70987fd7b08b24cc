"""The modern skin (SKIN="modern") driven by a person in a real browser, by roles and labels only (no bot).

The locators show what `selectors/variants/modern.toml` must say: a native select plus Fortsätt, a type-to-filter
combobox, several numbers at once, check results only in icons' names inside an open shadow root, a menu of texts,
a two-step upload, a checkbox before Skicka and no dialog, receipt cards, one list of ärenden with "Visa fler".
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from mock_personalverktyg.arenden import HAS_ERRORS
from mock_personalverktyg.clock import ShownClock
from mock_personalverktyg.modern import REASONS, result_text
from tests.helpers import PROJECT, QA, small_file
from tests.mock.mock_kit import ANNA, Staff

# The browser rows drive a live mock in this skin; the rows without a browser use the Flask test client.
IN_BROWSER = pytest.mark.parametrize("mock_skin", ["modern"], indirect=True)

MONTHS = r"(jan\.|feb\.|mars|apr\.|maj|juni|juli|aug\.|sep\.|okt\.|nov\.|dec\.)"
SHORT_DATE = re.compile(rf"^\d{{1,2}} {MONTHS} \d{{4}} \d\d:\d\d$")


@pytest.fixture
def qa(live_mock) -> QA:
    """The QA API of a freshly reset mock; faults cleared afterwards."""
    client = QA(live_mock.url)
    client.reset()
    yield client
    client.faults()


def _display(pnr12: str) -> str:
    return f"{pnr12[:8]}-{pnr12[8:]}"


def _log_in(page: Page, start: str = "/") -> None:
    page.goto(start)
    page.get_by_label("HSA-id").fill(ANNA)
    page.get_by_label("Lösenord").fill("utskick-demo")
    page.get_by_role("button", name="Logga in").click()


def _choose_unit(page: Page) -> None:
    expect(page.get_by_role("heading", name="Välj mottagning")).to_be_visible()
    page.get_by_role("button", name="Fortsätt").click()
    expect(page.get_by_text("Välj en mottagning")).to_be_visible()
    page.get_by_label("Mottagning", exact=True).select_option(label="Vårdcentralen Centrum")
    page.get_by_role("button", name="Fortsätt").click()
    expect(page.get_by_role("heading", name="Mina ärenden")).to_be_visible()


def _open_step2(page: Page) -> None:
    page.get_by_role("button", name="Skicka ärende").click()
    template = page.get_by_role("combobox", name="Välj mall")
    template.fill("prov")
    options = page.get_by_role("listbox", name="Mallar").get_by_role("option")
    expect(options).to_have_text(["Meddelande om provsvar"])  # typing filters the popup
    template.fill("till inv")
    page.get_by_role("option", name="Meddelande till invånare").click()
    expect(template).to_have_value("Meddelande till invånare")
    page.get_by_role("button", name="Gå vidare").click()
    expect(page.get_by_label("Personnummer (ett per rad)")).to_be_focused()


def _recipient(page: Page, pnr12: str):
    return page.get_by_role("list", name="Mottagare").get_by_role("listitem").filter(has_text=_display(pnr12))


@pytest.mark.e2e
@IN_BROWSER
def test_modern_skin_should_send_with_an_attachment_and_report_an_unreachable_citizen(page: Page, qa: QA, tmp_path):
    ok1, ok2, gone = qa.citizens("ok", 3)
    locked = qa.citizens("locked")[0]
    _log_in(page)
    _choose_unit(page)
    _open_step2(page)

    qa.faults(latency_ms=[600, 600])  # long enough to see the checks run
    page.get_by_label("Personnummer (ett per rad)").fill(f"{ok1}\n12345\n{_display(ok2)}\n")
    page.get_by_role("button", name="Lägg till").click()
    expect(_recipient(page, ok1).get_by_role("img", name="Kontrollerar")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("12345: Ogiltigt personnummer")
    expect(page.get_by_label("Personnummer (ett per rad)")).to_have_value("12345")  # refused lines stay
    qa.faults()
    page.get_by_label("Personnummer (ett per rad)").fill(f"{gone}\n{locked}")
    page.get_by_role("button", name="Lägg till").click()
    expect(page.get_by_label("Personnummer (ett per rad)")).to_have_value("")
    rows = page.get_by_role("list", name="Mottagare").get_by_role("listitem")
    expect(rows).to_have_count(4)
    expect(page.get_by_role("img", name="Kontrollerar")).to_have_count(0)
    can = re.compile(r"^Kan ta emot: Aktiv inloggning, avisering via (SMS|e-post|SMS och e-post)")
    expect(_recipient(page, ok1).get_by_role("img", name=can)).to_be_visible()
    locked_icon = _recipient(page, locked).get_by_role("img")
    expect(locked_icon).to_have_accessible_name(f"Kan inte ta emot: {REASONS['locked']}")
    expect(_recipient(page, locked)).not_to_contain_text("Kan inte")  # the result is only in the icon's name
    assert page.locator("pv-recipient-list").evaluate("el => el.shadowRoot.mode") == "open"

    page.get_by_role("button", name="Nästa").click()
    expect(page.get_by_role("alert")).to_contain_text(HAS_ERRORS)
    page.get_by_role("button", name=f"Ta bort {_display(locked)}").click()
    expect(rows).to_have_count(3)
    page.get_by_role("button", name="Nästa").click()

    expect(page.get_by_label("Rubrik")).to_have_value("Meddelande till invånare")
    expect(page.get_by_role("menuitem")).to_have_count(0)  # the texts are hidden until the menu opens
    page.get_by_role("button", name="Infoga text").click()
    page.get_by_role("menuitem", name="Inledning").click()
    expect(page.get_by_role("menuitem")).to_have_count(0)
    expect(page.get_by_label("Meddelande", exact=True)).to_have_value(re.compile(r"^Hej! .*Vårdcentralen Centrum"))
    fake = tmp_path / "falsk.pdf"
    fake.write_text("Ingen pdf.\n")
    page.get_by_label("Bifoga fil").set_input_files(fake)
    page.get_by_role("button", name="Ladda upp").click()
    expect(page.get_by_role("alert")).to_contain_text("falsk.pdf: Filen kan inte bifogas")
    page.get_by_label("Bifoga fil").set_input_files(small_file(tmp_path))
    expect(page.get_by_role("list", name="Bifogade filer").get_by_role("listitem")).to_have_count(0)  # not yet
    page.get_by_role("button", name="Ladda upp").click()
    expect(page.get_by_role("button", name="Ta bort information.pdf")).to_be_visible()

    send = page.get_by_role("button", name="Skicka", exact=True)
    expect(send).to_be_disabled()
    page.get_by_label("Jag har kontrollerat mottagarna").check()
    qa.set_citizen(gone, login="never")  # changes between the check and Skicka
    send.click()

    expect(page.get_by_role("heading", name="Ärendet har skickats")).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)
    sent = qa.sent()
    assert [a["pnr"] for a in sent] == [ok1, ok2]
    assert all(a["attachments"][0]["name"] == "information.pdf" and a["text"].startswith("Hej!") for a in sent)
    cards = page.get_by_role("region", name="Skickade ärenden").get_by_role("article")
    shown = [f"{_display(a['pnr'])} Ärende-id {a['arende_id']} Skickat" for a in sent]
    expect(cards).to_have_text(shown, use_inner_text=True)
    refused = page.get_by_role("region", name="Ej skickat").get_by_role("article")
    reason = f"Kan inte ta emot: {REASONS['never']}"
    expect(refused).to_have_text([f"{_display(gone)} {reason} Ej skickat"], use_inner_text=True)
    page.get_by_role("link", name="Till Mina ärenden").click()
    expect(page.get_by_role("list", name="Mina skickade ärenden")).to_contain_text(sent[0]["arende_id"])


@pytest.mark.e2e
@IN_BROWSER
def test_modern_unit_cases_should_show_every_arende_with_visa_fler_and_swedish_short_dates(page: Page, qa: QA):
    pnrs = qa.citizens("ok", 52)
    for number in pnrs[:51]:
        qa.add_arende(number, "Provsvar", sent_at="2026-05-04T12:05:00+00:00")
    qa.add_arende(pnrs[51], "Ombokning", sent_at="2026-12-03T13:05:00+00:00")
    _log_in(page, "/ui/enhet/vc-centrum/mina-arenden")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Mottagningens ärenden").click()
    expect(page.get_by_role("heading", name="Mottagningens ärenden")).to_be_visible()
    expect(page.get_by_role("tab")).to_have_count(0)
    page.get_by_role("radiogroup", name="Ärendetyp").get_by_role("radio", name="Skickat av vården").check()
    grid = page.get_by_role("grid", name="Ärenden")
    expect(page.get_by_text("Visar 50 av 52 ärenden")).to_be_visible()
    expect(grid).to_have_attribute("aria-busy", "false")
    expect(grid.get_by_role("columnheader")).to_have_text(
        ["Ärende-id", "Personnummer", "Rubrik", "Skickat", "Skickat av", "Status"]
    )
    expect(grid.get_by_role("row")).to_have_count(51)
    newest = grid.get_by_role("row").filter(has_text="Ombokning").get_by_role("gridcell").nth(3)
    expect(newest).to_have_text("3 dec. 2026 14:05")
    may = grid.get_by_role("row").filter(has_text="Provsvar").first.get_by_role("gridcell").nth(3)
    expect(may).to_have_text("4 maj 2026 14:05")  # summer time, and a month Swedish does not shorten
    page.get_by_role("button", name="Visa fler").click()
    expect(grid.get_by_role("row")).to_have_count(53)
    expect(page.get_by_role("button", name="Visa fler")).to_have_count(0)
    expect(grid.get_by_role("row").nth(52).get_by_role("gridcell").nth(3)).to_have_text(SHORT_DATE)

    qa.faults(clock_zone="UTC", clock_no_year=True)
    page.get_by_label("Personnummer").fill(_display(pnrs[51]))
    page.get_by_role("button", name="Sök").click()
    expect(grid.get_by_role("row")).to_have_count(2)
    expect(grid.get_by_role("row").nth(1).get_by_role("gridcell").nth(3)).to_have_text("3 dec. 13:05")


@pytest.mark.e2e
@IN_BROWSER
def test_modern_skin_should_replace_the_screen_when_the_session_expires_and_return_after_login(page: Page, qa: QA):
    _log_in(page)
    _choose_unit(page)
    _open_step2(page)
    step2 = page.url
    qa.expire_sessions()
    page.get_by_label("Personnummer (ett per rad)").fill(qa.citizens("ok")[0])
    page.get_by_role("button", name="Lägg till").click()
    expect(page.get_by_role("heading", name="Sessionen har gått ut")).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.get_by_role("link", name="Logga in igen").click()
    page.get_by_label("HSA-id").fill(ANNA)
    page.get_by_label("Lösenord").fill("utskick-demo")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_label("Personnummer (ett per rad)")).to_be_visible()
    assert page.url == step2


@pytest.mark.e2e
@IN_BROWSER
def test_modern_skin_should_show_server_errors_in_place_and_offer_forsok_igen(page: Page, qa: QA):
    _log_in(page, "/ui/enhet/vc-centrum/mina-arenden")
    expect(page.get_by_role("heading", name="Mina ärenden")).to_be_visible()
    qa.faults(error_rate=1)
    page.get_by_role("link", name="Mottagningens ärenden").click()
    listing = page.get_by_role("region", name="Alla ärenden")
    expect(listing.get_by_role("alert")).to_contain_text("Tekniskt fel (felkod 500). Försök igen om en stund.")
    qa.faults()
    listing.get_by_role("button", name="Försök igen").click()
    expect(page.get_by_role("grid", name="Ärenden")).to_have_attribute("aria-busy", "false")
    expect(listing.get_by_role("alert")).to_have_count(0)

    qa.faults(error_rate=1)
    page.get_by_role("link", name="Mina ärenden").click()
    expect(page.get_by_role("heading", name="Tekniskt fel")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Tekniskt fel (felkod 500). Försök igen om en stund.")
    qa.faults()
    page.get_by_role("button", name="Försök igen").click()
    expect(page.get_by_role("heading", name="Mina ärenden")).to_be_visible()
    expect(page.locator("main")).to_have_attribute("aria-busy", "false")


@pytest.mark.e2e
@IN_BROWSER
def test_modern_skicka_should_show_a_lost_answer_in_place_and_send_once_on_retry(page: Page, qa: QA):
    ok = qa.citizens("ok")[0]
    _log_in(page, "/ui/enhet/vc-centrum/mina-arenden")
    _open_step2(page)
    page.get_by_label("Personnummer (ett per rad)").fill(ok)
    page.get_by_role("button", name="Lägg till").click()
    expect(_recipient(page, ok).get_by_role("img", name=re.compile("^Kan ta emot"))).to_be_visible()
    page.get_by_role("button", name="Nästa").click()
    page.get_by_label("Meddelande", exact=True).fill("Hej!")
    page.get_by_label("Jag har kontrollerat mottagarna").check()
    qa.faults(drop_after_send_rate=1)
    page.get_by_role("button", name="Skicka", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Tekniskt fel (felkod 504)")
    assert [a["pnr"] for a in qa.sent()] == [ok]  # recorded although the answer was lost
    qa.faults()
    page.get_by_role("button", name="Skicka", exact=True).click()
    expect(page.get_by_role("heading", name="Ärendet har skickats")).to_be_visible()
    assert len(qa.sent()) == 1


def _accessible(page: Page) -> None:
    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
    assert not violations, [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in violations]


@pytest.mark.e2e
@IN_BROWSER
def test_modern_skin_should_have_no_serious_accessibility_violations(page: Page, qa: QA):
    ok, locked = qa.citizens("ok")[0], qa.citizens("locked")[0]
    _log_in(page)
    expect(page.get_by_role("heading", name="Välj mottagning")).to_be_visible()
    _accessible(page)
    _choose_unit(page)
    _accessible(page)
    _open_step2(page)
    page.get_by_label("Personnummer (ett per rad)").fill(f"{ok}\n{locked}\n12345")
    page.get_by_role("button", name="Lägg till").click()
    expect(page.get_by_role("img", name=re.compile("^Kan inte ta emot"))).to_be_visible()
    _accessible(page)
    page.get_by_role("button", name=f"Ta bort {_display(locked)}").click()
    page.get_by_role("button", name="Nästa").click()
    page.get_by_role("button", name="Infoga text").click()
    expect(page.get_by_role("menuitem").first).to_be_visible()
    _accessible(page)
    page.keyboard.press("Escape")
    page.get_by_role("link", name="Mottagningens ärenden").click()
    expect(page.get_by_role("grid", name="Ärenden")).to_have_attribute("aria-busy", "false")
    _accessible(page)


@pytest.mark.parametrize(
    ("iso", "shown"),
    [
        ("2026-01-05T08:00:00+00:00", "5 jan. 2026 09:00"),
        ("2026-02-05T08:00:00+00:00", "5 feb. 2026 09:00"),
        ("2026-03-29T00:59:00+00:00", "29 mars 2026 01:59"),  # the last minute of winter time
        ("2026-03-29T01:00:00+00:00", "29 mars 2026 03:00"),  # summer time starts
        ("2026-04-05T08:00:00+00:00", "5 apr. 2026 10:00"),
        ("2026-05-04T12:05:00+00:00", "4 maj 2026 14:05"),
        ("2026-06-05T08:00:00+00:00", "5 juni 2026 10:00"),
        ("2026-07-05T08:00:00+00:00", "5 juli 2026 10:00"),
        ("2026-08-05T08:00:00+00:00", "5 aug. 2026 10:00"),
        ("2026-09-05T08:00:00+00:00", "5 sep. 2026 10:00"),
        ("2026-10-25T00:59:00+00:00", "25 okt. 2026 02:59"),  # the last minute of summer time
        ("2026-10-25T01:00:00+00:00", "25 okt. 2026 02:00"),  # winter time again
        ("2026-11-05T08:00:00+00:00", "5 nov. 2026 09:00"),
        ("2026-12-31T23:30:00+00:00", "1 jan. 2027 00:30"),  # the turn of the year in Swedish time
    ],
)
def test_modern_skickat_should_show_swedish_abbreviated_months_without_seconds(iso: str, shown: str):
    assert ShownClock().show_short(dt.datetime.fromisoformat(iso).timestamp()) == shown


def test_modern_skickat_should_follow_the_clock_faults():
    at = dt.datetime.fromisoformat("2026-12-03T13:05:00+00:00").timestamp()
    assert ShownClock(zone=dt.UTC, offset_s=120, no_year=True).show_short(at) == "3 dec. 13:07"


def test_modern_shell_should_serve_every_path_under_ui_and_not_the_spa_page(make_app):
    staff = Staff(make_app(SKIN="modern").test_client())
    assert staff.client.get("/").location == "/login?next=/"
    assert staff.client.get("/ui/enhet/vc-centrum/mottagningens-arenden").location == (
        "/login?next=/ui/enhet/vc-centrum/mottagningens-arenden"
    )
    staff.login(ANNA)
    page = staff.client.get("/ui/enhet/vc-centrum/nytt-arende/x/mottagare")
    assert page.status_code == 200 and "modern/core.js" in page.text
    # Usable inside the portal's iframe (same origin): nothing forbids framing.
    assert page.headers.get("X-Frame-Options", "SAMEORIGIN").upper() == "SAMEORIGIN"
    assert "frame-ancestors 'none'" not in page.headers.get("Content-Security-Policy", "")
    assert staff.client.get("/app/").status_code == 404
    listed = staff.client.get("/api/spa/enhet/vc-centrum/mina-arenden").get_json()
    assert listed["unit"]["id"] == "vc-centrum"


@pytest.mark.e2e
@IN_BROWSER
def test_modern_skin_should_work_inside_an_iframe_of_a_page_on_the_same_site(page: Page, qa: QA, base_url: str):
    portal = f"{base_url}/ramsida-i-testet"  # answered by the browser below, so the frame shares the mock's origin
    html = '<!doctype html><title>Portal</title><iframe title="Personalverktyget" src="/ui/" width="1200" height="900">'
    page.route(portal, lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto(portal)
    tool = page.frame_locator('iframe[title="Personalverktyget"]')
    tool.get_by_label("HSA-id").fill(ANNA)
    tool.get_by_label("Lösenord").fill("utskick-demo")
    tool.get_by_role("button", name="Logga in").click()
    tool.get_by_label("Mottagning", exact=True).select_option(label="Vårdcentralen Centrum")
    tool.get_by_role("button", name="Fortsätt").click()
    tool.get_by_role("link", name="Mottagningens ärenden").click()
    expect(tool.get_by_role("grid", name="Ärenden")).to_have_attribute("aria-busy", "false")
    assert page.url == portal  # the tool never took over the whole window


# The bot's reason for each of this build's refusals, as selectors/variants/modern.toml must map them.
BOT_REASONS = {
    "never": "never_logged_in",
    "locked": "login_locked",
    "deceased": "deceased",
    "no_notification": "no_notification",
    "samordningsnummer": "cannot_log_in",
}


@pytest.mark.parametrize("code", sorted(REASONS))
def test_modern_override_should_map_each_refusal_of_the_skin_to_its_reason(code: str):
    texts = tomllib.loads((PROJECT / "selectors" / "variants" / "modern.toml").read_text(encoding="utf-8"))
    shown = result_text(code, [])
    found = [t["reason"] for t in texts["check_results"]["texts"] if re.search(t["pattern"], shown, re.IGNORECASE)]
    assert found == [BOT_REASONS[code]], shown


def test_modern_override_should_read_a_reachable_citizen_as_ok():
    texts = tomllib.loads((PROJECT / "selectors" / "variants" / "modern.toml").read_text(encoding="utf-8"))
    shown = result_text("ok", ["Aktiv inloggning", "Avisering: SMS, E-post", "Skyddad identitet"])
    assert shown == "Kan ta emot: Aktiv inloggning, avisering via SMS och e-post. Skyddad identitet"
    found = [t["reason"] for t in texts["check_results"]["texts"] if re.search(t["pattern"], shown, re.IGNORECASE)]
    assert found == ["ok"]
