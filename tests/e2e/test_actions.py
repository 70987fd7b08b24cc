"""Actions as data (issue 25, item 1): the bot's actions given as steps in a selectors override, run by
`flows.actions.run_action` in a real browser against small pages served over HTTP by a tiny Flask app, each page
one interaction a staff-tool build may have that the default clicks cannot do."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, jsonify, request
from playwright.sync_api import Page, expect

from bot.config import DEFAULT_SELECTORS
from bot.errors import PreflightFailed, SelectorError
from bot.locators import Selectors
from flows.actions import run_action
from flows.login import LoginRequest, open_staff_tool
from flows.recipients import prepare_recipients
from flows.screen import Screen
from flows.send import attach_file
from tests.helpers import LiveMock, official_test_numbers, small_file

pytestmark = [pytest.mark.e2e]

UNITS = ("Vårdcentralen Ekbacken", "Barnmottagningen Norr")
TEXTS = ("Provsvar", "Kontaktuppgifter")
TEMPLATES = ("Provsvar klart", "Provsvar saknas", "Ombokning")

PAGE = """<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Test</title></head><body>{}</body></html>"""

UNIT_SELECT = """<h1>Välj mottagning</h1><form method="post" action="/unit"><label for="m">Mottagning</label>
<select id="m" name="unit"><option value="">Välj</option>{options}</select>
<button type="submit">Fortsätt</button></form>"""

UNIT_RADIO = """<h1>Välj mottagning</h1><form method="post" action="/unit">
<fieldset role="radiogroup" aria-labelledby="rubrik">
<legend id="rubrik">Mottagning</legend>{options}</fieldset><button type="submit">Fortsätt</button></form>"""

MENU = """<label for="t">Meddelande</label><textarea id="t"></textarea>
<button id="b" aria-haspopup="menu" aria-expanded="false">Infoga text</button>
<ul role="menu" id="menu" hidden>{items}</ul>
<script>
const b = document.getElementById('b'), menu = document.getElementById('menu');
b.onclick = () => { menu.hidden = !menu.hidden; b.setAttribute('aria-expanded', String(!menu.hidden)); };
menu.querySelectorAll('[role=menuitem]').forEach(item => item.onclick = async () => {
  menu.hidden = true; b.setAttribute('aria-expanded', 'false');
  const text = await (await fetch('/text/' + encodeURIComponent(item.textContent))).text();
  const t = document.getElementById('t'); t.value += (t.value ? '\\n' : '') + text;
});
</script>"""

COMBOBOX = """<label for="c">Välj mall</label>
<input id="c" role="combobox" aria-controls="lista" aria-expanded="false" autocomplete="off">
<ul role="listbox" id="lista" hidden></ul><p id="vald"></p>
<script>
const names = {names}, c = document.getElementById('c'), list = document.getElementById('lista');
const show = () => setTimeout(() => {  // the tool filters as the user types, a moment later
  list.replaceChildren(...names.filter(n => n.toLowerCase().includes(c.value.toLowerCase())).map(n => {
    const li = document.createElement('li'); li.setAttribute('role', 'option'); li.textContent = n;
    li.onclick = () => { c.value = n; list.hidden = true; document.getElementById('vald').textContent = 'Vald: ' + n; };
    return li;
  }));
  list.hidden = false; c.setAttribute('aria-expanded', 'true');
}, 100);
c.addEventListener('input', show);
c.addEventListener('keydown', e => { if (e.key === 'ArrowDown') show(); });  // ARIA: ArrowDown opens the list
</script>"""

UPLOAD = """<label for="f">Välj fil</label><input type="file" id="f">
<button id="u">Ladda upp</button><ul aria-label="Bifogade filer" id="filer"></ul><p role="alert" hidden></p>
<script>
document.getElementById('u').onclick = async () => {
  const data = new FormData(); data.append('fil', document.getElementById('f').files[0]);
  const answer = await (await fetch('/upload', { method: 'POST', body: data })).json();
  const li = document.createElement('li'); li.textContent = answer.name; document.getElementById('filer').append(li);
};
</script>"""

SEND = """<label><input type="checkbox" id="g"> Jag har granskat meddelandet</label>
<button id="s" disabled>Skicka</button>
<div role="dialog" aria-label="Vill du skicka ärendet?" id="d" hidden><button id="ja">Skicka</button></div>
<script>
const send = async () => { await fetch('/send', { method: 'POST' });
  document.body.innerHTML = '<h1>Ärendet har skickats</h1>'; };
