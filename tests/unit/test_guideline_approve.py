"""`utskick approve` shows the guideline checklist before the approval and records it (issue 26)."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from bot.app.approve import approvals
from bot.commands.approve import approve
from bot.config import load_campaign

ROOT = Path(__file__).resolve().parents[2]
TEST_LIST = ROOT / "mock_personalverktyg" / "seed" / "testpersonnummer.txt"


def test_approve_should_show_and_record_the_guideline_checklist(tmp_path: Path):
    for name in ("campaign.toml", "information.pdf"):
        shutil.copy(ROOT / "fixtures" / "demo" / name, tmp_path / name)
    numbers = [n for n in TEST_LIST.read_text(encoding="ascii").split() if n.startswith("19")][320:322]
    (tmp_path / "leverans.txt").write_text("\n".join(numbers) + "\n", encoding="ascii")
    args = [str(tmp_path / "campaign.toml"), "--delivery", str(tmp_path / "leverans.txt")]
    args += ["--approver-name", "Bengt Granskare", "--approver-hsa-id", "SE2321000016-A002", "--yes"]

    result = CliRunner().invoke(approve, args)

    assert result.exit_code == 0, result.output
    assert "Riktlinje för omvänt ärendeflöde (varningar)" in result.output
    assert "[x] Bilaga information.pdf" in result.output
    recorded = approvals(load_campaign(tmp_path / "campaign.toml"))[0].facts["guideline"]
    assert {p["key"]: p["status"] for p in recorded["points"]}["attachment:information.pdf"] == "met"
