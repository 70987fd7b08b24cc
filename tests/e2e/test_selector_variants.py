"""A site whose staff tool is built differently adapts the bot by editing selector data, not code: a custom
listbox instead of a <select>, a Bifoga fil button that opens a file dialog over a hidden input, and a
confirmation after Skicka. Each variant is driven in a real headless Chromium through `flows.screen.Screen`."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bot.config import DEFAULT_SELECTORS
from bot.errors import SelectorError
from bot.locators import Selectors
from flows.recipients import type_numbers
from flows.screen import Screen
from flows.send import SendOutcome, read_receipt
from flows.unit_cases import _parse
from tests.helpers import DEMO_PDF, official_test_numbers

pytestmark = [pytest.mark.e2e]

# A page built the way a single-page app may build these controls: no <select>, no visible file input.
VARIANT_PAGE = """
<!doctype html><html lang="sv"><body>
<button id="mall" role="combobox" aria-label="Välj mall" aria-expanded="false">Välj…</button>
<ul role="listbox" id="mallar" hidden>
  <li role="option">Meddelande till invånare</li>
  <li role="option">Meddelande om provsvar</li>
</ul>
<p id="vald"></p>
<button type="button" id="bifoga">Bifoga fil</button>
<input type="file" id="fil" hidden>
<ul aria-label="Bifogade filer" id="filer"></ul>
<button id="skicka">Skicka</button>
<div role="dialog" aria-label="Bekräfta" hidden id="dialog"><button id="ja">Ja, skicka</button></div>
<p id="status"></p>
<script>
  const mall = document.getElementById('mall'), lista = document.getElementById('mallar');
  mall.onclick = () => { lista.hidden = false; mall.setAttribute('aria-expanded', 'true'); };
  lista.onclick = e => { document.getElementById('vald').textContent = 'Vald mall: ' + e.target.textContent;
                         lista.hidden = true; };
  document.getElementById('bifoga').onclick = () => document.getElementById('fil').click();
  document.getElementById('fil').onchange = e => { for (const f of e.target.files) {
    const li = document.createElement('li'); li.textContent = f.name; document.getElementById('filer').append(li); } };
  document.getElementById('skicka').onclick = () => { document.getElementById('dialog').hidden = false; };
  document.getElementById('ja').onclick = () => { document.getElementById('status').textContent = 'Skickat';
                                                 document.getElementById('dialog').hidden = true; };
</script>
</body></html>
"""

SITE_OVERRIDE = """
[step1]
template = { role = "combobox", name = "Välj mall", kind = "listbox" }
template_option = { role = "option", name = "{option}", exact = false }

[step3]
attach = { role = "button", name = "Bifoga fil", kind = "file_chooser" }
confirm = { role = "button", name = "Ja, skicka" }
"""


@pytest.fixture
def variant_screen(page: Page, tmp_path: Path) -> Screen:
    """The variant page with the default selectors plus the site's override file."""
    override = tmp_path / "var-region.toml"
    override.write_text(SITE_OVERRIDE, encoding="utf-8")
    page.set_content(VARIANT_PAGE)
    return Screen(page, Selectors.load(DEFAULT_SELECTORS, override), timeout_ms=5000)


def test_listbox_variant_should_list_and_choose_a_template(variant_screen: Screen):
    options = variant_screen.options("step1.template")
    assert options == ["Meddelande till invånare", "Meddelande om provsvar"]

    variant_screen.choose("step1.template", "Meddelande om provsvar")

    expect(variant_screen.page.locator("#vald")).to_have_text("Vald mall: Meddelande om provsvar")


def test_file_chooser_variant_should_attach_through_the_button(variant_screen: Screen):
    variant_screen.attach("step3.attach", [DEMO_PDF])

    expect(variant_screen.el("step3.attached", file_name=DEMO_PDF.name)).to_have_count(1)


