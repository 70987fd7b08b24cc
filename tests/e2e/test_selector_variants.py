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
from flows.screen import Screen
from tests.e2e.conftest import DEMO_PDF

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
