"""Several runners on one PostgreSQL ledger: claims, leases, fencing, recovery, shared pace and stops, schema.

Against the real PostgreSQL the session starts; a lease is made to run out by moving its end into the past in the
database (the runners' one clock), never by waiting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import psycopg
import pytest

from bot.ledger import IN_DOUBT, PENDING, SENDING, SENT, Ledger, LedgerError
from bot.ledger.leases import LeaseLost
from bot.ledger.pg_schema import SCHEMA_VERSION
from bot.ledger.postgres import PostgresLedger, pg_sql
from bot.ledger.target import PostgresTarget
from tests.ledger_helpers import expire, leased_runners, seeded_campaign


@pytest.fixture
def target(pg_server) -> PostgresTarget:
    return pg_server.new_database()


@pytest.fixture
def key(target: PostgresTarget) -> str:
    return seeded_campaign(target, 40)


@pytest.fixture
def runners(target: PostgresTarget, key: str) -> Iterator[list[PostgresLedger]]:
    """Two runners with a lease each, as two machines would hold them."""
    with leased_runners(target, key) as opened:
        yield opened


def test_pg_sql_should_translate_placeholders_but_not_quoted_text() -> None:
    assert pg_sql("SELECT ? , :name, '50%: ?', x % 2") == "SELECT %s , %(name)s, '50%%: ?', x %% 2"
    assert pg_sql("SELECT 'it''s :not'") == "SELECT 'it''s :not'"


def claim_in_rounds(runners: list[PostgresLedger], claim_one: Callable[[PostgresLedger], list]) -> list[list[int]]:
    """20 rounds in which both runners claim one row at the same moment; the ids each one took."""
    taken: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def take(n: int) -> None:
        for _ in range(20):
            start.wait()
            taken[n].extend(i.id for i in claim_one(runners[n]))

    threads = [threading.Thread(target=take, args=(n,)) for n in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return taken


@pytest.mark.parametrize("way", ["claim", "claim_open"])
def test_claim_should_never_hand_one_row_to_two_runners(runners: list[PostgresLedger], key: str, way: str) -> None:
    one = {"claim": lambda led: led.claim(key, PENDING, 1), "claim_open": lambda led: led.claim_open(key, 1)}[way]
    taken = claim_in_rounds(runners, one)
    assert sorted(taken[0] + taken[1]) == runners[0].pending_ids(key)
    assert not set(taken[0]) & set(taken[1])
    assert len(taken[0]) == len(taken[1]) == 20


def test_claim_open_should_take_free_in_doubt_rows_before_pending_ones(runners: list[PostgresLedger], key: str) -> None:
    a, b = runners
    dead = [i.id for i in a.claim(key, PENDING, 2)]
    a.mark_sending(dead)
    expire(a)
    b.recover_interrupted(key)
    [live_doubt] = b.claim(key, IN_DOUBT, 1)
    first = b.claim_open(key, 5)
    assert [(i.id, i.state) for i in first] == [(dead[1], IN_DOUBT)], "in doubt first, even fewer than asked"
    b.mark_pending_again(live_doubt.id, "not found in Alla ärenden")
    b.mark_pending_again(dead[1], "not found in Alla ärenden")
    c_rows = b.claim_open(key, 3)
    assert [i.state for i in c_rows] == [PENDING] * 3
    assert [i.id for i in c_rows] == sorted(i.id for i in c_rows)


def test_claim_open_should_pass_over_in_doubt_rows_a_live_runner_holds(runners: list[PostgresLedger], key: str) -> None:
    a, b = runners
    [held] = a.claim(key, PENDING, 1)
    a.mark_sending([held.id])
    a.mark_in_doubt(held.id, "no receipt")
    assert [(i.state, i.id == held.id) for i in b.claim_open(key, 1)] == [(PENDING, False)]
    expire(a)
    assert [(i.id, i.state) for i in b.claim_open(key, 1)] == [(held.id, IN_DOUBT)]


def test_claim_should_skip_rows_a_live_runner_holds_and_take_over_an_expired_ones(
    runners: list[PostgresLedger], key: str
) -> None:
    a, b = runners
    mine = [i.id for i in a.claim(key, PENDING, 3)]
    theirs = [i.id for i in b.claim(key, PENDING, 3)]
    assert not set(mine) & set(theirs)
    expire(a)
    assert [i.id for i in b.claim(key, PENDING, 3)] == mine


def test_mark_sending_should_be_refused_after_the_lease_ran_out(runners: list[PostgresLedger], key: str) -> None:
    a, _ = runners
    [item] = a.claim(key, PENDING, 1)
    expire(a)
    with pytest.raises(LeaseLost, match="lease"):
        a.mark_sending([item.id])
    assert a.item(item.id).state == PENDING
    assert a.lease.lost.is_set()


def test_mark_sending_should_refuse_a_row_another_live_runner_holds(runners: list[PostgresLedger], key: str) -> None:
    a, b = runners
    [item] = a.claim(key, PENDING, 1)
    with pytest.raises(LeaseLost, match="annan körning"):
        b.mark_sending([item.id])
    assert b.lease.lost.is_set(), "a refused write stops that runner"
    a.mark_sending([item.id])
    assert a.item(item.id).state == SENDING


def test_recover_should_put_only_a_dead_runners_sends_in_doubt_for_another_runner(
    runners: list[PostgresLedger], key: str
) -> None:
    a, b = runners
    [dead_send] = a.claim(key, PENDING, 1)
    a.mark_sending([dead_send.id])
    [live_send] = b.claim(key, PENDING, 1)
    b.mark_sending([live_send.id])
    assert b.recover_interrupted(key) == []
    expire(a)
    doubtful = b.recover_interrupted(key)
    assert [i.id for i in doubtful] == [dead_send.id]
    assert b.item(live_send.id).state == SENDING
    [claimed] = b.claim(key, IN_DOUBT, 5)
    assert claimed.id == dead_send.id
    b.resolve_in_doubt_as_sent(claimed.id, "A-1", "2026-12-03T08:00:00.000000Z")
    assert b.item(claimed.id).state == SENT


def test_heartbeat_should_keep_the_lease_and_notice_when_it_is_lost(runners: list[PostgresLedger], key: str) -> None:
    a, b = runners
    a.lease.heartbeat(done=1, total=40)
    assert not a.lease.lost.is_set()
    expire(a)
    b.recover_interrupted(key)  # another runner expires it
    a.lease.heartbeat(done=2, total=40)
    assert a.lease.lost.is_set()
    states = {r.run_id: (r.state, r.live, r.hsa_id) for r in b.runners(key)}
    assert states == {"run-1": ("expired", False, "SE-1"), "run-2": ("active", True, "SE-2")}


def test_ending_a_lease_should_free_its_claims(target: PostgresTarget, key: str) -> None:
    with Ledger.open(target, actor="a", run_id="run-a") as a, Ledger.open(target, actor="b", run_id="run-b") as b:
        with a.acquire_run_lock(key, "run-a", lease_s=30):
            held = [i.id for i in a.claim(key, PENDING, 5)]
        with b.acquire_run_lock(key, "run-b", lease_s=30):
            assert [i.id for i in b.claim(key, PENDING, 5)] == held
            assert [(r.run_id, r.state) for r in b.runners(key)] == [("run-b", "active"), ("run-a", "ended")]


def test_reserve_send_should_space_every_runners_slots_by_the_interval(runners: list[PostgresLedger], key: str) -> None:
    delays: list[float] = []
    start = threading.Barrier(2)

    def reserve(ledger: PostgresLedger) -> None:
        start.wait()
        for _ in range(5):
            delays.append(ledger.reserve_send(key, 10.0))

    threads = [threading.Thread(target=reserve, args=(led,)) for led in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(type(delay) is float for delay in delays), "a wait time threading.Event.wait takes"
    slots = sorted(delays)
    assert slots[0] == 0.0
    gaps = [later - earlier for earlier, later in zip(slots, slots[1:], strict=False)]
    assert all(9.5 <= gap <= 10.0 for gap in gaps), gaps


def test_stop_should_reach_runners_that_started_before_it_only(
    runners: list[PostgresLedger], target: PostgresTarget, key: str
) -> None:
    a, b = runners
    assert b.stop_seen() is None
    a.record_stop("Körningen stoppades efter 5 sändningar i rad med systemfel i Personalverktyget.")
    assert "5 sändningar i rad" in b.stop_seen()
    assert a.stop_seen() is None
    with Ledger.open(target, actor="c", run_id="run-c") as c, c.acquire_run_lock(key, "run-c", lease_s=30):
        assert c.stop_seen() is None


def test_claim_should_need_a_lease(target: PostgresTarget, key: str) -> None:
    with Ledger.open(target, actor="a", run_id="run-a") as a, pytest.raises(LedgerError, match="lease"):
        a.claim(key, PENDING, 1)


def test_pg_schema_should_be_created_once_by_runners_that_start_together(target: PostgresTarget) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_it() -> None:
        try:
            start.wait()
            Ledger.open(target, actor="x", run_id="x").close()
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with psycopg.connect(target.url, password=target.password()) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]


def test_pg_ledger_should_refuse_a_newer_schema(target: PostgresTarget) -> None:
    Ledger.open(target, actor="x", run_id="x").close()
    with psycopg.connect(target.url, password=target.password(), autocommit=True) as conn:
        conn.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(LedgerError, match="version 99"):
        Ledger.open(target, actor="x", run_id="y")


def test_pg_ledger_should_say_when_the_password_is_missing(
    target: PostgresTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(target.password_env)
    with pytest.raises(LedgerError, match=target.password_env):
        Ledger.open(target, actor="x", run_id="x")


def test_shared_preflight_should_be_made_once_and_reused_by_a_runner_that_waited(
    runners: list[PostgresLedger],
) -> None:
    a, b = runners
    making, release, stop = threading.Event(), threading.Event(), threading.Event()
    made: list[str] = []
    got: dict[str, str | None] = {}

    def make() -> str:
        making.set()
        release.wait(30)
        made.append("a")
        return "Hej! Ditt provsvar är klart."

    maker = threading.Thread(target=lambda: got.update(a=a.shared_preflight("fp-1", make, stop)))
    maker.start()
    assert making.wait(30)
    waiter = threading.Thread(target=lambda: got.update(b=b.shared_preflight("fp-1", lambda: "second", stop)))
    waiter.start()
    waiter.join(timeout=0.5)
    assert waiter.is_alive(), "the second runner waits while the first makes the preflight"
    release.set()
    maker.join()
    waiter.join()
    assert got == {"a": "Hej! Ditt provsvar är klart.", "b": "Hej! Ditt provsvar är klart."}
    assert made == ["a"]


def test_shared_preflight_should_be_made_again_after_a_failure_or_by_a_new_runner(
    runners: list[PostgresLedger],
) -> None:
    a, b = runners
    stop = threading.Event()

    def fail() -> str:
        raise LedgerError("Mallen saknas")

    with pytest.raises(LedgerError):
        a.shared_preflight("fp-1", fail, stop)
    assert b.shared_preflight("fp-1", lambda: "b's", stop) == "b's"
    assert a.shared_preflight("fp-1", lambda: "a's", stop) == "b's"
    expire(b)
    assert a.shared_preflight("fp-1", lambda: "a's again", stop) == "a's again"
    assert a.shared_preflight("fp-2", lambda: "another delivery", stop) == "another delivery"
