"""The staff tool's clock: measured on a send the ledger knows, stored as a campaign event, and a stop that says
what to set when it is further off than the skew."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import STOCKHOLM
from bot.config import load_campaign
from bot.errors import ConfigError
from bot.ledger import Ledger, campaign_key
from bot.ledger.target import PostgresTarget
from bot.run.tool_clock import clock_off_message, measure, offset_of, suggest_zone
from flows.unit_cases import CaseRow, CaseTable, parse_shown
from tests.helpers import DEMO_CAMPAIGN, DEMO_PDF, official_test_numbers

PNRS = official_test_numbers(30, 3)
FACTS = {"unit": "Vårdcentralen Test", "template": "Provsvar", "texts": ["Hälsning"], "mode": "single"}
CLAIMED = datetime(2026, 12, 3, 13, 5, 0, tzinfo=UTC)
SENT = CLAIMED + timedelta(seconds=6)
SECOND, MINUTE = timedelta(seconds=1), timedelta(minutes=1)


def shown(text: str, fmt: str = "%Y-%m-%d %H:%M:%S", arende_id: str = "A-000001") -> CaseRow:
    at = parse_shown(text, fmt, STOCKHOLM, CLAIMED)
    return CaseRow(arende_id, PNRS[0], "Provsvar", at, "Oläst av invånare", sent_text=text)


@pytest.mark.parametrize(
    ("text", "step", "offset"),
    [
        ("2026-12-03 14:05:03", SECOND, timedelta(0)),  # Swedish time, inside the send
        ("2026-12-03 13:05:03", SECOND, timedelta(seconds=-3596)),  # UTC shown: an hour (minus the span) early
        ("2026-12-03 14:01:03", SECOND, timedelta(seconds=-236)),  # a clock 4 minutes behind
        ("2026-12-03 14:09:03", SECOND, timedelta(seconds=237)),  # 4 minutes ahead
        ("2026-12-03 14:05:00", SECOND, timedelta(0)),  # the claim's own second
        ("2026-12-03 14:04:59", SECOND, timedelta(0)),  # truncated: the claim falls inside the shown second
        ("2026-12-03 14:04", MINUTE, timedelta(0)),  # minutes only: the send falls inside the shown minute
    ],
)
def test_offset_should_be_how_far_the_shown_time_is_outside_the_send(text, step, offset):
    fmt = "%Y-%m-%d %H:%M" if step == MINUTE else "%Y-%m-%d %H:%M:%S"
    assert offset_of(shown(text, fmt), CLAIMED, SENT, step) == offset


def test_offset_should_take_the_reading_of_a_repeated_hour_that_fits():
    claimed = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 in the second run of the autumn hour
    assert offset_of(shown("2026-10-25 02:30:02"), claimed, claimed + timedelta(seconds=5), SECOND) == timedelta(0)


def test_measure_should_use_the_latest_known_send_and_ignore_others():
    table = CaseTable([shown("2026-12-03 14:09:03", arende_id="A-000002"), shown("2026-12-03 11:00:00")])
    known = {"A-000002": (CLAIMED, SENT), "A-000001": (CLAIMED - timedelta(hours=2), SENT - timedelta(hours=2))}
    found = measure([table], known, "%Y-%m-%d %H:%M:%S")
    assert found is not None and found.arende_id == "A-000002" and found.offset == timedelta(seconds=237)
    assert measure([table], {"A-000099": (CLAIMED, SENT)}, "%Y-%m-%d %H:%M:%S") is None


@pytest.mark.parametrize(
    ("offset_s", "says"),
    [
        (-3600, 'zone = "UTC"'),
        (3600, 'zone = "Etc/GMT-2"'),
        (-240, "staff_tool.reconcile_clock_skew_s = 300"),
        (250, "staff_tool.reconcile_clock_skew_s = 360"),
    ],
)
def test_clock_off_message_should_say_what_to_set(offset_s, says):
    winter = datetime(2026, 12, 3, 12, tzinfo=UTC)
    text = clock_off_message(timedelta(seconds=offset_s), timedelta(seconds=120), STOCKHOLM, winter)
    assert says in text and "Inget mer skickades" in text


def test_suggest_zone_should_know_summer_time():
    summer = datetime(2026, 7, 1, 12, tzinfo=UTC)
    assert suggest_zone(STOCKHOLM, -2, summer) == "UTC"
    assert suggest_zone(ZoneInfo("UTC"), 1, summer) == "Etc/GMT-1"


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "information.pdf").write_bytes(DEMO_PDF.read_bytes())
    path = tmp_path / "kampanj.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def book(ledger_target: Path | PostgresTarget) -> Iterator[Ledger]:
    with Ledger.open(ledger_target, actor="tester", run_id="run-1") as led:
        yield led


def test_tool_clock_should_be_the_campaigns_latest_measurement(book: Ledger):
    key = campaign_key(FACTS)
    book.ensure_campaign(key, "Provsvar", FACTS)
    assert book.tool_clock(key) is None
    book.record_tool_clock(key, -3597.0, arende_id="A-000001", shown="2026-12-03 13:05:03", zone="Europe/Stockholm")
    book.record_tool_clock(key, 0.0, arende_id="A-000002", shown="2026-12-03 14:05:03", zone="UTC")

    reading = book.tool_clock(key)

    assert (reading.offset_s, reading.arende_id, reading.zone) == (0.0, "A-000002", "UTC")
    assert reading.as_json(120)["within_skew"] is True
    assert "samma tid" in reading.describe(120)


def test_latest_sent_should_skip_sends_settled_by_reconciliation(tmp_path: Path):
    with Ledger.open(tmp_path / "ledger.sqlite", actor="tester", run_id="run-1") as book:
        key = campaign_key(FACTS)
        book.ensure_campaign(key, "Provsvar", FACTS)
        book.add_delivery(key, "fp", "leverans.txt", [(p, "leverans.txt", "a.txt", n) for n, p in enumerate(PNRS)])
        first, second, third = (item.id for item in book.items(key))
        book.mark_sending([first, second, third])
        book.mark_sent(first, "A-000001")
        book.mark_in_doubt(second)
        book.resolve_in_doubt_as_sent(second, "A-000002", "2026-12-03T13:05:00+00:00")

        latest = book.latest_sent(key, limit=5)

        assert [arende for _, arende, _, _ in latest] == ["A-000001"]
        assert book.known_arende_ids(PNRS) == {"A-000001", "A-000002"}
        assert book.first_claim(key) == book.item(first).claimed_at


@pytest.mark.parametrize("margin", ["0.5", "0.01"])
def test_a_margin_shorter_than_an_hour_should_be_refused(tmp_path, margin):
    text = DEMO_CAMPAIGN.read_text(encoding="utf-8").replace(
        "[staff_tool]", f"[staff_tool]\nreconcile_earlier_margin_h = {margin}"
    )
    with pytest.raises(ConfigError, match="reconcile_earlier_margin_h"):
        load_campaign(_write(tmp_path, text))


def test_doctor_and_report_should_show_the_campaigns_measured_clock(tmp_path):
    from bot.report.source import read_input
    from bot.run.doctor import measured_clock

    campaign = load_campaign(_write(tmp_path, DEMO_CAMPAIGN.read_text(encoding="utf-8")))
    key = campaign.key()
    assert measured_clock(campaign) == "", "no ledger yet: nothing to show"
    campaign.ledger.parent.mkdir(parents=True, exist_ok=True)
    with Ledger.open(campaign.ledger, actor="tester", run_id="run-1") as book:
        book.ensure_campaign(key, campaign.name, campaign.key_facts())
        book.record_tool_clock(key, -3596.0, arende_id="A-000007", shown="2026-12-03 13:05:03", zone="Europe/Stockholm")
        report_line = read_input(book, key).tool_clock

    doctor_line = measured_clock(campaign)

    assert "visar tiderna 59 min 56 s tidigare" in doctor_line and "nästa sändning stoppas (exit 3)" in doctor_line
    assert "visar tiderna 59 min 56 s tidigare" in report_line and "A-000007" in report_line
