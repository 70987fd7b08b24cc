"""Exactly once whatever the staff tool's clock says (issue 23, section 1), against the real mock on every skin
(the modern build's Skickat shows minutes only): a build whose Skickat column shows UTC, a clock 4 minutes behind
or ahead, and the repeated autumn hour (a send in its second run reads an hour early; simulated with the mock's
clock an hour behind), each with lost answers after Skicka. No citizen ever gets a second ärende. Each is sent
once or left in doubt; a person settles the in-doubt ones (`utskick settle`, from what Alla ärenden shows) and
sets what the stop message says to set."""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter

import pytest

from tests.helpers import QA, SKIN_OVERRIDES, Setup, official_test_numbers, write_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SUBJECT = "Meddelande om provsvar"
MAX_RUNS = 8  # each stop for a person is followed by what that person does, then a rerun
CLOCKS = {
    "utc": {"clock_zone": "UTC"},
    "behind_4_min": {"clock_offset_s": -240},
    "ahead_4_min": {"clock_offset_s": 240},
    "repeated_autumn_hour": {"clock_offset_s": -3600},
}
# `make test`: the reproduction of issue 23 (UTC shown, single mode, classic) and a batch 4 minutes behind on the
# spa skin; every other row is in `make test-long`.
IN_MAKE_TEST = {"classic-single-utc", "spa-batch-behind_4_min"}
ROWS = [
    pytest.param(
        skin,
        mode,
        clock,
        id=f"{skin}-{mode}-{clock}",
        marks=[] if f"{skin}-{mode}-{clock}" in IN_MAKE_TEST else [pytest.mark.long],
    )
    for clock in CLOCKS
    for mode in ("single", "batch")
    for skin in ("classic", "spa", "modern")
]


def _never_twice(qa: QA) -> Counter:
    per_citizen = Counter(s["pnr"] for s in qa.sent())
    assert not [p for p, n in per_citizen.items() if n > 1], "a citizen got a second ärende"
    return per_citizen


def _settle_as_a_person(setup: Setup, qa: QA) -> int:
    """Look each in-doubt citizen up (the mock's sent list stands for Alla ärenden) and record what is there."""
    listed = json.loads(setup.utskick("settle", "--json").stdout)["in_doubt"]
    with sqlite3.connect(setup.ledger) as conn:
        pnr_of = dict(conn.execute("SELECT id, pnr FROM items"))
    arende_of = {s["pnr"]: s["arende_id"] for s in qa.sent() if s["subject"] == SUBJECT}
    for entry in listed:
        pnr = pnr_of[entry["row"]]
        decision = ("--sent", arende_of[pnr]) if pnr in arende_of else ("--not-sent",)
        done = setup.utskick("settle", "--row", str(entry["row"]), *decision, "--by", "QA", "--yes")
        assert done.returncode == 0, done.stdout + done.stderr
    return len(listed)


def _set_what_the_stop_says(setup: Setup, url: str, mode: str, skin: str, shown: str) -> Setup:
    """The stop names the zone to put in the selectors or the skew to put in the campaign file: set it."""
    zone = re.search(r'zone = "([^"]+)"', shown)
    skew = re.search(r"reconcile_clock_skew_s = (\d+)", shown)
    assert zone or skew, shown
    text = SKIN_OVERRIDES[skin].read_text(encoding="utf-8") if skin in SKIN_OVERRIDES else ""
    if zone:
        table, line = "[unit_cases.values]\n", f'zone = "{zone.group(1)}"\n'
        text = text.replace(table, table + line) if table in text else f"{text}\n{table}{line}"
    override = setup.folder / "site.toml"
    override.write_text(text, encoding="utf-8")
    staff_tool = f'selectors_override = "{override}"\n' + (f"reconcile_clock_skew_s = {skew.group(1)}" if skew else "")
    return write_campaign(setup.folder, url, setup.pnrs, mode=mode, max_retries=3, staff_tool=staff_tool)


@pytest.mark.parametrize(("mock_skin", "mode", "clock"), ROWS, indirect=["mock_skin"])
def test_lost_answers_whatever_the_tools_clock_should_never_send_a_citizen_two_arenden(
    tmp_path, mock_skin, live_mock, qa, mode, clock
):
    # Issue 23 measured: UTC shown, 35 % lost answers, single mode, 12 citizens gave 6 of 12 two or three ärenden.
    pnrs = official_test_numbers(6300, 12)
    qa.reachable(*pnrs)
    qa.faults(drop_after_send_rate=0.35, seed=2301, **CLOCKS[clock])
    setup = write_campaign(tmp_path, live_mock.url, pnrs, mode=mode, max_retries=3, skin=mock_skin)
    codes, settled, clock_stops = [], 0, 0

    for _ in range(MAX_RUNS):
        result = setup.run("--yes")
        shown = result.stdout + result.stderr
        codes.append(result.returncode)
        assert result.returncode in (0, 3, 4), shown
        _never_twice(qa)
        if result.returncode == 0:
            break
        if result.returncode == 3:
            settled += _settle_as_a_person(setup, qa)
            if "staff_tool.reconcile_clock_skew_s" in shown and "Inget mer skickades" in shown:
                clock_stops += 1
                setup = _set_what_the_stop_says(setup, live_mock.url, mode, mock_skin, shown)
    else:
        pytest.fail(f"not finished after {MAX_RUNS} runs: {codes}")

    assert _never_twice(qa) == dict.fromkeys(pnrs, 1), "every citizen has exactly one ärende in the end"
    rows = setup.ledger_rows()
    assert {p: rows[p] for p in pnrs} == {s["pnr"]: ("sent", s["arende_id"]) for s in qa.sent()}
    # A batch whose one answer is lost has no receipt to measure on; then the person settling is the check.
    assert clock_stops <= 1, "the setting the stop named was enough"
    if clock_stops:
        measured = json.loads(setup.utskick("status", "--json").stdout)["tool_clock"]
        assert measured is not None and measured["within_skew"], measured


def test_follow_up_should_measure_the_clock_and_the_next_run_should_stop_before_sending(tmp_path, live_mock, qa):
    first, later = official_test_numbers(6400, 3), official_test_numbers(6403, 2)
    qa.reachable(*first, *later)
    qa.faults(clock_offset_s=240)
    setup = write_campaign(tmp_path, live_mock.url, first)
    assert setup.run("--yes").returncode == 0

    followed = setup.utskick("follow-up")
    measured = json.loads(setup.utskick("status", "--json").stdout)["tool_clock"]
    status_text = setup.utskick("status").stdout
    setup.delivery.write_text("\n".join(first + later) + "\n")
    stopped = setup.run("--yes")

    assert followed.returncode == 0, followed.stdout + followed.stderr
    assert measured is not None and 230 <= measured["offset_s"] <= 241 and not measured["within_skew"], measured
    assert re.search(r"Personalverktygets klocka visar tiderna [34] min \d+ s senare", status_text), status_text
    shown = stopped.stdout + stopped.stderr
    assert stopped.returncode == 3, shown
    assert "staff_tool.reconcile_clock_skew_s = 300" in shown and "Inget mer skickades" in shown
    assert Counter(s["pnr"] for s in qa.sent()) == dict.fromkeys(first, 1), "nothing sent after the stop"
