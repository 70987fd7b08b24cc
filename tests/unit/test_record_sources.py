"""Records fields read from the row or an element inside it (accessible name, description, title, value, an
attribute) beside a pattern or columns, and the Swedish refusals of a malformed field source."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_SELECTORS
from bot.errors import ConfigError
from bot.locators import Selectors


def load_site(tmp_path: Path, text: str) -> Selectors:
    """The default selectors with `text` as the site's override."""
    override = tmp_path / "site.toml"
    override.write_text(text, encoding="utf-8")
    return Selectors.load(DEFAULT_SELECTORS, override)


ICON_RECIPIENTS = """
[step2.recipients]
records = "step2.list"
row = "li"
pattern = '(?P<pnr>\\d{8}-\\d{4})'
fields = { result = { from = "accessible_name", inside = { css = "svg.status" } } }
"""


def test_records_field_from_an_icons_name_should_be_read_beside_the_pattern(tmp_path: Path):
    spec = load_site(tmp_path, ICON_RECIPIENTS).records("step2.recipients")

    assert spec.script_args()["sources"] == {
        "result": {"from": "accessible_name", "attribute": None, "inside": "svg.status"}
    }
    raw = {
        "rows": ["19121212-1212 Ta bort", "Inga fler"],
        "sources": [{"result": " Kan  inte ta emot "}, {"result": ""}],
    }
    assert spec.parse(raw) == [{"pnr": "19121212-1212", "result": "Kan inte ta emot"}]


def test_records_with_every_field_from_the_row_should_need_no_pattern_or_columns(tmp_path: Path):
    spec = load_site(
        tmp_path,
        '[step2.recipients]\nrecords = "step2.list"\nrow = "li"\n'
        'fields = { pnr = { attribute = "data-pnr" }, '
        'result = { attribute = "aria-label", inside = { css = "svg" } } }\n',
    ).records("step2.recipients")

    raw = {
        "rows": ["a", "b"],
        "sources": [{"pnr": "19121212-1212", "result": "Kan ta emot"}, {"pnr": "", "result": ""}],
    }
    assert spec.parse(raw) == [{"pnr": "19121212-1212", "result": "Kan ta emot"}, {"pnr": "", "result": ""}]


def test_records_by_header_should_add_a_field_read_from_the_row(tmp_path: Path):
    spec = load_site(
        tmp_path,
        '[receipt.refused]\nrecords = "receipt.not_sent"\nrow = "tbody tr"\ncell = "td"\nheader = "thead th"\n'
        'fields = { pnr = "Personnummer", reason = { from = "title", inside = { css = "td.orsak" } } }\n',
    ).records("receipt.refused")

    raw = {"headers": ["Personnummer"], "rows": [["19121212-1212"]], "sources": [{"reason": "Spärrad"}]}
    assert spec.parse(raw) == [{"pnr": "19121212-1212", "reason": "Spärrad"}]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            'result = { from = "aria_label", inside = { css = "svg" } }',
            "fältet 'result': from = 'aria_label' finns inte; välj text, accessible_name, description, title, value",
        ),
        ('result = { from = "title", attribute = "title" }', "fältet 'result': ange antingen from eller attribute"),
        ('result = { from = "title", insde = { css = "svg" } }', "okänt attribut 'insde' för fältet 'result'"),
        ('result = { from = "title", inside = { role = "img" } }', "inside anges med CSS inom raden"),
        ('result = { attribute = "" }', 'attribute ska vara ett attributnamn, t.ex. attribute = "aria-label"'),
        ('result = { from = "title" }, pnr = { from = "text" }', "fältet 'pnr' läses både ur mönstret och ur fields"),
        ('result = "Resultat"', "ange antingen pattern (mönster) eller header/cell/fields (kolumner), inte båda."),
    ],
)
def test_malformed_field_source_should_be_refused_naming_the_key(tmp_path: Path, fields: str, expected: str):
    text = ICON_RECIPIENTS.replace(
        'fields = { result = { from = "accessible_name", inside = { css = "svg.status" } } }',
        f"fields = {{ {fields} }}",
    )

    with pytest.raises(ConfigError) as caught:
        load_site(tmp_path, text)

    assert "'step2.recipients'" in str(caught.value) and expected in str(caught.value), str(caught.value)


def test_field_from_the_row_without_row_css_should_be_refused(tmp_path: Path):
    with pytest.raises(ConfigError, match="behöver row"):
        load_site(
            tmp_path,
            "[step2.recipients]\nrecords = \"step2.list\"\npattern = '(?P<pnr>\\d{8}-\\d{4})'\n"
            'fields = { result = { from = "accessible_name" } }\n',
        )
