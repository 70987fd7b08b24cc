"""The report use case: the beställare's xlsx, the HTML summary and the journal export of a campaign, for
`utskick report` and the window's Rapport; and the `--json` document that lists them."""

from __future__ import annotations

from pathlib import Path

from bot.app.documents import all_states, base_document
from bot.config import Campaign

REPORT_LABELS_SV = (
    "Excel till beställaren (innehåller personnummer)",
    "Sammanfattning (HTML, utan personnummer)",
    "Journalexport (CSV, innehåller personnummer)",
)


def write_campaign_reports(campaign: Campaign, out: Path | None = None) -> list[Path]:
    """Write the campaign's three reports (into `out`, or its own folder under paths.reports); [] if never run."""
    from bot.report import write_reports_for_campaign

    return write_reports_for_campaign(campaign, out)


def campaign_report_folder(campaign: Campaign) -> Path:
    """The folder under paths.reports that holds the campaign's reports from its ledger."""
    from bot.report import report_folder

    return report_folder(campaign.reports, campaign.name, campaign.key(), campaign.ledger)


def report_document(campaign: Campaign, paths: list[Path]) -> dict:
    """`utskick report --json`: the written reports and the campaign's counts."""
    from bot.ledger import Ledger

    key = campaign.key()
    counts: dict[str, int] = {}
    if paths:
        with Ledger.open(campaign.ledger, actor="report", run_id="report") as book:
            counts = book.counts(key)
    doc = base_document("report", exit_code=0, campaign=campaign.name, campaign_key=key)
    doc.update(counts=all_states(counts), reports=[str(p) for p in paths])
    if not paths:
        doc["message"] = "Kampanjen har inte körts ännu: ingen rapport skrevs."
    return doc
