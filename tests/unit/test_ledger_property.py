"""A property of the ledger: no sequence of operations, allowed or refused, sends twice or loses the audit trail.

On both backends. On PostgreSQL the operations run as the runner makes them: under a runner lease, each state
change after a claim; a run that ends or restarts gives its lease back and the next run takes a new one, and the
lease may run out under the runner (`lapse`, moved into the past in the database), after which it writes nothing
(`LeaseLost`), and a row another lease claimed is not this run's to write until a new run took it over.
Each PostgreSQL example gets a database of its own on the session's server.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.ledger import (
    FAILED,
    IN_DOUBT,
    INVALID,
    NOT_REACHABLE,
    PENDING,
    SENDING,
    SENT,
    Ledger,
    LedgerStateError,
    campaign_key,
)
from bot.ledger.leases import LeaseLost
from bot.ledger.postgres import PostgresLedger
from bot.ledger.target import PostgresTarget

# From the official test list (mock_personalverktyg/seed/testpersonnummer.txt).
PNRS = ["189001019802", "189001029819", "189001039800"]
FACTS = {"unit": "Vårdcentralen Test", "template": "Provsvar", "mode": "batch"}
KEY = campaign_key(FACTS)

# operation -> (states it is allowed from, state it leads to)
SINGLE: dict[str, tuple[set[str], str]] = {
    "sent": ({SENDING}, SENT),
    "not_reachable": ({PENDING, SENDING}, NOT_REACHABLE),
    "failed": ({PENDING, SENDING}, FAILED),
    "invalid": ({PENDING}, INVALID),
    "in_doubt": ({SENDING}, IN_DOUBT),
    "pending_again": ({SENDING, IN_DOUBT}, PENDING),
    "resolve_sent": ({IN_DOUBT}, SENT),
}

item_index = st.integers(0, len(PNRS) - 1)
some_items = st.sets(item_index, min_size=1)


def operations(*, lease_ops: bool) -> st.SearchStrategy[list[tuple[str, object]]]:
    """Sequences of operations; with `lease_ops`, the runner's lease may also run out (`lapse`)."""
    whole = ["recover", "reset_failed", "add_again", "reopen"] + (["lapse"] if lease_ops else [])
    return st.lists(
        st.one_of(
            st.tuples(st.sampled_from(sorted(SINGLE)), item_index),
            st.tuples(st.sampled_from(["claim", "batch_sent"]), some_items),
            st.tuples(st.sampled_from(whole), st.none()),
        ),
        max_size=40,
    )


class SqliteRun:
    """One ledger file; a run's file lock is taken where the run needs it (recovery) and never runs out."""

    leases = False

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ledger = Ledger.open(path, actor="property", run_id="run-0")

    def as_runner(self, call: Callable[[], object]) -> object:
        """A run's write: one file, one run, nothing to claim first."""
        return call()

    def recover(self) -> object:
        """A new run's start: every `sending` row becomes `in_doubt`."""
        with self.ledger.acquire_run_lock(KEY, "property"):
            return self.ledger.recover_interrupted(KEY)

    def reopen(self, serial: int) -> None:
        """The run ends; another opens the ledger."""
        self.ledger.close()
        self.ledger = Ledger.open(self.path, actor="property", run_id=f"run-{serial}")

    def lapse(self) -> None:  # pragma: no cover - a file lock holds while its process lives
        raise AssertionError("a SQLite run has no lease to lapse")

    def close(self) -> None:
        """Close the ledger."""
        self.ledger.close()


