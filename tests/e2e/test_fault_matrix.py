"""The fault matrix: {single, batch} × {server errors, latency spikes, lost answers, sessions expiring mid-run,
SIGKILL at random moments}. Every run ends 0, or 4 followed by a rerun that ends 0; no run stops for a person
(exit 3); every reachable citizen has exactly one ärende, no unreachable one has any, and the ledger agrees.

Batch rows use 150 citizens (the batch send is what issue 14 was about); single rows 20. The mock's faults are
seeded, so a row replays the same faults for the same requests. Every row runs on each of the mock's skins (the
spa and modern skins with their overrides in selectors/variants/, as a site with such a build would). `make test`
runs the batch with server errors on the spa skin; every other row is marked `long` (see IN_MAKE_TEST).
"""

from __future__ import annotations

import random
import subprocess
import time

import pytest

from tests.helpers import QA, Setup, assert_exactly_once, kill_when, official_test_numbers, write_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

MAX_RUNS = 3  # a run that ends 4 (some citizens failed past the retry budget) is followed by a rerun
SPIKES = {"latency_ms": [0, 40], "spike_rate": 0.05, "spike_ms": 2500}


def _citizens(qa: QA, start: int, count: int) -> tuple[list[str], list[str]]:
    """`count` official test numbers, all reachable but two (login locked, never logged in)."""
    pnrs = official_test_numbers(start, count)
    qa.reachable(*pnrs)
    qa.set_citizen(pnrs[3], login="locked")
    qa.set_citizen(pnrs[-2], login="never")
    return pnrs, [p for i, p in enumerate(pnrs) if i not in (3, count - 2)]


def demo_campaign(
    tmp_path, url: str, mode: str, pnrs: list[str], skin: str, batch_size: int = 250, recycle_every: int = 50
) -> Setup:
    # The default retry budget (3), as a site would run it; one browser, so the matrix fits two cores.
    sending = f"batch_size = {batch_size}\nrecycle_every = {recycle_every}"
    return write_campaign(tmp_path, url, pnrs, mode=mode, max_retries=3, sending=sending, skin=skin)


def _finish(setup: Setup, process: subprocess.Popen | None = None, codes: list[int] | None = None) -> list[int]:
    """Wait for `process` (if any), then rerun until a run ends 0; return every exit code seen."""
    codes = codes if codes is not None else []
    for _ in range(MAX_RUNS):
        if process is None:
            process = setup.start("--yes")
        out, err = process.communicate(timeout=900)
        codes.append(process.returncode)
        assert process.returncode in (0, 4), f"run {len(codes)} ended {process.returncode}:\n{out}\n{err}"
        if process.returncode == 0:
            return codes
        process = None
    pytest.fail(f"still not finished after {MAX_RUNS} runs ({codes}):\n{out}\n{err}")


def _check(setup: Setup, qa: QA, pnrs: list[str], reachable: list[str]) -> None:
    qa.faults()
    sent = qa.sent()
    assert_exactly_once(setup, sent, reachable)
    rows = setup.ledger_rows()
    unreachable = [p for p in pnrs if p not in reachable]
    assert {rows[p][0] for p in unreachable} == {"not_reachable"}
    assert not {s["pnr"] for s in sent} & set(unreachable)


def _expire_sessions_at(qa: QA, process: subprocess.Popen, thresholds: list[int]) -> int:
    """Log every session out each time the mock's sent count passes a threshold (mid-run, mid-batch)."""
    expired = 0
    while process.poll() is None and expired < len(thresholds):
        if len(qa.sent()) >= thresholds[expired]:
            qa.expire_sessions()
            expired += 1
        time.sleep(0.05)  # the test polls the mock; the bot itself never sleeps
    return expired


FAULT_ROWS = [
    pytest.param("single", 20, {"error_rate": 0.03}, id="single-error_rate"),
    pytest.param("batch", 150, {"error_rate": 0.03}, id="batch-error_rate"),
    pytest.param("single", 20, SPIKES, id="single-latency_spikes"),
    pytest.param("batch", 150, SPIKES, id="batch-latency_spikes"),
    pytest.param("single", 20, {"drop_after_send_rate": 0.15}, id="single-drop_after_send"),
    pytest.param("batch", 150, {"drop_after_send_rate": 0.15}, id="batch-drop_after_send"),
]
# `make test` runs the batch of 150 with server errors on the spa skin (the careful path, a field the tool clears,
# rows that appear only when checked, a dialog after Skicka); test_exactly_once.py covers single mode, lost
# answers, expiring sessions and kills with smaller deliveries on the classic skin there. Every other row
# (the classic skin's batch of 150 too) is in `make test-long`.
IN_MAKE_TEST = {"spa-batch-error_rate"}


