"""Several runner processes on one campaign in a PostgreSQL ledger, against the mock: SIGKILLs with lost answers,
and a runner paused (SIGSTOP) past its lease. Every reachable citizen gets the message exactly once, and the
ledger agrees with the mock's sent list."""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections import Counter
from datetime import datetime

import psycopg
import pytest

from bot.ledger.target import PostgresTarget
from tests.helpers import Setup, official_test_numbers, wait_until, write_campaign
from tests.pg_server import PASSWORD_ENV

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
LEASE_S = 3


class SharedSetup:
    """One campaign file whose ledger is a PostgreSQL database, and its runner processes."""

    def __init__(self, setup: Setup, target: PostgresTarget) -> None:
        self.setup = setup
        self.target = target

    def start(self) -> subprocess.Popen:
        """Start one more runner (`utskick run --yes`)."""
        return self.setup.start("--yes")

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Read the ledger database directly."""
        with psycopg.connect(self.target.url, password=self.target.password(), autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()

    def count(self, where: str, params: tuple = ()) -> int:
        """Items matching `where` (0 while the schema does not exist yet)."""
        try:
            return self.query(f"SELECT count(*) FROM items WHERE {where}", params)[0][0]
        except psycopg.errors.UndefinedTable:
            return 0

    def rows(self) -> dict[str, tuple[str, str | None]]:
        """pnr -> (state, ärende-id)."""
        return {p: (s, a) for p, s, a in self.query("SELECT pnr, state, arende_id FROM items")}


def shared_campaign(tmp_path, url: str, pnrs: list[str], target: PostgresTarget, sending: str = "") -> SharedSetup:
    """A single-mode campaign (1 worker per runner) on the PostgreSQL ledger `target`."""
    setup = write_campaign(tmp_path, url, pnrs, mode="single", sending=f"lease_seconds = {LEASE_S}\n{sending}")
    text = setup.campaign.read_text(encoding="utf-8")
    setup.campaign.write_text(
        text.replace('ledger = "ledger.sqlite"', f'ledger = "{target.url}"\nledger_password_env = "{PASSWORD_ENV}"'),
        encoding="utf-8",
    )
    return SharedSetup(setup, target)


def citizens(qa, start: int, count: int) -> tuple[list[str], list[str]]:
    """`count` official test numbers, all reachable but two (login locked, never logged in)."""
    pnrs = official_test_numbers(start, count)
    qa.reachable(*pnrs)
    qa.set_citizen(pnrs[3], login="locked")
    qa.set_citizen(pnrs[-2], login="never")
    return pnrs, [p for i, p in enumerate(pnrs) if i not in (3, count - 2)]


def assert_exactly_once(shared: SharedSetup, sent: list[dict], pnrs: list[str], reachable: list[str]) -> None:
    per_citizen = Counter(s["pnr"] for s in sent)
    assert [p for p, n in per_citizen.items() if n > 1] == [], "nobody gets the message twice"
    assert sorted(per_citizen) == sorted(reachable), "every reachable citizen got it, no unreachable one"
    rows = shared.rows()
    assert {p: rows[p] for p in reachable} == {s["pnr"]: ("sent", s["arende_id"]) for s in sent}
    assert {rows[p][0] for p in pnrs if p not in reachable} == {"not_reachable"}


def finish(process: subprocess.Popen, timeout: float = 900) -> tuple[int, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out + err


def run_with_kills(shared: SharedSetup, runners: int, kills: int, seed: int) -> list[int]:
    """Start `runners` runners; SIGKILL the first one `kills` times (half of them while it has a send in flight)
    and start it again each time; wait for all; rerun once if a run ended 4. Returns every exit code."""
    chance = random.Random(seed)
    processes = [shared.start() for _ in range(runners)]
    done_kills = 0
    while done_kills < kills:
        victim = processes[0]
        if done_kills % 2 == 0:
            # `sending` is committed just before the click on Skicka: kill while its answer is on the way.
            hit = wait_until(lambda v=victim: v.poll() is not None or shared.count("state = 'sending'") > 0, 300)
            time.sleep(chance.uniform(0.0, 0.3))
        else:
            hit = wait_until(lambda v=victim: v.poll() is not None or shared.count("state = 'sent'") > 0, 300)
            time.sleep(chance.uniform(0.5, 4.0))
        if not hit or victim.poll() is not None:
            break
        victim.send_signal(signal.SIGKILL)
        victim.communicate(timeout=30)
        done_kills += 1
        processes[0] = shared.start()
    codes = []
    for process in processes:
        code, output = finish(process)
        assert code in (0, 4), output
        codes.append(code)
    if 4 in codes:
        code, output = finish(shared.start())
        assert code == 0, output
        codes.append(code)
    assert done_kills == kills, f"only {done_kills} of {kills} kills happened"
    return codes


def send_with_kills(tmp_path, live_mock, qa, pg_server, *, first: int, count: int, runners: int, kills: int):
    """`count` citizens (two unreachable), lost answers (drop_after_send_rate 0.1), `runners` runners of which the
    first is SIGKILLed `kills` times; then every reachable citizen exactly once, and the ledger agrees."""
    pnrs, reachable = citizens(qa, first, count)
    qa.faults(drop_after_send_rate=0.1, latency_ms=[0, 30], seed=count)
    shared = shared_campaign(tmp_path, live_mock.url, pnrs, pg_server.new_database())
    run_with_kills(shared, runners=runners, kills=kills, seed=count)
    qa.faults()
    assert_exactly_once(shared, qa.sent(), pnrs, reachable)
    log = shared.setup.log_text()
    made, reused = log.count('"event": "preflight_ok"'), log.count('"event": "preflight_reused"')
    assert reused >= 1 and 1 <= made <= 1 + kills, (made, reused)  # one preflight, unless a lease ran out meanwhile
    return shared


def test_two_runners_one_killed_should_send_every_reachable_citizen_exactly_once(
    tmp_path, live_mock, qa, pg_server
) -> None:
    shared = send_with_kills(tmp_path, live_mock, qa, pg_server, first=6100, count=40, runners=2, kills=1)
    runners = shared.query("SELECT count(*), count(DISTINCT run_id) FROM runners")[0]
    assert runners[0] >= 3 and runners[0] == runners[1]
    sent_by_run = shared.query("SELECT count(DISTINCT run_id) FROM events WHERE event IN ('sent', 'resolved_as_sent')")
    assert sent_by_run[0][0] >= 2, "both machines sent"


@pytest.mark.long
def test_three_runners_one_killed_twice_should_send_300_citizens_exactly_once(
    tmp_path, live_mock, qa, pg_server
) -> None:
    send_with_kills(tmp_path, live_mock, qa, pg_server, first=6300, count=300, runners=3, kills=2)


@pytest.mark.long  # a second multi-runner row; the ledger's fencing itself is tested in make test (test_ledger_leases)
def test_runner_paused_past_its_lease_should_not_send_what_another_runner_took_over(
    tmp_path, live_mock, qa, pg_server
) -> None:
    pnrs, reachable = citizens(qa, 6500, 12)
    qa.faults(latency_ms=[150, 250], seed=5)  # each citizen takes seconds: the pause lands inside the wizard
    shared = shared_campaign(tmp_path, live_mock.url, pnrs, pg_server.new_database())
    paused = shared.start()
    held_in_wizard = "state = 'pending' AND runner_id IS NOT NULL"
    assert wait_until(lambda: shared.count("state = 'sent'") >= 1 and shared.count(held_in_wizard) > 0, 300)
    assert wait_until(lambda: shared.count("state = 'sending'") == 0, 60)
    paused.send_signal(signal.SIGSTOP)
    try:
        held = {p for (p,) in shared.query(f"SELECT pnr FROM items WHERE {held_in_wizard}")}
        assert held, "the paused runner held citizens it had not sent yet"
        code, output = finish(shared.start())  # takes over once the paused runner's lease has run out
        assert code == 0, output
        sent_now = Counter(s["pnr"] for s in qa.sent())
        assert all(sent_now[p] == 1 for p in held & set(reachable))
    finally:
        paused.send_signal(signal.SIGCONT)
    code, output = finish(paused, timeout=120)
    assert code == 4, output
    assert "lease" in output
    assert_exactly_once(shared, qa.sent(), pnrs, reachable)


def test_status_should_show_every_runner_of_a_shared_ledger(tmp_path, pg_server) -> None:
    from bot.config import load_campaign
    from bot.ledger import Ledger
    from tests.e2e.test_operations import utskick, validated

    pnrs = official_test_numbers(6700, 3)
    shared = shared_campaign(tmp_path, "http://127.0.0.1:9", pnrs, pg_server.new_database())
    campaign = load_campaign(shared.setup.campaign)
    key = campaign.key()
    with (
        Ledger.open(campaign.ledger, actor="a", run_id="run-a") as a,
        Ledger.open(campaign.ledger, actor="b", run_id="run-b") as b,
    ):
        a.ensure_campaign(key, campaign.name, campaign.facts())
        a.add_delivery(key, "fp", "leverans.txt", [(p, "leverans.txt", "leverans.txt", n) for n, p in enumerate(pnrs)])
        with (
            a.acquire_run_lock(key, "run-a", hsa_id="SE-A", lease_s=30),
            b.acquire_run_lock(key, "run-b", hsa_id="SE-B", lease_s=30),
        ):
            [item] = a.claim(key, "pending", 1)
            a.mark_sending([item.id])
            a.mark_sent(item.id, "A-1")
            b.connection().raw.execute("UPDATE runners SET lease_until = clock_timestamp() WHERE run_id = 'run-b'")
            document = validated(utskick("status", str(shared.setup.campaign), "--json").stdout)
            text = utskick("status", str(shared.setup.campaign)).stdout
    runners = {r["run_id"]: r for r in document["runners"]}
    assert runners["run-a"]["live"] and runners["run-a"]["sent"] == 1 and runners["run-a"]["hsa_id"] == "SE-A"
    assert not runners["run-b"]["live"] and runners["run-b"]["sent"] == 0
    assert document["ledger"] == shared.target.url
    assert "HSA-id SE-A" in text and "skickade 1" in text and "leasen har gått ut" in text
    assert f"Liggare: {shared.target.url}" in text


def test_send_after_a_look_in_alla_arenden_should_open_the_wizard_from_where_the_page_is(
    live_mock, qa, browser
) -> None:
    """Found by the two-runner row: a runner that sent (the receipt showed), then reconciled a dead runner's
    citizen in Alla ärenden, looked for the receipt's Skicka ärende link on the Alla ärenden page."""
    from flows.send import Message, SendRequest, send_case
    from flows.unit_cases import CaseQuery, read_sent_cases
    from tests.e2e.test_follow_up import logged_in_screen

    first, second = official_test_numbers(6800, 2)
    qa.reachable(first, second)
    context = browser.new_context(base_url=live_mock.url)
    try:
        screen, _ = logged_in_screen(context)
        message = Message("Meddelande om provsvar", ("Provsvar klart", "Kontakt"), "", ())
        assert send_case(screen, SendRequest((first,), message, lambda pnrs: None)).sent
        assert read_sent_cases(screen, CaseQuery(pnr=first)).rows
        assert send_case(screen, SendRequest((second,), message, lambda pnrs: None)).sent
    finally:
        context.close()
    assert sorted(s["pnr"] for s in qa.sent()) == sorted([first, second])


