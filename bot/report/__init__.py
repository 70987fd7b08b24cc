"""Reports from the ledger: the beställare's xlsx, an HTML summary without personnummer, and the journal export.

`write_reports` is the whole pipeline for one campaign in an open ledger (ledger rows → DataFrames → files);
`write_reports_for_campaign` does it for a campaign file, as `utskick run` and `utskick report` call it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.config import Campaign as CampaignFile
from bot.ledger import Ledger
from bot.report.files import private_folder, report_folder, slug
from bot.report.frames import ReportFrames, ReportInput, build_frames
from bot.report.html import render_html, write_html
from bot.report.journal import write_journal
from bot.report.source import read_input
from bot.report.xlsx import write_xlsx

__all__ = [
    "ReportFrames",
    "ReportInput",
    "build_frames",
    "read_input",
    "render_html",
    "report_folder",
    "write_reports",
    "write_reports_for_campaign",
]


def write_reports(
    ledger: Ledger,
    key: str,
    out_dir: Path,
    *,
    selectors_files: tuple[Path | None, ...] = (),
    now: datetime | None = None,
) -> list[Path]:
    """Write the xlsx, the HTML summary and the journal CSV of campaign `key` into `out_dir` (made 0700).

    Returns the written paths: xlsx, html, csv.
    """
    data = read_input(ledger, key, selectors_files=selectors_files, now=now)
    frames = build_frames(data)
    folder = private_folder(Path(out_dir))
    base = slug(data.campaign.name)
    return [
        write_xlsx(frames, folder / f"{base}-rapport.xlsx"),
        write_html(data, frames, folder / f"{base}-sammanfattning.html"),
        write_journal(frames, folder / f"{base}-journalexport.csv"),
    ]


def write_reports_for_campaign(campaign: CampaignFile, out_dir: Path | None = None) -> list[Path]:
    """The reports of a campaign file's campaign; [] if it has never run (no ledger, or not in it)."""
    key = campaign.key()
    if not campaign.ledger.exists():
        return []
    with Ledger.open(campaign.ledger, actor="report", run_id="report") as ledger:
        if ledger.campaign(key) is None:
            return []
        folder = Path(out_dir) if out_dir else report_folder(campaign.reports, campaign.name, key, campaign.ledger)
        return write_reports(ledger, key, folder, selectors_files=(campaign.selectors, campaign.selectors_override))
