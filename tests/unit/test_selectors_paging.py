"""Lists as data in the selectors (issue 25 item 3): `unit_cases.paging` takes one of four values, anything else is
refused with the file and the line; `unit_cases.all_tab` may be switched off."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_SELECTORS
from bot.errors import ConfigError, InputError
from bot.locators import Selectors
from bot.selectors_schema import PAGINGS
from tests.helpers import load_with


def test_default_paging_should_be_pages():
    assert Selectors.load(DEFAULT_SELECTORS).value("unit_cases.paging") == "pages"


@pytest.mark.parametrize("paging", ["pages", "load_more", "scroll", "one_page"])
def test_paging_should_accept_each_way_a_list_shows_more(tmp_path: Path, paging: str):
    selectors = load_with(tmp_path, f'[unit_cases]\npaging = "{paging}"\n')

    assert selectors.value("unit_cases.paging") == paging
    assert paging in PAGINGS


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"infinite"', "paging = 'infinite' finns inte; välj pages, load_more, scroll, one_page"),
        ('"load-more"', "– menade du 'load_more'?"),
        ('"Pages"', "– menade du 'pages'?"),
        ("2", "paging = 2 finns inte"),
        ("false", "bara element, poster och beredskap kan stängas av"),
        ('{ role = "button" }', "ska vara ett värde, inte en tabell"),
    ],
    ids=["unknown", "dash", "case", "number", "off", "table"],
)
def test_unknown_paging_should_be_refused_naming_file_line_and_value(tmp_path: Path, value: str, expected: str):
    with pytest.raises(ConfigError) as caught:
        load_with(
            tmp_path, f'# the list\n[unit_cases]\nsearch = {{ role = "button", name = "Sök" }}\npaging = {value}\n'
        )

    message = str(caught.value)
    assert isinstance(caught.value, InputError) and caught.value.exit_code == 2
    assert "site.toml, rad 4: 'unit_cases.paging'" in message
    assert expected in message


def test_all_tab_should_be_allowed_off_for_a_tool_without_tabs(tmp_path: Path):
    selectors = load_with(tmp_path, "[unit_cases]\nall_tab = false\n")

    assert not selectors.has("unit_cases.all_tab")
    assert selectors.has("unit_cases.case_type")  # the filters stay: only the tab is gone


def test_other_list_keys_should_still_be_refused_off(tmp_path: Path):
    with pytest.raises(ConfigError, match="'unit_cases.table': kan inte stängas av"):
        load_with(tmp_path, "[unit_cases]\ntable = false\n")
