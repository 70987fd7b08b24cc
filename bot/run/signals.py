"""Signal handling of a run: before the answer, Ctrl-C and SIGTERM abort with nothing sent; while sending, they
ask the run to stop after the current citizen. Only the main thread can set handlers (the window's runs are not
in it: Stoppa does the same there)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable


class on_signals:
    """While active, SIGINT and SIGTERM go to `handler` (main thread only; elsewhere signals cannot be set)."""

    def __init__(self, handler: Callable) -> None:
        self.handler = handler
        self.previous: dict[int, object] = {}

    def __enter__(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            self.previous[sig] = signal.signal(sig, self.handler)

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)


def abort_on_signals() -> on_signals:
    """Before anything is sent: SIGINT and SIGTERM raise KeyboardInterrupt (the run ends, nothing sent)."""
    return on_signals(signal.default_int_handler)


def stop_on_signals(on_signal: Callable[[], None]) -> on_signals:
    """While sending: SIGINT and SIGTERM ask the run to stop after the current citizen."""
    return on_signals(lambda *_: on_signal())
