"""Pace and send window, with an injected clock: no test waits for real."""

from __future__ import annotations

import threading
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.config import SendWindow
from bot.run.pacing import Pacer, describe_window, seconds_until_open

STHLM = ZoneInfo("Europe/Stockholm")
WEEKDAYS = SendWindow(("mon", "tue", "wed", "thu", "fri"), time(8, 0), time(18, 0))


@pytest.mark.parametrize(
    ("now", "expected_seconds"),
    [
        (datetime(2026, 11, 23, 9, 0, tzinfo=STHLM), 0),  # Monday morning: open
        (datetime(2026, 11, 23, 7, 30, tzinfo=STHLM), 30 * 60),  # before opening
        (datetime(2026, 11, 23, 18, 0, tzinfo=STHLM), 14 * 3600),  # closed at 18:00, opens 08:00 Tuesday
        (datetime(2026, 11, 21, 12, 0, tzinfo=STHLM), 44 * 3600),  # Saturday noon → Monday 08:00
    ],
)
def test_seconds_until_open_should_follow_days_and_hours(now, expected_seconds):
    assert seconds_until_open(WEEKDAYS, now) == expected_seconds


def test_no_window_should_always_be_open():
    assert seconds_until_open(None, datetime(2026, 11, 22, 3, 0, tzinfo=STHLM)) == 0


def test_describe_window_should_be_swedish():
    assert describe_window(WEEKDAYS) == "mån, tis, ons, tor, fre 08:00–18:00"


class FakeStop(threading.Event):
    """Records the waits instead of waiting."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        return self.is_set()


def test_pacer_should_space_sends_by_the_interval():
    stop = FakeStop()
    pacer = Pacer(messages_per_minute=30, stop=stop, monotonic=lambda: 100.0)
    assert pacer.wait_turn() and pacer.wait_turn() and pacer.wait_turn()
    assert stop.waits == [2.0, 4.0]


def test_pacer_should_charge_a_batch_for_every_message_in_it():
    stop = FakeStop()
    pacer = Pacer(messages_per_minute=60, stop=stop, monotonic=lambda: 0.0)
    pacer.wait_turn(10)
    pacer.wait_turn(1)
    assert stop.waits == [10.0]


def test_pacer_should_give_up_when_the_run_stops():
    stop = FakeStop()
    stop.set()
    pacer = Pacer(messages_per_minute=60, stop=stop, monotonic=lambda: 0.0)
    assert pacer.wait_turn() is False
    assert Pacer(0, stop, lambda: 0.0).wait_turn() is False
