"""When the next message may go: a shared pace (messages per minute) and the campaign's send window.

Both wait on the run's stop event with a timeout, so a SIGTERM ends a wait at once and tests inject a clock
instead of waiting for real.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.config import WEEKDAYS, WEEKDAYS_SV, SendWindow

Clock = Callable[[], datetime]


class Pacer:
    """Spaces sends at least 60/messages_per_minute seconds apart, across all workers."""

    def __init__(self, messages_per_minute: float, stop: threading.Event, monotonic: Callable[[], float]) -> None:
        self.interval = 60.0 / messages_per_minute if messages_per_minute > 0 else 0.0
        self._stop = stop
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._next_at = 0.0

    def wait_turn(self, messages: int = 1) -> bool:
        """Block until this worker may send `messages` messages; False when the run is stopping."""
        if self.interval <= 0:
            return not self._stop.is_set()
        with self._lock:
            now = self._monotonic()
            start = max(now, self._next_at)
            self._next_at = start + self.interval * messages
        delay = start - now
        if delay > 0:
            return not self._stop.wait(delay)
        return not self._stop.is_set()


class SharedPacer:
    """The same pace shared by several runners: each send's slot is reserved in the ledger's database."""

    def __init__(self, messages_per_minute: float, stop: threading.Event, reserve: Callable[[float], float]) -> None:
        self.interval = 60.0 / messages_per_minute if messages_per_minute > 0 else 0.0
        self._stop = stop
        self._reserve = reserve  # seconds after the previous slot -> seconds to wait for this one

    def wait_turn(self, messages: int = 1) -> bool:
        """Block until this runner's slot for `messages` messages; False when the run is stopping."""
        if self.interval <= 0:
            return not self._stop.is_set()
        delay = self._reserve(self.interval * messages)
        if delay > 0:
            return not self._stop.wait(delay)
        return not self._stop.is_set()


def next_opening(window: SendWindow | None, now: datetime) -> datetime | None:
    """None when `now` is inside the window (or there is none), else when it next opens."""
    if window is None:
        return None
    for offset in range(8):
        day = (now + timedelta(days=offset)).date()
        if WEEKDAYS[day.weekday()] not in window.days:
            continue
        opens = datetime.combine(day, window.start, tzinfo=now.tzinfo)
        closes = datetime.combine(day, window.end, tzinfo=now.tzinfo)
        if offset == 0 and opens <= now < closes:
            return None
        if opens > now:
            return opens
    return now + timedelta(days=7)


def seconds_until_open(window: SendWindow | None, now: datetime) -> float:
    """0 when `now` is inside the window, else the seconds until it next opens."""
    opens = next_opening(window, now)
    return 0.0 if opens is None else (opens - now).total_seconds()


def describe_window(window: SendWindow) -> str:
    """The window in Swedish, e.g. 'mån, tis, ons, tor, fre 08:00–18:00'."""
    names = dict(zip(WEEKDAYS, WEEKDAYS_SV, strict=True))
    days = ", ".join(names[d] for d in window.days)
    return f"{days} {window.start:%H:%M}–{window.end:%H:%M}"


def waiting_line(opens: datetime) -> str:
    """The Swedish line shown while a run waits, e.g. 'Väntar på sändningsfönstret – öppnar mån 08:00'."""
    return f"Väntar på sändningsfönstret – öppnar {WEEKDAYS_SV[opens.weekday()]} {opens:%H:%M}"
