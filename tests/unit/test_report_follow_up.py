"""Recording a follow-up in the ledger (bot.run.follow_up.record_statuses): matched by ärende-id, only adds
information."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.commands.cli import main
from bot.config import load_campaign
from bot.ledger import Ledger, campaign_key
from bot.run.follow_up import FollowUpSummary, date_range, record_statuses
from flows.follow_up import READ, UNKNOWN, UNREAD, FollowUpOutcome, ReadStatus
from tests.helpers import PASSWORD, official_test_numbers, write_campaign

FIRST = datetime(2024, 5, 2, 8, 0, tzinfo=UTC)
LATER = datetime(2024, 5, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
def ledger(tmp_path: Path):
    with Ledger.open(tmp_path / "ledger.sqlite", actor="t", run_id="t") as book:
        yield book


def sent_items(ledger: Ledger, n: int) -> list:
    facts = {"name": "Uppföljning"}
    key = campaign_key(facts)
    ledger.ensure_campaign(key, "Uppföljning", facts)
    pnrs = official_test_numbers(600, n)
    ledger.add_delivery(key, "fp", "lev", [(p, None, "lev.txt", i) for i, p in enumerate(pnrs)])
    ids = [i.id for i in ledger.items(key)]
    ledger.mark_sending(ids)
    for i in ids:
        ledger.mark_sent(i, f"A-{i}", "2024-05-01T22:30:00Z")
    return list(ledger.items(key, states=["sent"]))


def outcome(seen_at: datetime, missing: frozenset[str] = frozenset(), **states: str) -> FollowUpOutcome:
    texts = {READ: "Läst av invånare", UNREAD: "Oläst av invånare", UNKNOWN: "Arkiverat"}
    statuses = {a.replace("_", "-"): ReadStatus(a.replace("_", "-"), texts[s], s) for a, s in states.items()}
    return FollowUpOutcome(statuses, missing, seen_at)


def test_record_statuses_should_match_by_arende_id_and_keep_the_first_seen_read(ledger: Ledger) -> None:
    items = sent_items(ledger, 3)
    first = FollowUpSummary("k")
    record_statuses(ledger, items, outcome(FIRST, frozenset({"A-3"}), A_1=READ, A_2=UNREAD), first)
    items = [ledger.item(i.id) for i in items]
    second = FollowUpSummary("k")
    record_statuses(ledger, items, outcome(LATER, A_1=READ, A_2=READ, A_3=UNKNOWN), second)

    rows = {i.arende_id: ledger.item(i.id) for i in items}
    assert (first.found, first.read, first.unread, first.newly_read, first.missing) == (2, 1, 1, 1, 1)
    assert (second.found, second.read, second.newly_read, second.unknown) == (3, 2, 1, 1)
    assert rows["A-1"].read_at == "2024-05-02T08:00:00.000000Z"
    assert rows["A-2"].read_at == "2024-05-04T08:00:00.000000Z"
    assert (rows["A-3"].read_status, rows["A-3"].read_at) == ("Arkiverat", None)


def test_record_statuses_should_write_nothing_when_nothing_changed(ledger: Ledger) -> None:
    items = sent_items(ledger, 1)
    record_statuses(ledger, items, outcome(FIRST, A_1=READ), FollowUpSummary("k"))
    before = len(list(ledger.events(items[0].campaign_key)))

    record_statuses(ledger, [ledger.item(items[0].id)], outcome(LATER, A_1=READ), FollowUpSummary("k"))

    assert len(list(ledger.events(items[0].campaign_key))) == before


def test_date_range_should_span_the_sends_in_swedish_dates_with_a_day_either_side(ledger: Ledger) -> None:
    items = sent_items(ledger, 1)  # 22:30 UTC is already the next day in Stockholm
    assert date_range(items) == (date(2024, 5, 1), date(2024, 5, 3))
    assert date_range([]) == (None, None)


@pytest.mark.parametrize("later", [UNREAD, UNKNOWN])
def test_record_statuses_should_never_turn_a_read_arende_unread(ledger: Ledger, later: str) -> None:
    items = sent_items(ledger, 1)
    record_statuses(ledger, items, outcome(FIRST, A_1=READ), FollowUpSummary("k"))
    second = FollowUpSummary("k")

    record_statuses(ledger, [ledger.item(items[0].id)], outcome(LATER, A_1=later), second)

    row = ledger.item(items[0].id)
    assert (row.read_status, row.read_at) == ("Läst av invånare", "2024-05-02T08:00:00.000000Z")
    assert (second.read, second.unread, second.unknown, second.newly_read) == (1, 0, 0, 0)


def test_follow_up_command_should_say_a_campaign_never_run_has_nothing_to_follow_up(tmp_path: Path) -> None:
    setup = write_campaign(tmp_path, "http://127.0.0.1:9", official_test_numbers(620, 1))

    result = CliRunner().invoke(main, ["follow-up", str(setup.campaign)], env={"UTSKICK_PASSWORD": PASSWORD})

    assert result.exit_code == 0, result.output
    assert "har inte körts ännu" in result.output
    assert not setup.ledger.exists()


def test_follow_up_command_should_not_open_the_staff_tool_when_nothing_was_sent(tmp_path: Path) -> None:
    setup = write_campaign(tmp_path, "http://127.0.0.1:9", official_test_numbers(630, 2))  # nothing listens there
    campaign = load_campaign(setup.campaign)
    key = campaign.key()
    with Ledger.open(campaign.ledger, actor="t", run_id="t") as book:
        book.ensure_campaign(key, campaign.name, campaign.facts())
        book.add_delivery(key, "fp", "leverans.txt", [(p, None, "leverans.txt", n) for n, p in enumerate(setup.pnrs)])
        for item in list(book.items(key)):
            book.mark_not_reachable(item.id, "never_logged_in", "")

    result = CliRunner().invoke(main, ["follow-up", str(setup.campaign)], env={"UTSKICK_PASSWORD": PASSWORD})

    assert result.exit_code == 0, result.output
    assert "Inga skickade ärenden att följa upp ännu." in result.output
