"""bot.intake.readers: the personnummer column of txt, csv and xlsx files, in every encoding a region sends."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import openpyxl
import pytest

from bot.intake.readers import UnreadableFile, read_rows

ROOT = Path(__file__).resolve().parents[2]
TEST_LIST = ROOT / "mock_personalverktyg" / "seed" / "testpersonnummer.txt"


@cache
def official_numbers() -> list[str]:
    return [n for n in TEST_LIST.read_text(encoding="ascii").split() if "1950" <= n < "2011"]


A, B, C = official_numbers()[100], official_numbers()[200], official_numbers()[300]
DA, DB = f"{A[:8]}-{A[8:]}", f"{B[:8]}-{B[8:]}"


def rows(name: str, data: bytes) -> list[tuple[int, str]]:
    return [(r.line, r.value) for r in read_rows(name, data)]


def workbook(*sheets: tuple[str, list[list[object]]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, table in sheets:
        ws = wb.create_sheet(title)
        for row in table:
            ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("a.txt", f"{A}\n{B}\n", [(1, A), (2, B)]),
        ("a.txt", f"{A}\r\n\r\n  {DB}  \r\n", [(1, A), (3, DB)]),
        ("a.txt", f"\n\n{A}\n\n", [(3, A)]),
        ("a.txt", f"Personnummer\n{A}\n", [(2, A)]),
        ("a.txt", f"{A}\nfel\n", [(1, A), (2, "fel")]),
        ("a.csv", f"{A}\n{B}\n", [(1, A), (2, B)]),
        ("a.csv", f"pnr;namn\n{A};x\n{B};y\n", [(2, A), (3, B)]),
        ("a.csv", f"namn,personnr\nx,{A}\ny,{B}\n", [(2, A), (3, B)]),
        ("a.csv", f"namn\tPersonnummer\nx\t{A}\n", [(2, A)]),
        ("a.csv", f"enhet;pnr\nVC;{A}\nVC;\n", [(2, A), (3, "")]),
        ("a.csv", f"enhet;id\nVC;{A}\nVC;{B}\n", [(2, A), (3, B)]),
        ("a.csv", f"VC;{A}\nVC;{B}\n", [(1, A), (2, B)]),
        ("a.csv", f'"personnummer";"namn"\n"{DA}";"x"\n', [(2, DA)]),
        ("a.csv", f"Person-nr;namn\n{A};x\n", [(2, A)]),
        ("a.csv", f"id\n{A}\n{DB}\n", [(2, A), (3, DB)]),
        ("a.txt", "namn\nAnna\n", [(1, "namn"), (2, "Anna")]),
    ],
    ids=[
        "txt",
        "txt-crlf-blank-spaces",
        "txt-leading-blanks",
        "txt-header",
        "txt-garbage-kept-for-rejection",
        "csv-one-column",
        "csv-semicolon-header",
        "csv-comma-second-column",
        "csv-tab",
        "csv-empty-cell-kept",
        "csv-unnamed-column-found-by-shape",
        "csv-no-header",
        "csv-quoted",
        "csv-person-nr",
        "csv-one-column-unnamed-header",
        "txt-words-kept-for-rejection",
    ],
)
def test_read_rows_should_find_the_personnummer_column(name: str, text: str, expected: list) -> None:
    assert rows(name, text.encode("utf-8")) == expected


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""), ("utf-16", b"")],
    ids=["utf-8", "utf-8-bom", "windows-1252", "utf-16-bom"],
)
def test_read_rows_should_decode_every_delivered_encoding(encoding: str, prefix: bytes) -> None:
    text = f"Mottagning;Personnummer\r\nVårdcentral Åby;{A}\r\nHälsocentral Öster;{DB}\r\n"
    assert rows("a.csv", prefix + text.encode(encoding)) == [(2, A), (3, DB)]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("a.csv", f"{A};{B}\n{B};{A}\n".encode(), "ingen kolumn"),
        ("a.csv", b"namn;ort\nAnna;Lund\n", "ingen kolumn"),
        ("a.txt", b"\x00\x01\x02binary\x00", "inte ut som en textfil"),
        ("a.csv", b'"oavslutat\n' + b"x" * 200_000, "citattecken"),
        ("a.xlsx", b"PK\x03\x04 not a workbook", "skadad"),
        ("a.xlsx", b"", "skadad"),
    ],
    ids=["two-pnr-columns", "no-pnr-column", "binary", "broken-quotes", "broken-xlsx", "empty-xlsx"],
)
def test_read_rows_should_refuse_an_unreadable_file_with_a_reason(name: str, data: bytes, expected: str) -> None:
    with pytest.raises(UnreadableFile) as info:
        rows(name, data)
    assert expected in str(info.value) and name in str(info.value)


def test_read_rows_should_read_an_xlsx_column_by_name_with_excel_row_numbers() -> None:
    data = workbook(("Blad1", [["Mottagning", "Personnummer"], ["VC", int(A)], [None, None], ["VC", DB]]))
    assert rows("a.xlsx", data) == [(2, A), (4, DB)]


def test_read_rows_should_restore_the_leading_zero_excel_drops() -> None:
    child = next(n for n in official_numbers() if n.startswith("2001"))
    data = workbook(("Blad1", [["personnummer"], [int(child[2:])], [float(A)]]))
    assert rows("a.xlsx", data) == [(2, child[2:]), (3, A)]


def test_read_rows_should_pick_the_sheet_that_has_personnummer() -> None:
    data = workbook(("Info", [["Utskick"], ["RS-virus"]]), ("Mottagare", [["namn", "pnr"], ["x", DA], ["y", DB]]))
    assert rows("a.xlsx", data) == [(2, DA), (3, DB)]


@pytest.mark.parametrize(
    ("sheets", "expected"),
    [
        ([("Blad1", [[A], [DB]])], [(1, A), (2, DB)]),
        ([("Blad1", [["personnummer"], [A]]), ("Blad2", [["personnummer"], [DB]])], [(2, A)]),
        ([("Blad1", [["Enhet", "Id"], ["VC", A], ["VC", DB]])], [(2, A), (3, DB)]),
    ],
    ids=["one-column-no-header", "first-sheet-wins", "unnamed-column-found-by-shape"],
)
def test_read_rows_should_read_the_first_sheet_with_personnummer(sheets: list, expected: list) -> None:
    assert rows("a.xlsx", workbook(*sheets)) == expected


def test_read_rows_should_refuse_a_workbook_without_personnummer() -> None:
    with pytest.raises(UnreadableFile, match="inget blad"):
        rows("a.xlsx", workbook(("Blad1", [["namn", "ort"], ["Anna", "Lund"]])))
