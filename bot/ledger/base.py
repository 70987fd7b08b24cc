"""What every ledger backend has: one connection per thread, the audit event insert, and the helpers of its writes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from itertools import islice
from pathlib import Path
from typing import Any, Self, TypeVar

from bot.ledger.model import LedgerError, utc_now
from bot.ledger.reads import LedgerReads
from bot.ledger.target import PostgresTarget
from bot.pnr import scrub as scrub_text

T = TypeVar("T")
CHUNK = 500

_EVENT_SQL = (
    "INSERT INTO events (at, campaign_key, item_id, actor, run_id, event, from_state, to_state, detail)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def chunked(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of up to `size` rows from any iterable, without reading ahead."""
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def scrub(text: str | None) -> str | None:
    """Mask anything shaped like a personnummer in free text (staff-tool messages may quote one)."""
    return None if text is None else scrub_text(text)


def detail_json(**fields: Any) -> str:
    """An event's detail: the given fields (None left out) as JSON."""
    return json.dumps({k: v for k, v in fields.items() if v is not None}, ensure_ascii=False)


class LedgerBase(LedgerReads):
    """One ledger (a file or a database), each thread with its own connection; the backend's write transactions."""

    def __init__(self, path: Path, *, actor: str, run_id: str) -> None:
        self.path = path if isinstance(path, PostgresTarget) else Path(path)
        self.actor = actor
        self.run_id = run_id
        self._local = threading.local()
        self._all: list[Any] = []
        self._guard = threading.Lock()
        self._closed = False
        self._locked: set[str] = set()

    @classmethod
    def open(cls, path: Path, *, actor: str, run_id: str) -> Self:
        """Open (creating if needed) the ledger at `path` for this actor and run."""
        ledger = cls(path, actor=actor, run_id=run_id)
        ledger.connection()
        return ledger

    def connection(self) -> Any:
        """The calling thread's connection, opened on first use."""
        if self._closed:
            raise LedgerError("Liggaren är stängd.")
        conn = getattr(self._local, "conn", None)
        if conn is None:
            with self._guard:
                if self._closed:
                    raise LedgerError("Liggaren är stängd.")
                conn = self._new_connection()
                self._all.append(conn)
            self._local.conn = conn
        return conn

    def _new_connection(self) -> Any:
        """A new connection to this backend (called once per thread, under the guard)."""
        raise NotImplementedError

    def close(self) -> None:
        """Close every thread's connection; the ledger cannot be used afterwards."""
        with self._guard:
            self._closed = True
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self) -> AbstractContextManager[Any]:
        """The backend's write transaction: a `with` block that commits at its end, or rolls back on an error."""
        raise NotImplementedError

    def _now(self, conn: Any) -> str:
        """Inside a write transaction: the time its writes record (ISO 8601 UTC text)."""
        return utc_now()

    def _event(
        self,
        conn: Any,
        at: str,
        campaign: str | None,
        item_id: int | None,
        event: str,
        states: tuple[str | None, str | None] = (None, None),
        detail: str | None = None,
    ) -> None:
        row = (at, campaign, item_id, self.actor, self.run_id, event, *states, detail)
        conn.execute(_EVENT_SQL, row)
