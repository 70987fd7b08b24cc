"""The report (xlsx and HTML) shows the guideline checklist the latest run recorded with its end (issue 26)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from bot.ledger import Ledger, campaign_key
from bot.report import build_frames, read_input, render_html, write_reports
from tests.helpers import official_test_numbers

NOW = datetime(2024, 5, 3, 12, 0, tzinfo=UTC)
FACTS = {"name": "Provsvar maj", "unit": "Vårdcentralen Centrum", "template": "Meddelande om provsvar", "texts": []}
GUIDELINE = {
    "required": False,
    "points": [
        {
            "key": "unit",
            "title": "Avsändande enhet",
            "status": "met",
            "explanation": "Texten nämner «VC».",
            "blocking": False,
        },
        {"key": "questions", "title": "Frågor", "status": "not_met", "explanation": "Saknas.", "blocking": False},
    ],
}


def _ledger(tmp_path: Path, guideline: dict | None) -> tuple[Ledger, str]:
    ledger = Ledger.open(tmp_path / "ledger.sqlite", actor="SE2321000016-A001", run_id="20240501T080000Z-0001")
    key = campaign_key(FACTS)
    ledger.ensure_campaign(key, FACTS["name"], FACTS)
    citizens = [(p, "leverans.7z", "lista.txt", n) for n, p in enumerate(official_test_numbers(300, 2), start=1)]
    ledger.add_delivery(key, "fp-1", "leverans.7z", citizens, [])
    ledger.record_run_started(key)
    ledger.record_run_finished(key, outcome="finished", exit_code=0, sent=0, guideline=guideline)
    return ledger, key


def test_report_should_show_the_guideline_checklist_in_xlsx_and_html(tmp_path: Path):
    ledger, key = _ledger(tmp_path, GUIDELINE)
    xlsx = write_reports(ledger, key, tmp_path / "rapporter", now=NOW)[0]
    frame = pd.read_excel(xlsx, sheet_name="Sammanfattning").dropna(subset=["Uppgift"])
    summary = dict(zip(frame["Uppgift"].str.strip(), frame["Värde"], strict=True))
    data = read_input(ledger, key, now=NOW)
    html = render_html(data, build_frames(data))
    ledger.close()
    assert summary["Riktlinje: Frågor"] == "inte uppfylld. Saknas."
    assert summary["Riktlinje: Avsändande enhet"].startswith("uppfylld.")
    assert "Riktlinje: Frågor" in html and "inte uppfylld. Saknas." in html


def test_report_should_leave_the_checklist_out_before_a_run_composed_the_message(tmp_path: Path):
    ledger, key = _ledger(tmp_path, None)
    data = read_input(ledger, key, now=NOW)
    html = render_html(data, build_frames(data))
    ledger.close()
    assert "Riktlinje" not in html
