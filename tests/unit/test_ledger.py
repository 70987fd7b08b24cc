"""The exactly-once ledger on both backends (a real SQLite file, a real PostgreSQL database): deliveries, the
transition table, recovery, audit, threads; and what is SQLite's own (pragmas, file modes)."""

from __future__ import annotations

import gc
import os
import re
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator
from itertools import product
from pathlib import Path

import pytest

from bot.errors import UtskickError
from bot.ledger import (
    FAILED,
    IN_DOUBT,
    INVALID,
    NOT_REACHABLE,
    PENDING,
    SENDING,
    SENT,
    STATES,
    TRANSITIONS,
    Item,
    Ledger,
    LedgerError,
    LedgerStateError,
    campaign_key,
    mask_pnr,
    scrub,
)
from bot.ledger.target import PostgresTarget

SEED = Path(__file__).resolve().parents[2] / "mock_personalverktyg" / "seed" / "testpersonnummer.txt"
# From the official test list, for when the seed copy is not there.
FALLBACK = ["189001019802", "189001029819", "189001039800", "189001049817", "189001059808", "189001069815"]
FACTS = {"unit": "Vårdcentralen Test", "template": "Provsvar", "texts": ["Hälsning"], "mode": "single"}


def official_pnrs(count: int) -> list[str]:
    """`count` distinct personnummer from the official test list."""
    numbers = SEED.read_text().split() if SEED.exists() else FALLBACK
    if len(numbers) < count:
        pytest.fail(f"need {count} test personnummer, have {len(numbers)}: is {SEED} there?")
    return numbers[:count]


def citizens(pnrs: list[str], archive: str = "leverans1.7z") -> list[tuple[str, str, str, int]]:
    return [(p, archive, "lista1.txt", line) for line, p in enumerate(pnrs, start=1)]


@pytest.fixture
def ledger(ledger_target: Path | PostgresTarget) -> Iterator[Ledger]:
    with Ledger.open(ledger_target, actor="tester", run_id="run-1") as led:
        yield led


@pytest.fixture
def sqlite_ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger.open(tmp_path / "ledger.sqlite", actor="tester", run_id="run-1") as led:
        yield led


def integrity_errors() -> tuple[type[Exception], ...]:
    """What each backend raises when the database itself refuses a change."""
    import psycopg

    return (sqlite3.IntegrityError, psycopg.errors.IntegrityError)


@pytest.fixture
def key(ledger: Ledger) -> str:
    k = campaign_key(FACTS)
    ledger.ensure_campaign(k, "Provsvar vecka 12", FACTS)
    return k


def add(ledger: Ledger, key: str, pnrs: list[str], fingerprint: str = "fp-1") -> list[int]:
    ledger.add_delivery(key, fingerprint, "leverans1.7z", citizens(pnrs))
    return [item.id for item in ledger.items(key) if item.pnr in set(pnrs)]


def state_events(ledger: Ledger, key: str, item_id: int) -> list[tuple[str | None, str | None, str]]:
    return [(e.from_state, e.to_state, e.event) for e in ledger.events(key, item_id) if e.to_state]


# -- campaign key ---------------------------------------------------------------------------------


def test_campaign_key_should_not_depend_on_key_order_or_unicode_form() -> None:
    composed = {"unit": "Vårdcentralen", "texts": ["a", "b"], "mode": "single"}
    decomposed = {"mode": "single", "texts": ["a", "b"], "unit": "Va\u030ardcentralen"}
    assert campaign_key(composed) == campaign_key(decomposed)
    assert re.fullmatch(r"[0-9a-f]{64}", campaign_key(composed))


def test_campaign_key_should_change_with_any_message_fact() -> None:
    assert campaign_key(FACTS) != campaign_key({**FACTS, "texts": ["Hälsning", "Mer"]})
    assert campaign_key(FACTS) != campaign_key({**FACTS, "mode": "batch"})


