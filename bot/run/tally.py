"""A run's counts and its circuit breaker, shared by all workers (each update under a lock)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.errors import CircuitOpen, StaffToolServerError, StaffToolTimeout


@dataclass
class Tally:
    """Run-wide counts, updated by all workers; `on_progress` drives the progress bar."""

    on_progress: Callable[[int], None] = lambda n: None
    sent: int = 0
    not_reachable: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    in_doubt: int = 0
    would_send: int = 0
    reconciled_sent: int = 0
    preview_text: str = ""
    unanswered: int = 0  # sends given up because Personalverktyget did not answer (timeouts, 5xx, refused)
    last_system_error: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def note_system_error(self, error: BaseException) -> None:
        """Remember a send given up for a system error, and whether the staff tool simply did not answer."""
        with self._lock:
            self.last_system_error = str(error)
            if isinstance(error, StaffToolTimeout | StaffToolServerError):
                self.unanswered += 1

    def add(self, *, sent: int = 0, failed: int = 0, in_doubt: int = 0, would_send: int = 0, reason: str = "") -> None:
        """Count outcomes and advance the progress bar by the citizens that got a final answer."""
        with self._lock:
            self.sent += sent
            self.failed += failed
            self.in_doubt += in_doubt
            self.would_send += would_send
            if reason:
                self.not_reachable[reason] = self.not_reachable.get(reason, 0) + 1
        done = sent + failed + would_send + (1 if reason else 0)
        if done:
            self.on_progress(done)


class CircuitBreaker:
    """Stops the run after `limit` consecutive sends that ended in system errors.

    A send counts once, after its retries: the failed requests inside it (a Lägg till answered with 500, a
    reloaded page) are handled in the send and never reach the breaker, so a flaky minute does not stop a run
    that is making progress."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._consecutive = 0
        self._lock = threading.Lock()

    def record(self, ok: bool, error: BaseException | None = None) -> None:
        """Count one send's result; raise CircuitOpen (naming the last error) when the limit is reached."""
        with self._lock:
            self._consecutive = 0 if ok else self._consecutive + 1
            if self._consecutive >= self.limit:
                last = f" Senaste felet: {error}" if error is not None else ""
                raise CircuitOpen(
                    f"Körningen stoppades efter {self.limit} sändningar i rad med systemfel i Personalverktyget.{last}"
                )