def test_three_runners_should_share_messages_per_minute(tmp_path, live_mock, qa, pg_server) -> None:
    # 30 a minute is one message every 2 s for the campaign, not for each runner: three runners pacing only
    # themselves would send about three times as fast.
    pnrs, reachable = citizens(qa, 6800, 12)
    shared = shared_campaign(tmp_path, live_mock.url, pnrs, pg_server.new_database(), "messages_per_minute = 30")
    processes = [shared.start() for _ in range(3)]
    codes = [finish(process) for process in processes]

    assert [code for code, _ in codes] == [0, 0, 0], [output for _, output in codes]
    sent = qa.sent()
    assert_exactly_once(shared, sent, pnrs, reachable)
    runs = shared.query("SELECT count(DISTINCT run_id) FROM events WHERE event = 'sent'")[0][0]
    assert runs >= 2, "more than one runner sent"
    times = sorted(datetime.fromisoformat(s["sent_at"]).timestamp() for s in sent)  # the mock's, to the second
    for k in range(1, len(times)):
        for i in range(len(times) - k):
            # k intervals of 2 s; the mock's times are whole seconds and a click's answer may lag: 2 s of slack.
            assert times[i + k] - times[i] >= 2 * k - 2, f"{k + 1} sends within {times[i + k] - times[i]} s"
    for start in times:
        assert sum(1 for t in times if start <= t < start + 60) <= 30, "at most 30 in any minute"