def test_ensure_campaign_should_keep_the_original_facts(ledger: Ledger, key: str) -> None:
    ledger.ensure_campaign(key, "Annat namn", {**FACTS, "mode": "batch"})
    campaign = ledger.campaign(key)
    assert campaign is not None
    assert campaign.name == "Provsvar vecka 12"
    assert campaign.facts == FACTS
    assert [e.event for e in ledger.events(key)] == ["campaign_created"]


def test_find_campaign_should_match_exact_name_or_key_prefix_newest_first(ledger: Ledger, key: str) -> None:
    other = campaign_key({**FACTS, "mode": "batch"})
    ledger.ensure_campaign(other, "Provsvar vecka 12", {**FACTS, "mode": "batch"})
    assert [c.key for c in ledger.find_campaigns("Provsvar vecka 12")] == [other, key]
    assert ledger.find_campaign(key[:10]).key == key
    assert ledger.find_campaign(key[:10].upper()).key == key
    assert ledger.find_campaign("Provsvar") is None
    assert ledger.find_campaign("") is None


# -- deliveries -----------------------------------------------------------------------------------


def test_add_delivery_should_add_citizens_as_pending_with_their_source(ledger: Ledger, key: str) -> None:
    pnrs = official_pnrs(3)
    result = ledger.add_delivery(key, "fp-1", "leverans1.7z", citizens(pnrs))
    assert (result.new, result.already_known, result.rejected, result.delivery_known) == (3, 0, 0, False)
    items = list(ledger.items(key))
    assert [(i.pnr, i.state, i.source_archive, i.source_file, i.source_line) for i in items] == [
        (p, PENDING, "leverans1.7z", "lista1.txt", n) for n, p in enumerate(pnrs, start=1)
    ]
    assert all(state_events(ledger, key, i.id) == [(None, PENDING, "item_added")] for i in items)


def test_add_delivery_should_add_nothing_when_the_same_delivery_comes_twice(ledger: Ledger, key: str) -> None:
    pnrs = official_pnrs(4)
    rejected = [("lista1.txt", 5, "18900101-980", "bad_length", "Fel längd")]
    ledger.add_delivery(key, "fp-1", "leverans1.7z", citizens(pnrs), rejected)
    ledger.mark_sending([ledger.pending_ids(key)[0]])
    again = ledger.add_delivery(key, "fp-1", "leverans1.7z", citizens(pnrs), rejected)
    assert (again.new, again.already_known, again.delivery_known) == (0, 4, True)
    assert ledger.counts(key) == {**dict.fromkeys(STATES, 0), PENDING: 3, SENDING: 1}
    assert len(list(ledger.rejected_rows(key))) == 1
    assert len(ledger.deliveries(key)) == 1


def test_add_delivery_should_add_only_new_citizens_from_a_second_delivery(ledger: Ledger, key: str) -> None:
    pnrs = official_pnrs(6)
    first = add(ledger, key, pnrs[:4])
    ledger.mark_sending(first[:2])
    ledger.mark_sent(first[0], "A-1")
    ledger.mark_failed(first[3], "timeout")
    result = ledger.add_delivery(key, "fp-2", "leverans2.7z", citizens(pnrs[2:], "leverans2.7z"))
    assert (result.new, result.already_known) == (2, 2)
    by_pnr = {i.pnr: i for i in ledger.items(key)}
    assert [by_pnr[p].state for p in pnrs] == [SENT, SENDING, PENDING, FAILED, PENDING, PENDING]
    assert by_pnr[pnrs[2]].source_archive == "leverans1.7z"
    assert by_pnr[pnrs[5]].source_archive == "leverans2.7z"
    assert [d["new"] for d in ledger.deliveries(key)] == [4, 2]


def test_add_delivery_should_keep_one_campaign_apart_from_another(ledger: Ledger, key: str) -> None:
    other = campaign_key({**FACTS, "mode": "batch"})
    ledger.ensure_campaign(other, "Batch", {**FACTS, "mode": "batch"})
    pnrs = official_pnrs(2)
    add(ledger, key, pnrs)
    assert ledger.add_delivery(other, "fp-1", "leverans1.7z", citizens(pnrs)).new == 2


