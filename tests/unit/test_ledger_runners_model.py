"""Model-based: several runners on one PostgreSQL campaign at once, interleaved by a seeded random schedule, each
following the worker's sequence (claim → sending and the click → sent | in doubt | pending again | failed, and for
an in-doubt row: look it up in the staff tool → resolved as sent | pending again). One runner pauses past its lease
at a chosen point of that sequence (its `lease_until` moved into the past in the database), others at random.

Holds for every schedule: a runner writes nothing once its lease ran out (`LeaseLost`, and nothing in the audit
trail), every write from a live lease is accepted, no row goes `→ sent` twice, and the staff tool (a dict standing
in for Alla ärenden) never gets two ärenden for one citizen.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from bot.ledger import FAILED, IN_DOUBT, NOT_REACHABLE, SENT, Ledger, campaign_key
from bot.ledger.leases import LeaseLost
from bot.ledger.postgres import PostgresLedger
from bot.ledger.target import PostgresTarget
from tests.unit.test_ledger import FACTS, citizens, official_pnrs

CITIZENS = 8
RUNNERS = 3
FINAL = {SENT, FAILED, NOT_REACHABLE}
# What happens at Skicka, decided when `sending` is written: whether the click reached the tool, and what is recorded.
OUTCOMES = {
    "sent": True,
    "in_doubt_clicked": True,
    "in_doubt_not_clicked": False,
    "pending_again": False,
    "failed": False,
    "not_reachable": False,
}
PAUSE_POINTS = ["claimed", "sending", "looked_up", "idle"]


class Tool:
    """The staff tool's ärenden, per ledger row."""

    def __init__(self) -> None:
        self.sent: Counter[int] = Counter()


class Worker:
    """One runner process: a ledger, a lease, and where it is in the worker's sequence."""

    def __init__(self, target: PostgresTarget, key: str, name: str, incarnation: int) -> None:
        self.target, self.key, self.name = target, key, name
        self.run_id = f"{name}-{incarnation}"
        self.incarnation = incarnation
        self.ledger: PostgresLedger = Ledger.open(target, actor=name, run_id=self.run_id)  # type: ignore[assignment]
        self._held: AbstractContextManager[Any] = self.ledger.acquire_run_lock(key, self.run_id, lease_s=600)
        self._held.__enter__()
        self.lapsed = False
        self.phase = "idle"
        self.item: int | None = None
        self.outcome = ""
        self.found = False

    def lapse(self) -> None:
        """The process pauses past its lease."""
        self.ledger.connection().raw.execute(
            "UPDATE runners SET lease_until = clock_timestamp() - interval '1 second' WHERE id = %s",
            (self.ledger.lease.runner_id,),
        )
        self.lapsed = True

    def close(self) -> None:
        """The process ends (its lease given back)."""
        try:
            self._held.__exit__(None, None, None)
        finally:
            self.ledger.close()


