"""Hypothesis properties of intake: any bytes (damaged archives too) read safely; any mix of forms and files yields
each citizen once."""

from __future__ import annotations

import io
import os
import tempfile
from datetime import date
from functools import cache
from pathlib import Path

import py7zr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import DeliveryError
from bot.intake import read_delivery
from bot.intake.readers import read_rows
from bot.intake.validate import Collector

ROOT = Path(__file__).resolve().parents[2]
TEST_LIST = ROOT / "mock_personalverktyg" / "seed" / "testpersonnummer.txt"
TODAY = date(2026, 11, 22)


@cache
def official_numbers() -> list[str]:
    return [n for n in TEST_LIST.read_text(encoding="ascii").split() if "1950" <= n < "2011"]


FORMS = [
    lambda n: n,
    lambda n: f"{n[:8]}-{n[8:]}",
    lambda n: n[2:],
    lambda n: f"{n[2:8]}-{n[8:]}",
    lambda n: f"  {n}  ",
]
text_bytes = st.one_of(
    st.binary(max_size=400),
    st.text(alphabet="0123456789-+;,\t\r\n \"'TRSabcåäö\ufeff\x00", max_size=300).map(lambda t: t.encode()),
)


@settings(deadline=None)  # the first workbook imports openpyxl: slow once on a busy machine, not a failure
@given(st.sampled_from(["a.txt", "a.csv", "a.xlsx"]), text_bytes)
def test_read_rows_should_raise_only_delivery_errors_on_any_bytes(name: str, data: bytes) -> None:
    try:
        rows = list(read_rows(name, data))
    except DeliveryError:
        return
    collector = Collector("lev", TODAY)
    collector.add_file(name, rows)
    assert len(collector.accepted) + len(collector.rejected) == len(rows) == collector.rows


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.lists(st.tuples(st.sampled_from(official_numbers()[:200]), st.integers(0, len(FORMS) - 1)), max_size=30),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from(["\n", "\r\n"]),
)
def test_read_delivery_should_accept_every_citizen_exactly_once_whatever_the_form(files, newline: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i, entries in enumerate(files):
            text = newline.join(FORMS[form](pnr) for pnr, form in entries)
            (folder / f"lista{i}.txt").write_text(text, encoding="utf-8")
        everyone = [pnr for entries in files for pnr, _ in entries]
        try:
            result = read_delivery(folder, today=TODAY)
        except DeliveryError:
            assert not everyone
            return
    assert [c.pnr for c in result.accepted] == list(dict.fromkeys(everyone))
    assert result.duplicates == len(everyone) - len(set(everyone))
    assert {r.reason_code for r in result.rejected} <= {"duplicate"}
    assert result.rows == len(everyone)


ARCHIVE_PASSWORD = "egenskap"


@cache
def archive_bytes(encrypted_headers: bool) -> bytes:
    buffer = io.BytesIO()
    with py7zr.SevenZipFile(buffer, "w", password=ARCHIVE_PASSWORD, header_encryption=encrypted_headers) as archive:
        archive.writestr("\n".join(official_numbers()[:20]).encode(), "lista.txt")
    return buffer.getvalue()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.booleans(),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(1, 255)), min_size=1, max_size=3),
    st.one_of(st.none(), st.integers(min_value=0)),
)
def test_read_delivery_should_raise_only_delivery_errors_on_a_damaged_archive(
    encrypted_headers: bool, flips: list[tuple[int, int]], cut: int | None
) -> None:
    data = bytearray(archive_bytes(encrypted_headers))
    for position, bits in flips:
        data[position % len(data)] ^= bits
    if cut is not None:
        data = data[: cut % len(data)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lev.7z"
        path.write_bytes(bytes(data))
        os.environ["UTSKICK_PROPERTY_7Z"] = ARCHIVE_PASSWORD
        try:
            result = read_delivery(path, "UTSKICK_PROPERTY_7Z", today=TODAY)
        except DeliveryError as e:
            assert str(e) and e.exit_code == 2
        else:
            assert {c.pnr for c in result.accepted} <= set(official_numbers()[:20])
        finally:
            del os.environ["UTSKICK_PROPERTY_7Z"]
