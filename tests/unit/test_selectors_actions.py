"""`[elements]` and `[actions]` in the selectors data: what a site may write, and every way it can be wrong, each
refused with a Swedish error naming the file, the line (of the step, when one step is wrong) and the closest key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import selectors_schema as schema
from bot.config import DEFAULT_SELECTORS
from bot.errors import ConfigError
from bot.locators import Selectors
from tests.helpers import load_with, refused


def test_default_actions_should_be_todays_clicks():
    selectors = Selectors.load(DEFAULT_SELECTORS)

    assert selectors.action("choose_unit") == [{"click": "unit.choice"}]
    assert selectors.action("choose_template") == [{"choose": "step1.template", "option": "{template}"}]
    assert selectors.action("add_number") == [{"fill": "step2.pnr", "value": "{pnr}"}, {"click": "step2.add"}]
    assert selectors.action("send") == [{"click": "step3.send"}, {"click": "step3.confirm"}]
    assert selectors.action("before_send") == []
    assert selectors.value("step2.numbers_at_once") == 1 and selectors.value("step2.numbers_separator") == "\n"


def test_override_should_replace_a_whole_action_and_may_use_its_own_elements(tmp_path: Path):
    selectors = load_with(
        tmp_path,
        "[elements]\n"
        'unit_select = { label = "Mottagning", kind = "select" }\n'
        'unit_continue = { role = "button", name = "Fortsätt" }\n'
        "[actions]\n"
        'choose_unit = [{ choose = "elements.unit_select", option = "{unit}" }, { click = "elements.unit_continue" }]\n'
        'send = [{ click = "step3.send" }]\n',
    )

    assert selectors.action("send") == [{"click": "step3.send"}]
    assert selectors.action("choose_unit")[1] == {"click": "elements.unit_continue"}
    assert selectors.entry("elements.unit_select") == {"label": "Mottagning", "kind": "select"}
    assert selectors.action("add_number") == [{"fill": "step2.pnr", "value": "{pnr}"}, {"click": "step2.add"}]


@pytest.mark.parametrize(
    "text",
    [
        # an element used only as another's scope, by a readiness entry, or as a choice's option
        '[elements]\ndialog = { role = "dialog" }\nok = { role = "button", name = "OK", within = "elements.dialog" }\n'
        '[actions]\nsend = [{ click = "step3.send" }, { click = "elements.ok" }]\n',
        '[elements]\nreviewed = { label = "Granskat" }\n[step2]\nready = { enabled = "elements.reviewed" }\n',
        '[elements]\nmenu = { role = "button", name = "Infoga text", kind = "menu" }\n'
        'menu_option = { role = "menuitem", name = "{option}", exact = false }\n'
        '[actions]\ninsert_text = [{ choose = "elements.menu", option = "{text_name}" }]\n',
        '[elements]\nreviewed = { label = "Granskat" }\n'
        '[actions]\nbefore_send = [{ check = "elements.reviewed" }, { wait = { enabled = ["step3.send"] } }]\n',
        '[actions]\nsend = [{ click = "step3.send" }, { click = "step3.confirm", optional = true }]\n',
        '[actions]\nadd_number = [{ fill = "step2.pnr", value = "{pnr}" }, { press = "step2.pnr", keys = "Enter" }]\n'
        '[step2]\nnumbers_at_once = 25\nnumbers_separator = ", "\n',
        '[actions]\nnext_page = [{ click = "unit_cases.next_page" }, { wait = "unit_cases.ready" }]\n',
        '[actions]\nattach_file = [{ set_files = "step3.attach" }, { click = "step3.send", optional = true }]\n',
    ],
)
def test_well_formed_elements_and_actions_should_load(tmp_path: Path, text: str):
    load_with(tmp_path, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[actions]\nsned = []\n", "rad 2: okänd nyckel 'actions.sned' – menade du 'actions.send'?"),
        ('[actions]\nsend = "step3.send"\n', "rad 2: 'actions.send': ska vara en lista av steg"),
        ('[actions.send]\nclick = "step3.send"\n', "rad 1: 'actions.send': ska vara en lista av steg"),
        (
            '[actions]\nsend = [{ clik = "step3.send" }]\n',
            "rad 2: 'actions.send' (steg 1): okänt verb eller attribut 'clik' – menade du 'click'?",
        ),
        (
            '[actions]\nsend = [{ click = "step3.send", check = "step3.send" }]\n',
            "rad 2: 'actions.send' (steg 1): ett steg ska ha exakt ett verb (click, choose, fill, press, check,"
            " set_files, wait), har click, check.",
        ),
        ("[actions]\nsend = [{ optional = true }]\n", "(steg 1): ett steg ska ha exakt ett verb"),
        (
            '[actions]\nsend = [{ click = "step3.send", option = "Ja" }]\n',
            "(steg 1): 'option' hör inte till steget 'click'.",
        ),
        (
            '[actions]\nchoose_template = [{ choose = "step1.template" }]\n',
            "(steg 1): steget 'choose' behöver option, t.ex.",
        ),
        ('[actions]\nadd_number = [{ fill = "step2.pnr", value = 1 }]\n', "(steg 1): 'value' ska vara en text."),
        (
            '[actions]\nadd_number = [{ fill = "step2.pnr", value = "{pnrr}" }]\n',
            "(steg 1): okänd platshållare {pnrr}; här finns {pnr} – menade du 'pnr'?",
        ),
        (
            '[actions]\nsend = [{ fill = "step3.message", value = "{text_name}" }]\n',
            "(steg 1): okänd platshållare {text_name}; här finns inga",
        ),
        ('[actions]\nadd_number = [{ fill = "step2.pnr", value = "{pnr" }]\n', "(steg 1): ogiltig text '{pnr'"),
        (
            '[actions]\nsend = [{ click = "step3.send", optional = "ja" }]\n',
            "(steg 1): 'optional' ska vara true eller false.",
        ),
        (
            '[actions]\nsend = [{ click = "step3.sendd" }]\n',
            "(steg 1): click = 'step3.sendd' är inget element – menade du 'step3.send'?",
        ),
        (
            '[actions]\nsend = [{ click = "unit_cases.ready" }]\n',
            "(steg 1): click = 'unit_cases.ready' är inget element",
        ),
        (
            '[actions]\nnext_page = [{ wait = "unit_cases.redy" }]\n',
            "(steg 1): wait = 'unit_cases.redy' är ingen beredskap – menade du 'unit_cases.ready'?",
        ),
        (
            '[actions]\nsend = [{ wait = { enabeld = "step3.send" } }]\n',
            "(steg 1): okänt villkor 'enabeld' för wait – menade du 'enabled'?",
        ),
        ("[actions]\nsend = [{ wait = { enabled = 3 } }]\n", "(steg 1): 'enabled' ska vara en nyckel eller en lista"),
        (
            '[actions]\nsend = [{ wait = { gone = ["step3.sen"] } }]\n',
            "(steg 1): gone = 'step3.sen' är inget element – menade du 'step3.send'?",
        ),
        ("[actions]\nsend = [{ wait = 3 }]\n", "(steg 1): wait ska vara en beredskap"),
        ("[actions]\nsend = [{ wait = {} }]\n", "(steg 1): wait ska vara en beredskap"),
        (
            '[elements]\nUnit = { role = "button", name = "Fortsätt" }\n',
            "rad 2: 'elements.Unit': ett eget element heter små bokstäver",
        ),
        ("[elements]\nreviewed = false\n", "rad 2: 'elements.reviewed': ett eget element kan inte stängas av"),
        (
            '[elements]\nreviewed = { label = "Granskat", nmae = "x" }\n',
            "rad 2: 'elements.reviewed': okänt attribut 'nmae' för ett element – menade du 'name'?",
        ),
        (
            '[elements]\nunit_continue = { role = "button", name = "Fortsätt" }\n',
            "rad 2: 'elements.unit_continue': används inte",
        ),
        (
            '[elements]\nfortsatt = { role = "button", name = "Fortsätt" }\n'
            '[actions]\nchoose_unit = [{ click = "elements.fortsat" }, { click = "elements.fortsatt" }]\n',
            "rad 4: 'actions.choose_unit': click = 'elements.fortsat' finns inte under [elements]"
            " – menade du 'elements.fortsatt'?",
        ),
        (
            '[actions]\nattach_file = [{ set_files = "step3.send" }]\n',
            "rad 2: 'actions.attach_file': set_files = 'step3.send' behöver kind",
        ),
        (
            '[actions]\nchoose_template = [{ choose = "step3.attach", option = "{template}" }]\n',
            "rad 2: 'actions.choose_template': choose = 'step3.attach' behöver kind = något av select, listbox, radio,"
            " combobox, menu.",
        ),
        ("[step2]\nnumbers_at_once = 0\n", "rad 2: 'step2.numbers_at_once': ska vara ett heltal från 1 till 250."),
        ("[step2]\nnumbers_at_once = 251\n", "'step2.numbers_at_once': ska vara ett heltal från 1 till 250."),
        ("[step2]\nnumbers_at_once = true\n", "'step2.numbers_at_once': ska vara ett heltal från 1 till 250."),
        ('[step2]\nnumbers_at_once = "25"\n', "'step2.numbers_at_once': ska vara ett heltal från 1 till 250."),
        ('[step2]\nnumbers_separator = ""\n', "rad 2: 'step2.numbers_separator': ska vara en text"),
        ("[step2]\nnumbers_at_onse = 2\n", "okänd nyckel 'step2.numbers_at_onse' – menade du 'step2.numbers_at_once'?"),
    ],
)
def test_malformed_elements_and_actions_should_be_refused_naming_file_line_and_key(
    tmp_path: Path, text: str, expected: str
):
    message = refused(tmp_path, text)

    assert message.startswith(f"Selektorfilen {tmp_path / 'site.toml'}, rad ")
    assert expected in message


def test_error_in_a_later_step_should_name_the_line_that_step_is_on(tmp_path: Path):
    text = (
        "[actions]\n"
        "open_all_cases = [\n"
        '    { click = "nav.unit_cases" },  # { click = "not.a.step" }\n'
        '    { wait = { visible = "unit_cases.all_tab" } },\n'
        '    { click = "unit_cases.all_tabb" },\n'
        "]\n"
    )

    assert "rad 5: 'actions.open_all_cases' (steg 3): click = 'unit_cases.all_tabb' är inget element" in refused(
        tmp_path, text
    )


def test_full_file_without_a_default_action_should_be_refused(tmp_path: Path):
    broken = tmp_path / "personalverktyg.toml"
    text = DEFAULT_SELECTORS.read_text(encoding="utf-8")
    broken.write_text(text.replace('\nnext_page = [{ click = "unit_cases.next_page" }]\n', "\n"), encoding="utf-8")

    with pytest.raises(ConfigError, match=r"'actions\.next_page': saknas, och utskick behöver det"):
        Selectors.load(broken)


def test_steps_should_be_what_the_reference_check_sees():
    steps = [
        {"click": "step3.send"},
        {"choose": "elements.menu", "option": "{text_name}"},
        {"wait": "unit_cases.ready"},
        {"wait": {"enabled": "step3.send", "gone": ["page.busy", "elements.spinner"]}},
    ]

    assert schema.references("actions.send", steps) == [
        ("click", "step3.send"),
        ("choose", "elements.menu"),
        ("wait", "unit_cases.ready"),
        ("wait enabled", "step3.send"),
        ("wait gone", "page.busy"),
        ("wait gone", "elements.spinner"),
    ]


def test_choice_given_anew_should_not_inherit_the_main_files_options_but_keep_its_own(tmp_path: Path):
    anew = load_with(tmp_path, '[step1]\ntemplate = { role = "combobox", name = "Välj mall", kind = "combobox" }\n')
    spa = Selectors.load(DEFAULT_SELECTORS, DEFAULT_SELECTORS.parent / "variants" / "spa.toml")

    assert not anew.has("step1.template_option") and anew.has("unit_cases.case_type_option")
    assert spa.entry("step1.template_option") == {"role": "option", "name": "{option}", "exact": False}


def test_merged_file_with_elements_and_actions_should_read_back_as_the_same_data(tmp_path: Path):
    selectors = load_with(
        tmp_path,
        '[elements]\nreviewed = { label = "Granskat" }\n[step2]\nnumbers_at_once = 5\n'
        '[actions]\nbefore_send = [{ check = "elements.reviewed" }, { wait = { enabled = ["step3.send"] } }]\n',
    )
    merged = tmp_path / "merged.toml"
    merged.write_text(selectors.merged_toml(), encoding="utf-8")

    assert Selectors.load(merged).data == selectors.data
