"""The window shows the guideline checklist on Förhandsgranskning and Godkännande, and the approver confirms it;
the approval records the checklist (issue 26). Through Flask's test client and a real SQLite ledger."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.app.approve import approvals
from bot.intake import read_delivery
from bot.ui.app import create_app
from bot.ui.workspace import Preview

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "fixtures" / "demo"
TEST_LIST = ROOT / "mock_personalverktyg" / "seed" / "testpersonnummer.txt"
COMPOSED = (
    "Hej! Vårdcentralen Centrum meddelar att ditt provsvar är klart. Svar på det här meddelandet läses av "
    "vårdpersonal på Vårdcentralen Centrum. Har du frågor om provsvaret kan du kontakta Vårdcentralen Centrum."
)


@pytest.fixture
def window(tmp_path):
    """A signed-in test client of the window, its workspace of the demo campaign, and a CSRF token."""
    folder = tmp_path / "kampanjer"
    folder.mkdir()
    app = create_app(folder, allowed_hosts=("localhost",))
    shutil.copy(DEMO / "information.pdf", folder)
    (folder / "kampanj.toml").write_text((DEMO / "campaign.toml").read_text(encoding="utf-8"), encoding="utf-8")
    client = app.test_client()
    assert client.get(f"/start/{app.extensions['utskick']['access'].token}").status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/ny").get_data(as_text=True)).group(1)
    ws = app.extensions["utskick"]["workspaces"].get("kampanj")
    numbers = [n for n in TEST_LIST.read_text(encoding="ascii").split() if n.startswith("19")][310:312]
    (tmp_path / "leverans.txt").write_text("\n".join(numbers) + "\n", encoding="ascii")
    ws.intake = read_delivery(tmp_path / "leverans.txt", "UTSKICK_7Z_PASSWORD")
    return client, ws, csrf


def _point_text(page: str, title: str) -> str:
    return re.search(rf"<strong>{title}: ([^<]+)</strong>", page).group(1)


def test_preview_page_should_show_the_checklist_of_the_composed_text(window):
    client, ws, _ = window
    before = client.get("/kampanj/kampanj/forhandsgranskning").get_data(as_text=True)
    ws.preview = Preview(COMPOSED.replace("Har du frågor", "Undrar du"), None, ws.campaign().key())
    after = client.get("/kampanj/kampanj/forhandsgranskning").get_data(as_text=True)
    assert _point_text(before, "Frågor") == "kontrolleras i förhandsgranskningen."
    assert _point_text(after, "Frågor") == "inte uppfylld."
    assert _point_text(after, "Syfte") == "uppfylld."
    assert "Riktlinje för omvänt ärendeflöde (varningar)" in after


def test_approval_should_need_the_guideline_confirmed_and_record_the_checklist(window):
    client, ws, csrf = window
    ws.preview = Preview(COMPOSED, None, ws.campaign().key())
    form = {"csrf_token": csrf, "namn": "Greta Granskare", "hsa_id": "SE2321000016-A002", "granskat": "ja"}
    page = client.get("/kampanj/kampanj/godkannande").get_data(as_text=True)
    assert _point_text(page, "Avsändande enhet") == "uppfylld."

    unconfirmed = client.post("/kampanj/kampanj/godkannande", data=form)
    assert unconfirmed.status_code == 400
    assert "riktlinjens punkter" in unconfirmed.get_data(as_text=True)
    assert approvals(ws.campaign()) == []

    confirmed = client.post("/kampanj/kampanj/godkannande", data={**form, "riktlinje": "ja"})
    assert confirmed.status_code == 302
    recorded = approvals(ws.campaign())[0].facts["guideline"]
    assert {p["key"]: p["status"] for p in recorded["points"]}["questions"] == "met"  # as the approver saw it
