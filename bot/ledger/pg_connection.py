"""One connection to the PostgreSQL ledger and its write transaction (the PostgreSQL backend's transaction helper).

A write transaction (`begin_write` … `commit`) takes a transaction-level advisory lock, so ledger writes are
serialised as on SQLite. Round trips are what a PostgreSQL ledger costs, so it makes two: its BEGIN and write lock
travel with its first statement, and its state changes (`defer`: each row and its audit event in one statement)
with the COMMIT, each time as one message of several statements (bound on the client; psycopg's pipeline mode
costs more CPU than the round trips it saves). COMMIT still returns only once the change is durable.

The ledger's portable statements (reads, deliveries, approvals, run records: written once with `?` and `:name`
parameters) go through `execute`, which gives them psycopg's placeholders; PostgreSQL's own statements (claims,
leases, fences) go through `run`, as written.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from bot.errors import EXIT_INPUT, EXIT_INTERRUPTED
from bot.ledger.model import LedgerError
from bot.ledger.pg_reconnect import ConnectionLost, LedgerUnreachable, Reconnect, is_broken
from bot.ledger.target import PostgresTarget

# The write lock every ledger transaction takes (the ASCII of "utskick!").
WRITE_LOCK = 0x75747363_6B696B21
CONNECT_TIMEOUT_S = 10
# A ledger write (a state change and its audit event) is durable at COMMIT; it opens with its first statement.
# Everything else (claims, heartbeats, pace slots, leases) commits without waiting for the disk: losing one in a
# server crash only frees a claim, shortens a lease or skips a slot, and every state change re-checks claim and
# lease durably.
_BEGIN_WRITE = ("BEGIN", "SET LOCAL synchronous_commit = on", f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
_BEGIN_PREFIX = "; ".join(_BEGIN_WRITE) + "; "
# Outside quoted text: a `?`, a `:name` parameter, or a `%` (which psycopg reads as a placeholder).
_TOKEN = re.compile(r"'(?:[^']|'')*'|(?<!:):([A-Za-z_]\w*)|\?|%")
# The database's clock as the ledger's ISO 8601 UTC text, whatever the session's time zone.
NOW_SQL = """to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


