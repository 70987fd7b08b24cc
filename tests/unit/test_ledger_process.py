"""The ledger across processes: a claim survives SIGKILL, and the run lock is refused, then freed by SIGKILL."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.errors import CampaignLocked, NeedsHuman
from bot.ledger import SENDING, Ledger, campaign_key, lock_path, read_lock_note

SEED = Path(__file__).resolve().parents[2] / "mock_personalverktyg" / "seed" / "testpersonnummer.txt"
FALLBACK = ["189001019802", "189001029819", "189001039800", "189001049817"]
FACTS = {"unit": "Vårdcentralen Test", "template": "Provsvar", "mode": "batch"}

CLAIM_THEN_DIE = """
import os, signal, sys
from pathlib import Path
from bot.ledger import Ledger
ledger = Ledger.open(Path(sys.argv[1]), actor="child", run_id="run-child")
claimed_at = ledger.mark_sending([int(i) for i in sys.argv[2].split(",")])
print(claimed_at, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""

HOLD_LOCK = """
import sys
from pathlib import Path
from bot.ledger import Ledger
ledger = Ledger.open(Path(sys.argv[1]), actor="child", run_id="run-child")
with ledger.acquire_run_lock(sys.argv[2], "schemalagd körning"):
    print("held", flush=True)
    sys.stdin.read()
"""


def official_pnrs(count: int) -> list[str]:
    """`count` distinct personnummer from the official test list."""
    numbers = SEED.read_text().split() if SEED.exists() else FALLBACK
    return numbers[:count]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "ledger.sqlite"


@pytest.fixture
def key(db: Path) -> str:
    k = campaign_key(FACTS)
    with Ledger.open(db, actor="tester", run_id="run-1") as led:
        led.ensure_campaign(k, "Provsvar", FACTS)
        rows = [(p, "leverans1.7z", "lista1.txt", n) for n, p in enumerate(official_pnrs(3), start=1)]
        led.add_delivery(k, "fp-1", "leverans1.7z", rows)
    return k


@pytest.fixture
def lock_holder(db: Path, key: str) -> Iterator[subprocess.Popen[str]]:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(db), key],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "held"
        yield child
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        for stream in (child.stdin, child.stdout):
            if stream:
                stream.close()


