"""The follow-up use case: read Läst / Oläst av invånare from the staff tool, record it, write the reports again.
The command line and the window's Uppföljning both call `follow_up` and show `format_follow_up`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.app.documents import base_document
from bot.clock import STOCKHOLM
from bot.config import Campaign

if TYPE_CHECKING:
    from bot.run.follow_up import FollowUpSummary


def follow_up(campaign: Campaign, *, run_id: str, write_reports: bool = True) -> FollowUpSummary:
    """Read and record the read statuses; then the reports, when asked and anything was sent."""
    from bot.run.follow_up import follow_up_campaign

    summary = follow_up_campaign(campaign, run_id=run_id)
    if write_reports and summary.sent:
        from bot.report import write_reports_for_campaign

        summary.reports = write_reports_for_campaign(campaign)
    return summary


def follow_up_document(s, *, run_id: str, campaign_key: str) -> dict:
    """`utskick follow-up --json`: what the follow-up found."""
    doc = base_document("follow-up", exit_code=0, campaign=s.campaign, campaign_key=campaign_key)
    doc.update(
        run_id=run_id,
        message=s.message,
        sent=s.sent,
        read=s.read,
        unread=s.unread,
        newly_read=s.newly_read,
        unknown=s.unknown,
        missing=s.missing,
        log_file=str(s.log_file) if s.log_file else None,
        reports=[str(p) for p in s.reports],
    )
    return doc


def format_follow_up(s) -> str:
    """The follow-up's summary in Swedish."""
    lines = [f"Uppföljning av kampanjen '{s.campaign}'"]
    if s.message:
        lines.append(f"  {s.message}")
    if s.sent:
        when = s.seen_at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M") if s.seen_at else ""
        lines += [
            f"  Kontrollerat i Alla ärenden: {when} (svensk tid)" if when else "",
            f"  Skickade ärenden i liggaren: {s.sent}",
            f"  Lästa av invånaren: {s.read} (nya sedan förra uppföljningen: {s.newly_read})",
            f"  Olästa: {s.unread}",
        ]
        if s.unknown:
            lines.append(f"  Med en status som selektorfilen inte känner igen: {s.unknown}")
        if s.missing:
            lines.append(f"  Hittades inte i Alla ärenden: {s.missing}")
    if s.log_file:
        lines.append(f"  Logg: {s.log_file}")
    lines += [f"  Rapport: {p}" for p in s.reports]
    return "\n".join(line for line in lines if line)