def test_confirmation_variant_should_be_clicked_after_skicka(variant_screen: Screen):
    assert variant_screen.selectors.has("step3.confirm")

    variant_screen.click("step3.send")
    variant_screen.click("step3.confirm")

    expect(variant_screen.page.locator("#status")).to_have_text("Skickat")


def test_default_selectors_on_the_variant_page_should_name_the_missing_element(page: Page):
    page.set_content(VARIANT_PAGE)
    page.set_default_timeout(1000)  # as the bot's context does with staff_tool.timeout_ms
    screen = Screen(page, Selectors.load(DEFAULT_SELECTORS), timeout_ms=1000)

    with pytest.raises(SelectorError, match=r"step3\.attach .*Bifoga fil"):
        screen.attach("step3.attach", [DEMO_PDF])


# A build that reads and waits differently: the receipt as a list and as text, a field the tool clears when its
# check is done (and a Lägg till it ignores until then), a disabled "Nästa sida", and a Skicka inside a dialog.
MODERN_PAGE = """
<!doctype html><html lang="sv"><body>
<ul aria-label="Skickade ärenden"><li>A-101 – {pnr0}</li><li>A-102 – {pnr1}</li></ul>
<div role="region" aria-label="Ej skickat">Ej skickat (1)<br>{pnr2} – Inloggningen är spärrad<br></div>
<table aria-label="Ärenden"><thead><tr><th>Status</th><th>Ärende-id</th><th>Personnummer</th><th>Rubrik</th>
  <th>Skickat</th><th>Skickat av</th></tr></thead>
  <tbody><tr><td>Oläst av invånare</td><td>A-105</td><td>{pnr0}</td><td>Provsvar</td><td>2026-12-01 10:00:00</td>
  <td>Anna</td></tr></tbody></table>
<span id="lbl">Personnummer</span><input aria-labelledby="lbl" id="pnr"><p id="fel" hidden></p>
<button id="add">Lägg till</button>
<ul aria-label="Mottagare" id="rows" aria-busy="false"></ul>
<button disabled>Nästa sida</button>
<button id="send">Skicka</button>
<div role="dialog" aria-label="Bekräfta" hidden id="dialog"><button id="yes">Skicka</button></div>
<p id="status"></p>
<script>
  const field = document.getElementById('pnr'), add = document.getElementById('add'),
        rows = document.getElementById('rows');
  let busy = false;
  add.onclick = () => {
    if (busy) return;  // the tool ignores Lägg till while a check runs
    if (field.value === document.body.dataset.refuse) {  // refused: plain text under the field, the value kept
      const error = document.getElementById('fel'); error.textContent = 'Ange ett giltigt personnummer';
      error.hidden = false; return;
    }
    busy = true; add.disabled = true; rows.setAttribute('aria-busy', 'true');
    setTimeout(() => {
      const li = document.createElement('li'); li.textContent = field.value + ' Aktiv inloggning';
      rows.append(li); field.value = ''; busy = false; add.disabled = false; rows.setAttribute('aria-busy', 'false');
    }, 120);
  };
  document.getElementById('send').onclick = () => { document.getElementById('dialog').hidden = false; };
  document.getElementById('yes').onclick = () => { document.getElementById('status').textContent = 'Skickat'; };
</script>
</body></html>
"""

MODERN_OVERRIDE = """
[step2]
ready = { empty = "step2.pnr", enabled = "step2.add", gone = "step2.busy", count = "step2.rows" }
refused = { css = "#fel" }

[step3]
confirm_dialog = { role = "dialog", name = "Bekräfta" }
confirm = { role = "button", name = "Skicka", within = "step3.confirm_dialog" }

[receipt]
table = { role = "list", name = "Skickade ärenden" }
not_sent = { role = "region", name = "Ej skickat" }

[receipt.sent]
records = "receipt.table"
row = "li"
pattern = '(?P<arende_id>\\S+) – (?P<pnr>\\d{8}-\\d{4})'

[receipt.refused]
records = "receipt.not_sent"
pattern = '(?P<pnr>\\d{8}-\\d{4}) – (?P<reason>.+)'

[unit_cases]
next_page = { role = "button", name = "Nästa sida" }
"""


