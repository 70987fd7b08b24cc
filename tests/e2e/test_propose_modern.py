"""Issue 25's acceptance test for the modern build (the mock's third skin, a component-library build whose
interactions differ): `utskick doctor --propose` from the default selectors, then at most five entries written by
hand on top of the proposal. The proposal alone, unedited, makes the doctor exit 0 and a dry run go through in
both modes. What the doctor can never see is what shows only after Skicka: the four entries by hand are the
receipt's, and with them a trial send to one citizen who can be reached and one who cannot goes through as the
README's loop ends. Alla ärenden then lists the send, so a second doctor run proposes Skickat's format, and
follow-up reads it.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from tests.helpers import merged_selectors, official_test_numbers, write_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.long]

# What a site administrator writes after the first trial send shows the receipt.
BY_HAND = r"""
[receipt]
table = { role = "region", name = "Skickade ärenden" }
not_sent = { role = "region", name = "Ej skickat" }

[receipt.sent]
records = "receipt.table"
row = "article"
pattern = '^(?P<pnr>\d{8}-\d{4}) Ärende-id (?P<arende_id>\S+)'

[receipt.refused]
records = "receipt.not_sent"
row = "article"
pattern = '^(?P<pnr>\d{8}-\d{4}) (?P<reason>.+) Ej skickat$'
"""
HAND_ENTRIES = 4


def _entries(node: dict) -> int:
    """Entries in parsed selectors data: an element, a records table or a value each count one."""
    entry_words = {"role", "label", "placeholder", "test_id", "text", "title", "css", "records"}
    return sum(
        _entries(value) if isinstance(value, dict) and entry_words.isdisjoint(value) else 1 for value in node.values()
    )


@pytest.mark.parametrize("mock_skin", ["modern"], indirect=True)
def test_proposal_and_four_entries_by_hand_should_pass_the_doctor_a_dry_run_and_a_trial_send(
    tmp_path: Path, mock_skin, live_mock, qa
):
    reachable, never = official_test_numbers(3350, 2)
    qa.reachable(reachable)
    qa.set_citizen(never, login="never", notify=[])
    pnrs = [reachable, never]
    proposal = tmp_path / "forslag.toml"
    setup = write_campaign(tmp_path, live_mock.url, pnrs)  # the default selectors: no override

    first = setup.utskick("doctor", "--delivery", str(setup.delivery), "--propose", str(proposal))
    assert first.returncode == 3, first.stdout + first.stderr

    # The proposal alone, unedited: the doctor passes and a dry run goes through, in both modes.
    setup = write_campaign(tmp_path, live_mock.url, pnrs, staff_tool=f'selectors_override = "{proposal}"')
    doctor = setup.utskick("doctor", "--delivery", str(setup.delivery))
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    for mode in ("single", "batch"):
        setup = write_campaign(
            tmp_path, live_mock.url, pnrs, mode=mode, staff_tool=f'selectors_override = "{proposal}"'
        )
        dry = setup.run("--dry-run", "--yes")
        assert dry.returncode == 0, dry.stdout + dry.stderr
        assert "Skulle skickas: 1" in dry.stdout
    assert qa.sent() == []

    # Four entries by hand on top: the trial send to a reachable and an unreachable citizen.
    assert _entries(tomllib.loads(BY_HAND)) == HAND_ENTRIES
    by_hand = tmp_path / "for-hand.toml"
    by_hand.write_text(BY_HAND, encoding="utf-8")
    override = merged_selectors(tmp_path / "var-region.toml", proposal, by_hand)
    setup = write_campaign(tmp_path, live_mock.url, pnrs, mode="batch", staff_tool=f'selectors_override = "{override}"')
    send = setup.run("--yes")

    assert send.returncode == 0, send.stdout + send.stderr
    assert [s["pnr"] for s in qa.sent()] == [reachable]
    assert "Skickade i denna körning: 1" in send.stdout
    assert re.search(r"aldrig loggat in", send.stdout), send.stdout
    # Alla ärenden now lists the trial send: the doctor again, and its proposal holds Skickat's format.
    again = tmp_path / "forslag-2.toml"
    second = setup.utskick("doctor", "--delivery", str(setup.delivery), "--propose", str(again))
    assert second.returncode == 3, second.stdout + second.stderr
    assert tomllib.loads(again.read_text(encoding="utf-8")) == {
        "unit_cases": {"values": {"sent_at_format": "%d %b %Y %H:%M"}}
    }
    override = merged_selectors(tmp_path / "var-region.toml", proposal, by_hand, again)
    qa.read(qa.sent()[0]["arende_id"])
    follow = setup.utskick("follow-up")
    assert follow.returncode == 0, follow.stdout + follow.stderr
    assert "Lästa av invånaren: 1" in follow.stdout