@lru_cache(maxsize=512)
def pg_sql(sql: str) -> str:
    """A portable statement with psycopg's placeholders: `?` → `%s`, `:name` → `%(name)s`."""

    def swap(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith("'"):
            return token.replace("%", "%%")
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        return f"%({match.group(1)})s"

    return _TOKEN.sub(swap, sql)


class PgConnection:
    """One psycopg connection (autocommit; write transactions are explicit: `begin_write`, `commit`, `rollback`).

    A connection that breaks is dropped and opened again (`open_raw`) at its next statement; a statement outside a
    write transaction is repeated under `reconnect`, one inside raises `ConnectionLost` for the transaction's owner.
    """

    def __init__(self, raw: Any, open_raw: Callable[[], Any] | None = None, reconnect: Reconnect | None = None) -> None:
        self._raw: Any = raw
        self._open_raw = open_raw
        self.reconnect = reconnect or Reconnect()
        self.native = _Native(self)
        self.once = _Once(self)
        self._begin_queued = False  # a write transaction is open, its BEGIN not yet sent
        self._deferred: list[tuple[str, Any]] = []  # writes that travel with the COMMIT

    @property
    def raw(self) -> Any:
        """The psycopg connection, opened again if the last one broke."""
        if self._raw is None or self._raw.closed or self._raw.broken:
            if self._open_raw is None:
                raise ConnectionLost("Anslutningen till liggaren är stängd och kan inte öppnas igen.")
            self._drop()
            try:
                self._raw = self._open_raw()
            except LedgerUnreachable as e:
                raise ConnectionLost(f"Liggaren går inte att nå igen: {e}") from e
        return self._raw

    def _drop(self) -> None:
        raw, self._raw = self._raw, None
        if raw is not None:
            with contextlib.suppress(Exception):  # a broken socket may refuse even its close
                raw.close()

    def _send(self, send: Callable[[Any], Any], *, commit: bool = False) -> Any:
        """Send once; a broken connection is dropped and raises `ConnectionLost`."""
        raw = self.raw
        try:
            return send(raw)
        except Exception as e:
            if not is_broken(e, raw):
                raise
            self._begin_queued, self._deferred = False, []
            self._drop()
            raise ConnectionLost(f"Anslutningen till liggaren bröts: {_first_line(e)}", at_commit=commit) from e

    def _call(self, send: Callable[[Any], Any]) -> Any:
        """Send; outside a write transaction again after a reconnect (safe to repeat: no transaction is open)."""
        if self._raw is not None and self._raw_in_transaction():
            return self._send(send)
        return self.reconnect.call(lambda: self._send(send))

    # -- statements ----------------------------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        """Run one portable statement (`?` / `:name` parameters)."""
        return self.run(sql if params is None else pg_sql(sql), params)

    def run(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        """Run one statement written with psycopg's placeholders; a queued BEGIN goes with it in one message."""
        if not self._begin_queued:
            return self._call(lambda raw: raw.execute(query, params))
        return self.run_script(query, params)

    def run_script(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        """Run one or more statements (psycopg placeholders, bound here) in one message, a queued BEGIN first;
        the cursor stands at the first statement's result (`nextset` for the next)."""
        begin, self._begin_queued = self._begin_queued, False

        def send(raw: Any) -> Any:
            cur = _client_cursor(raw)
            cur.execute((_BEGIN_PREFIX if begin else "") + query, params)
            for _ in _BEGIN_WRITE if begin else ():
                cur.nextset()  # to the statement's own result
            return cur

        return self._send(send) if begin else self._call(send)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        """Run one portable statement for each row."""
        if self._begin_queued:
            self.run("SELECT 1")

        def send(raw: Any) -> Any:
            cur = raw.cursor()
            cur.executemany(pg_sql(sql), rows)
            return cur

        return self._send(send)

    # -- the write transaction -----------------------------------------------------------------------------

    def begin_write(self) -> None:
        """Open a write transaction holding the ledger's write lock (sent with its first statement)."""
        if self.in_transaction:
            raise LedgerError("a write transaction is already open on this connection")
        self._begin_queued = True

    def defer(self, sql: str, params: dict[str, Any]) -> None:
        """Inside a write transaction: a portable write that must change exactly one row, sent with the COMMIT."""
        if not self.in_transaction:
            raise LedgerError("a deferred write needs an open write transaction")
        self._deferred.append((pg_sql(sql), params))

    def commit(self) -> None:
        """Send the deferred writes and COMMIT, in one message (`ConnectionLost` with `at_commit` if it broke)."""
        deferred, self._deferred = self._deferred, []
        begin, self._begin_queued = self._begin_queued, False
        if begin and not deferred:
            return  # nothing was sent: nothing to commit
        if not deferred:
            self._send(lambda raw: raw.execute("COMMIT"), commit=True)
            return

        def send(raw: Any) -> list[int]:
            cur = _client_cursor(raw)
            writes = [cur.mogrify(query, params) for query, params in deferred]
            cur.execute((_BEGIN_PREFIX if begin else "") + "; ".join([*writes, "COMMIT"]))
            for _ in _BEGIN_WRITE if begin else ():
                cur.nextset()
            changed = [cur.rowcount]
            for _ in writes[1:]:
                cur.nextset()
                changed.append(cur.rowcount)
            return changed

        changed = self._send(send, commit=True)
        if changed != [1] * len(deferred):  # pragma: no cover - the rows were read and locked before
            raise LedgerError("En ändring i liggaren träffade inte sin rad, fast raden var låst.")

    def rollback(self) -> None:
        """Drop the open write transaction, if any (a broken connection has none left to drop)."""
        self._begin_queued, self._deferred = False, []
        if self._raw is not None and self._raw_in_transaction():
            try:
                self._raw.execute("ROLLBACK")
            except Exception as e:
                if not is_broken(e, self._raw):
                    raise
                self._drop()

    @property
    def in_transaction(self) -> bool:
        """True while a transaction is open."""
        return self._begin_queued or (self._raw is not None and self._raw_in_transaction())

    def _raw_in_transaction(self) -> bool:
        import psycopg

        status = self._raw.info.transaction_status
        return status not in (psycopg.pq.TransactionStatus.IDLE, psycopg.pq.TransactionStatus.UNKNOWN)

    def close(self) -> None:
        """Close the connection."""
        self._drop()


def _client_cursor(raw: Any) -> Any:
    import psycopg

    return psycopg.ClientCursor(raw)


class _Once:
    """The connection for a statement that must not be repeated as it is (a claim): `ConnectionLost` if it broke."""

    def __init__(self, conn: PgConnection) -> None:
        self._conn = conn

    def execute(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        """Run one statement as it is written, once."""
        return self._conn._send(lambda raw: raw.execute(query, params))


class _Native:
    """The connection for SQL written with psycopg's own placeholders (`bot.ledger.leases`), inside a transaction."""

    def __init__(self, conn: PgConnection) -> None:
        self._conn = conn

    def execute(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        """Run one statement as it is written."""
        return self._conn.run(query, params)


__all__ = ["ConnectionLost", "LedgerUnreachable", "PgConnection", "connect", "open_raw", "pg_sql"]


def connect(target: PostgresTarget, password: str | None, reconnect: Reconnect | None = None) -> PgConnection:
    """One connection to the ledger database with `password` (None: a login that needs none); it reopens itself
    after a break, under `reconnect`."""
    return PgConnection(open_raw(target, password), lambda: open_raw(target, password), reconnect)


def open_raw(target: PostgresTarget, password: str | None) -> Any:
    """Open one psycopg connection to the ledger database (`LedgerUnreachable` when it cannot)."""
    try:
        import psycopg
    except ImportError as e:
        raise LedgerUnreachable(
            "Liggaren är en PostgreSQL-databas, men psycopg saknas. Installera den med pip install 'utskick[postgres]'."
        ) from e
    extra = {"password": password} if password else {}
    try:
        raw = psycopg.connect(
            target.url,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name="utskick",
            options="-c synchronous_commit=off",
            **extra,
        )
    except psycopg.OperationalError as e:
        hint = "" if password else f" (miljövariabeln {target.password_env} med lösenordet är inte satt)"
        error = LedgerUnreachable(f"Kan inte ansluta till liggaren {target}{hint}: {_first_line(e)}")
        error.exit_code = EXIT_INTERRUPTED if password else EXIT_INPUT
        raise error from e
    return raw


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
