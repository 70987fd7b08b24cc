"""The closest elements of a page for a selectors entry that is not found: ranked by name, then by role."""

from __future__ import annotations

from pathlib import Path

from bot.config import DEFAULT_SELECTORS
from bot.locators import Selectors
from flows.candidates import closest, wanted

PAGE = [
    ("link", "Mina ärenden"),
    ("heading", "Skicka ärende"),
    ("button", "Skicka ärende"),
    ("link", "Skicka"),
    ("textbox", "Rubrik"),
    ("text", "Ta bort 19121212-****"),
]


def test_wrong_role_should_rank_the_same_name_first_and_say_what_was_asked(tmp_path: Path):
    site = tmp_path / "site.toml"
    site.write_text('[my_cases]\nsend_case = { role = "link", name = "Skicka ärende" }\n', encoding="utf-8")
    selectors = Selectors.load(DEFAULT_SELECTORS, site)

    ranked = closest(selectors, "my_cases.send_case", PAGE)

    assert wanted(selectors, "my_cases.send_case")[2] == "länken 'Skicka ärende'"
    assert [str(c) for c in ranked[:2]] == ["knapp 'Skicka ärende'", "rubrik 'Skicka ärende'"]


def test_label_entry_should_prefer_a_field_and_drop_elements_that_are_not_close():
    selectors = Selectors.load(DEFAULT_SELECTORS)

    ranked = closest(selectors, "step3.subject", PAGE)

    assert [str(c) for c in ranked] == ["fält 'Rubrik'"]
    assert wanted(selectors, "step3.subject")[2] == "fältet 'Rubrik'"


def test_listbox_candidate_should_not_be_called_by_the_word_of_the_missing_list(tmp_path: Path):
    site = tmp_path / "site.toml"
    site.write_text('[step2]\nlist = { role = "list", name = "Mottagare" }\n', encoding="utf-8")
    selectors = Selectors.load(DEFAULT_SELECTORS, site)

    ranked = closest(selectors, "step2.list", [("listbox", "Mottagare")])

    assert wanted(selectors, "step2.list")[2] == "listan 'Mottagare'"
    assert [str(c) for c in ranked] == ["listruta 'Mottagare'"]


def test_placeholder_name_should_be_compared_filled_in():
    selectors = Selectors.load(DEFAULT_SELECTORS)

    ranked = closest(selectors, "unit.choice", [("link", "Vårdcentralen Centrum")], unit="Vårdcentralen Centrum")

    assert [str(c) for c in ranked] == ["länk 'Vårdcentralen Centrum'"]
