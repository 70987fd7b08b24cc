"""`utskick follow-up`: read who has read the campaign's ärenden in the staff tool and record it in the ledger.

Matching is by ärende-id. A repeated follow-up only adds information: a status is updated, and the first time an
ärende was seen read is kept once set (the ledger's `set_read` guarantees it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog

from bot.clock import STOCKHOLM
from bot.config import Campaign
from bot.errors import BrowserClosed, CircuitOpen, TransientError, UtskickError
from bot.ledger import Item, Ledger
from bot.locators import Selectors
from bot.run.browser import BrowserSession
from bot.run.staff_session import actor, browser_settings, login_request, retry_policy
from bot.run.tool_clock import measure
from bot.run.tool_clock import record as record_clock
from bot.secret_env import withheld_from_environment
from flows.follow_up import READ, UNKNOWN, FollowUpOutcome, FollowUpRequest, read_statuses
from flows.login import open_staff_tool
from flows.screen import Screen
from flows.unit_cases import CaseTable, time_format, tool_zone

log = structlog.get_logger("utskick.follow_up")


@dataclass
class FollowUpSummary:
    """What one follow-up found and recorded."""

    campaign: str
    sent: int = 0
    found: int = 0
    read: int = 0
    unread: int = 0
    unknown: int = 0
    newly_read: int = 0
    missing: int = 0
    seen_at: datetime | None = None
    message: str = ""
    reports: list[Path] = field(default_factory=list)
    log_file: Path | None = None


def follow_up_campaign(
    campaign: Campaign, *, run_id: str, retry_sleep: Callable[[float], None] | None = None
) -> FollowUpSummary:
    """Log in as `run` does, read the statuses of the campaign's sent ärenden and record them in the ledger."""
    summary = FollowUpSummary(campaign=campaign.name)
    key = campaign.key()
    if not campaign.ledger.exists():
        summary.message = f"Kampanjen '{campaign.name}' har inte körts ännu (ingen liggare på {campaign.ledger})."
        return summary
    structlog.contextvars.bind_contextvars(run_id=run_id, campaign=campaign.name)
    with Ledger.open(campaign.ledger, actor=actor(campaign), run_id=run_id) as ledger:
        if ledger.campaign(key) is None:
            summary.message = f"Kampanjen '{campaign.name}' har inte körts ännu."
            return summary
        sent = [item for item in ledger.items(key, states=["sent"]) if item.arende_id]
        summary.sent = len(sent)
        if not sent:
            summary.message = "Inga skickade ärenden att följa upp ännu."
            return summary
        log.info("follow_up_started", sent=len(sent))
        outcome = _read_from_staff_tool(campaign, run_id, sent, retry_sleep)
        record_statuses(ledger, sent, outcome, summary)
        measure_tool_clock(ledger, key, outcome, Selectors.load(campaign.selectors, campaign.selectors_override))
    log.info(
        "follow_up_finished",
        found=summary.found,
        read=summary.read,
        newly_read=summary.newly_read,
        missing=summary.missing,
        unknown=summary.unknown,
    )
    return summary


def measure_tool_clock(ledger: Ledger, key: str, outcome: FollowUpOutcome, selectors: Selectors) -> None:
    """The rows just read include the bot's own sends: measure the tool's clock on them and store the offset."""
    known = {arende: (_parse(claimed), _parse(sent)) for _, arende, claimed, sent in ledger.latest_sent(key, 50)}
    values = selectors.value("unit_cases.values", {})
    found = measure([CaseTable(list(outcome.rows))], known, time_format(values))
    if found is not None:
        record_clock(ledger, key, found, tool_zone(values))


def date_range(items: list[Item]) -> tuple:
    """The Swedish dates from a day before the first send to a day after the last (clock skew either way)."""
    times = [_parse(i.sent_at) for i in items if i.sent_at]
    if not times:
        return None, None
    first, last = min(times).astimezone(STOCKHOLM), max(times).astimezone(STOCKHOLM)
    return (first - timedelta(days=1)).date(), (last + timedelta(days=1)).date()


def _parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _read_from_staff_tool(
    c: Campaign, run_id: str, sent: list[Item], retry_sleep: Callable[[float], None] | None
) -> FollowUpOutcome:
    """Log in as `run` does and read the statuses, with the same retry policy."""
    date_from, date_to = date_range(sent)
    request = FollowUpRequest(frozenset(i.arende_id for i in sent), date_from, date_to)
    selectors = Selectors.load(c.selectors, c.selectors_override)
    settings, login = browser_settings(c), login_request(c)

    def before_retry(state) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning("follow_up_retry", attempt=state.attempt_number, error=type(error).__name__)

    with (
        withheld_from_environment(c.password_env, c.delivery_password_env),
        BrowserSession(settings, c.base_url) as session,
    ):
        session.begin_item()
        try:
            for attempt in retry_policy(c.max_retries, threading.Event(), before_retry, retry_sleep):
                with attempt:
                    screen = Screen(session.page, selectors, settings.timeout_ms)
                    try:
                        with session.untraced():  # a trace never records the login
                            open_staff_tool(screen, login)
                        outcome = read_statuses(screen, request)
                    except BrowserClosed:
                        if session.recycle() is None:  # the browser itself died: a new one for the next try
                            session.relaunch()
                        raise
        except UtskickError as e:
            kept = _keep_artifacts(session, f"{run_id}-uppfoljning")
            log.error("follow_up_failed", error=type(e).__name__, message=str(e), artifacts=[str(p) for p in kept])
            if isinstance(e, TransientError):  # the retry budget is spent: a person decides when to try again
                raise CircuitOpen(
                    f"Personalverktyget svarade inte efter {c.max_retries} försök ({e}). Inget ändrades i liggaren;"
                    " kör uppföljningen igen senare."
                ) from e
            raise
        session.end_item(None)
    return outcome


def _keep_artifacts(session: BrowserSession, name: str) -> list[Path]:
    try:
        return session.end_item(name)
    except Exception:  # noqa: BLE001 - artifacts are a help, never a reason to lose the real error
        return []


def record_statuses(ledger: Ledger, sent: list[Item], outcome: FollowUpOutcome, summary: FollowUpSummary) -> None:
    """Store what the table showed, matched by ärende-id; a read ärende stays read (and keeps its first-seen time)
    whatever a later follow-up shows, so repeated runs only add information."""
    summary.seen_at = outcome.seen_at
    summary.missing = len(outcome.missing)
    for item in sent:
        status = outcome.statuses.get(item.arende_id)
        if status is None:
            continue
        summary.found += 1
        was_read = item.read_at is not None
        is_read = status.state == READ or was_read
        summary.read += is_read
        summary.unknown += not is_read and status.state == UNKNOWN
        summary.unread += not is_read and status.state != UNKNOWN
        newly = is_read and not was_read
        summary.newly_read += newly
        if was_read and status.state != READ:
            log.warning("follow_up_read_shown_otherwise", item=item.id, status=status.status_text)
            continue
        if item.read_status == status.status_text and not newly:
            continue
        ledger.set_read(item.id, status.status_text, outcome.seen_at if is_read else None)
    if summary.unknown:
        log.warning("follow_up_unknown_status", count=summary.unknown)
    if summary.missing:
        log.warning("follow_up_not_found", count=summary.missing)
