"""Set-ups the PostgreSQL ledger tests share: a seeded campaign, runners holding leases, a lease made to run out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from bot.ledger import Ledger, campaign_key
from bot.ledger.postgres import PostgresLedger
from bot.ledger.target import PostgresTarget
from tests.unit.test_ledger import FACTS, citizens, official_pnrs


def seeded_campaign(target: PostgresTarget, count: int) -> str:
    """The FACTS campaign in the ledger at `target` with a delivery of `count` official test numbers; its key."""
    key = campaign_key(FACTS)
    with Ledger.open(target, actor="setup", run_id="setup") as led:
        led.ensure_campaign(key, "Provsvar", FACTS)
        led.add_delivery(key, "fp-1", "leverans1.7z", citizens(official_pnrs(count)))
    return key


@contextmanager
def leased_runners(target: PostgresTarget, key: str, count: int = 2) -> Iterator[list[PostgresLedger]]:
    """`count` runners with a lease each, as that many machines would hold them."""
    with ExitStack() as stack:
        opened = []
        for n in range(1, count + 1):
            led = Ledger.open(target, actor=f"runner-{n}", run_id=f"run-{n}")
            stack.callback(led.close)
            stack.enter_context(led.acquire_run_lock(key, f"run-{n}", hsa_id=f"SE-{n}", lease_s=30))
            opened.append(led)
        yield opened


def expire(ledger: PostgresLedger) -> None:
    """Make this runner's lease run out now (as if its process had been paused past it)."""
    ledger.connection().raw.execute(
        "UPDATE runners SET lease_until = clock_timestamp() - interval '1 second' WHERE id = %s",
        (ledger.lease.runner_id,),
    )
