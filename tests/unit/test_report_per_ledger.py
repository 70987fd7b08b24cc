"""Issue 23 section 3: two ledgers of one campaign (a trial ledger and the real one, or single then batch) write
their reports to folders of their own, and each report says which ledger it comes from."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bot.config import load_campaign
from bot.ledger import Ledger
from bot.report import write_reports_for_campaign
from tests.helpers import official_test_numbers, write_campaign


def _ledger_with_the_campaign(campaign, pnrs: list[str]) -> None:
    campaign.ledger.parent.mkdir(parents=True)
    with Ledger.open(campaign.ledger, actor="SE2321000016-A001", run_id="20240501T080000Z-0001") as book:
        book.ensure_campaign(campaign.key(), campaign.name, campaign.facts())
        book.add_delivery(
            campaign.key(),
            "f" * 64,
            "leverans.txt",
            ((p, "leverans.txt", "leverans.txt", i) for i, p in enumerate(pnrs, 1)),
            (),
        )


def _summary(xlsx: Path) -> dict[str, object]:
    frame = pd.read_excel(xlsx, sheet_name="Sammanfattning").dropna(subset=["Uppgift"])
    return dict(zip(frame["Uppgift"].str.strip(), frame["Värde"], strict=True))


def test_reports_of_two_ledgers_of_one_campaign_should_not_overwrite_each_other(tmp_path):
    setup = write_campaign(tmp_path / "kampanj", "http://127.0.0.1:9", official_test_numbers(600, 3))
    campaign = load_campaign(setup.campaign)
    trial = campaign.with_overrides(ledger=tmp_path / "prov" / "ledger.sqlite")
    real = campaign.with_overrides(ledger=tmp_path / "skarp" / "ledger.sqlite")
    _ledger_with_the_campaign(trial, setup.pnrs[:1])
    _ledger_with_the_campaign(real, setup.pnrs)

    from_trial = write_reports_for_campaign(trial)
    from_real = write_reports_for_campaign(real)

    assert from_trial[0].parent != from_real[0].parent
    assert all(p.exists() for p in from_trial + from_real)
    assert _summary(from_trial[0])["Liggare"] == str(trial.ledger.resolve())
    assert _summary(from_real[0])["Liggare"] == str(real.ledger.resolve())
    assert str(real.ledger.resolve()) in from_real[1].read_text(encoding="utf-8")
