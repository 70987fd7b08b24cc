"""Who is signed in to the staff tool (issue 24, finding 9), through the real CLI against the live mock on both
skins: a run records the user the tool's header shows as the sender; an approval by that user is refused; a run
that needs approval stops with exit 3 when the tool shows no one."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.e2e.test_operations import utskick
from tests.helpers import write_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SIGNED_IN = "Anna Ärendehanterare"  # the seed's user SE2321000016-A001, whom the campaign logs in as


def _senders(setup) -> list[str]:
    with sqlite3.connect(setup.ledger) as conn:
        rows = conn.execute("SELECT detail FROM events WHERE event = 'sender_signed_in' ORDER BY id").fetchall()
    return [json.loads(detail)["name"] for (detail,) in rows]


def _require_approval(setup) -> None:
    setup.campaign.write_text(setup.campaign.read_text(encoding="utf-8") + "\n[approval]\nrequired = true\n")


def _approve(setup, name: str, hsa_id: str):
    args = ("--approver-name", name, "--approver-hsa-id", hsa_id, "--yes")
    return utskick("approve", str(setup.campaign), "--delivery", str(setup.delivery), *args)


@pytest.mark.parametrize("mock_skin", ["classic", "spa"], indirect=True)
def test_run_should_record_the_signed_in_user_as_sender(tmp_path, live_mock, qa, mock_skin):
    setup = write_campaign(tmp_path / mock_skin, live_mock.url, qa.citizens("ok", 2), skin=mock_skin)

    result = setup.run("--yes")

    assert result.returncode == 0, result.stderr
    assert _senders(setup) == [SIGNED_IN]
    assert f"Inloggad i Personalverktyget (avsändare): {SIGNED_IN}" in result.stdout + result.stderr


def test_approval_by_the_signed_in_sender_should_be_refused_and_nothing_sent(tmp_path, live_mock, qa):
    setup = write_campaign(tmp_path / "egen", live_mock.url, qa.citizens("ok", 2))
    _require_approval(setup)
    # The sender types their own name with a colleague's HSA-id: nothing shows it before the tool is asked.
    assert _approve(setup, SIGNED_IN, "SE2321000016-A002").returncode == 0

    refused = setup.run("--yes")

    assert refused.returncode == 2, refused.stderr
    assert "inloggad i Personalverktyget och skickar" in refused.stderr and "Inget skickades" in refused.stderr
    assert qa.sent() == []
    assert _senders(setup) == [SIGNED_IN]
    again = _approve(setup, SIGNED_IN.upper(), "SE2321000016-A003")
    assert again.returncode == 2 and "var inloggad i Personalverktyget" in again.stderr
    assert _approve(setup, "Bengt Granskare", "SE2321000016-A002").returncode == 0  # a colleague's approval
    assert setup.run("--yes").returncode == 0
    assert sorted(s["pnr"] for s in qa.sent()) == sorted(setup.pnrs)


def test_run_needing_approval_should_stop_with_exit_3_when_the_tool_shows_no_one(tmp_path, live_mock, qa):
    setup = write_campaign(tmp_path / "okand", live_mock.url, qa.citizens("ok", 2))
    override = tmp_path / "okand" / "site.toml"
    override.write_text('[nav]\nsigned_in_user = { title = "Inloggad användare" }\n', encoding="utf-8")
    text = setup.campaign.read_text(encoding="utf-8").replace(
        "timeout_ms = 8000", f'timeout_ms = 8000\nselectors_override = "{override}"'
    )
    setup.campaign.write_text(text, encoding="utf-8")
    _require_approval(setup)
    assert _approve(setup, "Bengt Granskare", "SE2321000016-A002").returncode == 0

    stopped = setup.run("--yes")

    assert stopped.returncode == 3, stopped.stderr
    said = stopped.stdout + stopped.stderr
    assert "visar inte vem som är inloggad" in said and "nav.signed_in_user" in said
    assert qa.sent() == []
