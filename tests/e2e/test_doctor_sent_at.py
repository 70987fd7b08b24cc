"""The doctor reads Skickat in Alla ärenden as reconciliation and follow-up will: a time the selectors' format
cannot read is a finding, and `--propose` writes the one known format that reads every row shown (the modern
build shows "3 dec. 2026 14:05"). With no ärende listed there is nothing to read, and nothing is said of it."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from tests.helpers import MODERN_OVERRIDE, merged_selectors, official_test_numbers, write_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FORMAT_KEY = "unit_cases.values.sent_at_format"


def _without_the_format(folder: Path) -> Path:
    """The modern build's override as a site would have it before anyone looked at Skickat."""
    lines = MODERN_OVERRIDE.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith("sent_at_format")]
    assert len(kept) == len(lines) - 1
    override = folder / "modern-utan-format.toml"
    override.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return override


@pytest.mark.parametrize("mock_skin", ["modern"], indirect=True)
def test_doctor_should_find_an_unreadable_skickat_and_propose_the_format_that_reads_it(
    tmp_path, mock_skin, live_mock, qa
):
    reachable, never, listed = official_test_numbers(3480, 3)
    qa.reachable(reachable, listed)
    qa.set_citizen(never, login="never", notify=[])
    qa.add_arende(listed, "Kallelse", sent_at="2026-05-04T09:15:00+02:00")  # "maj": no period, unlike "dec."
    qa.add_arende(listed, "Påminnelse")
    override = _without_the_format(tmp_path)
    proposal = tmp_path / "forslag.toml"
    setup = write_campaign(tmp_path, live_mock.url, [reachable, never], staff_tool=f'selectors_override = "{override}"')

    first = setup.utskick("doctor", "--delivery", str(setup.delivery), "--json", "--propose", str(proposal))

    assert first.returncode == 3, first.stdout + first.stderr
    failed = {check["key"]: check for check in json.loads(first.stdout)["failed"]}
    assert list(failed) == [FORMAT_KEY], failed
    assert "går inte att läsa med formatet '%Y-%m-%d %H:%M:%S'" in failed[FORMAT_KEY]["detail"]
    assert tomllib.loads(proposal.read_text(encoding="utf-8")) == {
        "unit_cases": {"values": {"sent_at_format": "%d %b %Y %H:%M"}}
    }

    both = merged_selectors(tmp_path / "var-region.toml", override, proposal)
    setup = write_campaign(tmp_path, live_mock.url, [reachable, never], staff_tool=f'selectors_override = "{both}"')
    second = setup.utskick("doctor", "--delivery", str(setup.delivery), "--json")

    assert second.returncode == 0, second.stdout + second.stderr
    assert json.loads(second.stdout)["failed"] == []
    assert [s["pnr"] for s in qa.sent()] == [listed, listed], "the doctor sent nothing"


@pytest.mark.parametrize(("mock_skin", "listed"), [("classic", True), ("classic", False)], indirect=["mock_skin"])
def test_doctor_should_say_skickat_was_read_when_arenden_are_listed_and_nothing_when_none_are(
    tmp_path, mock_skin, live_mock, qa, listed
):
    reachable, never, earlier = official_test_numbers(3490, 3)
    qa.reachable(reachable, earlier)
    qa.set_citizen(never, login="never", notify=[])
    if listed:
        qa.add_arende(earlier, "Kallelse")
    setup = write_campaign(tmp_path, live_mock.url, [reachable, never])

    result = setup.utskick("doctor", "--delivery", str(setup.delivery), "--json")

    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((Path(json.loads(result.stdout)["report"]) / "rapport.json").read_text(encoding="utf-8"))
    checks = {check["key"]: check for check in report["checks"]}
    if listed:
        assert checks[FORMAT_KEY]["state"] == "found" and "listade rader (1)" in checks[FORMAT_KEY]["detail"], checks[
            FORMAT_KEY
        ]
    else:
        assert FORMAT_KEY not in checks
