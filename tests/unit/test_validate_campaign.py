"""`utskick validate DELIVERY --campaign FILE`: what the next run of that campaign would do with the delivery,
read from the campaign's real SQLite ledger, without creating one or sending anything."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from bot.commands.validate import validate
from bot.config import load_campaign
from bot.ledger import Ledger

ROOT = Path(__file__).resolve().parents[2]
TEST_LIST = ROOT / "mock_personalverktyg" / "seed" / "testpersonnummer.txt"


def _numbers(count: int) -> list[str]:
    return [n for n in TEST_LIST.read_text(encoding="ascii").split() if n.startswith("19")][300 : 300 + count]


def _campaign(tmp_path: Path) -> Path:
    """The demo campaign copied next to a private ledger path, with the delivery password under its own name."""
    for name in ("campaign.toml", "information.pdf"):
        shutil.copy(ROOT / "fixtures" / "demo" / name, tmp_path / name)
    text = (tmp_path / "campaign.toml").read_text(encoding="utf-8")
    text = text.replace('password_env = "UTSKICK_7Z_PASSWORD"', 'password_env = "REGIONENS_7Z"')
    assert "REGIONENS_7Z" in text and "../../" not in text
    (tmp_path / "campaign.toml").write_text(text, encoding="utf-8")
    return tmp_path / "campaign.toml"


def _invoke(*args: str):
    return CliRunner().invoke(validate, list(args), env={"UTSKICK_7Z_PASSWORD": None})


def test_validate_with_campaign_should_split_new_and_known_citizens_by_ledger_state(tmp_path: Path):
    campaign_file = _campaign(tmp_path)
    campaign = load_campaign(campaign_file)
    pnrs = _numbers(5)
    delivery = tmp_path / "leverans.txt"
    delivery.write_text("\n".join(pnrs) + "\n", encoding="ascii")
    campaign.ledger.parent.mkdir(parents=True, exist_ok=True)
    key = campaign.key()
    with Ledger.open(campaign.ledger, actor="test", run_id="test") as ledger:
        ledger.ensure_campaign(key, campaign.name, campaign.facts())
        ledger.add_delivery(
            key, "f1", "tidigare.txt", ((p, "tidigare.txt", "tidigare.txt", i) for i, p in enumerate(pnrs[:3], 1)), ()
        )
        first, second, _third = (item.id for item in ledger.items(key))
        ledger.mark_sending([first])
        ledger.mark_sent(first, "A-1")
        ledger.mark_not_reachable(second, "login_locked", "spärrad")

    result = _invoke(str(delivery), "--campaign", str(campaign_file), "--json")

    assert result.exit_code == 0, result.output
    against = json.loads(result.output)["campaign"]
    assert against["new"] == 2
    assert against["already_in_campaign"] == 3
    assert against["by_state"] == {"sent": 1, "not_reachable": 1, "pending": 1}
    assert against["to_send_next_run"] == 3, "the two new ones and the one still waiting"

    text = _invoke(str(delivery), "--campaign", str(campaign_file))
    assert "Nya för kampanjen: 2" in text.output
    assert "Skickas vid nästa körning: 3" in text.output
    assert "skickade 1" in text.output


def test_validate_with_campaign_should_not_create_a_ledger(tmp_path: Path):
    campaign_file = _campaign(tmp_path)
    delivery = tmp_path / "leverans.txt"
    delivery.write_text("\n".join(_numbers(2)) + "\n", encoding="ascii")

    result = _invoke(str(delivery), "--campaign", str(campaign_file), "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["campaign"]["new"] == 2
    assert not load_campaign(campaign_file).ledger.exists()


def test_validate_with_campaign_should_take_the_password_variable_from_the_campaign(tmp_path: Path):
    campaign_file = _campaign(tmp_path)
    archive = ROOT / "fixtures" / "demo" / "delivery.7z"

    missing = _invoke(str(archive), "--campaign", str(campaign_file))
    named = CliRunner().invoke(
        validate, [str(archive), "--campaign", str(campaign_file)], env={"REGIONENS_7Z": "demo-losenord"}
    )

    assert missing.exit_code == 2
    assert "REGIONENS_7Z" in missing.output
    assert named.exit_code == 0, named.output
    assert "Nya för kampanjen" in named.output