def on_every_skin(rows: list) -> list:
    """Each row on the classic, spa and modern skins; `long` unless its id is in IN_MAKE_TEST."""
    both = []
    for row in rows:
        for skin in ("classic", "spa", "modern"):
            marks = list(row.marks) + ([] if f"{skin}-{row.id}" in IN_MAKE_TEST else [pytest.mark.long])
            both.append(pytest.param(skin, *row.values, id=f"{skin}-{row.id}", marks=marks))
    return both


@pytest.mark.parametrize(("mock_skin", "mode", "count", "faults"), on_every_skin(FAULT_ROWS), indirect=["mock_skin"])
def test_fault_matrix_should_send_every_reachable_citizen_exactly_once(
    tmp_path, mock_skin, live_mock, qa, mode, count, faults
):
    pnrs, reachable = _citizens(qa, 5000 if mode == "single" else 5100, count)
    qa.faults(**faults, seed=1400 + count)
    setup = demo_campaign(tmp_path, live_mock.url, mode, pnrs, mock_skin)

    codes = _finish(setup)

    assert codes[-1] == 0 and 3 not in codes
    _check(setup, qa, pnrs, reachable)


@pytest.mark.parametrize(
    ("mock_skin", "mode", "count", "batch_size", "thresholds"),
    on_every_skin(
        [
            pytest.param("single", 20, 250, [4, 11], id="single-session_timeout"),
            pytest.param("batch", 150, 50, [48, 98], id="batch-session_timeout"),
        ]
    ),
    indirect=["mock_skin"],
)
def test_fault_matrix_sessions_expiring_mid_run_should_send_everyone_exactly_once(
    tmp_path, mock_skin, live_mock, qa, mode, count, batch_size, thresholds
):
    pnrs, reachable = _citizens(qa, 5300 if mode == "single" else 5400, count)
    # No new browser context (and so no fresh login) between sends: the expiry must hit a session in use.
    setup = demo_campaign(tmp_path, live_mock.url, mode, pnrs, mock_skin, batch_size=batch_size, recycle_every=1000)
    process = setup.start("--yes")

    expired = _expire_sessions_at(qa, process, thresholds)
    codes = _finish(setup, process)

    assert expired == len(thresholds), "the sessions expired while the run was sending"
    assert codes[-1] == 0 and 3 not in codes
    assert "SessionExpired" in setup.log_text()
    _check(setup, qa, pnrs, reachable)


@pytest.mark.long
@pytest.mark.parametrize(
    ("mock_skin", "mode", "count", "kills"),
    on_every_skin(
        [pytest.param("single", 20, 6, id="single-sigkill"), pytest.param("batch", 150, 6, id="batch-sigkill")]
    ),
    indirect=["mock_skin"],
)
def test_fault_matrix_sigkill_at_random_moments_should_send_everyone_exactly_once(
    tmp_path, mock_skin, live_mock, qa, mode, count, kills
):
    pnrs, reachable = _citizens(qa, 5600 if mode == "single" else 5700, count)
    qa.faults(drop_after_send_rate=0.15, latency_ms=[0, 40], seed=1409)
    setup = demo_campaign(tmp_path, live_mock.url, mode, pnrs, mock_skin, batch_size=50)
    chance = random.Random(14)
    killed = {"between_send_and_receipt": 0, "random": 0}
    codes: list[int] = []

    for round_no in range(kills):
        process = setup.start("--yes")
        if round_no % 2 == 0:
            # `sending` is committed just before the click on Skicka: kill while its answer is on the way.
            hit = kill_when(process, lambda: setup.count_state("sending") > 0, 120, chance.uniform(0.0, 0.3))
            killed["between_send_and_receipt"] += hit
        else:
            until = time.monotonic() + chance.uniform(1.0, 12.0)
            hit = kill_when(process, lambda until=until: time.monotonic() >= until, 120)
            killed["random"] += hit
        if not hit:
            out, err = process.communicate(timeout=900)
            codes.append(process.returncode)
            assert process.returncode in (0, 4), out + err
            if process.returncode == 0:
                break
    else:
        _finish(setup, codes=codes)

    assert killed["between_send_and_receipt"] >= 1 and killed["random"] >= 1, killed
    assert codes[-1] == 0 and 3 not in codes
    _check(setup, qa, pnrs, reachable)