def test_add_delivery_should_stream_any_iterable_in_one_transaction(ledger: Ledger, key: str) -> None:
    pnrs = official_pnrs(1201)

    def rows_then_a_bad_one() -> Iterator[tuple[str, str, str, int]]:
        yield from citizens(pnrs[:1200])
        yield ("18900101", "leverans1.7z", "lista9.txt", 7)

    with pytest.raises(LedgerError, match=r"18900101-\*\*\*\* \(lista9.txt, rad 7\)"):
        ledger.add_delivery(key, "fp-1", "leverans1.7z", rows_then_a_bad_one())
    assert sum(ledger.counts(key).values()) == 0
    assert ledger.deliveries(key) == []
    result = ledger.add_delivery(key, "fp-1", "leverans1.7z", (c for c in citizens(pnrs)))
    assert result.new == 1201


def test_add_delivery_should_refuse_an_unknown_campaign(ledger: Ledger) -> None:
    with pytest.raises(LedgerError, match="Okänd kampanj"):
        ledger.add_delivery("0" * 64, "fp-1", "leverans1.7z", citizens(official_pnrs(1)))


def test_rejected_rows_should_be_reportable_by_file_line_and_reason_without_the_number(
    ledger: Ledger, key: str
) -> None:
    bad = official_pnrs(1)[0][:11] + "0"
    rejected = [("lista2.txt", 17, bad, "bad_checksum", f"Kontrollsiffran stämmer inte: {bad}")]
    ledger.add_delivery(key, "fp-1", "leverans1.7z", citizens(official_pnrs(2)[1:]), rejected, duplicates=3)
    [row] = ledger.rejected_rows(key)
    assert (row.source_file, row.source_line, row.reason_code) == ("lista2.txt", 17, "bad_checksum")
    assert row.masked_value == f"{bad[:8]}-****"
    assert bad not in row.reason
    assert ledger.deliveries(key)[0] | {"added_at": None} == {
        "fingerprint": "fp-1",
        "source": "leverans1.7z",
        "added_at": None,
        "accepted": 1,
        "new": 1,
        "already_known": 0,
        "invalid": 1,
        "duplicates": 3,
    }


# -- the transition table -------------------------------------------------------------------------


def put_in(ledger: Ledger, item_id: int, state: str) -> None:
    """Drive a fresh pending item to `state` through allowed moves only."""
    if state in (SENDING, SENT, IN_DOUBT):
        ledger.mark_sending([item_id])
    if state == SENT:
        ledger.mark_sent(item_id, "A-100")
    elif state == IN_DOUBT:
        ledger.mark_in_doubt(item_id, "no receipt")
    elif state == NOT_REACHABLE:
        ledger.mark_not_reachable(item_id, "no_notification")
    elif state == INVALID:
        ledger.mark_invalid(item_id, "refused_at_add")
    elif state == FAILED:
        ledger.mark_failed(item_id, "timeout")


Move = Callable[[Ledger, int], object]
METHODS: dict[str, tuple[Move, set[str], str]] = {
    "mark_sending": (lambda led, i: led.mark_sending([i]), {PENDING}, SENDING),
    "mark_sent": (lambda led, i: led.mark_sent(i, "A-1"), {SENDING}, SENT),
    "mark_not_reachable": (
        lambda led, i: led.mark_not_reachable(i, "locked", "Låst"),
        {PENDING, SENDING},
        NOT_REACHABLE,
    ),
    "mark_failed": (lambda led, i: led.mark_failed(i, "timeout", "5 försök"), {PENDING, SENDING}, FAILED),
    "mark_invalid": (lambda led, i: led.mark_invalid(i, "refused_at_add"), {PENDING}, INVALID),
    "mark_in_doubt": (lambda led, i: led.mark_in_doubt(i, "no receipt"), {SENDING}, IN_DOUBT),
    "mark_pending_again": (
        lambda led, i: led.mark_pending_again(i, "before click"),
        {SENDING, IN_DOUBT},
        PENDING,
    ),
    "resolve_in_doubt_as_sent": (
        lambda led, i: led.resolve_in_doubt_as_sent(i, "A-2", "2024-05-01T08:00:00Z"),
        {IN_DOUBT},
        SENT,
    ),
}


