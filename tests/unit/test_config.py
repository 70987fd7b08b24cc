"""The campaign file: valid files load, every mistake names its key in Swedish."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.config import load_campaign
from bot.errors import ConfigError
from bot.ledger.target import PostgresTarget
from bot.run.worker import RunContext

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


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("[campaign]\nname = Influensa\n", "rad 2, kolumn 8", "text ska stå inom citattecken"),
        ('[campaign]\nname "Influensa"\n', "rad 2, kolumn 6", "det saknas '='"),
        ('[campaign\nname = "x"\n', "rad 1, kolumn 10", "det saknas ']' efter tabellens namn"),
        ('[campaign]\nname = "x"\nname = "y"\n', "rad 3", "ett värde anges två gånger"),
        ('[campaign]\nname = "Influensa\n', "rad 2", "en text saknar avslutande citattecken"),
        ('[message]\ntexts = ["a", "b"\n', "i slutet av filen", "en lista saknar avslutande ']'"),
    ],
)
def test_toml_syntax_error_should_say_in_swedish_what_and_where(tmp_path, text, where, what):
    with pytest.raises(ConfigError) as raised:
        load_campaign(_write(tmp_path, text))
    message = str(raised.value)
    assert f"kampanj.toml {where}" in message and what in message, message


def test_send_window_should_parse_days_and_times(tmp_path):
    text = DEMO.read_text(encoding="utf-8").replace("# window = {", "window = {")
    campaign = load_campaign(_write(tmp_path, text))
    assert campaign.window.days == ("mon", "tue", "wed", "thu", "fri")
    assert campaign.window.start.hour == 8 and campaign.window.end.hour == 18


def _line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if fragment in line)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('ledger = "var/ledger.sqlite"', 'ledgr = "var/ledger.sqlite"'),
            "okänd nyckel 'paths.ledgr' – menade du 'paths.ledger'?",
        ),
        (("workers = 1", "worker = 2"), "okänd nyckel 'sending.worker' – menade du 'sending.workers'?"),
        (("[paths]", "[path]"), "okänd tabell [path] – menade du [paths]?"),
        (("[sending]", "[sendning]"), "okänd tabell [sendning] – menade du [sending]?"),
        (
            ('extra_text = ""', 'extra_txt = "Hej"'),
            "okänd nyckel 'message.extra_txt' – menade du 'message.extra_text'?",
        ),
        (('extra_text = ""', 'ledger = "egen.sqlite"'), "okänd nyckel 'message.ledger' – menade du 'paths.ledger'?"),
        (
            ("# window = {", 'window = { dayz = ["mon"], start = "08:00", end = "18:00" } #'),
            "okänd nyckel 'sending.window.dayz' – menade du 'sending.window.days'?",
        ),
    ],
)
def test_unknown_key_should_be_refused_naming_file_line_and_closest_key(tmp_path, change, expected):
    text = DEMO.read_text(encoding="utf-8").replace(*change)
    assert text != DEMO.read_text(encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_campaign(_write(tmp_path, text))
    line = _line_of(text, change[1])
    assert f"kampanj.toml, rad {line}: {expected}" in str(error.value)
    assert error.value.exit_code == 2


def test_unknown_key_without_a_close_one_should_be_refused_without_a_guess(tmp_path):
    text = DEMO.read_text(encoding="utf-8").replace('extra_text = ""', 'extra_text = ""\nfargtema = "mörk"')
    with pytest.raises(ConfigError) as error:
        load_campaign(_write(tmp_path, text))
    assert f"kampanj.toml, rad {_line_of(text, 'fargtema')}: okänd nyckel 'message.fargtema'" in str(error.value)
    assert "menade du" not in str(error.value)


def test_every_unknown_key_should_be_listed_at_once(tmp_path):
    text = DEMO.read_text(encoding="utf-8").replace("workers = 1", "worker = 1").replace("[paths]", "[path]")
    with pytest.raises(ConfigError) as error:
        load_campaign(_write(tmp_path, text))
    assert "'sending.worker'" in str(error.value) and "[path]" in str(error.value)


def test_copied_demo_campaign_should_keep_ledger_logs_and_reports_beside_the_copy(tmp_path):
    folder = tmp_path / "a" / "b"
    folder.mkdir(parents=True)
    campaign = load_campaign(_write(folder, DEMO.read_text("utf-8")))
    for path in (campaign.ledger, campaign.logs, campaign.artifacts, campaign.reports):
        assert path.is_relative_to(folder / "var"), path


def test_campaign_without_paths_should_default_beside_the_file(tmp_path):
    text = DEMO.read_text(encoding="utf-8").split("[paths]")[0]
    campaign = load_campaign(_write(tmp_path, text))
    assert campaign.ledger == tmp_path / "var" / "ledger.sqlite"
    assert campaign.reports == tmp_path / "var" / "reports"


def test_continues_and_new_message_for_all_together_should_be_refused(tmp_path):
    text = DEMO.read_text(encoding="utf-8").replace(
        "contact_unreachable_otherwise = true",
        'contact_unreachable_otherwise = true\ncontinues = "abc123"\nnew_message_for_all = true',
    )
    with pytest.raises(ConfigError, match="antingen 'campaign.continues' eller 'campaign.new_message_for_all'"):
        load_campaign(_write(tmp_path, text))


def _with_ledger(tmp_path: Path, lines: str) -> Path:
    text = DEMO.read_text(encoding="utf-8")
    start = text.index("[paths]")
    return _write(tmp_path, text[:start] + "[paths]\n" + lines + "\n")


def test_postgresql_ledger_should_load_as_a_database_target_with_its_password_variable(tmp_path):
    url = "postgresql://utskick@db.region.se:5432/utskick"
    campaign = load_campaign(_with_ledger(tmp_path, f'ledger = "{url}"\nledger_password_env = "LIGGARE_PW"'))
    assert campaign.ledger == PostgresTarget(url, "LIGGARE_PW")
    assert str(campaign.ledger) == url


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ('ledger = "postgresql://utskick:hemligt@db/utskick"', "innehåller ett lösenord"),
        ('ledger = "postgresql://utskick@db"', "saknar databasens namn"),
        ('ledger = "postgresql://utskick@db:port/x"', "ingen giltig databasadress"),
        ('ledger = "var/ledger.sqlite"\nledger_password_env = "X"', "gäller bara en liggare i PostgreSQL"),
    ],
)
def test_bad_postgresql_ledger_should_be_refused_naming_the_key(tmp_path, lines, message):
    with pytest.raises(ConfigError, match=message) as error:
        load_campaign(_with_ledger(tmp_path, lines))
    assert "paths.ledger" in str(error.value)
    assert "hemligt" not in str(error.value)


def test_lease_seconds_should_be_at_least_the_minimum(tmp_path):
    text = DEMO.read_text(encoding="utf-8").replace("[sending]", "[sending]\nlease_seconds = 1", 1)
    with pytest.raises(ConfigError, match="sending.lease_seconds"):
        load_campaign(_write(tmp_path, text))


def test_recycle_every_should_have_one_default_for_the_campaign_file_and_the_runner(tmp_path):
    text = "\n".join(line for line in DEMO.read_text(encoding="utf-8").splitlines() if "recycle_every" not in line)
    campaign = load_campaign(_write(tmp_path, text))
    runner_default = {f.name: f.default for f in dataclasses.fields(RunContext)}["recycle_every"]
    assert campaign.recycle_every == runner_default
