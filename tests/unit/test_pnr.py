"""bot.pnr: conformance with the personnummer organisation's vectors, textual forms, century, masking."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from bot.errors import InputError
from bot.ledger import mask_pnr
from bot.pnr import (
    InvalidPersonnummer,
    classify,
    display,
    luhn_check_digit,
    mask,
    normalize,
    scrub,
)

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "data" / "personnummer-vectors"
TEST_LIST = ROOT / "mock_personalverktyg" / "seed" / "testpersonnummer.txt"
TODAY = date(2026, 11, 22)
FORMS = ("long_format", "short_format", "separated_format", "separated_long")


@cache
def official_numbers() -> list[str]:
    return TEST_LIST.read_text(encoding="ascii").split()


def _vectors(name: str) -> list[dict]:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def _first(prefix: str) -> str:
    """The first official test number starting with `prefix` (a date chosen for a century case)."""
    return next(n for n in official_numbers() if n.startswith(prefix))


def _vector_cases(name: str, valid: bool) -> list:
    return [
        pytest.param(v[form], v, id=f"{v['type']}-{form}-{i}")
        for i, v in enumerate(_vectors(name))
        if v["valid"] is valid
        for form in FORMS
    ]


@pytest.mark.parametrize(("text", "vector"), _vector_cases("list.json", True) + _vector_cases("interim.json", True))
def test_normalize_should_accept_and_classify_every_valid_vector(text: str, vector: dict) -> None:
    pnr12 = normalize(text, TODAY, allow_interim=True)
    expected_kind = {"ssn": "personnummer", "con": "samordningsnummer", "interim": "interim"}[vector["type"]]
    assert classify(pnr12) == expected_kind
    if text != vector["short_format"]:  # YYMMDDNNNN without a sign is read as the latest century by design
        assert pnr12 == vector["long_format"]


@pytest.mark.parametrize(("text", "vector"), _vector_cases("list.json", False) + _vector_cases("interim.json", False))
def test_normalize_should_reject_every_invalid_vector(text: str, vector: dict) -> None:
    with pytest.raises(InvalidPersonnummer):
        normalize(text, TODAY, allow_interim=True)


def test_normalize_should_accept_every_coordination_vector_as_samordningsnummer() -> None:
    coords = _vectors("allCoords.json")
    kinds = {classify(normalize(n, TODAY)) for n in coords}
    assert len(coords) == 2264
    assert kinds == {"samordningsnummer"}


@pytest.mark.parametrize("group", ["ssn", "con"])
def test_normalize_should_agree_with_structured_vectors(group: str) -> None:
    cases = _vectors("structured.json")[group]["string"]
    for text in cases["valid"]:
        normalize(text, TODAY)
    for text in cases["invalid"]:
        with pytest.raises(InvalidPersonnummer):
            normalize(text, TODAY)


def test_normalize_should_accept_every_official_test_number_unchanged() -> None:
    bad = [n[:8] for n in official_numbers() if normalize(n, TODAY) != n or classify(n) != "personnummer"]
    assert bad == []


def test_luhn_check_digit_should_agree_with_the_personnummer_package_on_the_test_list() -> None:
    assert all(luhn_check_digit(n[2:11]) == int(n[11]) for n in official_numbers())


@pytest.mark.parametrize(
    ("form", "make"),
    [
        ("12 digits", lambda n: n),
        ("12 with dash", lambda n: f"{n[:8]}-{n[8:]}"),
        ("10 digits", lambda n: n[2:]),
        ("10 with dash", lambda n: f"{n[2:8]}-{n[8:]}"),
        ("surrounding spaces", lambda n: f"  {n[:8]}-{n[8:]}\t"),
    ],
)
def test_normalize_should_give_twelve_digits_for_every_form(form: str, make) -> None:
    pnr = _first("1985")
    assert normalize(make(pnr), TODAY) == pnr


@pytest.mark.parametrize(
    ("prefix", "sep", "today", "expected_century"),
    [
        ("1890", "+", date(2026, 11, 22), "18"),  # 100+ years old: the plus sign moves a century back
        ("1920", "+", date(2026, 11, 22), "19"),
        ("1925", "-", date(2026, 11, 22), "20"),  # without '+', 25MMDD is read as 2025 ...
        ("2024", "-", date(2026, 11, 22), "20"),
        ("1999", "-", date(2026, 11, 22), "19"),
    ],
)
def test_normalize_should_decide_the_century_of_ten_digit_numbers_from_today(
    prefix: str, sep: str, today: date, expected_century: str
) -> None:
    pnr = _first(prefix)
    text = f"{pnr[2:8]}{sep}{pnr[8:]}"
    try:
        result = normalize(text, today)
    except InvalidPersonnummer as e:  # the re-centuried date may not exist (a 29 February)
        assert e.code == "invalid_date"
        return
    assert result[:2] == expected_century


def test_normalize_should_read_a_birthday_later_this_year_as_last_century() -> None:
    # on 2026-11-22, a 10-digit 26MMDD after November 22 cannot be 2026 (the future): it is 1926
    pnr = next(n for n in official_numbers() if n.startswith("1926") and n[4:8] > "1122")
    assert normalize(pnr[2:], date(2026, 11, 22)) == pnr


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda n: n[:11] + str((int(n[11]) + 1) % 10), "invalid_check_digit"),
        (lambda n: n[:4] + "13" + n[6:], "invalid_date"),
        (lambda n: n[:6] + "32" + n[8:], "invalid_date"),
        (lambda n: n[:8] + "000" + n[11:], "invalid_serial"),
        (lambda n: n[:9], "invalid_format"),
        (lambda n: n + "1", "invalid_format"),
        (lambda n: n[:8] + " " + n[8:], "invalid_format"),
        (lambda n: "", "invalid_format"),
        (lambda n: "personnummer", "invalid_format"),
        (lambda n: "2099" + n[4:11] + str(luhn_check_digit("99" + n[4:11])), "future_date"),
    ],
    ids=["check", "month", "day", "serial000", "short", "long", "space", "empty", "word", "future"],
)
def test_normalize_should_reject_with_a_reason_code(make, code: str) -> None:
    with pytest.raises(InvalidPersonnummer) as info:
        normalize(make(_first("1985")), TODAY)
    assert info.value.code == code


def test_invalid_personnummer_should_be_an_input_error_without_the_number() -> None:
    pnr = _first("1985")
    broken = pnr[:11] + str((int(pnr[11]) + 1) % 10)
    with pytest.raises(InputError) as info:
        normalize(broken, TODAY)
    assert broken not in str(info.value) and pnr[8:] not in str(info.value)
    assert "kontrollsiffra" in str(info.value)


def test_normalize_should_refuse_interim_numbers_unless_allowed() -> None:
    interim = _vectors("interim.json")[0]["long_format"]
    with pytest.raises(InvalidPersonnummer) as info:
        normalize(interim, TODAY)
    assert info.value.code == "interim"
    assert classify(normalize(interim, TODAY, allow_interim=True)) == "interim"


def test_classify_should_tell_a_derived_samordningsnummer() -> None:
    pnr = _first("1985")
    body = pnr[:6] + f"{int(pnr[6:8]) + 60:02d}" + pnr[8:11]
    sam = body + str(luhn_check_digit(body[2:]))
    assert classify(normalize(sam, TODAY)) == "samordningsnummer"


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda n: n, lambda n: f"{n[:8]}-****"),
        (lambda n: f"{n[:8]}-{n[8:]}", lambda n: f"{n[:8]}-****"),
        (lambda n: n[2:], lambda n: f"{n[2:8]}-****"),
        (lambda n: f"{n[2:8]}+{n[8:]}", lambda n: f"{n[2:8]}+****"),
        (lambda n: "abc", lambda n: "****"),
        (lambda n: n[:8], lambda n: f"{n[:8]}-****"),  # a row cut short: its birth date helps a person find it
        (lambda n: n[2:10], lambda n: "****"),  # a 10-digit form cut short: no date in front, nothing shown
    ],
)
@pytest.mark.parametrize("masker", [mask, mask_pnr], ids=["pnr.mask", "ledger.mask_pnr"])
def test_mask_should_hide_the_serial(make, expected, masker) -> None:
    pnr = _first("1985")
    masked = masker(make(pnr))
    assert masked == expected(pnr)
    assert pnr[8:] not in masked


def test_display_should_show_the_staff_tool_form() -> None:
    pnr = _first("1985")
    assert display(pnr) == f"{pnr[:8]}-{pnr[8:]}"


def test_scrub_should_mask_every_personnummer_in_free_text() -> None:
    a, b, c = _first("1985"), _first("1990"), _first("2001")
    text = f"skickar till {a}, {b[:8]}-{b[8:]} och {c[2:]}; order 12345 och 2024-01-01 orörda"
    scrubbed = scrub(text)
    for n in (a, b, c):
        assert n[8:] not in scrubbed.replace("2024-01-01", "")
    assert f"{a[:8]}-****" in scrubbed and f"{c[2:8]}-****" in scrubbed
    assert "order 12345 och 2024-01-01 orörda" in scrubbed


def _samordningsnummer_from(pnr: str) -> str:
    """A samordningsnummer derived on purpose from a test personnummer (day + 60, check digit recomputed)."""
    body = pnr[:6] + f"{int(pnr[6:8]) + 60:02d}" + pnr[8:11]
    return body + str(luhn_check_digit(body[2:]))


@pytest.mark.parametrize(
    "hsa_id", ["SE2321000016-A001", "SE2321000016-A002", "SE162321000016-E12345", "SE2321000131-S000000012345"]
)
def test_scrub_should_leave_an_hsa_id_readable(hsa_id: str) -> None:
    text = f"Inloggningen misslyckades för HSA-id {hsa_id}"
    assert scrub(text) == text


def test_scrub_should_mask_personnummer_and_samordningsnummer_next_to_an_hsa_id() -> None:
    pnr = _first("1985")
    sam = _samordningsnummer_from(pnr)
    text = f"SE2321000016-A001 skickade till {pnr[:8]}-{pnr[8:]}, {sam} och {pnr[2:]}"
    scrubbed = scrub(text)
    assert scrubbed == (f"SE2321000016-A001 skickade till {pnr[:8]}-****, {sam[:8]}-**** och {pnr[2:8]}-****")


@pytest.mark.parametrize("pnr", official_numbers()[::997])
def test_scrub_should_mask_every_official_test_number_in_text(pnr: str) -> None:
    for form in (pnr, f"{pnr[:8]}-{pnr[8:]}", pnr[2:], _samordningsnummer_from(pnr)):
        assert form[-4:] not in scrub(f"rad 3: {form}; HSA-id SE2321000016-A003").replace("A003", "")