@pytest.mark.parametrize(("method", "from_state"), list(product(METHODS, STATES)))
def test_state_change_should_follow_the_transition_table(
    ledger: Ledger, key: str, method: str, from_state: str
) -> None:
    move, allowed, to_state = METHODS[method]
    [item_id] = add(ledger, key, official_pnrs(1))
    put_in(ledger, item_id, from_state)
    before = ledger.item(item_id)
    events_before = list(ledger.events(key))
    if from_state in allowed:
        move(ledger, item_id)
        assert ledger.item(item_id).state == to_state
        assert state_events(ledger, key, item_id)[-1] == (from_state, to_state, TRANSITIONS[(from_state, to_state)])
    else:
        with pytest.raises(LedgerStateError) as refused:
            move(ledger, item_id)
        assert (refused.value.item_id, refused.value.from_state) == (item_id, from_state)
        assert isinstance(refused.value, UtskickError)
        assert ledger.item(item_id) == before
        assert list(ledger.events(key)) == events_before


def test_transition_table_should_be_exactly_what_the_methods_allow() -> None:
    reachable = {(f, to) for _, allowed, to in METHODS.values() for f in allowed} | {(FAILED, PENDING)}
    assert reachable == set(TRANSITIONS)


def test_mark_sending_should_claim_all_or_nothing(ledger: Ledger, key: str) -> None:
    ids = add(ledger, key, official_pnrs(3))
    ledger.mark_sending([ids[1]])
    with pytest.raises(LedgerStateError, match=f"Raden {ids[1]} är i läget 'sending'"):
        ledger.mark_sending(ids)
    assert [ledger.item(i).state for i in ids] == [PENDING, SENDING, PENDING]
    with pytest.raises(LedgerStateError, match="finns inte"):
        ledger.mark_sending([ids[0], 99_999])
    assert ledger.item(ids[0]).state == PENDING


def test_mark_sending_should_give_every_row_the_same_claim_time_and_count_the_attempt(ledger: Ledger, key: str) -> None:
    ids = add(ledger, key, official_pnrs(3))
    claimed_at = ledger.mark_sending(ids)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", claimed_at)
    assert {(ledger.item(i).claimed_at, ledger.item(i).attempts) for i in ids} == {(claimed_at, 1)}
    ledger.mark_many_pending_again(ids, "session expired before Skicka")
    second = ledger.mark_sending(ids[:1])
    assert ledger.item(ids[0]).attempts == 2
    assert ledger.item(ids[0]).claimed_at == second


def test_mark_sending_should_be_visible_to_another_connection_when_it_returns(ledger: Ledger, key: str) -> None:
    ids = add(ledger, key, official_pnrs(2))
    claimed_at = ledger.mark_sending(ids)
    with Ledger.open(ledger.path, actor="other", run_id="run-2") as other:
        rows = [(i.state, i.claimed_at) for i in other.items(key)]
        claims = sum(1 for e in other.events(key) if e.event == "claimed")
    assert rows == [(SENDING, claimed_at)] * 2
    assert claims == 2


