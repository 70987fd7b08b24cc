"""The doctor's proposal as a selectors override: what it writes parses, passes the selectors check, says what was
seen per entry and lists the undecided at the end; an existing file is kept unless forced."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bot.config import DEFAULT_SELECTORS
from bot.errors import ConfigError
from bot.locators import Selectors
from bot.run.doctor import pnr_pattern
from bot.run.doctor_decide import decide_sent_at_format
from bot.run.doctor_propose import Proposals, render, write_proposal
from flows.swedish_dates import parse_shown
from tests.helpers import official_test_numbers


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


def action_proposals() -> Proposals:
    """A proposal with site elements, an action sequence, a switched-off entry and a plain value."""
    found = Proposals()
    found.decide("elements.unit_select", {"label": "Mottagning", "kind": "select"}, "listan 'Mottagning'")
    found.decide("elements.unit_continue", {"role": "button", "name": "Fortsätt"}, "knappen 'Fortsätt'")
    steps = [{"choose": "elements.unit_select", "option": "{unit}"}, {"click": "elements.unit_continue"}]
    found.decide("actions.choose_unit", steps, "mottagningen valdes och 'Fortsätt' ledde vidare")
    found.decide("unit_cases.all_tab", False, "ingen flik")
    found.decide("unit_cases.next_page", {"role": "button", "name": "Visa fler"}, "listan växte")
    found.decide("unit_cases.paging", "load_more", "listan växte")
    found.leave("actions.insert_text", "texten är ingen knapp; knappar vars meny har den: ingen")
    return found


def test_proposal_with_actions_should_parse_and_pass_the_selectors_check(tmp_path: Path):
    path = tmp_path / "forslag.toml"

    write_proposal(path, action_proposals(), force=False)

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["actions"]["choose_unit"][1] == {"click": "elements.unit_continue"}
    assert data["unit_cases"]["all_tab"] is False
    assert data["unit_cases"]["paging"] == "load_more"
    merged = Selectors.load(DEFAULT_SELECTORS, path)
    assert merged.action("choose_unit")[0] == {"choose": "elements.unit_select", "option": "{unit}"}
    assert not merged.has("unit_cases.all_tab")


def test_proposal_should_comment_each_action_and_list_an_undecided_one():
    lines = render(action_proposals()).splitlines()

    at = lines.index("[actions]")
    assert lines[at + 1] == "# mottagningen valdes och 'Fortsätt' ledde vidare"
    assert lines[at + 2].startswith('choose_unit = [{ choose = "elements.unit_select", option = "{unit}" }')
    assert lines[-1] == "#   actions.insert_text: texten är ingen knapp; knappar vars meny har den: ingen"


@pytest.mark.parametrize(
    ("display", "pattern"),
    [
        ("{yyyymmdd}-{last4}", r"(?P<pnr>\d{8}-\d{4})"),
        ("{yymmdd}-{last4}", r"(?P<pnr>\d{6}-\d{4})"),
        ("{pnr}", r"(?P<pnr>\d{12})"),
    ],
)
def test_pnr_pattern_should_find_a_number_as_the_tool_shows_it(display: str, pattern: str):
    pnr = official_test_numbers(3470, 1)[0]
    shown = display.format(yyyymmdd=pnr[:8], last4=pnr[8:], yymmdd=pnr[2:8], pnr=pnr)

    assert pnr_pattern(display) == pattern
    assert re.fullmatch(pnr_pattern(display), shown)


@pytest.mark.parametrize(
    ("shown", "fmt"),
    [
        (["3 dec. 2026 14:05", "4 maj 2026 09:15"], "%d %b %Y %H:%M"),
        (["2026-12-03 kl. 14:05:09"], "%Y-%m-%d kl. %H:%M:%S"),
        (["3 dec. 14:05", "idag 09:15"], "%d %b %H:%M"),
        (["13/02/2026 14:05"], "%d/%m/%Y %H:%M"),
    ],
)
def test_sent_at_format_should_be_the_one_that_reads_every_row(shown: list[str], fmt: str):
    decided, seen = decide_sent_at_format(shown)
    assert decided == fmt, seen
    assert all(parse_shown(text, decided) for text in shown)


@pytest.mark.parametrize(
    ("shown", "why"),
    [
        (["03/02/2026 14:05"], "läser olika tider"),  # 3 February or 2 March: never a guess
        (["vecka 49, 14:05"], "inget känt format läser det"),
        (["3 dec. 2026 14:05", "vecka 49"], "inget känt format läser det"),
    ],
)
def test_sent_at_format_should_be_left_undecided_when_no_format_or_several_read_it(shown: list[str], why: str):
    decided, seen = decide_sent_at_format(shown)
    assert decided is None
    assert why in seen