class PostgresRun:
    """One PostgreSQL database; the run holds a runner lease and claims rows (SKIP LOCKED) before `sending`."""

    leases = True

    def __init__(self, target: PostgresTarget) -> None:
        self.target = target
        self.ledger = PostgresLedger.open(target, actor="property", run_id="run-0")
        self._held: AbstractContextManager[object] | None = None
        self._take_lease("run-0")

    def _take_lease(self, owner: str) -> None:
        self._held = self.ledger.acquire_run_lock(KEY, owner, hsa_id="SE-PROPERTY", lease_s=600)
        self._held.__enter__()

    def _end_lease(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            held.__exit__(None, None, None)

    def as_runner(self, call: Callable[[], object]) -> object:
        """As the runner: claim the free in-doubt and pending rows for this runner, then write."""
        self.ledger.claim(KEY, IN_DOUBT, len(PNRS))
        self.ledger.claim(KEY, PENDING, len(PNRS))
        return call()

    def recover(self) -> object:
        """The run ends and a new one starts: the new runner puts the old one's `sending` rows in doubt."""
        self._end_lease()
        self._take_lease("recover")
        return self.ledger.recover_interrupted(KEY)

    def reopen(self, serial: int) -> None:
        """The run ends (its lease given back); another opens the ledger with a lease of its own."""
        self._end_lease()
        self.ledger.close()
        self.ledger = PostgresLedger.open(self.target, actor="property", run_id=f"run-{serial}")
        self._take_lease(f"run-{serial}")

    def lapse(self) -> None:
        """The lease runs out under the live runner (paused past it)."""
        self.ledger.connection().raw.execute(
            "UPDATE runners SET lease_until = clock_timestamp() - interval '1 second' WHERE id = %s",
            (self.ledger.lease.runner_id,),
        )

    def close(self) -> None:
        """Give the lease back and close the ledger."""
        try:
            self._end_lease()
        finally:
            self.ledger.close()


Run = SqliteRun | PostgresRun


class Model:
    """What the ledger should hold: each item's state; on PostgreSQL also which lease claimed each item last, the
    current lease, and whether it ran out."""

    def __init__(self, ids: list[int]) -> None:
        self.states = dict.fromkeys(ids, PENDING)
        self.holder: dict[int, int | None] = dict.fromkeys(ids)
        self.lease = 0
        self.lease_lost = False

    def claim_free(self) -> None:
        """The run claims every in-doubt and pending row (no other lease is live)."""
        for item_id, state in self.states.items():
            if state in (IN_DOUBT, PENDING):
                self.holder[item_id] = self.lease

    def fence_refuses(self, item_ids: list[int]) -> bool:
        """A fenced write of these rows is refused: the lease ran out, or a row is another lease's claim."""
        return self.lease_lost or any(self.holder[i] != self.lease for i in item_ids)


def apply(run: Run, op: str, arg: object, ids: list[int], model: Model, serial: int) -> bool:
    """Run one operation against the ledger and the model; True if the model allowed it."""
    ledger, states = run.ledger, model.states
    lease_after = model.lease_lost
    call: Callable[[], object]
    if op in SINGLE:
        allowed, to_state = SINGLE[op]
        item_id = ids[arg]
        ok = states[item_id] in allowed
        call = {
            "sent": lambda: ledger.mark_sent(item_id, f"A-{serial}"),
            "not_reachable": lambda: ledger.mark_not_reachable(item_id, "no_notification", "Saknar avisering"),
            "failed": lambda: ledger.mark_failed(item_id, "timeout", "Fem försök"),
            "invalid": lambda: ledger.mark_invalid(item_id, "refused_at_add"),
            "in_doubt": lambda: ledger.mark_in_doubt(item_id, "no receipt"),
            "pending_again": lambda: ledger.mark_pending_again(item_id, "not found"),
            "resolve_sent": lambda: ledger.resolve_in_doubt_as_sent(item_id, f"A-{serial}", "2024-05-01T08:00:00Z"),
        }[op]
        changes = {item_id: to_state}
        written = [item_id]
    elif op in ("claim", "batch_sent"):
        chosen = [ids[i] for i in sorted(arg)]
        needed = PENDING if op == "claim" else SENDING
        ok = all(states[i] == needed for i in chosen)
        written = chosen
        if op == "claim":

            def call() -> object:
                return ledger.mark_sending(chosen)
        else:

            def call() -> object:
                return ledger.mark_many_sent([(i, f"A-{serial}-{i}") for i in chosen])

        changes = dict.fromkeys(chosen, SENDING if op == "claim" else SENT)
    elif op in ("recover", "reopen", "lapse"):
        ok = True
        changes = {i: IN_DOUBT for i, s in states.items() if s == SENDING} if op == "recover" else {}
        lease_after = op == "lapse"
        written = []
        call = {"recover": run.recover, "reopen": lambda: run.reopen(serial), "lapse": run.lapse}[op]
    elif op == "reset_failed":
        ok, written = True, []
        changes = {i: PENDING for i, s in states.items() if s == FAILED}

        def call() -> object:
            return ledger.reset_failed(KEY)
    else:  # add_again: the same citizens in a new delivery add nothing
        ok, written = True, []
        changes = {}

        def call() -> object:
            rows = [(p, f"leverans{serial}.7z", "lista.txt", n) for n, p in enumerate(PNRS)]
            result = run.ledger.add_delivery(KEY, f"fp-{serial}", f"leverans{serial}.7z", rows)
            assert (result.new, result.already_known) == (0, len(PNRS))
            return result

    fenced = run.leases and bool(written)
    if fenced and not model.lease_lost:
        model.claim_free()
    fence_refuses = fenced and model.fence_refuses(written)
    try:
        run.as_runner(call) if written else call()
    except (LedgerStateError, LeaseLost) as refused:
        assert not ok or fence_refuses, f"{op} refused though the model allows it: {refused}"
        assert isinstance(refused, LeaseLost) == fence_refuses, f"{op}: {refused!r}"
        return False
    assert ok and not fence_refuses, f"{op} accepted though the model refuses it"
    states.update(changes)
    if op in ("recover", "reopen"):
        model.lease += 1
    model.lease_lost = lease_after
    return True


def check(ledger: Ledger, ids: list[int], model: Model) -> None:
    """The ledger agrees with the model, and every item's audit trail explains its state."""
    items = {item.id: item for item in ledger.items(KEY)}
    assert {i: items[i].state for i in ids} == model.states
    for item_id in ids:
        item = items[item_id]
        trail = [e for e in ledger.events(KEY, item_id) if e.to_state]
        previous = None
        for event in trail:
            assert event.from_state == previous
            previous = event.to_state
        assert previous == item.state
        assert sum(e.to_state == SENT for e in trail) <= 1, "sent twice"
        claims = [e for e in trail if e.event == "claimed"]
        assert item.attempts == len(claims)
        if item.state == SENDING:
            assert trail[-1].event == "claimed" and trail[-1].at == item.claimed_at, "sending without its event"
        assert (item.arende_id is not None) == (item.state == SENT)


def run_sequence(run: Run, ops: list[tuple[str, object]]) -> None:
    """A campaign of three citizens, then `ops` one by one, the ledger checked against the model after each."""
    try:
        run.ledger.ensure_campaign(KEY, "Egenskap", FACTS)
        rows = [(p, "leverans0.7z", "lista.txt", n) for n, p in enumerate(PNRS)]
        run.ledger.add_delivery(KEY, "fp-0", "leverans0.7z", rows)
        ids = run.ledger.pending_ids(KEY)
        model = Model(ids)
        for serial, (op, arg) in enumerate(ops, start=1):
            apply(run, op, arg, ids, model, serial)
            check(run.ledger, ids, model)
    finally:
        run.close()


# Sequences that once broke a backend or the model, kept for both.
EXAMPLES: list[list[tuple[str, object]]] = [
    [("claim", {0}), ("sent", 0), ("sent", 0), ("claim", {0}), ("batch_sent", {0})],
    [("claim", {0, 1}), ("reopen", None), ("recover", None), ("resolve_sent", 0), ("resolve_sent", 0)],
    [("claim", {0, 1}), ("recover", None), ("pending_again", 1), ("claim", {1}), ("batch_sent", {0, 1})],
    [("claim", {0}), ("failed", 0), ("reset_failed", None), ("claim", {0, 1}), ("add_again", None)],
]
# The lease runs out: nothing more from this runner (not even a receipt) until a new run takes the rows over.
LEASE_EXAMPLES: list[list[tuple[str, object]]] = [
    [("claim", {0}), ("lapse", None), ("claim", {1}), ("sent", 0), ("recover", None), ("claim", {1})],
    [("claim", {0, 1}), ("lapse", None), ("recover", None), ("sent", 0), ("resolve_sent", 0), ("claim", {2})],
    [("lapse", None), ("claim", {0}), ("reopen", None), ("claim", {0}), ("in_doubt", 0), ("pending_again", 0)],
]


def with_examples(sequences: list[list[tuple[str, object]]]) -> Callable[[Any], Any]:
    """Apply hypothesis's @example for each sequence."""

    def decorate(test: Any) -> Any:
        for ops in reversed(sequences):
            test = example(ops)(test)
        return test

    return decorate


@settings(max_examples=200, deadline=None)
@given(operations(lease_ops=False))
@with_examples(EXAMPLES)
def test_ledger_should_never_send_twice_or_change_state_without_an_event(ops: list[tuple[str, object]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run_sequence(SqliteRun(Path(tmp) / "ledger.sqlite"), ops)


@contextmanager
def fresh_database(pg_server: Any) -> Iterator[PostgresTarget]:
    """An empty database on the session's server for one example, dropped afterwards."""
    target = pg_server.new_database()
    try:
        yield target
    finally:
        pg_server.drop_database(target)


# Fewer examples: each makes a database and speaks to a server (`make test` grows by some 20 s, not minutes).
@settings(max_examples=40, deadline=None)
@given(operations(lease_ops=True))
@with_examples(EXAMPLES + LEASE_EXAMPLES)
def test_ledger_should_never_send_twice_or_change_state_without_an_event_on_postgres_under_leases(
    pg_server: Any, ops: list[tuple[str, object]]
) -> None:
    with fresh_database(pg_server) as target:
        run_sequence(PostgresRun(target), ops)