def test_state_change_should_leave_nothing_when_the_database_refuses_one_of_its_rows(ledger: Ledger, key: str) -> None:
    ids = add(ledger, key, official_pnrs(2))
    ledger.mark_sending(ids)
    events_before = list(ledger.events(key))
    receipt = {"arende_id": "A-1", "sent_at": "2024-05-01T08:00:00.000000Z", "reason": None, "detail": None}
    no_receipt = {"reason": None, "detail": None}  # `sent` without an ärende-id: the database's CHECK refuses it
    with pytest.raises(integrity_errors()):
        ledger._transition(SENT, frozenset({SENDING}), [(ids[0], receipt, None), (ids[1], no_receipt, None)])
    assert [ledger.item(i).state for i in ids] == [SENDING, SENDING]
    assert list(ledger.events(key)) == events_before
    ledger.mark_many_sent([(ids[0], "A-1"), (ids[1], "A-2")])  # the connection is usable again
    assert [ledger.item(i).state for i in ids] == [SENT, SENT]


def test_claim_open_should_hand_out_in_doubt_rows_before_pending_ones_on_one_file(sqlite_ledger: Ledger) -> None:
    key = campaign_key(FACTS)
    sqlite_ledger.ensure_campaign(key, "Provsvar vecka 12", FACTS)
    ids = add(sqlite_ledger, key, official_pnrs(3))
    sqlite_ledger.mark_sending([ids[2]])
    sqlite_ledger.mark_in_doubt(ids[2], "no receipt")
    assert [i.id for i in sqlite_ledger.claim_open(key, 2)] == [ids[2]]
    sqlite_ledger.mark_pending_again(ids[2], "not found in Alla ärenden")
    assert [i.id for i in sqlite_ledger.claim_open(key, 2)] == ids[:2]


def test_mark_sending_should_refuse_the_same_item_twice_in_one_claim(ledger: Ledger, key: str) -> None:
    [item_id] = add(ledger, key, official_pnrs(1))
    with pytest.raises(ValueError, match="twice"):
        ledger.mark_sending([item_id, item_id])
    assert ledger.item(item_id).state == PENDING


def test_mark_many_sent_should_record_a_batch_receipt_at_once(ledger: Ledger, key: str) -> None:
    ids = add(ledger, key, official_pnrs(3))
    ledger.mark_sending(ids)
    ledger.mark_many_not_reachable([(ids[2], "no_notification", "Saknar avisering")])
    ledger.mark_many_sent([(ids[0], "A-1"), (ids[1], "A-2")], sent_at="2024-05-01T08:00:00.000001Z")
    assert [(i.state, i.arende_id, i.sent_at, i.reason) for i in ledger.items(key)] == [
        (SENT, "A-1", "2024-05-01T08:00:00.000001Z", None),
        (SENT, "A-2", "2024-05-01T08:00:00.000001Z", None),
        (NOT_REACHABLE, None, None, "no_notification"),
    ]


def test_mark_many_sent_should_record_nothing_if_one_item_is_not_sending(ledger: Ledger, key: str) -> None:
    ids = add(ledger, key, official_pnrs(2))
    ledger.mark_sending(ids[:1])
    with pytest.raises(LedgerStateError):
        ledger.mark_many_sent([(ids[0], "A-1"), (ids[1], "A-2")])
    assert ledger.item(ids[0]).state == SENDING


def test_state_details_should_never_keep_a_personnummer(ledger: Ledger, key: str) -> None:
    pnr = official_pnrs(1)[0]
    [item_id] = add(ledger, key, [pnr])
    ledger.mark_not_reachable(item_id, "locked", f"Inloggningen är låst för {pnr[:8]}-{pnr[8:]} ({pnr})")
    stored = ledger.item(item_id).detail
    assert pnr not in stored and pnr[2:] not in stored.replace("-", "")
    assert stored.count(f"{pnr[:8]}-****") == 2
    assert all(pnr[:8] + "-" + pnr[8:] not in (e.detail or "") for e in ledger.events(key))


def test_scrub_should_mask_ten_and_twelve_digit_forms_only() -> None:
    assert scrub("18900101-9802 och 900101-9802 och 189001019802") == "18900101-**** och 900101-**** och 18900101-****"
    assert scrub("ärende 12345, kl 08:00") == "ärende 12345, kl 08:00"
    assert mask_pnr(mask_pnr("189001019802")) == "18900101-****"
    assert mask_pnr("abc") == "****"


