"""The settle use case: a person settles in-doubt citizens that reconciliation could not settle (exit 3), each
decision an audit event carrying the person's name, under the campaign's run lock so no run sends meanwhile."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Campaign
from bot.errors import ConfigError
from bot.ledger import IN_DOUBT, Item, Ledger, LedgerError


def in_doubt_rows(campaign: Campaign, actor: str) -> list[Item]:
    """The campaign's in-doubt rows."""
    with _open_ledger(campaign, actor) as book:
        return list(book.items(campaign.key(), [IN_DOUBT]))


def settle_row(
    campaign: Campaign, row: int, arende_id: str | None, *, actor: str, confirm: Callable[[Item], bool]
) -> Item:
    """Record the person's decision for in-doubt `row` (sent with `arende_id`, or not sent) once `confirm` agrees."""
    key = campaign.key()
    with _open_ledger(campaign, actor) as book, book.acquire_run_lock(key, owner=actor):
        item = _in_doubt_item(book, key, row)
        if not confirm(item):
            raise ConfigError("Avbrutet – inget ändrades i liggaren.")
        if arende_id:
            book.resolve_in_doubt_as_sent(row, arende_id, item.claimed_at or item.updated_at)
        else:
            book.mark_pending_again(row, f"avgjort för hand av {actor}: inget ärende i Alla ärenden")
        return book.item(row)


def _open_ledger(campaign: Campaign, actor: str) -> Ledger:
    if not campaign.ledger.exists():
        raise ConfigError(f"Kampanjen '{campaign.name}' har ingen liggare på {campaign.ledger}: inget att avgöra.")
    return Ledger.open(campaign.ledger, actor=actor, run_id="settle")


def _in_doubt_item(book: Ledger, key: str, row: int) -> Item:
    try:
        item = book.item(row)
    except LedgerError:
        item = None
    if item is None or item.campaign_key != key or item.state != IN_DOUBT:
        raise ConfigError(
            f"Rad {row} är inte en osäker invånare i kampanjen (se `utskick settle` utan --row för de osäkra raderna)."
        )
    return item