document.getElementById('g').onchange = e => { document.getElementById('s').disabled = !e.target.checked; };
document.getElementById('s').onclick = () => {
  if ({dialog}) { setTimeout(() => { document.getElementById('d').hidden = false; }, 100); } else { send(); }
};
document.getElementById('ja').onclick = send;
</script>"""

NUMBERS = """<label for="p">Personnummer</label><textarea id="p"></textarea><button id="l">Lägg till</button>
<ul aria-label="Mottagare" id="mottagare"></ul>
<script>
document.getElementById('l').onclick = async () => {
  const p = document.getElementById('p');
  const rows = await (await fetch('/add', { method: 'POST', body: p.value })).json();
  p.value = '';
  rows.forEach(n => { const li = document.createElement('li'); li.textContent = n + ' Aktiv inloggning';
    document.getElementById('mottagare').append(li); });
};
</script>"""


def tool_app() -> Flask:
    """The small pages, and what they received: the unit posted, texts, uploaded files, sends and adds."""
    app = Flask(__name__)
    app.config["seen"] = seen = {"unit": [], "uploads": [], "sends": 0, "adds": []}

    @app.get("/unit-select")
    def unit_select():
        options = "".join(f"<option>{u}</option>" for u in UNITS)
        return PAGE.format(UNIT_SELECT.format(options=options))

    @app.get("/unit-radio")
    def unit_radio():
        options = "".join(f'<label><input type="radio" name="unit" value="{u}"> {u}</label>' for u in UNITS)
        return PAGE.format(UNIT_RADIO.format(options=options))

    @app.post("/unit")
    def unit():
        seen["unit"].append(request.form.get("unit", ""))
        return PAGE.format('<nav><a href="/">Mina ärenden</a></nav>')

    @app.get("/menu")
    def menu():
        return PAGE.format(MENU.replace("{items}", "".join(f'<li role="menuitem">{t}</li>' for t in TEXTS)))

    @app.get("/text/<name>")
    def text(name: str):
        return f"Text om {name.lower()}."

    @app.get("/combobox")
    def combobox():
        names = "[" + ", ".join(f'"{t}"' for t in TEMPLATES) + "]"
        return PAGE.format(COMBOBOX.replace("{names}", names))

    @app.get("/upload")
    def upload_page():
        return PAGE.format(UPLOAD)

    @app.post("/upload")
    def upload():
        stored = request.files["fil"]
        content = stored.read()
        seen["uploads"].append((stored.filename, hashlib.sha256(content).hexdigest()))
        return jsonify(name=stored.filename, size=len(content))

    @app.get("/send")
    def send_page():
        return PAGE.format(SEND.replace("{dialog}", "true" if request.args.get("dialog") else "false"))

    @app.post("/send")
    def send():
        seen["sends"] += 1
        return jsonify(ok=True)

    @app.get("/numbers")
    def numbers_page():
        return PAGE.format(NUMBERS)

    @app.post("/add")
    def add():
        body = request.get_data(as_text=True)
        numbers = [n.strip() for n in body.replace(",", "\n").split("\n") if n.strip()]
        seen["adds"].append(len(numbers))
        return jsonify(numbers)

    return app


@pytest.fixture(scope="module")
def tool() -> Iterator[LiveMock]:
    """The small pages served on a free loopback port for this module."""
    server = LiveMock(tool_app()).start()
    yield server
    server.stop()


@pytest.fixture
def seen(tool: LiveMock) -> dict:
    """What the pages received in this test."""
    seen = tool.app.config["seen"]
    seen.update(unit=[], uploads=[], sends=0, adds=[])
    return seen


def screen_for(page: Page, tmp_path: Path, override: str, timeout_ms: int = 5000) -> Screen:
    """A screen on `page` whose selectors are the defaults with `override` on top."""
    path = tmp_path / "site.toml"
    path.write_text(override, encoding="utf-8")
    page.set_default_timeout(timeout_ms)  # as the bot's browser session sets it
    return Screen(page, Selectors.load(DEFAULT_SELECTORS, path), timeout_ms=timeout_ms)


@pytest.mark.parametrize(
    ("address", "choice"),
    [
        ("/unit-select", '{ label = "Mottagning", kind = "select" }'),
        ("/unit-radio", '{ role = "radiogroup", name = "Mottagning", kind = "radio" }'),
    ],
)
def test_choose_unit_should_pick_in_a_select_or_radio_group_then_confirm(
    page: Page, tmp_path: Path, tool: LiveMock, seen: dict, address: str, choice: str
):
    screen = screen_for(
        page,
        tmp_path,
        f'[elements]\nunit = {choice}\nunit_continue = {{ role = "button", name = "Fortsätt" }}\n'
        "[actions]\n"
        'choose_unit = [{ choose = "elements.unit", option = "{unit}" }, { click = "elements.unit_continue" }]\n',
    )

    open_staff_tool(screen, LoginRequest(UNITS[1], start_url=tool.url + address))

    assert seen["unit"] == [UNITS[1]]
    with pytest.raises(PreflightFailed, match=rf"mottagningen 'Vårdcentralen Väster'.*{UNITS[0]}, {UNITS[1]}"):
        open_staff_tool(screen, LoginRequest("Vårdcentralen Väster", start_url=tool.url + address))


def test_insert_text_should_open_the_menu_and_click_the_item(page: Page, tmp_path: Path, tool: LiveMock):
    screen = screen_for(
        page,
        tmp_path,
        '[elements]\ntexts = { role = "button", name = "Infoga text", kind = "menu" }\n'
        '[actions]\ninsert_text = [{ choose = "elements.texts", option = "{text_name}" }]\n',
    )
    page.goto(tool.url + "/menu")
    expect(page.get_by_role("menuitem", name=TEXTS[1])).to_be_hidden()

    inserted: list[str] = []
    for name in reversed(TEXTS):
        run_action(screen, "insert_text", text_name=name)
        inserted.append(f"Text om {name.lower()}.")
        expect(page.get_by_label("Meddelande")).to_have_value("\n".join(inserted))


def test_choose_template_should_type_to_filter_a_combobox_and_click_the_option(
    page: Page, tmp_path: Path, tool: LiveMock
):
    # the main file's template_option (<option> in a <select>) is not inherited by a template of another kind
    screen = screen_for(
        page, tmp_path, '[step1]\ntemplate = { role = "combobox", name = "Välj mall", kind = "combobox" }\n'
    )
    page.goto(tool.url + "/combobox")

    run_action(screen, "choose_template", template=TEMPLATES[1])

    expect(page.locator("#vald")).to_have_text(f"Vald: {TEMPLATES[1]}")
    expect(page.get_by_role("combobox", name="Välj mall")).to_have_value(TEMPLATES[1])


def test_attach_file_should_set_the_file_then_click_upload(page: Page, tmp_path: Path, tool: LiveMock, seen: dict):
    screen = screen_for(
        page,
        tmp_path,
        '[elements]\nfile = { label = "Välj fil", kind = "file_input" }\n'
        'upload = { role = "button", name = "Ladda upp" }\n'
        '[actions]\nattach_file = [{ set_files = "elements.file" }, { click = "elements.upload" }]\n',
    )
    pdf = small_file(tmp_path, "provsvar.pdf")
    page.goto(tool.url + "/upload")

    attach_file(screen, pdf)  # the flow: the action, then the file listed under Bifogade filer

    assert seen["uploads"] == [("provsvar.pdf", hashlib.sha256(pdf.read_bytes()).hexdigest())]


@pytest.mark.parametrize("dialog", [True, False], ids=["dialog", "no-dialog"])
def test_send_should_tick_the_box_that_enables_skicka_and_confirm_a_dialog_only_when_on(
    page: Page, tmp_path: Path, tool: LiveMock, seen: dict, dialog: bool
):
    confirm = (
        'confirm_dialog = { role = "dialog", name = "Vill du skicka ärendet?" }\n'
        'confirm = { role = "button", name = "Skicka", within = "step3.confirm_dialog" }\n'
        if dialog
        else ""
    )
    screen = screen_for(
        page,
        tmp_path,
        f'[elements]\nreviewed = {{ label = "Jag har granskat meddelandet" }}\n[step3]\n{confirm}'
        '[actions]\nbefore_send = [{ check = "elements.reviewed" }, { wait = { enabled = "step3.send" } }]\n',
    )
    page.goto(tool.url + "/send" + ("?dialog=1" if dialog else ""))
    expect(page.get_by_role("button", name="Skicka")).to_be_disabled()

    run_action(screen, "before_send")
    run_action(screen, "before_send")  # already ticked is fine
    run_action(screen, "send")

    screen.wait_visible("receipt.heading")
    assert seen["sends"] == 1


@pytest.mark.parametrize(("at_once", "adds"), [(1, [1, 1, 1]), (2, [2, 1])])
def test_add_number_should_add_one_or_several_numbers_at_once_and_expect_a_row_each(
    page: Page, tmp_path: Path, tool: LiveMock, seen: dict, at_once: int, adds: list[int]
):
    screen = screen_for(
        page,
        tmp_path,
        f'[step2]\nnumbers_at_once = {at_once}\nready = {{ count = "step2.rows", empty = "step2.pnr" }}\n',
    )
    pnrs = official_test_numbers(0, 3)
    page.goto(tool.url + "/numbers")

    recipients = prepare_recipients(screen, pnrs)

    assert seen["adds"] == adds
    assert recipients.checked == dict.fromkeys(pnrs, ("ok", "")) and not recipients.not_added


def test_step_whose_element_is_missing_should_stop_naming_it_and_an_optional_one_should_be_skipped(
    page: Page, tmp_path: Path, tool: LiveMock, seen: dict
):
    screen = screen_for(
        page,
        tmp_path,
        '[elements]\nreviewed = { label = "Jag har granskat meddelandet" }\n'
        'later = { role = "button", name = "Skicka senare" }\n'
        "[actions]\n"
        'before_send = [{ click = "elements.later", optional = true }, { check = "elements.reviewed" }]\n'
        'send = [{ click = "elements.later" }]\n',
        timeout_ms=1500,
    )
    page.goto(tool.url + "/send")

    run_action(screen, "before_send")
    with pytest.raises(SelectorError, match=r"elements\.later \(role='button' name='Skicka senare'\)"):
        run_action(screen, "send")

    expect(page.get_by_label("Jag har granskat meddelandet")).to_be_checked()
    assert seen["sends"] == 0


def test_option_missing_from_an_open_menu_should_be_named_as_the_option(page: Page, tmp_path: Path, tool: LiveMock):
    screen = screen_for(
        page,
        tmp_path,
        '[elements]\ntexts = { role = "button", name = "Infoga text", kind = "menu" }\n'
        'texts_option = { role = "menuitem", name = "{option}" }\n'
        '[actions]\ninsert_text = [{ choose = "elements.texts", option = "{text_name}" }]\n',
        timeout_ms=1500,
    )
    page.goto(tool.url + "/menu")

    with pytest.raises(SelectorError, match=r"elements\.texts_option \(role='menuitem' name='Recept'\)"):
        run_action(screen, "insert_text", text_name="Recept")


def test_options_of_a_combobox_should_list_every_option_when_its_option_entry_is_named_by_option(
    page: Page, tmp_path: Path, tool: LiveMock
):
    screen = screen_for(
        page,
        tmp_path,
        '[step1]\ntemplate = { role = "combobox", name = "Välj mall", kind = "combobox" }\n'
        'template_option = { role = "option", name = "{option}" }\n',
    )
    page.goto(tool.url + "/combobox")

    assert screen.options("step1.template") == list(TEMPLATES)
