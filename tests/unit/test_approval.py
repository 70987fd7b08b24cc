"""The approver's name and HSA-id are checked before anything is recorded, and the key lives in the campaign file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_campaign
from bot.errors import ConfigError, InputError
from bot.run.approval import check_approver

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
