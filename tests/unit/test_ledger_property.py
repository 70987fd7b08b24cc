"""A property of the ledger: no sequence of operations, allowed or refused, sends twice or loses the audit trail."""

from __future__ import annotations

import tempfile
from pathlib import Path

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
operations = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(sorted(SINGLE)), item_index),
        st.tuples(st.sampled_from(["claim", "batch_sent"]), some_items),
        st.tuples(st.sampled_from(["recover", "reset_failed", "add_again", "reopen"]), st.none()),
    ),
    max_size=40,
)


def apply(ledger: Ledger, op: str, arg: object, ids: list[int], model: dict[int, str], serial: int) -> bool:
    """Run one operation against the ledger and the model; True if the model allowed it."""
    if op in SINGLE:
        allowed, to_state = SINGLE[op]
        item_id = ids[arg]
        ok = model[item_id] in allowed
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
    elif op in ("claim", "batch_sent"):
        chosen = [ids[i] for i in sorted(arg)]
        needed = PENDING if op == "claim" else SENDING
        ok = all(model[i] == needed for i in chosen)
        if op == "claim":

            def call() -> object:
                return ledger.mark_sending(chosen)
        else:

            def call() -> object:
                return ledger.mark_many_sent([(i, f"A-{serial}-{i}") for i in chosen])

        changes = dict.fromkeys(chosen, SENDING if op == "claim" else SENT)
    elif op == "recover":
        ok = True
        changes = {i: IN_DOUBT for i, s in model.items() if s == SENDING}

        def call() -> object:
            with ledger.acquire_run_lock(KEY, "property"):
                return ledger.recover_interrupted(KEY)
    elif op == "reset_failed":
        ok = True
        changes = {i: PENDING for i, s in model.items() if s == FAILED}

        def call() -> object:
            return ledger.reset_failed(KEY)
    else:  # add_again: the same citizens in a new delivery add nothing
        ok = True
        changes = {}

        def call() -> object:
            rows = [(p, f"leverans{serial}.7z", "lista.txt", n) for n, p in enumerate(PNRS)]
            result = ledger.add_delivery(KEY, f"fp-{serial}", f"leverans{serial}.7z", rows)
            assert (result.new, result.already_known) == (0, len(PNRS))
            return result

    try:
        call()
    except LedgerStateError:
        assert not ok, f"{op} refused though the model allows it"
        return False
    assert ok, f"{op} accepted though the model refuses it"
    model.update(changes)
    return True


def check(ledger: Ledger, ids: list[int], model: dict[int, str]) -> None:
    """The ledger agrees with the model, and every item's audit trail explains its state."""
    items = {item.id: item for item in ledger.items(KEY)}
    assert {i: items[i].state for i in ids} == model
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


@settings(max_examples=200, deadline=None)
@given(operations)
@example([("claim", {0}), ("sent", 0), ("sent", 0), ("claim", {0}), ("batch_sent", {0})])
@example([("claim", {0, 1}), ("reopen", None), ("recover", None), ("resolve_sent", 0), ("resolve_sent", 0)])
@example([("claim", {0, 1}), ("recover", None), ("pending_again", 1), ("claim", {1}), ("batch_sent", {0, 1})])
@example([("claim", {0}), ("failed", 0), ("reset_failed", None), ("claim", {0, 1}), ("add_again", None)])
def test_ledger_should_never_send_twice_or_change_state_without_an_event(ops: list[tuple[str, object]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.sqlite"
        ledger = Ledger.open(path, actor="property", run_id="run-0")
        try:
            ledger.ensure_campaign(KEY, "Egenskap", FACTS)
            rows = [(p, "leverans0.7z", "lista.txt", n) for n, p in enumerate(PNRS)]
            ledger.add_delivery(KEY, "fp-0", "leverans0.7z", rows)
            ids = ledger.pending_ids(KEY)
            model = dict.fromkeys(ids, PENDING)
            for serial, (op, arg) in enumerate(ops, start=1):
                if op == "reopen":
                    ledger.close()
                    ledger = Ledger.open(path, actor="property", run_id=f"run-{serial}")
                else:
                    apply(ledger, op, arg, ids, model, serial)
                check(ledger, ids, model)
        finally:
            ledger.close()
