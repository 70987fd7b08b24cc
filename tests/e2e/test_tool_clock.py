"""Exactly once whatever the staff tool's clock says (issue 23, section 1): a build whose Skickat column shows
another zone, a clock minutes off, the repeated autumn hour, with lost answers after Skicka. No citizen ever
gets a second ärende; each is sent once or left in doubt for a person (`utskick settle`)."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.e2e.conftest import official_test_numbers, write_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_a_tool_showing_utc_with_lost_answers_should_never_send_a_citizen_two_arenden(tmp_path, live_mock, qa):
    # Reproduces issue 23: UTC shown, 35 % lost answers, single mode, 12 citizens gave 6 of 12 two or three ärenden.
    pnrs = official_test_numbers(6300, 12)
    qa.reachable(*pnrs)
    qa.faults(drop_after_send_rate=0.35, clock_zone="UTC", seed=2301)
    setup = write_campaign(tmp_path, live_mock.url, pnrs, max_retries=3)

    result = setup.run("--yes")

    twice = {p: n for p, n in Counter(s["pnr"] for s in qa.sent()).items() if n > 1}
    assert not twice, f"{len(twice)} citizens got more than one ärende (exit {result.returncode})"
