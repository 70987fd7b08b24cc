"""How far the doctor walks and with whom: a citizen who cannot be reached is tried beside one who can, a wizard
that stops still leaves Alla ärenden checked (with a masked accessibility snapshot beside the stop's screenshot),
and login keys are not checked where the bot never logs in."""

from __future__ import annotations

import json
import re
import stat

import pytest

from tests.helpers import official_test_numbers, write_campaign

pytestmark = [pytest.mark.e2e]

PNR_LIKE = re.compile(r"(?<!\d)(\d{10}|\d{12})(?!\d)|(?<!\d)\d{6,8}[-+]\d{4}(?!\d)")


def report_of(tmp_path) -> dict:
    """The doctor's rapport.json in this test's artifacts."""
    return json.loads((next((tmp_path / "artifacts").glob("doktor-*")) / "rapport.json").read_text(encoding="utf-8"))


def test_doctor_should_try_an_unreachable_citizen_and_go_on_with_a_reachable_one(tmp_path, live_mock, qa):
    never, reachable = official_test_numbers(3350, 2)
    qa.reachable(reachable)
    qa.set_citizen(never, login="never", notify=[])
    setup = write_campaign(tmp_path, live_mock.url, [never, reachable])

    result = setup.utskick("doctor", "--delivery", str(setup.delivery))

    assert result.returncode == 0, result.stdout + result.stderr
    report = report_of(tmp_path)
    assert report["trials"] == ["never_logged_in", "ok"]
    states = {c["key"]: c["state"] for c in report["checks"]}
    assert states["step2.row"] == states["step2.remove"] == states["step2.next"] == states["step3.send"] == "found"
    assert qa.sent() == []


@pytest.mark.long
def test_doctor_should_walk_on_to_alla_arenden_when_the_wizard_stops(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(3360, 1)
    qa.set_citizen(pnrs[0], login="locked", notify=["sms"])
    setup = write_campaign(tmp_path, live_mock.url, pnrs)

    result = setup.utskick("doctor", "--delivery", str(setup.delivery))

    assert result.returncode == 3, result.stdout + result.stderr
    folder = next((tmp_path / "artifacts").glob("doktor-*"))
    snapshot = next(folder.glob("*-steg-2-stopp.aria.txt"))
    assert snapshot.with_name(snapshot.name.replace(".aria.txt", ".png")).exists()
    assert stat.S_IMODE(snapshot.stat().st_mode) == 0o600
    assert "button" in snapshot.read_text(encoding="utf-8")
    assert not PNR_LIKE.search(snapshot.read_text(encoding="utf-8"))
    checks = {c["key"]: c for c in report_of(tmp_path)["checks"]}
    assert checks["step3.send"]["state"] == "not_reached"
    assert "steg-2" in checks["step3.send"]["detail"]
    assert checks["unit_cases.table"]["state"] == checks["unit_cases.cases"]["state"] == "found"
    assert checks["step2.row"]["state"] == "found"
    assert re.search(r"0 av \d+ kontrollerade nycklar behöver åtgärdas", result.stdout)
    assert "nycklar nåddes inte" in result.stdout


def test_doctor_should_not_check_login_keys_when_the_bot_does_not_log_in(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(3370, 1)
    profile = tmp_path / "profil"
    setup = write_campaign(tmp_path, live_mock.url, pnrs, staff_tool=f'session = "profile"\nprofile_dir = "{profile}"')

    result = setup.utskick("doctor", "--pnr", pnrs[0], "--json")

    # a fresh profile shows the login form: a person has to log in first, and the doctor says so
    assert result.returncode == 3, result.stdout + result.stderr
    assert "logga in i webbläsaren först" in json.loads(result.stdout)["stopped"]
    checks = {c["key"]: c for c in report_of(tmp_path)["checks"]}
    for key in ("login.hsa_id", "login.password", "login.submit", "login.failed"):
        assert checks[key]["state"] == "not_checked"
        assert checks[key]["detail"] == 'används inte när staff_tool.session är "profile"'


@pytest.mark.long
def test_doctor_should_list_an_unknown_check_text_in_its_proposal_and_write_nothing_for_it(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(3380, 1)
    qa.set_citizen(pnrs[0], login="never", notify=[])
    override = tmp_path / "site.toml"
    override.write_text('[check_results]\nnever_logged_in = "kan inte ta emot"\n', encoding="utf-8")
    setup = write_campaign(tmp_path, live_mock.url, pnrs, staff_tool=f'selectors_override = "{override}"')
    proposal = tmp_path / "forslag.toml"

    result = setup.utskick("doctor", "--pnr", pnrs[0], "--propose", str(proposal))

    assert result.returncode == 3, result.stdout + result.stderr
    text = proposal.read_text(encoding="utf-8")
    assert "[check_results" not in text
    assert re.search(r"^#   check_results: texten '.*aldrig loggat in på 1177", text, re.MULTILINE)
    assert "check_results: texten" in result.stdout
    assert not PNR_LIKE.search(text)