@pytest.fixture
def modern_screen(page: Page, tmp_path: Path) -> tuple[Screen, list[str]]:
    """The modern page with the default selectors plus its override, and the citizens it shows."""
    pnrs = official_test_numbers(3100, 3)
    override = tmp_path / "modern.toml"
    override.write_text(MODERN_OVERRIDE, encoding="utf-8")
    selectors = Selectors.load(DEFAULT_SELECTORS, override)
    content = MODERN_PAGE
    for i, pnr in enumerate(pnrs):
        content = content.replace(f"{{pnr{i}}}", shown(pnr))
    page.set_content(content)
    page.set_default_timeout(5000)
    return Screen(page, selectors, timeout_ms=5000), pnrs


def shown(pnr: str) -> str:
    """A personnummer as the page shows it."""
    return f"{pnr[:8]}-{pnr[8:]}"


def test_receipt_as_a_list_and_refusals_as_text_should_be_read_as_records(modern_screen):
    screen, pnrs = modern_screen
    outcome = SendOutcome()

    read_receipt(screen, pnrs, outcome)

    assert outcome.sent == {pnrs[0]: "A-101", pnrs[1]: "A-102"}
    assert outcome.not_reachable == {pnrs[2]: ("login_locked", "Inloggningen är spärrad")}
    assert outcome.unconfirmed == []


def test_table_should_be_read_by_column_header_in_one_pass(modern_screen):
    screen, pnrs = modern_screen

    rows = [_parse(row, {}) for row in screen.read_records("unit_cases.cases")]

    assert [(r.arende_id, r.pnr, r.status, r.sent_by) for r in rows] == [
        ("A-105", pnrs[0], "Oläst av invånare", "Anna")
    ]


def test_readiness_should_wait_for_a_tool_that_clears_the_field_after_each_check(modern_screen):
    screen, pnrs = modern_screen

    type_numbers(screen, pnrs)

    expect(screen.el("step2.rows")).to_have_count(3)
    for pnr in pnrs:
        expect(screen.el("step2.row", pnr=shown(pnr))).to_have_count(1)


def test_readiness_should_stop_waiting_when_the_tool_refuses_a_number_and_say_so(modern_screen):
    screen, pnrs = modern_screen
    screen.page.evaluate("refused => { document.body.dataset.refuse = refused; }", shown(pnrs[1]))
    screen.timeout_ms = 60_000  # a wait that ran to its end would stop with the readiness key, not the refusal

    with pytest.raises(SelectorError, match="nekade ett giltigt personnummer: Ange ett giltigt personnummer"):
        type_numbers(screen, pnrs)

    expect(screen.el("step2.rows")).to_have_count(1)


def test_disabled_next_page_should_count_as_the_last_page_and_a_click_on_it_should_say_disabled(modern_screen):
    screen, _ = modern_screen
    screen.timeout_ms = 1000
    screen.page.set_default_timeout(1000)

    assert screen.is_visible("unit_cases.next_page") and not screen.is_enabled("unit_cases.next_page")
    with pytest.raises(SelectorError, match=r"unit_cases\.next_page .*inaktiverat"):
        screen.click("unit_cases.next_page")


def test_confirmation_should_click_the_skicka_inside_the_dialog_not_the_pages(modern_screen):
    screen, _ = modern_screen

    screen.click("step3.send")
    screen.click("step3.confirm")

    expect(screen.page.locator("#status")).to_have_text("Skickat")


def test_optional_entry_absent_from_the_page_should_not_be_present(modern_screen):
    screen, _ = modern_screen

    assert screen.selectors.is_optional("unit_cases.date_from")
    assert not screen.present("unit_cases.date_from")
    assert screen.present("step2.add")