def test_item_repr_should_not_show_the_personnummer(ledger: Ledger, key: str) -> None:
    pnr = official_pnrs(1)[0]
    add(ledger, key, [pnr])
    [item] = ledger.items(key)
    assert pnr not in repr(item)
    assert item.masked_pnr == f"{pnr[:8]}-****"


def test_state_error_should_not_show_the_personnummer(ledger: Ledger, key: str) -> None:
    pnr = official_pnrs(1)[0]
    [item_id] = add(ledger, key, [pnr])
    ledger.mark_failed(item_id, "timeout")
    with pytest.raises(LedgerStateError) as refused:
        ledger.mark_sent(item_id, "A-1")
    assert not re.search(r"\d{10}", str(refused.value))


# -- recovery, retry, follow-up ---------------------------------------------------------------------


def test_recover_interrupted_should_turn_sending_into_in_doubt_and_return_all_in_doubt(
    ledger: Ledger, key: str
) -> None:
    ids = add(ledger, key, official_pnrs(5))
    ledger.mark_sending(ids[:3])
    ledger.mark_sent(ids[0], "A-1")
    ledger.mark_in_doubt(ids[2], "receipt not seen")
    with ledger.acquire_run_lock(key, "tester"):
        doubtful = ledger.recover_interrupted(key)
    assert [(i.id, i.state) for i in doubtful] == [(ids[1], IN_DOUBT), (ids[2], IN_DOUBT)]
    assert all(isinstance(i, Item) and i.claimed_at for i in doubtful)
    assert state_events(ledger, key, ids[1])[-1] == (SENDING, IN_DOUBT, "marked_in_doubt")
    assert ledger.counts(key) == {**dict.fromkeys(STATES, 0), SENT: 1, IN_DOUBT: 2, PENDING: 2}


def test_recover_interrupted_should_need_the_run_lock(ledger: Ledger, key: str) -> None:
    ids = add(ledger, key, official_pnrs(1))
    ledger.mark_sending(ids)
    with pytest.raises(LedgerError, match="körlås"):
        ledger.recover_interrupted(key)
    assert ledger.item(ids[0]).state == SENDING


def test_in_doubt_should_resolve_to_sent_or_back_to_pending(ledger: Ledger, key: str) -> None:
    ids = add(ledger, key, official_pnrs(2))
    ledger.mark_sending(ids)
    with ledger.acquire_run_lock(key, "tester"):
        ledger.recover_interrupted(key)
    ledger.resolve_in_doubt_as_sent(ids[0], "A-7", "2024-05-01T08:00:01.000000Z")
    ledger.mark_pending_again(ids[1], "not found in Alla ärenden")
    assert [(i.state, i.arende_id) for i in ledger.items(key)] == [(SENT, "A-7"), (PENDING, None)]
    assert ledger.pending_ids(key) == [ids[1]]


def test_reset_failed_should_put_only_failed_items_back_to_pending(ledger: Ledger, key: str) -> None:
    ids = add(ledger, key, official_pnrs(3))
    ledger.mark_failed(ids[0], "timeout")
    ledger.mark_not_reachable(ids[1], "locked")
    assert ledger.reset_failed(key) == 1
    assert [i.state for i in ledger.items(key)] == [PENDING, NOT_REACHABLE, PENDING]
    assert state_events(ledger, key, ids[0])[-1] == (FAILED, PENDING, "failed_reset")
    assert ledger.reset_failed(key) == 0


