"""A person's walk through the single-page skin (SKIN="spa") in a real browser, by roles and labels only.

The locators here are written for the SPA's DOM on purpose: they show what a site's selectors override must say
(buttons where the classic skin has links, a listbox for Välj mall, a dialog after Skicka, a receipt list).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from mock_personalverktyg.arenden import HAS_ERRORS
from mock_personalverktyg.citizens import ERRORS
from tests.helpers import QA, small_file

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("mock_skin", ["spa"], indirect=True)]

ANNA = "SE2321000016-A001"


def _display(pnr12: str) -> str:
    return f"{pnr12[:8]}-{pnr12[8:]}"


def _log_in(page: Page) -> None:
    page.goto("/")
    page.get_by_label("HSA-id").fill(ANNA)
    page.get_by_label("Lösenord").fill("utskick-demo")
    page.get_by_role("button", name="Logga in").click()


def _choose_unit_and_open_step2(page: Page) -> None:
    expect(page.get_by_role("heading", name="Välj mottagning")).to_be_visible()
    expect(page.get_by_role("button", name="Vårdcentralen Centrum")).to_have_count(0)
    page.get_by_role("link", name="Vårdcentralen Centrum").click()
    expect(page.get_by_role("heading", name="Mina ärenden")).to_be_visible()
    expect(page.get_by_role("link", name="Skicka ärende")).to_have_count(0)
    page.get_by_role("button", name="Skicka ärende").click()
    template = page.get_by_label("Välj mall")
    expect(template).to_have_attribute("role", "combobox")
    template.click()
    page.get_by_role("listbox", name="Mallar").get_by_role("option", name="Meddelande till invånare").click()
    expect(template).to_have_text("Meddelande till invånare")
    page.get_by_role("button", name="Gå vidare").click()
    expect(page.get_by_label("Personnummer")).to_be_focused()


def _recipients(page: Page, count: int):
    return page.get_by_role("table", name=f"Mottagare ({count} av högst 250)")


def _add(page: Page, typed: str) -> None:
    page.get_by_label("Personnummer").fill(typed)
    page.get_by_role("button", name="Lägg till").click()


def test_spa_walkthrough_should_send_to_several_citizens_in_one_send(page: Page, qa: QA, tmp_path):
    ok1, ok2, gone = qa.citizens("ok", 3)
    locked = qa.citizens("locked")[0]
    _log_in(page)
    _choose_unit_and_open_step2(page)

    field, add = page.get_by_label("Personnummer"), page.get_by_role("button", name="Lägg till")
    qa.faults(latency_ms=[600, 600])  # long enough to see the tool busy with the check
    _add(page, ok1)
    expect(add).to_be_disabled()
    expect(field).to_have_value(ok1)  # the tool clears the field only when the check is done
    expect(_recipients(page, 0)).to_have_attribute("aria-busy", "true")  # no row before the check is done
    expect(page.get_by_text(f"Kontrollerar {ok1}")).to_be_visible()
    expect(_recipients(page, 1)).to_be_visible()
    expect(field).to_have_value("")
    expect(add).to_be_enabled()
    qa.faults()
    for number in (ok2, gone, locked):
        _add(page, number)
        expect(field).to_have_value("")
    table = _recipients(page, 4)
    expect(table).to_have_attribute("aria-busy", "false")
    expect(table.get_by_role("row").filter(has_text=_display(ok1))).to_contain_text("Aktiv inloggning")
    expect(table.get_by_role("row").filter(has_text=_display(locked))).to_contain_text(ERRORS["locked"])
    expect(page.get_by_role("button", name="Nästa")).to_be_disabled()
    expect(page.get_by_text(HAS_ERRORS)).to_be_visible()

    _add(page, "12345")
    expect(page.get_by_text("Ogiltigt personnummer")).to_be_visible()
    expect(field).to_have_value("12345")
    _add(page, "")
    expect(page.get_by_text("Ange ett personnummer")).to_be_visible()
    _add(page, _display(ok2))
    expect(page.get_by_text("finns redan i listan")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)  # errors are plain text under the field

    page.get_by_role("button", name=f"Ta bort {_display(locked)}").click()
    expect(_recipients(page, 3)).to_be_visible()
    page.get_by_role("button", name="Nästa").click()

    expect(page.get_by_label("Rubrik")).to_have_value("Meddelande till invånare")
    page.get_by_role("button", name="Infoga text: Inledning").click()
    expect(page.get_by_label("Meddelande", exact=True)).to_have_value(re.compile(r"^Hej! .*Vårdcentralen Centrum"))
    expect(page.get_by_label("Bifoga fil")).to_have_count(0)  # no labelled file input: a button opens the chooser
    fake = tmp_path / "falsk.pdf"
    fake.write_text("Ingen pdf.\n")
    uploads = ((fake, "falsk.pdf: Filen kan inte bifogas"), (small_file(tmp_path), "Ta bort information.pdf"))
    for upload, seen in uploads:
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="Bifoga fil").click()
        chooser.value.set_files(upload)
        expect(page.get_by_text(seen).or_(page.get_by_role("button", name=seen))).to_be_visible()
    expect(page.get_by_role("list", name="Bifogade filer (1)")).to_contain_text("information.pdf")

    qa.set_citizen(gone, login="never")  # changes between the check and Skicka
    page.get_by_role("button", name="Skicka", exact=True).click()
    dialog = page.get_by_role("dialog", name="Vill du skicka ärendet?")
    expect(dialog).to_contain_text("3 mottagare")
    expect(page.get_by_role("button", name="Skicka", exact=True)).to_have_count(2)
    dialog.get_by_role("button", name="Skicka", exact=True).click()

    expect(page.get_by_role("heading", name="Ärendet har skickats")).to_be_visible()
    receipt = page.get_by_role("list", name="Skickade ärenden (2)").get_by_role("listitem")
    expect(receipt).to_have_count(2)
    items = receipt.all_inner_texts()
    assert [re.fullmatch(r"(A-\d{6}) – (\d{8}-\d{4})", text).group(2) for text in items] == [
        _display(ok1),
        _display(ok2),
    ]
    expect(page.get_by_role("list", name="Ej skickat (1)")).to_contain_text(f"{_display(gone)} – {ERRORS['never']}")
    sent = qa.sent()
    assert [(a["pnr"], a["arende_id"]) for a in sent] == [
        (ok1, items[0].split(" – ")[0]),
        (ok2, items[1].split(" – ")[0]),
    ]
    assert all(a["attachments"][0]["name"] == "information.pdf" and a["text"].startswith("Hej!") for a in sent)
    expect(page.get_by_role("link", name="Skicka ärende")).to_have_count(0)
    page.get_by_role("button", name="Till Mina ärenden").click()
    expect(page.get_by_role("list", name="Mina skickade ärenden")).to_contain_text(items[0].split(" – ")[0])


def test_spa_should_show_a_session_expired_dialog_and_return_after_login(page: Page, qa: QA):
    ok = qa.citizens("ok")[0]
    _log_in(page)
    _choose_unit_and_open_step2(page)
    step2 = page.url
    qa.faults(session_timeout_s=0.001)
    _add(page, ok)
    dialog = page.get_by_role("dialog", name="Sessionen har gått ut")
    expect(dialog).to_contain_text("Din session har gått ut. Logga in igen.")
    qa.faults()
    dialog.get_by_role("button", name="Logga in igen").click()
    expect(page.get_by_role("status")).to_contain_text("Din session har gått ut")
    page.get_by_label("HSA-id").fill(ANNA)
    page.get_by_label("Lösenord").fill("utskick-demo")
    page.get_by_role("button", name="Logga in").click()
    expect(_recipients(page, 0)).to_be_visible()
    assert page.url == step2
    expect(page.get_by_label("Personnummer")).to_have_value("")


def test_spa_alla_arenden_should_page_with_a_disabled_last_page_button(page: Page, base_url: str, qa: QA):
    numbers = qa.citizens("ok", 51)
    _log_in(page)
    expect(page.get_by_role("heading", name="Välj mottagning")).to_be_visible()
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    api = f"{base_url}/api/spa/enhet/vc-centrum"
    headers = {"X-CSRFToken": csrf}
    draft = page.request.post(f"{api}/utkast", data={"mall": "vc-centrum-m1"}, headers=headers).json()["id"]
    for number in numbers:
        assert page.request.post(f"{api}/utkast/{draft}/mottagare", data={"pnr": number}, headers=headers).ok
    token = page.request.get(f"{api}/utkast/{draft}").json()["form_token"]
    body = {"rubrik": "Provsvar", "meddelande": "Hej!", "form_token": token}
    assert len(page.request.post(f"{api}/utkast/{draft}/skicka", data=body, headers=headers).json()["sent"]) == 51

    page.get_by_role("link", name="Vårdcentralen Centrum").click()
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("button", name="Mottagningens ärenden").click()
    expect(page.get_by_role("tab", name="Nya ärenden")).to_have_attribute("aria-selected", "true")
    page.get_by_role("tab", name="Alla ärenden").click()
    expect(page.get_by_role("tab", name="Alla ärenden")).to_have_attribute("aria-selected", "true")
    for missing in ("Från", "Till"):
        expect(page.get_by_label(missing)).to_have_count(0)
    page.get_by_label("Ärendetyp").click()
    page.get_by_role("option", name="Skickat av vården").click()
    page.get_by_role("button", name="Sök").click()
    results = page.get_by_role("table", name="Ärenden (51 träffar)")
    expect(results.get_by_role("row")).to_have_count(51)  # a header row and 50 of 51
    expect(results.get_by_role("columnheader")).to_have_text(
        ["Ärende-id", "Personnummer", "Rubrik", "Skickat", "Skickat av", "Status"]
    )
    expect(results.get_by_role("row").nth(1).get_by_role("cell").nth(3)).to_have_text(
        re.compile(r"^\d{4}-\d\d-\d\d kl\. \d\d:\d\d:\d\d$")
    )
    previous, following = (page.get_by_role("button", name=n) for n in ("Föregående sida", "Nästa sida"))
    expect(previous).to_be_disabled()
    following.click()
    expect(page.get_by_text("Sida 2 av 2")).to_be_visible()
    expect(following).to_be_visible()
    expect(following).to_be_disabled()
    expect(page.get_by_role("table", name="Ärenden (51 träffar)").get_by_role("row")).to_have_count(2)

    page.get_by_label("Personnummer").fill("12345")
    page.get_by_role("button", name="Sök").click()
    expect(page.get_by_text("Ogiltigt personnummer")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)


def _to_step3(page: Page, pnr: str) -> None:
    _choose_unit_and_open_step2(page)
    _add(page, pnr)
    expect(_recipients(page, 1)).to_be_visible()
    page.get_by_role("button", name="Nästa").click()
    expect(page.get_by_label("Rubrik")).to_be_visible()


def _skicka(page: Page, confirm: str = "Skicka") -> None:
    page.get_by_role("button", name="Skicka", exact=True).click()
    page.get_by_role("dialog", name="Vill du skicka ärendet?").get_by_role("button", name=confirm).click()


def test_spa_skicka_should_show_a_lost_answer_on_step3_and_send_once_on_retry(page: Page, qa: QA):
    ok = qa.citizens("ok")[0]
    _log_in(page)
    _to_step3(page, ok)
    page.get_by_label("Meddelande", exact=True).fill("Hej!")
    _skicka(page, "Avbryt")
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.get_by_label("Rubrik").fill("")
    _skicka(page)
    expect(page.get_by_text("Ange en rubrik")).to_be_visible()
    assert qa.sent() == []

    page.get_by_label("Rubrik").fill("Provsvar")
    qa.faults(drop_after_send_rate=1)
    _skicka(page)
    expect(page.get_by_text("Tekniskt fel (felkod 504)")).to_be_visible()
    expect(page.get_by_role("heading", name="Skicka ärende")).to_be_visible()
    assert [a["pnr"] for a in qa.sent()] == [ok]  # recorded although the answer was lost
    qa.faults()
    _skicka(page)
    items = page.get_by_role("list", name="Skickade ärenden (1)").get_by_role("listitem")
    expect(items).to_have_text([f"{qa.sent()[0]['arende_id']} – {_display(ok)}"])
    assert len(qa.sent()) == 1


def test_spa_should_offer_forsok_igen_when_a_screen_fails_to_load(page: Page, qa: QA):
    _log_in(page)
    page.get_by_role("link", name="Vårdcentralen Centrum").click()
    expect(page.get_by_role("heading", name="Mina ärenden")).to_be_visible()
    menu = page.get_by_role("navigation", name="Huvudmeny")
    qa.faults(error_rate=1)
    menu.get_by_role("button", name="Mottagningens ärenden").click()
    panel = page.get_by_role("tabpanel", name="Nya ärenden")
    expect(panel).to_contain_text("Tekniskt fel (felkod 500)")
    qa.faults()
    panel.get_by_role("button", name="Försök igen").click()
    expect(panel.get_by_role("list", name=re.compile(r"^Nya ärenden \(\d+\)$"))).to_be_visible()

    qa.faults(error_rate=1)
    menu.get_by_role("button", name="Mina ärenden").click()
    expect(page.get_by_role("heading", name="Tekniskt fel")).to_be_visible()
    expect(page.get_by_text("Tekniskt fel (felkod 500)")).to_be_visible()
    qa.faults()
    page.get_by_role("button", name="Försök igen").click()
    expect(page.get_by_role("heading", name="Mina ärenden")).to_be_visible()
    expect(page.locator("main")).to_have_attribute("aria-busy", "false")


def test_spa_appbar_should_show_the_user_without_stray_words_before_a_unit_is_chosen(page: Page):
    _log_in(page)
    expect(page.get_by_role("heading", name="Välj mottagning")).to_be_visible()
    user_box = page.locator("#appbar-user")
    expect(user_box.get_by_title("Personliga inställningar")).to_be_visible()
    assert "null" not in user_box.inner_text()
