"""`utskick doctor --propose FILE` end to end: against the mock's single-page build, starting from the default
selectors with no override, the file the doctor writes is, unedited, the override that makes the doctor pass and a
dry run go through."""

from __future__ import annotations

import stat
import tomllib

import pytest

from tests.helpers import official_test_numbers, selectors_check, write_campaign

pytestmark = [pytest.mark.e2e]


@pytest.mark.parametrize("mock_skin", ["spa"], indirect=True)
def test_proposal_alone_should_make_the_doctor_pass_and_a_dry_run_go_through(tmp_path, mock_skin, live_mock, qa):
    pnrs = official_test_numbers(3330, 2)
    qa.reachable(*pnrs)
    proposal = tmp_path / "forslag.toml"
    setup = write_campaign(tmp_path, live_mock.url, pnrs)  # the default selectors: no override

    first = setup.utskick("doctor", "--delivery", str(setup.delivery), "--propose", str(proposal))

    assert first.returncode == 3, first.stdout + first.stderr
    assert stat.S_IMODE(proposal.stat().st_mode) == 0o600
    text = proposal.read_text(encoding="utf-8")
    written = tomllib.loads(text)
    assert written["unit"]["choice"] == {"role": "link", "name": "{unit}"}
    assert written["step2"]["recipients"]["fields"] == {"pnr": "Personnummer", "result": "Kontroll"}
    assert "# knapp 'Skicka ärende' på skärmen mina-arenden" in text
    assert f"Förslag skrivet till {proposal}" in first.stdout
    checked = selectors_check(proposal)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    write_campaign(tmp_path, live_mock.url, pnrs, staff_tool=f'selectors_override = "{proposal}"')
    second = setup.utskick("doctor", "--delivery", str(setup.delivery))
    dry = setup.run("--dry-run", "--yes")

    assert second.returncode == 0, second.stdout + second.stderr
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "provkörning, inget skickades" in dry.stdout
    # several numbers in one go need the readiness the doctor saw (the field kept the number until its row came)
    assert written["step2"]["ready"] == {"empty": "step2.pnr", "enabled": "step2.add"}
    write_campaign(tmp_path, live_mock.url, pnrs, mode="batch", staff_tool=f'selectors_override = "{proposal}"')
    batch = setup.run("--dry-run", "--yes")
    assert batch.returncode == 0, batch.stdout + batch.stderr
    assert "Skulle skickas: 2" in batch.stdout
    assert qa.sent() == []


def test_propose_should_not_overwrite_a_file_without_force(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(3340, 1)
    qa.reachable(*pnrs)
    proposal = tmp_path / "forslag.toml"
    proposal.write_text("# min egen\n", encoding="utf-8")
    setup = write_campaign(tmp_path, live_mock.url, pnrs)

    result = setup.utskick("doctor", "--pnr", pnrs[0], "--propose", str(proposal))

    assert result.returncode == 2, result.stdout + result.stderr
    assert "finns redan: ange --force" in result.stderr
    assert proposal.read_text(encoding="utf-8") == "# min egen\n"
    assert not (tmp_path / "artifacts").exists() or not list((tmp_path / "artifacts").glob("doktor-*"))