def test_set_read_should_keep_the_first_time_seen_read(ledger: Ledger, key: str) -> None:
    ids = add(ledger, key, official_pnrs(2))
    ledger.mark_sending(ids[:1])
    ledger.mark_sent(ids[0], "A-1")
    ledger.set_read(ids[0], "Oläst av invånare")
    ledger.set_read(ids[0], "Läst av invånare", "2024-05-02T10:00:00.000000Z")
    ledger.set_read(ids[0], "Läst av invånare", "2024-05-03T10:00:00.000000Z")
    item = ledger.item(ids[0])
    assert (item.read_status, item.read_at) == ("Läst av invånare", "2024-05-02T10:00:00.000000Z")
    assert [e.event for e in ledger.events(key, ids[0])].count("read_status_changed") == 2
    with pytest.raises(LedgerStateError):
        ledger.set_read(ids[1], "Läst av invånare")


def test_items_should_filter_by_state_and_refuse_unknown_states(ledger: Ledger, key: str) -> None:
    ids = add(ledger, key, official_pnrs(3))
    ledger.mark_failed(ids[1], "timeout")
    assert [i.id for i in ledger.items(key, states=[FAILED, PENDING])] == ids
    assert [i.id for i in ledger.items(key, states=[FAILED])] == [ids[1]]
    with pytest.raises(ValueError, match="unknown"):
        list(ledger.items(key, states=["done"]))


# -- streaming ------------------------------------------------------------------------------------


def test_iter_pending_should_hold_one_batch_at_a_time_over_20000_rows(ledger: Ledger, key: str) -> None:
    pnrs = official_pnrs(20_000)
    ledger.add_delivery(key, "fp-big", "stor.7z", ((p, "stor.7z", "lista.txt", n) for n, p in enumerate(pnrs)))
    gc.collect()
    seen = 0
    most_held = 0
    last_id = 0
    for batch in ledger.iter_pending(key, batch_size=500):
        assert 0 < len(batch) <= 500
        assert batch[0].id > last_id
        last_id = batch[-1].id
        seen += len(batch)
        most_held = max(most_held, sum(1 for o in gc.get_objects() if type(o) is Item))
    assert seen == 20_000
    assert most_held == 500
    assert len(ledger.pending_ids(key, limit=250)) == 250


def test_iter_pending_should_skip_items_claimed_while_streaming(ledger: Ledger, key: str) -> None:
    ids = add(ledger, key, official_pnrs(1000))
    streamed = []
    for batch in ledger.iter_pending(key, batch_size=250):
        streamed.extend(i.id for i in batch)
        ledger.mark_sending([i.id for i in batch])
        if batch[-1].id == ids[249]:
            ledger.mark_sending(ids[600:700])
    assert streamed == ids[:600] + ids[700:]
    assert ledger.counts(key)[SENDING] == 1000


# -- storage: pragmas, triggers, file modes -------------------------------------------------------------


def test_connection_should_use_wal_full_sync_foreign_keys_and_a_busy_timeout(sqlite_ledger: Ledger) -> None:
    conn = sqlite_ledger.connection()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_events_should_refuse_update_and_delete(ledger: Ledger, key: str) -> None:
    add(ledger, key, official_pnrs(1))
    conn = ledger.connection()
    with pytest.raises(integrity_errors(), match="append-only"):
        conn.execute("UPDATE events SET detail = 'x'")
    with pytest.raises(integrity_errors(), match="append-only"):
        conn.execute("DELETE FROM events")
    with pytest.raises(integrity_errors(), match="never deleted"):
        conn.execute("DELETE FROM items")
    assert len(list(ledger.events(key))) == 3


def test_items_should_refuse_an_unknown_state_at_the_database(ledger: Ledger, key: str) -> None:
    [item_id] = add(ledger, key, official_pnrs(1))
    with pytest.raises(integrity_errors(), match="(?i)check"):
        ledger.connection().execute("UPDATE items SET state = 'done' WHERE id = ?", (item_id,))


