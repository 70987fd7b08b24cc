"""No double sends through the campaign file or the prompt (issue 15): the real `utskick` CLI against the live
mock, counting what the mock sent through `/__qa__/sent`."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.helpers import Setup, official_test_numbers, write_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

MODES = ["single", "batch"]
SINGLE_IN_MAKE_TEST = ["single", pytest.param("batch", marks=pytest.mark.long)]  # batch: `make test-long`


def _cli(setup: Setup, *args: str) -> subprocess.CompletedProcess:
    """Any `utskick` command with the setup's environment."""
    return subprocess.run(
        [sys.executable, "-m", "bot.commands.cli", *args],
        env=setup.env(),
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def _edit(setup: Setup, old: str, new: str) -> None:
    text = setup.campaign.read_text(encoding="utf-8")
    assert old in text, old
    setup.campaign.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(setup: Setup, fragment: str) -> int:
    lines = setup.campaign.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if fragment in line)


@pytest.mark.parametrize("mode", MODES)
def test_misspelled_ledger_key_should_be_refused_and_send_nothing_more(tmp_path, live_mock, qa, mode):
    pnrs = official_test_numbers(5000 + 10 * MODES.index(mode), 3)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs, mode=mode, extra="Test.")
    assert setup.run("--yes").returncode == 0
    assert len(qa.sent()) == 3
    _edit(setup, 'ledger = "ledger.sqlite"', 'ledgr = "ledger.sqlite"')

    result = setup.run("--yes")

    assert result.returncode == 2, result.stdout + result.stderr
    line = _line_of(setup, "ledgr")
    assert f"kampanj.toml, rad {line}: okänd nyckel 'paths.ledgr' – menade du 'paths.ledger'?" in result.stderr
    assert len(qa.sent()) == 3, "nobody got a second ärende"
    assert not (tmp_path / "var").exists(), "no default ledger was created beside the file"


@pytest.mark.parametrize("mode", SINGLE_IN_MAKE_TEST)
def test_one_changed_character_should_be_refused_until_the_file_says_continues(tmp_path, live_mock, qa, mode):
    pnrs = official_test_numbers(5100 + 10 * MODES.index(mode), 5)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs[:3], mode=mode, extra="Test.")
    assert setup.run("--yes").returncode == 0
    assert len(qa.sent()) == 3
    _edit(setup, 'extra_text = "Test."', 'extra_text = "Test!"')
    setup.delivery.write_text("\n".join(pnrs) + "\n")  # the next delivery: the 3 already sent and 2 new

    refused = setup.run("--yes")

    assert refused.returncode == 2, refused.stdout + refused.stderr
    earlier = re.search(r'continues = "([0-9a-f]{12})"', refused.stderr)
    assert earlier, refused.stderr
    assert "skickade 3" in refused.stderr
    assert 'extra text: "Test." → "Test!"' in refused.stderr
    assert "Inget skickades" in refused.stderr
    assert len(qa.sent()) == 3, "the changed message went to nobody"

    status = _cli(setup, "status", str(setup.campaign))
    assert status.returncode == 0, status.stderr
    assert f"Liggare: {setup.ledger}" in status.stdout
    assert "har inte körts ännu med det här meddelandet" in status.stdout
    assert earlier.group(1) in status.stdout and "skickade 3" in status.stdout
    assert 'extra text: "Test." → "Test!"' in status.stdout
    validate = _cli(setup, "validate", str(setup.delivery), "--campaign", str(setup.campaign))
    assert validate.returncode == 2, validate.stdout
    assert earlier.group(1) in validate.stdout and "skickade 3" in validate.stdout

    _edit(setup, 'name = "Test', f'continues = "{earlier.group(1)}"\nname = "Test')
    validate = _cli(setup, "validate", str(setup.delivery), "--campaign", str(setup.campaign))
    assert validate.returncode == 0, validate.stdout
    assert "Har redan fått meddelandet i kampanjen som fortsätts: 3" in validate.stdout
    assert "Skickas vid nästa körning: 2" in validate.stdout
    continued = setup.run("--yes")

    assert continued.returncode == 0, continued.stdout + continued.stderr
    sent = qa.sent()
    assert sorted(s["pnr"] for s in sent) == sorted(pnrs), "each citizen exactly once"
    assert {s["pnr"] for s in sent if s["text"].rstrip().endswith("Test!")} == set(pnrs[3:])
    assert "får inget nytt): 3" in continued.stdout
    assert setup.run("--yes").returncode == 0
    assert len(qa.sent()) == 5


def test_new_message_for_all_should_send_the_changed_message_to_everyone_once(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(5200, 3)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs, mode="batch", extra="Test.")
    assert setup.run("--yes").returncode == 0
    _edit(setup, 'extra_text = "Test."', 'extra_text = "Rättelse: Test!"')
    assert setup.run("--yes").returncode == 2
    _edit(setup, 'name = "Test', 'new_message_for_all = true\nname = "Test')

    result = setup.run("--yes")
    again = setup.run("--yes")

    assert result.returncode == 0, result.stdout + result.stderr
    assert again.returncode == 0, again.stdout + again.stderr
    corrections = [s["pnr"] for s in qa.sent() if s["text"].rstrip().endswith("Rättelse: Test!")]
    assert sorted(corrections) == sorted(pnrs)
    assert len(qa.sent()) == 6


def test_run_without_delivery_on_a_campaign_without_citizens_should_be_an_input_error(tmp_path, live_mock, qa):
    setup = write_campaign(tmp_path, live_mock.url, official_test_numbers(5300, 1))

    result = _cli(setup, "run", str(setup.campaign), "--yes")

    assert result.returncode == 2, result.stdout + result.stderr
    assert "har inga invånare i liggaren" in result.stderr and "--delivery" in result.stderr
    assert qa.sent() == []


@pytest.mark.parametrize("mode", MODES)
def test_limit_leaving_citizens_waiting_should_exit_4_and_the_rest_should_exit_0(tmp_path, live_mock, qa, mode):
    pnrs = official_test_numbers(5400 + 10 * MODES.index(mode), 3)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs, mode=mode)

    limited = setup.run("--yes", "--limit", "2")
    rest = setup.run("--yes", "--limit", "5")

    assert limited.returncode == 4, limited.stdout + limited.stderr
    assert "1 invånare väntar fortfarande (--limit)" in limited.stdout
    assert rest.returncode == 0, rest.stdout + rest.stderr
    assert sorted(s["pnr"] for s in qa.sent()) == sorted(pnrs)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "kampanj.toml", "--limt", "3"], "Okänd flagga --limt. Menade du --limit?"),
        (["run", "kampanj.toml", "--limit", "0"], "Ogiltigt värde för '--limit': 0 ligger utanför det tillåtna"),
        (["run", "kampanj.toml", "--workers", "två"], "Ogiltigt värde för '--workers': 'två' är inte ett heltal."),
        (["run"], "Argumentet 'CAMPAIGN_FILE' saknas."),
        (["rnu", "kampanj.toml"], "Okänt kommando 'rnu'. Menade du 'run'?"),
        (["status", "a", "b"], "Oväntat argument: b."),
    ],
)
def test_usage_errors_should_be_swedish_and_exit_2(tmp_path, live_mock, args, expected):
    setup = write_campaign(tmp_path, live_mock.url, official_test_numbers(5500, 1))

    result = _cli(setup, *args)

    assert result.returncode == 2
    assert f"Fel: {expected}" in result.stderr
    assert "Usage" not in result.stderr and "Error" not in result.stderr
