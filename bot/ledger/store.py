"""The ledger on one SQLite file (`SqliteLedger`): its write transaction, its row reads and writes, its run lock."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from bot.ledger.core import Change, LedgerCore, Move, bound, set_clause
from bot.ledger.lock import HeldLock, hold_run_lock
from bot.ledger.model import IN_DOUBT, ITEM_COLUMNS, PENDING, SENDING, TRANSITIONS, Item, LedgerStateError, utc_now
from bot.ledger.schema import connect


class SqliteLedger(LedgerCore):
    """The exactly-once ledger on one SQLite file; hands each thread its own connection."""

    def __init__(self, path: Path, *, actor: str, run_id: str) -> None:
        super().__init__(Path(path), actor=actor, run_id=run_id)

    def _new_connection(self) -> sqlite3.Connection:
        return connect(self.path)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: `BEGIN IMMEDIATE` takes the file's one write lock, so rows read cannot change."""
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _fence(self) -> None:
        """One file has one run (its file lock): nothing to fence."""
        return None

    def _read_rows(
        self, conn: sqlite3.Connection, ids: list[int], fence: object
    ) -> tuple[str, dict[int, tuple[str, str]]]:
        """The transaction's time (this machine's clock) and (state, campaign) of each of `ids` that exists."""
        if fence is not None:
            raise ValueError("a ledger file has no runner leases to fence with")
        if not ids:
            return utc_now(), {}
        marks = ", ".join("?" * len(ids))
        sql = f"SELECT id, state, campaign_key FROM items WHERE id IN ({marks})"
        return utc_now(), {item_id: (state, campaign) for item_id, state, campaign in conn.execute(sql, ids)}

    def _apply_change(self, conn: sqlite3.Connection, now: str, campaign: str, states: Move, change: Change) -> None:
        item_id, columns, detail = change
        cur = conn.execute(
            f"UPDATE items SET state = :to_state, updated_at = :now{set_clause(columns)}"
            " WHERE id = :id AND state = :from_state",
            {**bound(columns), "to_state": states[1], "now": now, "id": item_id, "from_state": states[0]},
        )
        if cur.rowcount != 1:  # pragma: no cover - the write lock makes this impossible
            raise LedgerStateError(f"Raden {item_id} ändrades under övergången.", item_id=item_id)
        self._event(conn, now, campaign, item_id, TRANSITIONS[states], states, detail)  # type: ignore[arg-type]

    def _orphans(self, conn: sqlite3.Connection, campaign_key: str) -> list[int]:
        """Every `sending` row: under the file lock no other run is live."""
        sql = "SELECT id FROM items WHERE campaign_key = ? AND state = ? ORDER BY id"
        return [i for (i,) in conn.execute(sql, (campaign_key, SENDING))]

    # -- the run lock ---------------------------------------------------------------------------

    def acquire_run_lock(
        self, campaign_key: str, owner: str, *, hsa_id: str = "", lease_s: float = 0.0
    ) -> AbstractContextManager[HeldLock]:
        """Hold the campaign's run lock for a `with` block; raises `CampaignLocked` if another run has it.

        `hsa_id` and `lease_s` are for a database ledger's runner lease; a file lock needs neither (the OS drops
        it when its process dies)."""
        return self._run_lock(campaign_key, owner)

    @contextmanager
    def _run_lock(self, campaign_key: str, owner: str) -> Iterator[HeldLock]:
        with hold_run_lock(self.path, campaign_key, owner) as held:
            self._locked.add(campaign_key)
            try:
                yield held
            finally:
                self._locked.discard(campaign_key)

    # -- several runners: on one SQLite file there is one, so these are simple ----------------------------

    def claim(self, campaign_key: str, state: str, limit: int) -> list[Item]:
        """Up to `limit` rows in `state`, oldest first (on SQLite the run lock makes them this run's)."""
        sql = f"SELECT {ITEM_COLUMNS} FROM items WHERE campaign_key = ? AND state = ? ORDER BY id LIMIT ?"
        return [Item(*row) for row in self.connection().execute(sql, (campaign_key, state, limit))]

    def claim_open(self, campaign_key: str, limit: int) -> list[Item]:
        """The next work: up to `limit` in-doubt rows (looked up before anything else), or else pending ones."""
        return self.claim(campaign_key, IN_DOUBT, limit) or self.claim(campaign_key, PENDING, limit)
