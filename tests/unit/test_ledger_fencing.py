"""Every state change a runner writes on PostgreSQL is fenced: its lease holds, the row is of the lease's campaign,
and the row is this runner's claim. Against the real PostgreSQL the session starts; a lease is made to run out by
moving its end into the past in the database, never by waiting.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from bot.ledger import IN_DOUBT, PENDING, SENDING, SENT, Ledger, campaign_key
from bot.ledger.leases import LeaseLost
from bot.ledger.model import FAILED
from bot.ledger.postgres import PostgresLedger
from bot.ledger.target import PostgresTarget
from tests.ledger_helpers import expire, leased_runners, seeded_campaign
from tests.unit.test_ledger import FACTS, citizens, official_pnrs

OTHER_FACTS = {**FACTS, "template": "Ombokning"}
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


@pytest.fixture
def target(pg_server) -> PostgresTarget:
    return pg_server.new_database()


@pytest.fixture
def key(target: PostgresTarget) -> str:
    return seeded_campaign(target, 10)


@pytest.fixture
def runners(target: PostgresTarget, key: str) -> Iterator[list[PostgresLedger]]:
    """Two runners with a lease each, as two machines would hold them."""
    with leased_runners(target, key) as opened:
        yield opened


def taken_over_while_reconciling(a: PostgresLedger, b: PostgresLedger, key: str) -> int:
    """A sends, sees no receipt and starts reconciling; its lease lapses; B takes the row over, finds no ärende in
    Alla ärenden and writes `sending` for its own send. Returns the row."""
    [item] = a.claim(key, PENDING, 1)
    a.mark_sending([item.id])
    a.mark_in_doubt(item.id, "no receipt")
    expire(a)
    b.recover_interrupted(key)
    assert [i.id for i in b.claim_open(key, 1)] == [item.id]
    b.mark_pending_again(item.id, "not found in Alla ärenden")
    b.mark_sending([item.id])
    return item.id


@pytest.mark.parametrize(
    "stale_write",
    [
        pytest.param(lambda led, row: led.mark_pending_again(row, "not found in Alla ärenden"), id="pending_again"),
        pytest.param(lambda led, row: led.mark_failed(row, "TimeoutError", "Fem försök"), id="failed"),
        pytest.param(lambda led, row: led.mark_in_doubt(row, "no receipt"), id="in_doubt"),
        pytest.param(lambda led, row: led.mark_sent(row, "A-STALE"), id="sent"),
        pytest.param(lambda led, row: led.mark_not_reachable(row, "no_notification", "Saknar avisering"), id="nr"),
    ],
)
def test_stale_runner_should_be_refused_on_a_row_another_runner_took_over(
    runners: list[PostgresLedger], key: str, stale_write: Callable[[PostgresLedger, int], None]
) -> None:
    a, b = runners
    row = taken_over_while_reconciling(a, b, key)
    with pytest.raises(LeaseLost):
        stale_write(a, row)
    assert a.item(row).state == SENDING
    assert a.lease.lost.is_set()
    b.mark_sent(row, "A-1")
    assert b.item(row).state == SENT
    assert b.reset_failed(key) == 0
    assert [e.run_id for e in b.events(key, row) if e.to_state == SENT] == ["run-2"]


def test_stale_runners_failure_should_not_let_reset_failed_send_again(runners: list[PostgresLedger], key: str) -> None:
    a, b = runners
    row = taken_over_while_reconciling(a, b, key)
    with pytest.raises(LeaseLost):
        a.mark_failed(row, "TimeoutError", "Fem försök")
    assert b.reset_failed(key) == 0
    b.mark_sent(row, "A-1")
    assert b.counts(key)[FAILED] == 0


def test_stale_runner_should_not_resolve_a_row_it_no_longer_holds(runners: list[PostgresLedger], key: str) -> None:
    a, b = runners
    [item] = a.claim(key, PENDING, 1)
    a.mark_sending([item.id])
    a.mark_in_doubt(item.id, "no receipt")
    expire(a)
    b.recover_interrupted(key)
    b.claim_open(key, 1)
    with pytest.raises(LeaseLost):
        a.resolve_in_doubt_as_sent(item.id, "A-1", "2026-12-03T08:00:00.000000Z")
    assert b.item(item.id).state == IN_DOUBT
    b.resolve_in_doubt_as_sent(item.id, "A-1", "2026-12-03T08:00:00.000000Z")


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda led, row: led.mark_sending([row]), id="sending"),
        pytest.param(lambda led, row: led.mark_failed(row, "TimeoutError", "Fem försök"), id="failed"),
        pytest.param(lambda led, row: led.mark_invalid(row, "refused_at_add"), id="invalid"),
        pytest.param(lambda led, row: led.mark_many_not_reachable([(row, "locked", "Spärrad")]), id="nr"),
    ],
)
def test_fenced_write_should_refuse_an_unclaimed_row(
    runners: list[PostgresLedger], key: str, write: Callable[[PostgresLedger, int], None]
) -> None:
    a, _ = runners
    row = a.pending_ids(key, 1)[0]
    with pytest.raises(LeaseLost, match="inte"):
        write(a, row)
    assert a.item(row).state == PENDING


def test_fenced_write_should_refuse_a_row_of_another_campaign(
    runners: list[PostgresLedger], target: PostgresTarget
) -> None:
    a, _ = runners
    other = campaign_key(OTHER_FACTS)
    a.ensure_campaign(other, "Ombokning", OTHER_FACTS)
    a.add_delivery(other, "fp-2", "leverans2.7z", citizens(official_pnrs(2)))
    row = a.pending_ids(other, 1)[0]
    a.connection().raw.execute("UPDATE items SET runner_id = %s WHERE id = %s", (a.lease.runner_id, row))
    with pytest.raises(LeaseLost, match="kampanj"):
        a.mark_sending([row])
    assert a.item(row).state == PENDING


def test_claim_should_refuse_another_campaign_than_the_lease(runners: list[PostgresLedger]) -> None:
    a, _ = runners
    other = campaign_key(OTHER_FACTS)
    a.ensure_campaign(other, "Ombokning", OTHER_FACTS)
    a.add_delivery(other, "fp-2", "leverans2.7z", citizens(official_pnrs(2)))
    with pytest.raises(LeaseLost, match="kampanj"):
        a.claim(other, PENDING, 1)
    assert all(i.state == PENDING for i in a.items(other))


def test_claim_should_be_refused_after_the_lease_ran_out(runners: list[PostgresLedger], key: str) -> None:
    a, _ = runners
    expire(a)
    with pytest.raises(LeaseLost):
        a.claim_open(key, 1)


def test_recover_should_be_refused_after_the_lease_ran_out(runners: list[PostgresLedger], key: str) -> None:
    a, b = runners
    [item] = b.claim(key, PENDING, 1)
    b.mark_sending([item.id])
    expire(b)
    expire(a)
    with pytest.raises(LeaseLost):
        a.recover_interrupted(key)
    assert a.item(item.id).state == SENDING


def test_human_writes_without_a_lease_should_stay_unfenced(target: PostgresTarget, key: str) -> None:
    with Ledger.open(target, actor="handläggare", run_id="settle") as person:
        row = person.pending_ids(key, 1)[0]
        person.mark_sending([row])
        person.mark_failed(row, "TimeoutError", "Fem försök")
        assert person.reset_failed(key) == 1


class _MachineClockOff(datetime):
    """This machine's clock, 25 years behind the database's."""

    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        return datetime(2001, 1, 1, tzinfo=UTC)


def test_transition_times_should_come_from_the_database_clock(
    runners: list[PostgresLedger], key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = runners
    monkeypatch.setattr("bot.ledger.model.datetime", _MachineClockOff)
    a.connection().raw.execute("SET TIME ZONE 'America/New_York'")  # the text stays UTC whatever the session's zone
    [item] = a.claim(key, PENDING, 1)
    claim_time = a.mark_sending([item.id])
    a.mark_sent(item.id, "A-1")
    db_year = str(a.connection().raw.execute("SELECT clock_timestamp()").fetchone()[0].year)
    row = a.item(item.id)
    events = [e for e in a.events(key, item.id) if e.to_state in (SENDING, SENT)]
    for moment in (claim_time, row.claimed_at, row.sent_at, row.updated_at, *(e.at for e in events)):
        assert ISO_UTC.match(moment), moment
        assert moment.startswith(db_year), moment
    assert row.claimed_at == claim_time == events[0].at
    assert row.sent_at == row.updated_at == events[1].at
