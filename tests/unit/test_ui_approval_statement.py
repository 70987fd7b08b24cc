"""The window's approval screen says plainly what an approval there is (issue 24, finding 9): a recorded statement,
checked against the signed-in sender, and what would make it stronger at a site (the approver's own login)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from bot.ui.app import create_app

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo"


def test_approval_screen_should_say_it_records_a_statement_and_what_would_make_it_stronger(tmp_path) -> None:
    folder = tmp_path / "kampanjer"
    folder.mkdir()
    shutil.copy(DEMO / "information.pdf", folder)
    (folder / "kampanj.toml").write_text((DEMO / "campaign.toml").read_text(encoding="utf-8"), encoding="utf-8")
    app = create_app(folder, allowed_hosts=("localhost",))
    client = app.test_client()
    assert client.get(f"/start/{app.extensions['utskick']['access'].token}").status_code == 200

    page = client.get("/kampanj/kampanj/godkannande").get_data(as_text=True)

    section = re.search(r'<section class="card" id="godkannande-vad".*?</section>', page, re.S)
    assert section, page
    text = " ".join(re.sub(r"<[^>]+>", "", section.group(0)).split())
    assert "registrerar ett påstående" in text
    assert "vem som är inloggad i Personalverktyget" in text and "vägrar skicka om godkännaren är samma person" in text
    assert "egen inloggning" in text
