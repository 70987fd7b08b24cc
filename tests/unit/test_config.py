"""The campaign file: valid files load, every mistake names its key in Swedish."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_campaign
from bot.errors import ConfigError

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "campaign.toml"


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "information.pdf").write_bytes(DEMO.with_name("information.pdf").read_bytes())
    path = tmp_path / "kampanj.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_demo_campaign_should_load_with_paths_relative_to_the_file():
    campaign = load_campaign(DEMO)
    assert campaign.template == "Meddelande om provsvar"
    assert campaign.texts == ("Provsvar klart", "Kontakt")
    assert campaign.attachments[0].is_file()
    assert campaign.ledger.is_absolute()


def test_campaign_key_facts_should_not_depend_on_mode_or_paths():
    campaign = load_campaign(DEMO)
    assert campaign.key_facts() == campaign.with_overrides(mode="single", workers=2).key_facts()
    assert "mode" not in campaign.key_facts()


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (('template = "Meddelande om provsvar"', ""), "message.template"),
        (('mode = "batch"', 'mode = "snabb"'), "sending.mode"),
        (("workers = 1", "workers = 9"), "sending.workers"),
        (("workers = 1", 'workers = "två"'), "sending.workers"),
        (('hsa_id = "SE2321000016-A001"', ""), "staff_tool.hsa_id"),
        (('attachments = ["information.pdf"]', 'attachments = ["saknas.pdf"]'), "message.attachments"),
        (('name = "Demo: provsvar november"', 'name = ""'), "campaign.name"),
    ],
)
def test_bad_campaign_should_be_refused_naming_the_key(tmp_path, change, key):
    text = DEMO.read_text(encoding="utf-8").replace(*change)
    with pytest.raises(ConfigError) as error:
        load_campaign(_write(tmp_path, text))
    assert key in str(error.value)


def test_password_in_campaign_file_should_be_refused(tmp_path):
    text = DEMO.read_text(encoding="utf-8").replace('password_env = "UTSKICK_PASSWORD"', 'password = "hemligt"')
    with pytest.raises(ConfigError, match="miljövariabel"):
        load_campaign(_write(tmp_path, text))


def test_missing_password_variable_should_say_which_variable(monkeypatch):
    monkeypatch.delenv("UTSKICK_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="UTSKICK_PASSWORD"):
        load_campaign(DEMO).password()


def test_invalid_toml_should_be_an_input_error(tmp_path):
    with pytest.raises(ConfigError, match="inte giltig TOML"):
        load_campaign(_write(tmp_path, "[campaign\nname="))


def test_send_window_should_parse_days_and_times(tmp_path):
    text = DEMO.read_text(encoding="utf-8").replace("# window = {", "window = {")
    campaign = load_campaign(_write(tmp_path, text))
    assert campaign.window.days == ("mon", "tue", "wed", "thu", "fri")
    assert campaign.window.start.hour == 8 and campaign.window.end.hour == 18
