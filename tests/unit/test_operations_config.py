"""The campaign file's operations keys: Swedish and English day names in the send window, and the [notify] table,
each mistake named in Swedish with what is valid."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import load_campaign
from bot.errors import ConfigError
from bot.notify import NotifySettings, notify_run_end
from bot.run.pacing import next_opening, waiting_line

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "campaign.toml"
STHLM = ZoneInfo("Europe/Stockholm")


def _campaign(tmp_path: Path, window: str = "", notify: str = "") -> Path:
    (tmp_path / "information.pdf").write_bytes(DEMO.with_name("information.pdf").read_bytes())
    text = DEMO.read_text(encoding="utf-8")
    if window:
        text = text.replace(
            '# window = { days = ["mon", "tue", "wed", "thu", "fri"], start', f"window = {{ days = {window}, start"
        )
    path = tmp_path / "kampanj.toml"
    path.write_text(text + notify, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ('["mån", "tis", "ons", "tor", "fre"]', ("mon", "tue", "wed", "thu", "fri")),
        ('["lör", "sön"]', ("sat", "sun")),
        ('["Söndag", "monday", "MÅN"]', ("mon", "sun")),
        ('["sun", "sat"]', ("sat", "sun")),
    ],
)
def test_send_window_should_accept_swedish_and_english_day_names(tmp_path, days, expected):
    assert load_campaign(_campaign(tmp_path, days)).window.days == expected


def test_send_window_should_refuse_an_unknown_day_and_list_the_valid_ones(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_campaign(_campaign(tmp_path, '["mån", "fredag", "helg"]'))
    message = str(info.value)
    assert "'helg'" in message and "mån, tis, ons, tor, fre, lör, sön" in message and "kampanj.toml" in message


@pytest.mark.parametrize(
    ("now", "line"),
    [
        (datetime(2026, 12, 5, 12, 0, tzinfo=STHLM), "Väntar på sändningsfönstret – öppnar mån 08:00"),  # Saturday
        (datetime(2026, 12, 3, 19, 0, tzinfo=STHLM), "Väntar på sändningsfönstret – öppnar fre 08:00"),  # Thursday
        (datetime(2026, 12, 3, 6, 30, tzinfo=STHLM), "Väntar på sändningsfönstret – öppnar tor 08:00"),
    ],
)
def test_waiting_line_should_name_the_day_and_time_the_window_opens(tmp_path, now, line):
    window = load_campaign(_campaign(tmp_path, '["mån", "tis", "ons", "tor", "fre"]')).window
    assert waiting_line(next_opening(window, now)) == line


def test_next_opening_should_be_none_inside_the_window(tmp_path):
    window = load_campaign(_campaign(tmp_path, '["tor"]')).window
    assert next_opening(window, datetime(2026, 12, 3, 9, 0, tzinfo=STHLM)) is None


def test_notify_table_should_load(tmp_path):
    notify = '\n[notify]\non = ["exit3"]\nwebhook = "https://larm.example/hook"\ncommand = ["/bin/true"]\n'
    settings = load_campaign(_campaign(tmp_path, notify=notify)).notify
    assert settings == NotifySettings(on=("exit3",), command=("/bin/true",), webhook="https://larm.example/hook")


@pytest.mark.parametrize(
    ("table", "complaint"),
    [
        ('webhok = "https://x.example"', "okänd nyckel 'notify.webhok' – menade du 'notify.webhook'?"),
        ('on = ["slut"]\nwebhook = "https://x.example"', "finish, exit1, exit2, exit3, exit4"),
        ('webhook = "ftp://x.example/larm"', "http- eller https-adress"),
        ('command = "larma --kanal utskick"', "lista med programmet"),
        ("timeout_s = 10", "behöver 'command', 'webhook' eller 'webhook_env'"),
        ('webhook = "https://x.example"\nwebhook_env = "LARM"', "antingen"),
    ],
)
def test_notify_table_mistakes_should_be_named_in_swedish(tmp_path, table, complaint):
    with pytest.raises(ConfigError) as info:
        load_campaign(_campaign(tmp_path, notify=f"\n[notify]\n{table}\n"))
    assert complaint in str(info.value) and "kampanj.toml" in str(info.value)


def test_notify_should_run_nothing_for_an_ending_it_was_not_asked_about(tmp_path):
    marker = tmp_path / "ran"
    settings = NotifySettings(on=("exit3",), command=("/bin/sh", "-c", f"touch {marker}"))
    assert notify_run_end(settings, {"exit_code": 0}) == []
    assert not marker.exists()
    assert notify_run_end(settings, {"exit_code": 3}) == []
    assert marker.exists()


def test_notify_webhook_from_a_missing_variable_should_warn(monkeypatch):
    monkeypatch.delenv("UTSKICK_LARM_URL", raising=False)
    settings = NotifySettings(on=("finish",), webhook_env="UTSKICK_LARM_URL")
    assert notify_run_end(settings, {"exit_code": 0}) == [
        "Adressen till larmets webhook saknas: sätt miljövariabeln UTSKICK_LARM_URL."
    ]
