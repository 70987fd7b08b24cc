"""The doctor's proposal as a selectors override: what it writes parses, passes the selectors check, says what was
seen per entry and lists the undecided at the end; an existing file is kept unless forced."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.config import DEFAULT_SELECTORS
from bot.errors import ConfigError
from bot.locators import Selectors
from bot.run.doctor_propose import Proposals, render, write_proposal


def proposals() -> Proposals:
    """A proposal with an element, a readiness entry, a records table and one undecided key."""
    found = Proposals()
    found.decide("unit.choice", {"role": "link", "name": "{unit}"}, "länk 'Vårdcentralen Centrum' i steg 0")
    found.decide("step2.ready", {"empty": "step2.pnr", "enabled": "step2.add"}, "fältet tömdes")
    found.decide(
        "receipt.sent",
        {"records": "receipt.table", "row": "li", "pattern": r'^(?P<arende_id>\S+) – (?P<pnr>\d{8}-\d{4}) "x"$'},
        "en lista",
    )
    found.leave("step3.attach", "inget element med en passande roll")
    found.leave("unit.choice", "ignored: already decided")
    return found


def test_proposal_should_parse_and_pass_the_selectors_check(tmp_path: Path):
    path = tmp_path / "forslag.toml"

    write_proposal(path, proposals(), force=False)

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["unit"]["choice"] == {"role": "link", "name": "{unit}"}
    assert data["receipt"]["sent"]["pattern"] == r'^(?P<arende_id>\S+) – (?P<pnr>\d{8}-\d{4}) "x"$'
    assert Selectors.load(DEFAULT_SELECTORS, path).readiness("step2.ready") == {
        "empty": ["step2.pnr"],
        "enabled": ["step2.add"],
    }


def test_proposal_should_comment_each_entry_and_list_the_undecided_last():
    lines = render(proposals()).splitlines()

    assert lines[lines.index('choice = { role = "link", name = "{unit}" }') - 1] == (
        "# länk 'Vårdcentralen Centrum' i steg 0"
    )
    assert lines[-2:] == [
        "# Kunde inte avgöras (en person behöver titta):",
        "#   step3.attach: inget element med en passande roll",
    ]


def test_existing_file_should_be_kept_without_force(tmp_path: Path):
    path = tmp_path / "forslag.toml"
    path.write_text("# egen\n", encoding="utf-8")

    with pytest.raises(ConfigError, match="finns redan: ange --force"):
        write_proposal(path, proposals(), force=False)
    assert path.read_text(encoding="utf-8") == "# egen\n"

    write_proposal(path, proposals(), force=True)
    assert "[unit]" in path.read_text(encoding="utf-8")