@pytest.fixture
def loose_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.usefixtures("loose_umask")
def test_ledger_files_should_be_readable_by_the_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path, actor="tester", run_id="run-1") as led:
        k = campaign_key(FACTS)
        led.ensure_campaign(k, "Provsvar", FACTS)
        led.add_delivery(k, "fp-1", "leverans1.7z", citizens(official_pnrs(2)))
        led.mark_sending(led.pending_ids(k))
        with led.acquire_run_lock(k, "tester") as lock:
            files = [path, Path(f"{path}-wal"), Path(f"{path}-shm"), lock.path]
            modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in files}
    assert modes == dict.fromkeys(modes, 0o600)
    assert len(modes) == 4


@pytest.mark.usefixtures("loose_umask")
def test_ledger_open_should_tighten_a_database_file_others_can_read(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    path.touch(mode=0o644)
    with Ledger.open(path, actor="tester", run_id="run-1"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_ledger_should_refuse_use_after_close(ledger_target: Path | PostgresTarget) -> None:
    led = Ledger.open(ledger_target, actor="tester", run_id="run-1")
    led.close()
    with pytest.raises(LedgerError, match="stängd"):
        led.counts("x")


def test_ledger_should_refuse_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    Ledger.open(path, actor="tester", run_id="run-1").close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(LedgerError, match="version 99"):
        Ledger.open(path, actor="tester", run_id="run-2")


# -- threads --------------------------------------------------------------------------------------------


def test_ledger_should_give_each_thread_its_own_connection(ledger: Ledger, key: str) -> None:
    ids = add(ledger, key, official_pnrs(2))
    both_open = threading.Barrier(2)
    seen: dict[int, tuple[int, int]] = {}
    errors: list[BaseException] = []

    def work(item_id: int) -> None:
        try:
            first = ledger.connection()
            both_open.wait()
            ledger.mark_sending([item_id])
            ledger.mark_sent(item_id, f"A-{item_id}")
            seen[item_id] = (id(first), id(ledger.connection()))
            both_open.wait()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    (a1, a2), (b1, b2) = seen.values()
    assert a1 == a2 and b1 == b2
    assert len({a1, b1, id(ledger.connection())}) == 3
    assert [i.state for i in ledger.items(key)] == [SENT, SENT]


def test_mark_sending_should_let_only_one_of_two_racing_threads_claim_an_item(ledger: Ledger, key: str) -> None:
    [item_id] = add(ledger, key, official_pnrs(1))
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def claim() -> None:
        ledger.connection()
        start.wait()
        try:
            ledger.mark_sending([item_id])
            outcomes.append("claimed")
        except LedgerStateError:
            outcomes.append("refused")

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["claimed", "refused"]
    assert ledger.item(item_id).attempts == 1


# -- approvals (issue 18), on both backends ----------------------------------------------------------------------


def test_approvals_should_be_recorded_read_back_and_append_only(ledger: Ledger, key: str) -> None:
    first = ledger.record_approval(
        key, "Provsvar vecka 12", "a" * 64, "leverans.7z", approver_name="Bengt Granskare",
        approver_hsa_id="SE2321000016-A002", facts=FACTS,
    )  # fmt: skip
    second = ledger.record_approval(
        key, "Provsvar vecka 12", "b" * 64, "leverans-2.7z", approver_name="Bengt Granskare",
        approver_hsa_id="SE2321000016-A002", facts=FACTS,
    )  # fmt: skip

    assert [a.id for a in ledger.approvals(key)] == [first.id, second.id] and first.id != second.id
    assert ledger.approval(second.id).fingerprint == "b" * 64 and first.facts == FACTS
    conn = ledger.connection()
    # The audit event carries the key in its detail: a campaign is approved before its first run registers it.
    assert conn.execute("SELECT count(*) FROM events WHERE event = 'approval_given'").fetchone()[0] == 2
    with pytest.raises(Exception, match="append-only"):
        conn.execute("UPDATE approvals SET approver_name = 'Någon annan'")
    if conn.in_transaction:
        conn.execute("ROLLBACK")
    with pytest.raises(Exception, match="append-only"):
        conn.execute("DELETE FROM approvals")
