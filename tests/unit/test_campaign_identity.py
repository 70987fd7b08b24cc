"""A campaign is known by name as well as by key: a changed message under the same name is refused until the
campaign file says `continues` or `new_message_for_all` (a real SQLite ledger, real campaign files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_campaign
from bot.errors import CampaignConflict
from bot.ledger import Ledger
from bot.ledger.identity import check_identity, identify

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "fixtures" / "demo" / "campaign.toml"
NUMBERS = [n for n in (ROOT / "mock_personalverktyg/seed/testpersonnummer.txt").read_text().split()][4000:4005]


def _campaign(tmp_path: Path, extra_text: str, campaign_lines: str = ""):
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "information.pdf").write_bytes(DEMO.with_name("information.pdf").read_bytes())
    text = DEMO.read_text(encoding="utf-8").replace('extra_text = ""', f'extra_text = "{extra_text}"')
    text = text.replace(
        "contact_unreachable_otherwise = true", f"contact_unreachable_otherwise = true\n{campaign_lines}"
    )
    path = tmp_path / "kampanj.toml"
    path.write_text(text, encoding="utf-8")
    campaign = load_campaign(path)
    return campaign, campaign.key()


@pytest.fixture
def ledger(tmp_path):
    """A ledger where the campaign with extra text "Test." sent to 2 citizens, 1 is in doubt, 2 wait."""
    campaign, key = _campaign(tmp_path, "Test.")
    with Ledger.open(tmp_path / "ledger.sqlite", actor="test", run_id="identity") as book:
        book.ensure_campaign(key, campaign.name, campaign.facts())
        book.add_delivery(key, "fp", "leverans.txt", [(n, "l", "l", i) for i, n in enumerate(NUMBERS, start=1)])
        ids = book.pending_ids(key)
        book.mark_sending(ids[:3])
        book.mark_many_sent([(ids[0], "A-1"), (ids[1], "A-2")])
        book.mark_in_doubt(ids[2])
        yield book, key


def test_changed_message_under_the_same_name_should_be_refused_naming_the_earlier_campaign(tmp_path, ledger):
    book, earlier = ledger
    campaign, key = _campaign(tmp_path, "Test!")

    with pytest.raises(CampaignConflict) as error:
        check_identity(book, campaign, key)

    message = str(error.value)
    assert earlier[:12] in message and key[:12] in message
    assert "skickade 2" in message and "osäkra" in message
    assert 'extra text: "Test." → "Test!"' in message
    assert f'continues = "{earlier[:12]}"' in message and "new_message_for_all = true" in message
    assert "de 3 som redan fått den" in message
    assert error.value.exit_code == 2


def test_continuing_campaign_should_leave_out_everyone_the_earlier_one_may_have_reached(tmp_path, ledger):
    book, earlier = ledger
    campaign, key = _campaign(tmp_path, "Test!", f'continues = "{earlier[:12]}"')

    identity = check_identity(book, campaign, key)

    assert identity.continues.key == earlier
    assert identity.already_received(book) == set(NUMBERS[:3]), "sent and in doubt, never the waiting ones"


def test_continues_should_also_take_the_earlier_campaigns_name(tmp_path, ledger):
    book, earlier = ledger
    campaign, key = _campaign(tmp_path, "Test!", 'continues = "Demo: provsvar november"')
    assert check_identity(book, campaign, key).continues.key == earlier


def test_new_message_for_all_should_run_and_leave_nobody_out(tmp_path, ledger):
    book, _ = ledger
    campaign, key = _campaign(tmp_path, "Test!", "new_message_for_all = true")
    identity = check_identity(book, campaign, key)
    assert identity.already_received(book) == set()
    assert any("nytt meddelande till alla" in line for line in identity.describe())


def test_earlier_campaign_should_be_refused_once_another_continues_it(tmp_path, ledger):
    book, earlier = ledger
    continuing, key = _campaign(tmp_path / "ny", "Test!", f'continues = "{earlier[:12]}"')
    book.ensure_campaign(key, continuing.name, continuing.facts(), continues_key=earlier)
    old, old_key = _campaign(tmp_path, "Test.", "new_message_for_all = true")

    with pytest.raises(CampaignConflict, match=f"fortsätts av kampanjen {key[:12]}"):
        check_identity(book, old, old_key)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('continues = "ffffffffffff"', "ingen kampanj med den nyckeln eller det namnet"),
        ('continues = "Någon annan kampanj"', "ingen kampanj med den nyckeln eller det namnet"),
    ],
)
def test_continues_naming_no_campaign_should_be_refused(tmp_path, ledger, line, expected):
    book, _ = ledger
    campaign, key = _campaign(tmp_path, "Test!", line)
    with pytest.raises(CampaignConflict, match=expected):
        check_identity(book, campaign, key)


def test_campaign_recorded_without_continues_should_not_become_a_continuation_afterwards(tmp_path, ledger):
    book, earlier = ledger
    campaign, key = _campaign(tmp_path, "Test!", "new_message_for_all = true")
    book.ensure_campaign(key, campaign.name, campaign.facts(), new_message_for_all=True)
    again, _ = _campaign(tmp_path, "Test!", f'continues = "{earlier[:12]}"')

    with pytest.raises(CampaignConflict, match="kan inte i efterhand bli en fortsättning"):
        check_identity(book, again, key)


def test_same_message_again_should_have_no_problem(tmp_path, ledger):
    book, earlier = ledger
    campaign, key = _campaign(tmp_path, "Test.")
    identity = identify(book, campaign, key)
    assert key == earlier and identity.problem is None and identity.earlier == []
