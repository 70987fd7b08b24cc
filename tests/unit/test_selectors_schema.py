"""Schema version 2 of the selectors data: every kind of entry, switching entries off, records by column header
and by pattern, readiness, and strict files whose errors name the file, the line and the key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bot.config import DEFAULT_SELECTORS
from bot.errors import ConfigError, SelectorError
from bot.locators import Selectors
from tests.helpers import load_with, refused


def test_default_file_should_be_version_2_with_every_entry_kind():
    selectors = Selectors.load(DEFAULT_SELECTORS)

    assert selectors.value("meta.version") == 2
    assert selectors.entry("step2.add") == {"role": "button", "name": "Lägg till"}
    assert selectors.records("receipt.sent").fields == {"pnr": "Personnummer", "arende_id": "Ärende-id"}
    assert selectors.records("step2.recipients").pattern is not None
    assert selectors.readiness("step2.ready") == {}  # off by default: the fast path
    assert not selectors.has("step3.confirm")
    assert selectors.is_optional("unit_cases.date_from") and not selectors.is_optional("unit_cases.search")


def test_shipped_spa_override_should_wait_for_the_tool_where_the_default_does_not():
    default = Selectors.load(DEFAULT_SELECTORS)
    spa = Selectors.load(DEFAULT_SELECTORS, DEFAULT_SELECTORS.parent / "variants" / "spa.toml")

    assert default.readiness("unit_cases.ready") == {} and not default.has("page.busy")
    assert spa.readiness("step2.ready") == {"empty": ["step2.pnr"], "enabled": ["step2.add"]}
    assert spa.readiness("unit_cases.ready") == {"gone": ["page.busy"]}
    assert spa.entry("step3.confirm")["within"] == "step3.confirm_dialog"
    assert spa.records("receipt.sent").pattern.search("A-000123 – 18900101-9802").groupdict() == {
        "arende_id": "A-000123",
        "pnr": "18900101-9802",
    }
    assert not spa.has("unit_cases.date_from")


def test_file_without_version_should_be_refused_as_schema_version_1(tmp_path: Path):
    v1 = tmp_path / "v1.toml"
    v1.write_text(DEFAULT_SELECTORS.read_text(encoding="utf-8").replace("version = 2\n", ""), encoding="utf-8")

    with pytest.raises(ConfigError, match=r"v1\.toml, rad \d+: 'meta\.version': saknar version = 2.*version 1"):
        Selectors.load(v1)


def test_override_of_another_version_should_be_refused(tmp_path: Path):
    assert "version 3 stöds inte" in refused(tmp_path, "[meta]\nversion = 3\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '# site\n[step2]\nad = { role = "button", name = "Lägg till" }\n',
            "rad 3: okänd nyckel 'step2.ad' – menade du 'step2.add'?",
        ),
        (
            '[stpe2]\nadd = { role = "button", name = "Lägg till" }\n',
            "rad 1: okänd tabell [stpe2] – menade du [step2]?",
        ),
        (
            '[step2]\n\nadd = { role = "button", nmae = "Lägg till" }\n',
            "rad 3: 'step2.add': okänt attribut 'nmae' för ett element – menade du 'name'?",
        ),
        (
            "[unit_cases]\ndate_form = false\n",
            "rad 2: okänd nyckel 'unit_cases.date_form' – menade du 'unit_cases.date_from'?",
        ),
        (
            '[step1]\ntemplate = { label = "Välj mall", kind = "lisbox" }\n',
            "rad 2: 'step1.template': kind = 'lisbox' finns inte; välj select, listbox, radio, combobox, menu,"
            " file_input, file_chooser – menade du 'listbox'?",
        ),
        (
            '[receipt.sent]\nrecords = "receipt.table"\nrow = "li"\npattern = "(?P<arende>\\\\S+) (?P<pnr>.+)"\n',
            "rad 1: 'receipt.sent': okänt fält 'arende'; fälten är arende_id, pnr, subject, sent_at, sent_by, status,"
            " reason, result – menade du 'arende_id'?",
        ),
        (
            '[step2]\nready = { emtpy = "step2.pnr" }\n',
            "rad 2: 'step2.ready': okänt attribut 'emtpy' för beredskap – menade du 'empty'?",
        ),
    ],
)
def test_unknown_key_table_or_attribute_should_name_file_line_and_closest_key(tmp_path: Path, text: str, expected: str):
    assert refused(tmp_path, text) == f"Selektorfilen {tmp_path / 'site.toml'}, {expected}"


def test_typo_in_the_default_file_itself_should_be_refused(tmp_path: Path):
    broken = tmp_path / "personalverktyg.toml"
    text = DEFAULT_SELECTORS.read_text(encoding="utf-8").replace(
        'search = { role = "button"', 'serch = { role = "button"'
    )
    broken.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("serch"))

    with pytest.raises(
        ConfigError, match=rf"rad {line}: okänd nyckel 'unit_cases\.serch' – menade du 'unit_cases\.search'\?"
    ):
        Selectors.load(broken)


def test_version_1_column_keys_should_say_where_the_header_goes_now(tmp_path: Path):
    message = refused(tmp_path, '[unit_cases.values]\ncol_status = "Lässtatus"\n')

    assert "'unit_cases.values.col_status'" in message and "[unit_cases.cases] fields" in message


def test_off_should_switch_an_entry_off_and_optional_should_mark_it_absent_may_be(tmp_path: Path):
    selectors = load_with(
        tmp_path,
        '[unit_cases]\ndate_from = false\ndate_to = false\nstatus = { label = "Lässtatus", optional = true }\n',
    )

    assert not selectors.has("unit_cases.date_from") and selectors.is_optional("unit_cases.date_from")
    assert selectors.has("unit_cases.status") and selectors.is_optional("unit_cases.status")
    with pytest.raises(ConfigError, match="har stängt av posten 'unit_cases.date_to'"):
        selectors.entry("unit_cases.date_to")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[step3]\nsend = false\n", "'step3.send': kan inte stängas av"),
        (
            '[step3]\nconfirm = { role = "button", name = "Skicka", within = "step3.confirm_dialog" }\n',
            "within = 'step3.confirm_dialog' pekar på ett avstängt element",
        ),
        ("[receipt]\nnot_sent = false\n", "'receipt.refused': records = 'receipt.not_sent' pekar på ett avstängt"),
        ('[step2]\nready = { empty = "step2.pn" }\n', "empty = 'step2.pn' är inget element – menade du 'step2.pnr'?"),
        ("[pnr]\ndisplay = false\n", "bara element, poster och beredskap kan stängas av"),
        ('[receipt.sent]\nrecords = "receipt.table"\npattern = "(?P<pnr>.+)"\n', "saknar fälten arende_id"),
        ('[receipt.sent]\nrecords = "receipt.table"\nrow = "tr"\n', "saknar cell, header, fields"),
        ('[receipt.sent]\nrecords = "receipt.table"\npattern = "(?P<pnr"\n', "ogiltigt mönster"),
        ('[receipt.sent]\nrecords = "receipt.table"\npattern = "(?P<pnr>.+)"\nfields = { pnr = "P" }\n', "inte båda"),
        ('[receipt]\nsent = { role = "table" }\n', "ska vara poster"),
    ],
)
def test_inconsistent_or_malformed_override_should_be_refused_naming_the_key(tmp_path: Path, text: str, message: str):
    assert message in refused(tmp_path, text)


def test_confirmation_inside_a_dialog_should_load_when_the_dialog_is_named(tmp_path: Path):
    selectors = load_with(
        tmp_path,
        '[step3]\nconfirm_dialog = { role = "dialog" }\n'
        'confirm = { role = "button", name = "Skicka", within = "step3.confirm_dialog" }\n',
    )

    assert selectors.has("step3.confirm") and selectors.entry("step3.confirm")["within"] == "step3.confirm_dialog"


def test_records_by_header_should_map_columns_to_fields_in_any_order():
    spec = Selectors.load(DEFAULT_SELECTORS).records("unit_cases.cases")
    raw = {
        "headers": ["Status", "Ärende-id", " Personnummer ", "Rubrik", "Skickat", "Skickat av"],
        "rows": [["Läst av invånare", "A-1", "19121212-1212", "Provsvar", "2026-12-01 10:00:00", "Anna"]],
    }

    assert spec.parse(raw) == [
        {
            "arende_id": "A-1",
            "pnr": "19121212-1212",
            "subject": "Provsvar",
            "sent_at": "2026-12-01 10:00:00",
            "sent_by": "Anna",
            "status": "Läst av invånare",
        }
    ]
    assert spec.parse({"headers": [], "rows": []}) == []


def test_records_by_header_should_name_a_missing_column():
    spec = Selectors.load(DEFAULT_SELECTORS).records("receipt.sent")

    with pytest.raises(SelectorError, match=r"receipt\.sent.*Kolumnen 'Ärende-id' finns inte.*'Id'"):
        spec.parse({"headers": ["Personnummer", "Id"], "rows": [["19121212-1212", "A-1"]]})


def test_records_by_pattern_should_read_list_items_and_skip_other_lines(tmp_path: Path):
    selectors = load_with(
        tmp_path,
        '[receipt]\ntable = { role = "list", name = "Skickade ärenden" }\n'
        "[receipt.sent]\nrecords = \"receipt.table\"\npattern = '(?P<arende_id>\\S+) – (?P<pnr>\\d{8}-\\d{4})'\n",
    )
    spec = selectors.records("receipt.sent")

    rows = spec.parse({"rows": ["2 ärenden skickades", "A-17 –   19121212-1212", "", "A-18 –\n19121212-1212"]})

    assert spec.row is None
    assert rows == [{"arende_id": "A-17", "pnr": "19121212-1212"}, {"arende_id": "A-18", "pnr": "19121212-1212"}]


def test_readiness_should_list_every_condition_as_keys(tmp_path: Path):
    selectors = load_with(
        tmp_path,
        '[step2]\nready = { empty = "step2.pnr", enabled = ["step2.pnr", "step2.add"], count = "step2.rows" }\n',
    )

    assert selectors.readiness("step2.ready") == {
        "empty": ["step2.pnr"],
        "enabled": ["step2.pnr", "step2.add"],
        "count": ["step2.rows"],
    }


def test_merged_result_should_print_as_toml_that_reads_back_the_same(tmp_path: Path):
    selectors = load_with(tmp_path, '[unit_cases]\ndate_from = false\n[check_results]\nlogin_locked = "låst"\n')

    text = selectors.merged_toml()

    assert tomllib.loads(text) == selectors.data
    assert re.search(r"^date_from = false$", text, re.MULTILINE)
    assert "login_locked = 'låst'" in text and "ok = 'Aktiv inloggning'" in text
