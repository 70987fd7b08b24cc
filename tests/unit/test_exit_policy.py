"""The run's exit-code policy, one ending per row: what a run knows when it ends -> exit code and Swedish line."""

from __future__ import annotations

import pytest

from bot.errors import CircuitOpen, MachineFault, NeedsHuman
from bot.run.exit_policy import Ending, exit_code, outcome_of
from bot.run.prompt import ABORTED_AT_PROMPT


@pytest.mark.parametrize(
    ("ending", "code", "says"),
    [
        (Ending(errors=[], counts={"sent": 3}), 0, ""),
        (Ending(errors=[NeedsHuman("x")], counts={}, declined=True), 4, ABORTED_AT_PROMPT),
        (Ending(errors=[CircuitOpen("Kretsbrytaren löste ut.")], counts={"sent": 1, "pending": 2}), 4, "1 invånare"),
        (Ending(errors=[NeedsHuman("Väljaren saknas")], counts={}), 3, "en människa behöver titta"),
        (Ending(errors=[MachineFault("Disken är full."), CircuitOpen("x")], counts={"sent": 2}), 4, "Disken är full."),
        (Ending(errors=[], counts={}, interrupted=True), 4, "Avbruten efter pågående invånare"),
        (Ending(errors=[], counts={"failed": 1, "in_doubt": 1}), 4, "2 invånare fick inget utfall"),
        (Ending(errors=[], counts={"failed": 1}, dry_run=True), 0, ""),
        (Ending(errors=[], counts={"pending": 5}, limited=True), 4, "5 invånare väntar fortfarande (--limit)"),
        (Ending(errors=[], counts={"pending": 5}), 0, ""),
    ],
    ids=["finished", "declined", "breaker", "needs-human", "machine", "interrupted", "left", "dry", "limit", "pending"],
)
def test_exit_code_should_follow_the_policy(ending, code, says):
    got, message = exit_code(ending)

    assert got == code and says in message


def test_exit_code_should_raise_an_error_that_is_not_the_projects_own():
    with pytest.raises(ZeroDivisionError):
        exit_code(Ending(errors=[ZeroDivisionError()], counts={}))


@pytest.mark.parametrize(
    ("code", "word"), [(0, "finished"), (2, "stopped"), (3, "stopped"), (4, "interrupted"), (1, "crashed")]
)
def test_outcome_of_should_name_the_ending_for_the_ledger(code, word):
    assert outcome_of(code) == word
