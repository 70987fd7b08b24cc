"""`utskick doctor --propose` on the mock's component-library build ("modern"), starting from the default selectors:
the doctor tries the sequences the page suggests (a unit in a native select and Fortsätt, Infoga text as a menu, a
file input and Ladda upp, a box that enables Skicka, filter chips, Visa fler) and writes them as [elements] and
[actions], each with what it saw; the file passes the selectors check, and with it the doctor gets through the
wizard and a dry run goes through."""

from __future__ import annotations

import json
import tomllib

import pytest

from tests.helpers import QA, official_test_numbers, selectors_check, serve_mock, write_campaign

pytestmark = [pytest.mark.e2e]


def propose(tmp_path, url: str, qa, start: int):
    """Run the doctor with --propose from the default selectors; (setup, result, proposal text, parsed)."""
    reachable, never = official_test_numbers(start, 2)
    qa.reachable(reachable)
    qa.set_citizen(never, login="never", notify=[])
    proposal = tmp_path / "forslag.toml"
    setup = write_campaign(tmp_path, url, [reachable, never])
    result = setup.utskick("doctor", "--delivery", str(setup.delivery), "--propose", str(proposal))
    text = proposal.read_text(encoding="utf-8")
    return setup, result, text, tomllib.loads(text)


@pytest.mark.parametrize("mock_skin", ["modern"], indirect=True)
@pytest.mark.long
def test_propose_should_write_the_action_sequences_it_tried_on_the_page(tmp_path, mock_skin, live_mock, qa):
    setup, first, text, written = propose(tmp_path, live_mock.url, qa, 3390)
    proposal = tmp_path / "forslag.toml"

    assert first.returncode == 3, first.stdout + first.stderr
    assert written["elements"] == {
        "unit_select": {"label": "Mottagning", "kind": "select"},
        "unit_continue": {"role": "button", "name": "Fortsätt"},
        "insert_menu": {"role": "button", "name": "Infoga text", "kind": "menu"},
        "upload": {"role": "button", "name": "Ladda upp"},
        "reviewed": {"role": "checkbox", "name": "Jag har kontrollerat mottagarna"},
    }
    assert written["actions"] == {
        "choose_unit": [{"choose": "elements.unit_select", "option": "{unit}"}, {"click": "elements.unit_continue"}],
        "insert_text": [{"choose": "elements.insert_menu", "option": "{text_name}"}],
        "attach_file": [{"set_files": "step3.attach"}, {"click": "elements.upload"}],
        "before_send": [{"check": "elements.reviewed"}],
    }
    assert written["unit_cases"]["all_tab"] is False
    assert written["unit_cases"]["case_type"]["kind"] == "radio"
    assert written["step2"]["recipients"]["fields"] == {
        "result": {"from": "accessible_name", "inside": {"css": "[role=img]"}}
    }
    lines = text.splitlines()
    comment = lines[lines.index('before_send = [{ check = "elements.reviewed" }]') - 1]
    assert comment.startswith("# Skicka blev aktiverad när kryssrutan 'Jag har kontrollerat mottagarna' kryssades i")
    unit_comment = lines[next(n for n, line in enumerate(lines) if line.startswith("choose_unit = ")) - 1]
    assert unit_comment.endswith("på skärmen valj-mottagning"), unit_comment  # not the login screen before it
    checked = selectors_check(proposal)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert qa.sent() == []


@pytest.mark.long
@pytest.mark.parametrize("mock_skin", ["modern"], indirect=True)
def test_proposal_should_take_the_doctor_through_the_wizard_and_a_dry_run_through(tmp_path, mock_skin, live_mock, qa):
    setup, _, _, written = propose(tmp_path, live_mock.url, qa, 3460)
    assert written["step1"]["template"] == {"label": "Välj mall", "kind": "combobox"}
    override = f'selectors_override = "{tmp_path / "forslag.toml"}"'
    write_campaign(tmp_path, live_mock.url, setup.pnrs, staff_tool=override)

    second = setup.utskick("doctor", "--delivery", str(setup.delivery), "--json")
    dry = setup.run("--dry-run", "--yes")

    # the proposal alone, unedited, is the override: every key found
    assert second.returncode == 0, second.stdout + second.stderr
    assert json.loads(second.stdout)["failed"] == []
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "provkörning, inget skickades" in dry.stdout
    assert qa.sent() == []


@pytest.mark.long
def test_proposal_should_name_the_frame_the_tool_lives_in_and_then_pass_alone(tmp_path):
    portal = serve_mock({"PORTAL": True})
    try:
        qa = QA(portal.url)
        pnrs = official_test_numbers(3480, 1)
        qa.reachable(*pnrs)
        proposal = tmp_path / "forslag.toml"
        setup = write_campaign(tmp_path, f"{portal.url}/portal/", pnrs)

        first = setup.utskick("doctor", "--pnr", pnrs[0], "--propose", str(proposal))
        write_campaign(tmp_path, f"{portal.url}/portal/", pnrs, staff_tool=f'selectors_override = "{proposal}"')
        second = setup.utskick("doctor", "--pnr", pnrs[0])
    finally:
        portal.stop()

    # the walk went on inside the frame, but the defaults alone do not reach the tool: the first run says so
    assert first.returncode == 3, first.stdout + first.stderr
    assert 'Förslag: [page] frame = "iframe#personalverktyget"' in first.stdout
    assert tomllib.loads(proposal.read_text(encoding="utf-8")) == {"page": {"frame": "iframe#personalverktyget"}}
    assert second.returncode == 0, second.stdout + second.stderr
