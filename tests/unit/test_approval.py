"""The approver's name and HSA-id are checked before anything is recorded, and the key lives in the campaign file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import load_campaign
from bot.errors import ApprovalMissing, ConfigError, InputError, SenderUnknown
from bot.ledger import Approval
from bot.run.approval import check_approver, check_sender

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "campaign.toml"


@pytest.fixture
def campaign(tmp_path):
    (tmp_path / "information.pdf").write_bytes(DEMO.with_name("information.pdf").read_bytes())
    path = tmp_path / "kampanj.toml"
    path.write_text(DEMO.read_text(encoding="utf-8") + "\n[approval]\nrequired = true\n", encoding="utf-8")
    return load_campaign(path)


def test_campaign_file_should_read_approval_required(campaign):
    assert campaign.approval_required is True


def test_campaign_file_should_refuse_an_unknown_approval_key(tmp_path, campaign):
    campaign.path.write_text(campaign.path.read_text(encoding="utf-8") + "requierd = true\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"okänd nyckel 'approval.requierd' – menade du 'approval.required'"):
        load_campaign(campaign.path)


@pytest.mark.parametrize(
    ("name", "hsa_id", "error"),
    [
        ("", "SE2321000016-A002", "namn"),
        ("Bengt", "A002", "fel form"),
        ("Bengt", "SE232100001-A002", "fel form"),
        ("Bengt\x1b[2J", "SE2321000016-A002", "styrtecken"),
        ("Anna", "se2321000016-a001", "en annan person"),  # the sender of the demo campaign, in lower case
    ],
)
def test_approver_should_be_refused_when(campaign, name, hsa_id, error):
    with pytest.raises(InputError, match=error):
        check_approver(campaign, name, hsa_id)


def test_approver_should_be_normalised(campaign):
    assert check_approver(campaign, "  Bengt   Granskare ", " se2321000016-a002 ") == (
        "Bengt Granskare",
        "SE2321000016-A002",
    )


@pytest.mark.parametrize(
    ("shown", "name", "hsa_id"),
    [
        ("Anna Ärendehanterare", "anna  ärendehanterare", "SE2321000016-A009"),  # same name, someone else's id
        ("Anna Ärendehanterare (SE2321000016-A001)", "Anna Ärendehanterare", "SE2321000016-A009"),
        ("Inloggad: SE2321000016-A007", "Bengt Granskare", "SE2321000016-A007"),  # the header shows the id
    ],
)
def test_approver_should_be_refused_when_the_staff_tool_showed_them_signed_in_as_sender(campaign, shown, name, hsa_id):
    with pytest.raises(InputError, match="var inloggad i Personalverktyget"):
        check_approver(campaign, name, hsa_id, [shown])


def test_approver_other_than_the_signed_in_senders_should_be_accepted(campaign):
    senders = ["Anna-Karin Ärendehanterare", "Anna Ärendehanterare (SE2321000016-A001)"]
    assert check_approver(campaign, "Anna", "SE2321000016-A002", senders) == ("Anna", "SE2321000016-A002")


def _approval(name: str, hsa_id: str) -> Approval:
    return Approval(1, "2026-12-01T08:00:00Z", "k" * 64, "Provsvar", "fp", "leverans.7z", name, hsa_id, "x", {})


def test_run_should_stop_when_the_signed_in_sender_is_the_approver(campaign):
    with pytest.raises(ApprovalMissing, match="inloggad i Personalverktyget och skickar") as caught:
        check_sender(campaign, [_approval("Anna Ärendehanterare", "SE2321000016-A002")], "Anna Ärendehanterare")
    assert caught.value.exit_code == 2


def test_run_should_stop_with_exit_3_when_no_one_is_shown_signed_in(campaign):
    with pytest.raises(SenderUnknown, match="nav.signed_in_user") as caught:
        check_sender(campaign, [_approval("Bengt Granskare", "SE2321000016-A002")], None)
    assert caught.value.exit_code == 3


def test_run_without_required_approval_should_go_on_without_a_signed_in_user(campaign):
    check_sender(replace(campaign, approval_required=False), [], None)
    check_sender(campaign, [_approval("Bengt Granskare", "SE2321000016-A002")], "Anna Ärendehanterare")