class Schedule:
    """The runners, the tool and the checks made at every write."""

    def __init__(self, target: PostgresTarget, key: str, rng: random.Random, pause_at: str) -> None:
        self.target, self.key, self.rng, self.pause_at = target, key, rng, pause_at
        self.tool = Tool()
        self.workers = [Worker(target, key, f"r{n}", 0) for n in range(RUNNERS)]
        self.paused_first = False
        self.extra_pauses = 2
        self.refused = 0
        self.accepted_while_live = 0
        self.last_event_at_lapse: dict[str, int] = {}

    def write(self, worker: Worker, call: Callable[[], Any]) -> tuple[bool, Any]:
        """One ledger write: refused (LeaseLost) exactly when the worker's lease ran out."""
        try:
            result = call()
        except LeaseLost:
            assert worker.lapsed, f"{worker.run_id} refused though its lease holds"
            self.refused += 1
            return False, None
        assert not worker.lapsed, f"{worker.run_id} wrote after its lease ran out"
        self.accepted_while_live += 1
        return True, result

    def restart(self, index: int) -> None:
        """A refused runner stops (exit 4) and is started again with a new lease."""
        old = self.workers[index]
        old.close()
        self.workers[index] = Worker(self.target, self.key, old.name, old.incarnation + 1)

    def maybe_pause(self, worker: Worker) -> None:
        if worker.lapsed:
            return
        if not self.paused_first and worker is self.workers[0] and worker.phase == self.pause_at:
            self.paused_first = True
        elif not (self.extra_pauses and self.rng.random() < 0.04):
            return
        else:
            self.extra_pauses -= 1
        self.last_event_at_lapse[worker.run_id] = max((e.id for e in worker.ledger.events(self.key)), default=0)
        worker.lapse()

    def step(self, index: int) -> None:
        """One step of one runner's sequence."""
        w = self.workers[index]
        self.maybe_pause(w)
        ok = getattr(self, f"_{w.phase}")(w)
        if not ok:
            self.restart(index)

    def _idle(self, w: Worker) -> bool:
        ok, items = self.write(w, lambda: w.ledger.claim_open(self.key, 1))
        if not ok:
            return False
        if not items:
            ok, _ = self.write(w, lambda: w.ledger.recover_interrupted(self.key))
            return ok
        [item] = items
        w.item = item.id
        w.phase = "looked_up" if item.state == IN_DOUBT else "claimed"
        if item.state == IN_DOUBT:
            w.found = self.tool.sent[item.id] > 0  # the look-up in Alla ärenden
        return True

    def _claimed(self, w: Worker) -> bool:
        ok, _ = self.write(w, lambda: w.ledger.mark_sending([w.item]))
        if not ok:
            return False
        w.outcome = self.rng.choice(sorted(OUTCOMES))
        if OUTCOMES[w.outcome]:
            self.tool.sent[w.item] += 1  # the click on Skicka reached the tool
        w.phase = "sending"
        return True

    def _sending(self, w: Worker) -> bool:
        row, ledger = w.item, w.ledger
        record = {
            "sent": lambda: ledger.mark_sent(row, f"A-{row}-{w.run_id}"),
            "in_doubt_clicked": lambda: ledger.mark_in_doubt(row, "no receipt"),
            "in_doubt_not_clicked": lambda: ledger.mark_in_doubt(row, "no receipt"),
            "pending_again": lambda: ledger.mark_pending_again(row, "failed before the click"),
            "failed": lambda: ledger.mark_failed(row, "TimeoutError", "Fem försök"),
            "not_reachable": lambda: ledger.mark_not_reachable(row, "no_notification", "Saknar avisering"),
        }[w.outcome]
        ok, _ = self.write(w, record)
        # As the worker: an in-doubt row is looked up at once, a row released before the click is sent again.
        w.phase = {"in_doubt_clicked": "looked_up", "in_doubt_not_clicked": "looked_up"}.get(w.outcome, "idle")
        w.phase = "claimed" if w.outcome == "pending_again" else w.phase
        w.found = self.tool.sent[row] > 0
        return ok

    def _looked_up(self, w: Worker) -> bool:
        row, ledger = w.item, w.ledger
        if w.found:
            ok, _ = self.write(
                w, lambda: ledger.resolve_in_doubt_as_sent(row, f"A-{row}-found", "2026-12-04T08:00:00Z")
            )
        else:
            ok, _ = self.write(w, lambda: ledger.mark_pending_again(row, "not found in Alla ärenden"))
        w.phase = "idle" if w.found else "claimed"  # not found: the worker sends again
        return ok

    def close(self) -> None:
        for w in self.workers:
            w.close()


def run_schedule(target: PostgresTarget, key: str, seed: int, pause_at: str) -> Schedule:
    """Interleave the runners until every citizen is settled (or the step budget is spent)."""
    rng = random.Random(seed)
    schedule = Schedule(target, key, rng, pause_at)
    try:
        for _ in range(600):
            if all(i.state in FINAL for i in schedule.workers[0].ledger.items(key)):
                break
            schedule.step(rng.randrange(RUNNERS))
    finally:
        schedule.close()
    return schedule


@pytest.mark.parametrize("pause_at", PAUSE_POINTS)
@pytest.mark.parametrize("seed", range(4))
def test_runners_should_never_send_twice_or_write_after_their_lease_ran_out(
    pg_server: Any, seed: int, pause_at: str
) -> None:
    target = pg_server.new_database()
    key = campaign_key(FACTS)
    try:
        with Ledger.open(target, actor="setup", run_id="setup") as led:
            led.ensure_campaign(key, "Provsvar", FACTS)
            led.add_delivery(key, "fp-1", "leverans1.7z", citizens(official_pnrs(CITIZENS)))
        schedule = run_schedule(target, key, seed, pause_at)
        assert schedule.paused_first, f"runner 0 never reached {pause_at}"
        assert schedule.refused >= 1, "a paused runner's next write was refused"
        with Ledger.open(target, actor="check", run_id="check") as led:
            items = {i.id: i for i in led.items(key)}
            events = list(led.events(key))
        assert all(i.state in FINAL for i in items.values()), Counter(i.state for i in items.values())
        sent_twice = [row for row, n in Counter(e.item_id for e in events if e.to_state == SENT).items() if n > 1]
        assert sent_twice == [], "a row went → sent twice"
        assert max(schedule.tool.sent.values(), default=0) <= 1, f"two ärenden for one citizen: {schedule.tool.sent}"
        for row, item in items.items():
            assert schedule.tool.sent[row] == (1 if item.state == SENT else 0), (row, item.state)
        for run_id, last in schedule.last_event_at_lapse.items():
            late = [e.event for e in events if e.run_id == run_id and e.id > last]
            assert late == [], f"{run_id} wrote after its lease ran out: {late}"
    finally:
        pg_server.drop_database(target)
