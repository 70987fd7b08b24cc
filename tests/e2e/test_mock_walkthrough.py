"""A person's walk through the mock in a real browser: the documented routine, by roles and labels only."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import QA, small_file

pytestmark = pytest.mark.e2e

ANNA = "SE2321000016-A001"


def _display(pnr12: str) -> str:
    return f"{pnr12[:8]}-{pnr12[8:]}"


def _log_in_and_choose_unit(page: Page) -> None:
    page.goto("/")
    page.get_by_label("HSA-id").fill(ANNA)
    page.get_by_label("Lösenord").fill("utskick-demo")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Välj mottagning")).to_be_visible()
    page.get_by_role("button", name="Vårdcentralen Centrum").click()
    expect(page.get_by_role("heading", name="Mina ärenden")).to_be_visible()


def _open_step2(page: Page) -> None:
    page.get_by_role("link", name="Skicka ärende").click()
    page.get_by_label("Välj mall").select_option(label="Meddelande till invånare")
    page.get_by_role("button", name="Gå vidare").click()
    expect(page.get_by_label("Personnummer")).to_be_visible()


def _add(page: Page, typed: str) -> None:
    page.get_by_label("Personnummer").fill(typed)
    page.get_by_role("button", name="Lägg till").click()


def _row(page: Page, pnr12: str):
    return page.get_by_role("list", name="Mottagare").get_by_role("listitem").filter(has_text=_display(pnr12))


def test_walkthrough_should_send_an_arende_and_find_it_in_alla_arenden(page: Page, qa: QA, tmp_path):
    pnr = qa.citizens("ok")[0]

    _log_in_and_choose_unit(page)
    _open_step2(page)
    _add(page, pnr)
    expect(page.get_by_label("Personnummer")).to_have_value("")
    expect(_row(page, pnr)).to_contain_text("Aktiv inloggning")
    expect(_row(page, pnr)).to_contain_text("Avisering:")
    page.get_by_role("button", name="Nästa").click()

    expect(page.get_by_label("Rubrik")).to_have_value("Meddelande till invånare")
    page.get_by_role("button", name="Infoga text: Inledning").click()
    page.get_by_role("button", name="Infoga text: Avslutning").click()
    message = page.get_by_label("Meddelande", exact=True)
    expect(message).to_have_value(re.compile(r"^Hej! .*Vårdcentralen Centrum.*\n\nOm du svarar", re.S))
    page.get_by_label("Bifoga fil").set_input_files(small_file(tmp_path))
    expect(page.get_by_role("list", name="Bifogade filer")).to_contain_text("information.pdf")
    expect(message).to_have_value(re.compile(r"\n\nOm du svarar"))
    page.get_by_role("button", name="Skicka", exact=True).click()

    expect(page.get_by_role("heading", name="Ärendet har skickats")).to_be_visible()
    receipt = page.get_by_role("table", name="Skickade ärenden").get_by_role("row").filter(has_text=_display(pnr))
    expect(receipt).to_contain_text(re.compile(r"A-\d{6}"))
    arende_id = re.search(r"A-\d{6}", receipt.inner_text()).group(0)
    expect(page.get_by_role("link", name="Skicka ärende", exact=True)).to_be_visible()
    page.get_by_role("link", name="Till Mina ärenden").click()
    expect(page.get_by_role("heading", name="Mina ärenden")).to_be_visible()
    expect(page.get_by_role("table", name="Mina skickade ärenden")).to_contain_text(arende_id)

    page.get_by_role("link", name="Mottagningens ärenden").click()
    page.get_by_role("tab", name="Alla ärenden").click()
    page.get_by_label("Ärendetyp").select_option(label="Skickat av vården")
    page.get_by_label("Personnummer").fill(_display(pnr))
    page.get_by_role("button", name="Sök").click()
    found = page.get_by_role("table", name="Ärenden").get_by_role("row").filter(has_text=arende_id)
    expect(found).to_contain_text(_display(pnr))
    expect(found).to_contain_text("Oläst av invånare")


def test_walkthrough_should_show_a_locked_citizen_error_and_refuse_bad_input(page: Page, qa: QA, tmp_path):
    locked = qa.citizens("locked")[0]
    ok = qa.citizens("ok")[0]

    _log_in_and_choose_unit(page)
    _open_step2(page)
    _add(page, locked)
    _add(page, ok)
    expect(_row(page, locked)).to_contain_text("Invånarens inloggning är spärrad")
    expect(_row(page, ok)).to_contain_text("Aktiv inloggning")

    _add(page, "12345")
    expect(page.get_by_role("alert")).to_contain_text("Ogiltigt personnummer")
    _add(page, ok)
    expect(page.get_by_role("alert")).to_contain_text("finns redan i listan")

    page.get_by_role("button", name="Nästa").click()
    expect(page.get_by_role("alert")).to_contain_text("Ta bort mottagare som inte kan ta emot ärenden")
    _row(page, locked).get_by_role("button", name="Ta bort").click()
    expect(_row(page, locked)).to_have_count(0)
    page.get_by_role("button", name="Nästa").click()
    expect(page.get_by_label("Rubrik")).to_be_visible()

    fake = tmp_path / "falsk.pdf"
    fake.write_text("Det här är ingen pdf.\n")
    page.get_by_label("Bifoga fil").set_input_files(fake)
    expect(page.get_by_role("alert")).to_contain_text("falsk.pdf: Filen kan inte bifogas")
    attachments = page.get_by_role("list", name="Bifogade filer")
    expect(attachments.get_by_role("listitem")).to_have_count(0)
    two = [small_file(tmp_path), small_file(tmp_path, "bild.png", "PNG")]
    page.get_by_label("Bifoga fil").set_input_files(two)
    expect(attachments.get_by_role("listitem")).to_have_count(2)
    attachments.get_by_role("listitem").filter(has_text="bild.png").get_by_role("button", name="Ta bort").click()
    expect(attachments.get_by_role("listitem")).to_have_count(1)
    expect(attachments).to_contain_text("information.pdf")
