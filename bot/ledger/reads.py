"""Read side of the ledger: counts, streams of items and events, campaigns, rejected rows."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator

from bot.ledger.model import (
    ITEM_COLUMNS,
    PENDING,
    STATES,
    Campaign,
    Event,
    Item,
    LedgerError,
    RejectedRow,
)

PAGE = 1000


_CAMPAIGN_COLUMNS = "key, name, facts_json, created_at, continues_key, new_message_for_all"


def _campaign(row: tuple) -> Campaign:
    return Campaign(row[0], row[1], json.loads(row[2]), row[3], row[4], bool(row[5]))


class LedgerReads:
    """Queries that never change the ledger; every stream pages by id, so memory stays flat."""

    def connection(self) -> sqlite3.Connection:  # pragma: no cover - provided by Ledger
        raise NotImplementedError

    def _pages(self, sql: str, params: tuple, page: int) -> Iterator[list[tuple]]:
        """Keyset pagination: `sql` selects `id` first and ends with `id > ? ORDER BY id LIMIT ?`.

        Each page is its own short read, so no snapshot is held open between pages.
        """
        if page < 1:
            raise ValueError("page size must be at least 1")
        last = 0
        while rows := self.connection().execute(sql, (*params, last, page)).fetchall():
            yield rows
            last = rows[-1][0]

    def counts(self, campaign_key: str) -> dict[str, int]:
        """Number of items per state (every state present, zero if none)."""
        found = dict(
            self.connection().execute(
                "SELECT state, count(*) FROM items WHERE campaign_key = ? GROUP BY state", (campaign_key,)
            )
        )
        return {state: found.get(state, 0) for state in STATES}

    def item(self, item_id: int) -> Item:
        """One item by id."""
        row = self.connection().execute(f"SELECT {ITEM_COLUMNS} FROM items WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            raise LedgerError(f"Raden {item_id} finns inte i liggaren.")
        return Item(*row)

    def items(self, campaign_key: str, states: Iterable[str] | None = None) -> Iterator[Item]:
        """Stream a campaign's items in id order, optionally only some states."""
        wanted = tuple(states) if states is not None else STATES
        unknown = set(wanted) - set(STATES)
        if unknown:
            raise ValueError(f"unknown states: {sorted(unknown)}")
        marks = ", ".join("?" * len(wanted))
        sql = (
            f"SELECT {ITEM_COLUMNS} FROM items WHERE campaign_key = ? AND state IN ({marks})"
            " AND id > ? ORDER BY id LIMIT ?"
        )
        for rows in self._pages(sql, (campaign_key, *wanted), PAGE):
            yield from (Item(*row) for row in rows)

    def iter_pending(self, campaign_key: str, batch_size: int = 250) -> Iterator[list[Item]]:
        """Stream pending items in id order, `batch_size` at a time; only one batch is ever held."""
        sql = (
            f"SELECT {ITEM_COLUMNS} FROM items WHERE campaign_key = ? AND state = '{PENDING}'"
            " AND id > ? ORDER BY id LIMIT ?"
        )
        for rows in self._pages(sql, (campaign_key,), batch_size):
            yield [Item(*row) for row in rows]

    def pending_ids(self, campaign_key: str, limit: int | None = None) -> list[int]:
        """Ids of pending items in id order, at most `limit`."""
        sql = "SELECT id FROM items WHERE campaign_key = ? AND state = 'pending' ORDER BY id"
        if limit is None:
            return [i for (i,) in self.connection().execute(sql, (campaign_key,))]
        return [i for (i,) in self.connection().execute(f"{sql} LIMIT ?", (campaign_key, limit))]

    def rejected_rows(self, campaign_key: str) -> Iterator[RejectedRow]:
        """The campaign's refused intake rows (file, line, masked value, reason), in intake order."""
        sql = (
            "SELECT id, campaign_key, fingerprint, source_file, source_line, masked_value, reason_code, reason"
            " FROM rejected WHERE campaign_key = ? AND id > ? ORDER BY id LIMIT ?"
        )
        for rows in self._pages(sql, (campaign_key,), PAGE):
            yield from (RejectedRow(*row) for row in rows)

    def events(self, campaign_key: str, item_id: int | None = None) -> Iterator[Event]:
        """The campaign's audit events in order, optionally for one item."""
        cols = "id, at, campaign_key, item_id, actor, run_id, event, from_state, to_state, detail"
        if item_id is None:
            sql = f"SELECT {cols} FROM events WHERE campaign_key = ? AND id > ? ORDER BY id LIMIT ?"
            params: tuple = (campaign_key,)
        else:
            sql = f"SELECT {cols} FROM events WHERE campaign_key = ? AND item_id = ? AND id > ? ORDER BY id LIMIT ?"
            params = (campaign_key, item_id)
        for rows in self._pages(sql, params, PAGE):
            yield from (Event(*row) for row in rows)

    def deliveries(self, campaign_key: str) -> list[dict]:
        """The campaign's deliveries with their counts, oldest first."""
        cur = self.connection().execute(
            "SELECT fingerprint, source, added_at, accepted, new, already_known, invalid, duplicates"
            " FROM deliveries WHERE campaign_key = ? ORDER BY id",
            (campaign_key,),
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]

    def campaign(self, key: str) -> Campaign | None:
        """The campaign with exactly this key, if any."""
        row = self.connection().execute(f"SELECT {_CAMPAIGN_COLUMNS} FROM campaigns WHERE key = ?", (key,)).fetchone()
        return _campaign(row) if row else None

    def find_campaigns(self, name_or_key: str) -> list[Campaign]:
        """Campaigns whose name is exactly `name_or_key` or whose key starts with it, newest first."""
        rows = self.connection().execute(
            f"SELECT {_CAMPAIGN_COLUMNS} FROM campaigns"
            " WHERE name = ? OR (? > 0 AND substr(key, 1, ?) = ?)"
            " ORDER BY created_at DESC, rowid DESC",
            (name_or_key, len(name_or_key), len(name_or_key), name_or_key.lower()),
        )
        return [_campaign(row) for row in rows]

    def all_campaigns(self) -> list[Campaign]:
        """Every campaign in the ledger, oldest first (a ledger holds few; their items are read apart)."""
        rows = self.connection().execute(f"SELECT {_CAMPAIGN_COLUMNS} FROM campaigns ORDER BY created_at, rowid")
        return [_campaign(row) for row in rows]

    def find_campaign(self, name_or_key: str) -> Campaign | None:
        """The newest campaign matching `find_campaigns`, if any."""
        found = self.find_campaigns(name_or_key)
        return found[0] if found else None
