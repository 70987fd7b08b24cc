"""Campaigns and deliveries: how citizens enter the ledger."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.ledger.base import CHUNK, LedgerBase, chunked, detail_json, scrub
from bot.ledger.model import (
    AddResult,
    Citizen,
    LedgerError,
    Rejection,
    canonical_json,
    is_pnr12,
    mask_pnr,
)


class DeliveryWrites(LedgerBase):
    """Registers campaigns and adds deliveries' citizens as pending items."""

    def ensure_campaign(
        self,
        key: str,
        name: str,
        facts: dict[str, Any],
        *,
        continues_key: str | None = None,
        new_message_for_all: bool = False,
    ) -> None:
        """Record the campaign once, with what it declares about an earlier campaign of the same name;
        an existing key keeps its original name, facts and declaration."""
        with self._write() as conn:
            now = self._now(conn)
            cur = conn.execute(
                "INSERT INTO campaigns (key, name, facts_json, created_at, continues_key, new_message_for_all)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
                (key, name, canonical_json(facts), now, continues_key, int(new_message_for_all)),
            )
            if cur.rowcount:
                detail = detail_json(
                    name=name, continues=continues_key, new_message_for_all=new_message_for_all or None
                )
                self._event(conn, now, key, None, "campaign_created", detail=detail)

    def add_delivery(
        self,
        campaign_key: str,
        fingerprint: str,
        source: str,
        citizens: Iterable[Citizen | tuple[str, str | None, str | None, int | None]],
        rejected: Iterable[Rejection | tuple[str | None, int | None, str, str, str]] = (),
        *,
        duplicates: int = 0,
    ) -> AddResult:
        """Add a delivery's citizens as `pending` in one transaction; citizens already in the campaign
        (in any state) are left untouched, and a delivery seen before records nothing new."""
        with self._write() as conn:
            now = self._now(conn)
            if conn.execute("SELECT 1 FROM campaigns WHERE key = ?", (campaign_key,)).fetchone() is None:
                raise LedgerError(f"Okänd kampanj {campaign_key[:12]}: registrera den först.")
            known = (
                conn.execute(
                    "SELECT 1 FROM deliveries WHERE campaign_key = ? AND fingerprint = ?",
                    (campaign_key, fingerprint),
                ).fetchone()
                is not None
            )
            if not known:
                conn.execute(
                    "INSERT INTO deliveries (campaign_key, fingerprint, source, added_at, accepted, new,"
                    " already_known, invalid, duplicates) VALUES (?, ?, ?, ?, 0, 0, 0, 0, 0)",
                    (campaign_key, fingerprint, source, now),
                )
            before = conn.execute("SELECT coalesce(max(id), 0) FROM items").fetchone()[0]
            accepted = 0
            for chunk in chunked(citizens, CHUNK):
                rows = []
                for raw in chunk:
                    citizen = Citizen(*raw)
                    if not is_pnr12(citizen.pnr):
                        raise LedgerError(
                            f"Personnumret {mask_pnr(str(citizen.pnr))} ({citizen.source_file},"
                            f" rad {citizen.source_line}) har inte 12 siffror."
                        )
                    rows.append((campaign_key, *citizen, now))
                conn.executemany(
                    "INSERT INTO items (campaign_key, pnr, source_archive, source_file, source_line,"
                    " state, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)"
                    " ON CONFLICT (campaign_key, pnr) DO NOTHING",
                    rows,
                )
                accepted += len(rows)
            new = conn.execute(
                "INSERT INTO events (at, campaign_key, item_id, actor, run_id, event, from_state, to_state,"
                " detail) SELECT ?, campaign_key, id, ?, ?, 'item_added', NULL, 'pending', ?"
                " FROM items WHERE id > ? ORDER BY id",
                (now, self.actor, self.run_id, detail_json(fingerprint=fingerprint), before),
            ).rowcount
            n_rejected = 0
            for chunk in chunked(rejected, CHUNK):
                rows = []
                for raw in chunk:
                    rej = Rejection(*raw)
                    masked = mask_pnr(str(rej.value))
                    where = (rej.source_file, rej.source_line)
                    rows.append((campaign_key, fingerprint, *where, masked, rej.reason_code, scrub(rej.reason)))
                if not known:
                    conn.executemany(
                        "INSERT INTO rejected (campaign_key, fingerprint, source_file, source_line,"
                        " masked_value, reason_code, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        rows,
                    )
                n_rejected += len(rows)
            counts = {
                "accepted": accepted,
                "new": new,
                "already_known": accepted - new,
                "invalid": n_rejected,
                "duplicates": duplicates,
            }
            if not known:
                conn.execute(
                    "UPDATE deliveries SET accepted = :accepted, new = :new, already_known = :already_known,"
                    " invalid = :invalid, duplicates = :duplicates"
                    " WHERE campaign_key = :campaign AND fingerprint = :fingerprint",
                    {**counts, "campaign": campaign_key, "fingerprint": fingerprint},
                )
            event = "delivery_seen_again" if known else "delivery_added"
            detail = detail_json(fingerprint=fingerprint, source=source, **counts)
            self._event(conn, now, campaign_key, None, event, detail=detail)
        return AddResult(new=new, already_known=accepted - new, rejected=n_rejected, delivery_known=known)
