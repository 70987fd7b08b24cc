"""A PostgreSQL ledger that restarts under a run of two runners, against the mock: the database stopped fast (every
connection cut) and started again, as a patch, a failover or a network blip does. An outage shorter than the lease
shows only in the log; a longer one stops the runners with exit 4 and a Swedish line, and a rerun finishes. Either
way every reachable citizen gets the message exactly once. Each test has a PostgreSQL of its own, removed
afterwards whatever happens, and every wait has a bound.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.e2e.test_shared_ledger import SharedSetup, assert_exactly_once, citizens, finish
from tests.helpers import wait_until, write_campaign
from tests.pg_server import PASSWORD_ENV, PgServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
LEASE_S = 12


@pytest.fixture
def own_pg() -> Iterator[PgServer]:
    """A PostgreSQL for this test alone (the session's stays up for the others); its password env restored after."""
    before = os.environ.get(PASSWORD_ENV)
    server = PgServer()
    try:
        yield server.start()
    finally:
        server.stop()
        if before is None:
            os.environ.pop(PASSWORD_ENV, None)
        else:
            os.environ[PASSWORD_ENV] = before


def restart_campaign(tmp_path, url: str, pnrs: list[str], server: PgServer, mode: str) -> SharedSetup:
    """A campaign in `mode` (batches of 5) whose ledger is a new database on `server`."""
    target = server.new_database()
    setup = write_campaign(tmp_path, url, pnrs, mode=mode, sending=f"lease_seconds = {LEASE_S}\nbatch_size = 5")
    text = setup.campaign.read_text(encoding="utf-8")
    setup.campaign.write_text(
        text.replace('ledger = "ledger.sqlite"', f'ledger = "{target.url}"\nledger_password_env = "{PASSWORD_ENV}"'),
        encoding="utf-8",
    )
    return SharedSetup(setup, target)


def end_all(processes: list[subprocess.Popen]) -> None:
    """Kill whatever still runs (a failed assertion must not leave runners behind)."""
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)


# `make test`: a short restart in batch mode and one past the lease in single mode; the short one in single mode
# is in `make test-long`.
@pytest.mark.parametrize(
    ("mode", "first", "count", "outage_s", "codes"),
    [
        pytest.param("single", 7100, 12, 3, {0}, id="single-short", marks=pytest.mark.long),
        pytest.param("batch", 7200, 25, 3, {0}, id="batch-short"),
        pytest.param("single", 7300, 12, LEASE_S + 6, {4}, id="single-past-lease"),
    ],
)
def test_runners_should_ride_out_a_ledger_restart_and_send_every_citizen_exactly_once(
    tmp_path, live_mock, qa, own_pg, mode, first, count, outage_s, codes
) -> None:
    pnrs, reachable = citizens(qa, first, count)
    qa.faults(latency_ms=[100, 200], seed=count)  # a run of several seconds: the restart lands inside it
    shared = restart_campaign(tmp_path, live_mock.url, pnrs, own_pg, mode)
    processes = [shared.start() for _ in range(2)]
    try:
        started = wait_until(
            lambda: any(p.poll() is not None for p in processes) or shared.count("arende_id IS NOT NULL") >= 1, 300
        )
        assert started and all(p.poll() is None for p in processes), "the restart lands while both runners run"
        own_pg.pause()
        time.sleep(outage_s)  # the outage itself (the test waits; the bot only waits on conditions)
        own_pg.resume()
        ended = [finish(p, timeout=300) for p in processes]
    finally:
        end_all(processes)
    assert {code for code, _ in ended} <= codes, [output for _, output in ended]
    if 4 in codes:
        assert all("Liggaren" in output and "svarar inte" in output for _, output in ended), ended
        code, output = finish(shared.start(), timeout=300)
        assert code == 0, output
    qa.faults()
    assert_exactly_once(shared, qa.sent(), pnrs, reachable)
    assert '"event": "ledger_connection_lost"' in shared.setup.log_text(), "the restart was seen, in the log"