def test_mark_sending_should_be_committed_before_the_process_dies(db: Path, key: str) -> None:
    child = subprocess.run(
        [sys.executable, "-c", CLAIM_THEN_DIE, str(db), "1,2"], capture_output=True, text=True, check=False
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    claimed_at = child.stdout.strip()
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT id, state, claimed_at, attempts FROM items ORDER BY id").fetchall()
        claims = conn.execute(
            "SELECT item_id, run_id, at FROM events WHERE event = 'claimed' ORDER BY item_id"
        ).fetchall()
    finally:
        conn.close()
    assert rows == [(1, SENDING, claimed_at, 1), (2, SENDING, claimed_at, 1), (3, "pending", None, 0)]
    assert claims == [(1, "run-child", claimed_at), (2, "run-child", claimed_at)]


def test_run_lock_should_refuse_a_second_run_while_another_process_holds_it(
    db: Path, key: str, lock_holder: subprocess.Popen[str]
) -> None:
    with (
        Ledger.open(db, actor="tester", run_id="run-2") as led,
        pytest.raises(CampaignLocked) as refused,
        led.acquire_run_lock(key, "handläggare"),
    ):
        pytest.fail("the lock was granted twice")
    message = str(refused.value)
    assert "En annan körning av kampanjen" in message
    assert "schemalagd körning" in message
    assert isinstance(refused.value, NeedsHuman)


def test_run_lock_should_be_free_again_after_the_holder_is_killed(
    db: Path, key: str, lock_holder: subprocess.Popen[str]
) -> None:
    with Ledger.open(db, actor="tester", run_id="run-2") as led:
        with pytest.raises(CampaignLocked), led.acquire_run_lock(key, "handläggare"):
            pytest.fail("the lock was granted twice")
        lock_holder.kill()
        assert lock_holder.wait() == -signal.SIGKILL
        with led.acquire_run_lock(key, "handläggare") as lock:
            assert lock.path == lock_path(db, key)
            assert led.recover_interrupted(key) == []


def test_lock_note_should_name_a_killed_holder_as_gone_until_the_next_run_takes_over(
    db: Path, key: str, lock_holder: subprocess.Popen[str]
) -> None:
    running = read_lock_note(db, key)
    assert running is not None and running.owner == "schemalagd körning"
    assert running.pid == lock_holder.pid and running.host == socket.gethostname()
    assert not running.process_gone()

    lock_holder.kill()
    assert lock_holder.wait() == -signal.SIGKILL

    stale = read_lock_note(db, key)
    assert stale == running and stale.process_gone()
    with Ledger.open(db, actor="tester", run_id="run-3") as led, led.acquire_run_lock(key, "nästa körning") as lock:
        taken = read_lock_note(db, key)
        assert taken.owner == "nästa körning" and taken.pid == os.getpid() and not taken.process_gone()
        lock.heartbeat(done=3, total=9)
        beat = read_lock_note(db, key)
        assert (beat.done, beat.total, beat.since) == (3, 9, taken.since) and beat.heartbeat >= taken.heartbeat
    assert read_lock_note(db, key) is None


def test_run_lock_should_refuse_a_second_holder_in_the_same_process_and_free_on_exit(db: Path, key: str) -> None:
    with Ledger.open(db, actor="a", run_id="r1") as first, Ledger.open(db, actor="b", run_id="r2") as second:
        with (
            first.acquire_run_lock(key, "första"),
            pytest.raises(CampaignLocked),
            second.acquire_run_lock(key, "andra"),
        ):
            pytest.fail("the lock was granted twice")
        with second.acquire_run_lock(key, "andra"):
            pass


def test_run_lock_should_not_block_another_campaign(db: Path, key: str) -> None:
    other = campaign_key({**FACTS, "mode": "single"})
    with (
        Ledger.open(db, actor="a", run_id="r1") as led,
        led.acquire_run_lock(key, "första"),
        led.acquire_run_lock(other, "andra"),
    ):
        assert lock_path(db, key) != lock_path(db, other)


CLAIM_UNDER_LEASE_THEN_DIE = """
import os, signal, sys
from bot.ledger import Ledger
from bot.ledger.target import PostgresTarget
ledger = Ledger.open(PostgresTarget(sys.argv[1], sys.argv[2]), actor="child", run_id="run-child")
with ledger.acquire_run_lock(sys.argv[3], "run-child", lease_s=30):
    ids = [item.id for item in ledger.claim(sys.argv[3], "pending", 2)]
    print(ledger.mark_sending(ids), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_pg_claim_should_be_committed_before_the_process_dies_and_come_back_in_doubt_after_its_lease(
    pg_server,
) -> None:
    target = pg_server.new_database()
    k = campaign_key(FACTS)
    with Ledger.open(target, actor="tester", run_id="run-1") as led:
        led.ensure_campaign(k, "Provsvar", FACTS)
        led.add_delivery(k, "fp-1", "leverans1.7z", [(p, "l.7z", "l.txt", n) for n, p in enumerate(official_pnrs(3))])
    child = subprocess.run(
        [sys.executable, "-c", CLAIM_UNDER_LEASE_THEN_DIE, target.url, target.password_env, k],
        capture_output=True,
        text=True,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    claimed_at = child.stdout.strip().splitlines()[-1]  # the lines before it are the child's log
    with Ledger.open(target, actor="tester", run_id="run-2") as led, led.acquire_run_lock(k, "run-2", lease_s=30):
        states = [(i.id, i.state, i.claimed_at) for i in led.items(k)]
        assert states == [(1, SENDING, claimed_at), (2, SENDING, claimed_at), (3, "pending", None)]
        assert led.recover_interrupted(k) == [], "the dead runner's lease still holds: its sends are not touched"
        led.connection().raw.execute("UPDATE runners SET lease_until = clock_timestamp() WHERE run_id = 'run-child'")
        assert [(i.id, i.state) for i in led.recover_interrupted(k)] == [(1, "in_doubt"), (2, "in_doubt")]
        claims = [(e.item_id, e.run_id) for e in led.events(k) if e.event == "claimed"]
    assert claims == [(1, "run-child"), (2, "run-child")]
