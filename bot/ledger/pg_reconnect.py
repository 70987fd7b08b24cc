"""Riding out a PostgreSQL restart: the one reconnect policy of the PostgreSQL ledger.

A statement the connection broke under (`pg_ctl restart`, `pg_terminate_backend`, a failover, a network blip)
raises `ConnectionLost`; the connection drops its broken socket and opens a new one at its next statement. What is
safe to repeat (reads, heartbeats, claims, pace slots: statements outside a write transaction) is repeated under
`Reconnect`, with backoff, for as long as the runner's lease lasts; a write transaction is retried whole only when
it broke before its COMMIT was sent, and re-checked when the COMMIT's answer was lost (`bot.ledger.postgres`).
Past the lease, the ledger "does not answer": `LedgerUnreachable`, exit 4, run again when the database is back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import structlog
from tenacity import RetryCallState, Retrying, retry_if_exception_type, wait_exponential

from bot.errors import EXIT_INPUT, EXIT_INTERRUPTED
from bot.ledger.model import LedgerError

log = structlog.get_logger("utskick.ledger.reconnect")
T = TypeVar("T")
DEFAULT_PATIENCE_S = 60.0  # the default lease: how long a runner may be away from the ledger
_BACKOFF = wait_exponential(multiplier=0.05, min=0.05, max=2.0)


class LedgerUnreachable(LedgerError):
    """The ledger database cannot be reached: no driver or no password (exit 2), or the server is away (exit 4)."""

    exit_code = EXIT_INPUT


class ConnectionLost(LedgerUnreachable):
    """The connection to the ledger broke under a statement; `at_commit`: the COMMIT was sent, its answer lost."""

    exit_code = EXIT_INTERRUPTED

    def __init__(self, message: str, *, at_commit: bool = False) -> None:
        super().__init__(message)
        self.at_commit = at_commit


def is_broken(error: BaseException, raw: Any) -> bool:
    """True when `error` means the connection itself is gone (not a statement's own failure)."""
    import psycopg

    if not isinstance(error, psycopg.OperationalError):
        return False
    return raw is None or bool(raw.closed) or bool(getattr(raw, "broken", False))


@dataclass
class Reconnect:
    """Repeat what is safe to repeat while the ledger is away, for up to `patience_s` (the lease), with backoff."""

    patience_s: float = DEFAULT_PATIENCE_S
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    where: str = "liggaren"
    outages: int = field(default=0, init=False)

    def call(self, attempt: Callable[[], T]) -> T:
        """Run `attempt`, again after a `ConnectionLost` until the patience is spent; then `LedgerUnreachable`."""
        started = self.clock()

        def spent(state: RetryCallState) -> bool:
            return self.clock() - started >= self.patience_s

        def note(state: RetryCallState) -> None:
            if state.attempt_number == 1:
                self.outages += 1
            error = state.outcome.exception() if state.outcome else None
            log.warning(
                "ledger_connection_lost",
                attempt=state.attempt_number,
                error=type(error).__name__,
                retry_in_s=round(state.upcoming_sleep, 2),
            )

        retrying = Retrying(
            retry=retry_if_exception_type(ConnectionLost),
            wait=_BACKOFF,
            stop=spent,
            sleep=self.sleep,
            before_sleep=note,
            reraise=True,
        )
        try:
            result = retrying(attempt)
        except ConnectionLost as e:
            log.error("ledger_unreachable", waited_s=round(self.clock() - started, 1))
            gone = LedgerUnreachable(
                f"Liggaren ({self.where}) svarar inte: ingen kontakt med databasen på {self.patience_s:g} sekunder. "
                "Inget mer skickas från den här körningen; kör samma kommando igen när databasen är uppe."
            )
            gone.exit_code = EXIT_INTERRUPTED
            raise gone from e
        if retrying.statistics.get("attempt_number", 1) > 1:
            log.info("ledger_reconnected", attempts=retrying.statistics["attempt_number"])
        return result
