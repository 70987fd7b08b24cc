"""Hypothesis properties of bot.pnr, drawn from Skatteverket's official test personnummer."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.pnr import InvalidPersonnummer, mask, normalize, scrub

ROOT = Path(__file__).resolve().parents[2]
TEST_LIST = ROOT / "mock_personalverktyg" / "seed" / "testpersonnummer.txt"
TODAY = date(2026, 11, 22)


@cache
def official_numbers() -> list[str]:
    return TEST_LIST.read_text(encoding="ascii").split()


def _age_at_least_100(pnr: str) -> bool:
    return (int(pnr[:4]) + 100, int(pnr[4:6]), int(pnr[6:8])) <= (TODAY.year, TODAY.month, TODAY.day)


def _forms(pnr: str) -> list[str]:
    """Every textual form a delivery may use for this number."""
    sign = "+" if _age_at_least_100(pnr) else "-"
    forms = [pnr, f"{pnr[:8]}-{pnr[8:]}", f"{pnr[2:8]}{sign}{pnr[8:]}", f" {pnr}\t", f"\u00a0{pnr[:8]}-{pnr[8:]} "]
    if sign == "-":
        forms.append(pnr[2:])
    return forms


numbers = st.sampled_from(official_numbers())


@given(numbers)
def test_normalize_should_give_the_same_twelve_digits_for_every_form(pnr: str) -> None:
    assert {normalize(form, TODAY) for form in _forms(pnr)} == {pnr}


@given(numbers, st.integers(min_value=0, max_value=11), st.integers(min_value=1, max_value=9), st.booleans())
def test_normalize_should_never_read_a_one_digit_change_as_the_same_number(
    pnr: str, position: int, delta: int, short_form: bool
) -> None:
    if short_form and position < 2:  # the short form has no century digits to change
        position += 2
    changed = pnr[:position] + str((int(pnr[position]) + delta) % 10) + pnr[position + 1 :]
    text = f"{changed[2:8]}{'+' if _age_at_least_100(pnr) else '-'}{changed[8:]}" if short_form else changed
    try:
        result = normalize(text, TODAY)
    except InvalidPersonnummer:
        return
    assert result != pnr


@given(st.text(max_size=40))
def test_normalize_should_raise_only_its_own_error_on_any_text(text: str) -> None:
    try:
        normalize(text, TODAY)
    except InvalidPersonnummer as e:
        assert e.code and str(e)


@given(st.text(alphabet="0123456789-+ TRSUWXJKLMNE\t", max_size=16))
def test_normalize_should_raise_only_its_own_error_on_near_personnummer(text: str) -> None:
    try:
        result = normalize(text, TODAY, allow_interim=True)
    except InvalidPersonnummer:
        return
    assert len(result) == 12


@settings(max_examples=200)
@given(numbers, st.text(max_size=20), st.text(max_size=20), st.booleans())
def test_scrub_and_mask_should_never_leave_the_serial_of_a_number(
    pnr: str, before: str, after: str, short_form: bool
) -> None:
    form = f"{pnr[2:8]}-{pnr[8:]}" if short_form else pnr
    text = f"{before} {form} {after}"
    assert form not in scrub(text)
    assert mask(form) == (f"{pnr[2:8]}-****" if short_form else f"{pnr[:8]}-****")
