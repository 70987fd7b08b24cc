"""The PostgreSQL ledger rides out a database restart: against the real PostgreSQL the session starts, every
connection of the ledger is cut with `pg_terminate_backend` between calls and in the middle of a transaction.
Backoff sleeps are recorded, never slept; a long outage is made by refusing new connections to the database and
moving an injected clock, never by waiting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest

from bot.errors import EXIT_INTERRUPTED
from bot.ledger import PENDING, SENDING, Ledger
from bot.ledger.pg_connection import PgConnection
from bot.ledger.pg_reconnect import LedgerUnreachable
from bot.ledger.postgres import PostgresLedger
from bot.ledger.target import PostgresTarget
from tests.ledger_helpers import seeded_campaign

LEASE_S = 30.0


class Outage:
    """Cuts the ledger's connections to one database, as a restart or a failover does, from an admin connection."""

    def __init__(self, pg_server, target: PostgresTarget) -> None:
        self.name = target.url.rsplit("/", 1)[1]
        self.admin = psycopg.connect(pg_server.url(), password=pg_server.password, autocommit=True)

    def cut(self) -> int:
        """Terminate every connection the ledger has open to the database; how many were cut."""
        rows = self.admin.execute(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
            " WHERE datname = %s AND application_name = 'utskick'",
            (self.name,),
        ).fetchall()
        return len(rows)

    def refuse(self, refused: bool) -> None:
        """Refuse (or allow again) new connections to the database: the ledger stays away."""
        self.admin.execute(f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS {str(not refused).lower()}')


class FakeTime:
    """An injected clock that the injected sleep moves forward."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture
def target(pg_server) -> PostgresTarget:
    return pg_server.new_database()


@pytest.fixture
def outage(pg_server, target: PostgresTarget) -> Iterator[Outage]:
    cut = Outage(pg_server, target)
    yield cut
    cut.refuse(False)
    cut.admin.close()


@pytest.fixture
def key(target: PostgresTarget) -> str:
    return seeded_campaign(target, 10)


@pytest.fixture
def time_(target: PostgresTarget) -> FakeTime:
    return FakeTime()


@pytest.fixture
def runner(target: PostgresTarget, key: str, time_: FakeTime) -> Iterator[PostgresLedger]:
    """One runner with a lease, its reconnect sleeps and clock injected."""
    led = Ledger.open(target, actor="runner-1", run_id="run-1")
    led.reconnect.sleep, led.reconnect.clock = time_.sleep, time_.clock
    with led.acquire_run_lock(key, "run-1", hsa_id="SE-1", lease_s=LEASE_S):
        yield led
    led.close()


def events(led: PostgresLedger, item_id: int, event: str) -> int:
    return (
        led.connection()
        .run("SELECT count(*) FROM events WHERE item_id = %s AND event = %s", (item_id, event))
        .fetchone()[0]
    )


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda led, key: led.counts(key)[PENDING] == 10, id="read"),
        pytest.param(lambda led, key: led.open_elsewhere(key) == 0, id="open_elsewhere"),
        pytest.param(lambda led, key: led.reserve_send(key, 1.0) >= 0, id="pace_slot"),
        pytest.param(lambda led, key: len(led.claim_open(key, 2)) == 2, id="claim"),
        pytest.param(lambda led, key: led.lease.heartbeat(done=1, total=10) is None, id="heartbeat"),
    ],
)
def test_ledger_should_reconnect_after_its_connections_are_cut_between_calls(
    runner: PostgresLedger, key: str, outage: Outage, time_: FakeTime, call: Callable
) -> None:
    assert outage.cut() >= 1
    assert call(runner, key)
    assert time_.sleeps, "the broken connection was noticed and the call made again after a backoff"
    assert not runner.lease.lost.is_set()


def test_state_change_should_be_tried_again_whole_when_the_connection_breaks_before_its_commit(
    runner: PostgresLedger, key: str, outage: Outage, time_: FakeTime, monkeypatch: pytest.MonkeyPatch
) -> None:
    [item] = runner.claim_open(key, 1)
    real_commit = PgConnection.commit
    cuts: list[int] = []

    def cut_then_commit(conn: PgConnection) -> None:
        if not cuts:  # once: in the middle of the transaction, its rows read and locked, its COMMIT not yet sent
            cuts.append(outage.cut())
        real_commit(conn)

    monkeypatch.setattr(PgConnection, "commit", cut_then_commit)
    runner.mark_sending([item.id])
    assert cuts == [1]
    assert time_.sleeps
    row = runner.item(item.id)
    assert (row.state, row.attempts) == (SENDING, 1)
    assert events(runner, item.id, "claimed") == 1


def test_state_change_should_count_as_done_when_its_commit_went_through_but_the_answer_was_lost(
    runner: PostgresLedger, key: str, outage: Outage, time_: FakeTime, monkeypatch: pytest.MonkeyPatch
) -> None:
    [item] = runner.claim_open(key, 1)
    real_commit = PgConnection.commit

    def commit_then_lose_answer(conn: PgConnection) -> None:
        real_commit(conn)
        monkeypatch.setattr(PgConnection, "commit", real_commit)
        outage.cut()
        conn._send(lambda raw: raw.execute("SELECT 1"), commit=True)  # the break the answer of COMMIT met

    monkeypatch.setattr(PgConnection, "commit", commit_then_lose_answer)
    runner.mark_sending([item.id])
    row = runner.item(item.id)
    assert (row.state, row.attempts) == (SENDING, 1), "not applied twice"
    assert events(runner, item.id, "claimed") == 1


def test_claim_should_return_the_rows_it_took_when_its_answer_was_lost(
    runner: PostgresLedger, key: str, outage: Outage, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.ledger import leases

    real_claim = leases.claim_open

    def claim_then_lose_answer(conn, lease, campaign, limit):
        taken = real_claim(conn, lease, campaign, limit)
        monkeypatch.setattr(leases, "claim_open", real_claim)
        outage.cut()
        conn.execute("SELECT 1")  # the break the claim's answer met
        return taken

    monkeypatch.setattr(leases, "claim_open", claim_then_lose_answer)
    first = runner.claim_open(key, 3)
    held = runner.connection().run("SELECT id FROM items WHERE runner_id = %s ORDER BY id", (runner.lease.runner_id,))
    assert [i.id for i in first] == [i for (i,) in held.fetchall()]
    assert len(first) == 3
    rest = runner.claim_open(key, 10)
    assert sorted(i.id for i in first + rest) == sorted(i.id for i in runner.items(key)), "each row claimed once"


def test_ledger_should_stop_with_exit_4_when_the_database_stays_away_longer_than_the_lease(
    runner: PostgresLedger, key: str, outage: Outage, time_: FakeTime
) -> None:
    outage.refuse(True)
    outage.cut()
    with pytest.raises(LedgerUnreachable) as stopped:
        runner.counts(key)
    assert stopped.value.exit_code == EXIT_INTERRUPTED
    assert "svarar inte" in str(stopped.value)
    assert LEASE_S <= time_.now < LEASE_S + 5, "gave up once the lease was spent, not before"
    outage.refuse(False)
    assert runner.counts(key)[PENDING] == 10, "the next call connects again"


def test_record_should_be_written_again_when_the_connection_broke_before_it(
    runner: PostgresLedger, key: str, outage: Outage, time_: FakeTime
) -> None:
    outage.cut()
    runner.record_run_started(key)
    assert time_.sleeps
    started = runner.connection().run("SELECT count(*) FROM events WHERE event = 'run_started' AND run_id = 'run-1'")
    assert started.fetchone()[0] == 1


def test_record_should_stop_the_run_with_exit_4_when_its_commit_answer_was_lost(
    runner: PostgresLedger, key: str, outage: Outage, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_commit = PgConnection.commit

    def commit_then_lose_answer(conn: PgConnection) -> None:
        real_commit(conn)
        monkeypatch.setattr(PgConnection, "commit", real_commit)
        outage.cut()
        conn._send(lambda raw: raw.execute("SELECT 1"), commit=True)

    monkeypatch.setattr(PgConnection, "commit", commit_then_lose_answer)
    with pytest.raises(LedgerUnreachable) as stopped:
        runner.record_run_started(key)
    assert stopped.value.exit_code == EXIT_INTERRUPTED, "a fault of the machine around the bot, not a bug"
    started = runner.connection().run("SELECT count(*) FROM events WHERE event = 'run_started' AND run_id = 'run-1'")
    assert started.fetchone()[0] == 1, "written once, not repeated blindly"
