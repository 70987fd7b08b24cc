"""`utskick doctor` end to end: the real CLI walks the live mock in headless Chromium up to, never including,
Skicka, checks every selectors key and writes a report without personnummer."""

from __future__ import annotations

import json
import re
import stat
import subprocess

import pytest

from tests.helpers import ALL_SKINS_SPA_LONG, Setup, official_test_numbers, write_campaign

pytestmark = [pytest.mark.e2e]

PNR_LIKE = re.compile(r"(?<!\d)(\d{10}|\d{12})(?!\d)|(?<!\d)\d{6,8}[-+]\d{4}(?!\d)")


def doctor(setup: Setup, *args: str) -> subprocess.CompletedProcess:
    """Run `utskick doctor` on this setup's campaign file."""
    return setup.utskick("doctor", *args)


@ALL_SKINS_SPA_LONG
def test_doctor_should_find_every_key_on_the_mock_and_send_nothing(tmp_path, mock_skin, live_mock, qa):
    pnrs = official_test_numbers(3300, 2)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs, skin=mock_skin)

    result = doctor(setup, "--delivery", str(setup.delivery))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Alla nycklar hittades." in result.stdout
    assert qa.sent() == []
    folder = next((tmp_path / "artifacts").glob("doktor-*"))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    names = sorted(p.name for p in folder.iterdir())
    assert [n for n in names if n.endswith(".png")] == [
        "01-inloggning.png",
        "02-valj-mottagning.png",
        "03-mina-arenden.png",
        "04-steg-1.png",
        "05-steg-2.png",
        "06-steg-3.png",
        "07-steg-2-borttagen.png",
        "08-alla-arenden.png",
    ]
    report = json.loads((folder / "rapport.json").read_text(encoding="utf-8"))
    states = {c["key"]: c["state"] for c in report["checks"]}
    assert states["step2.remove"] == states["step3.send"] == states["unit_cases.cases"] == "found"
    assert states["receipt.heading"] == "not_checked"
    # The classic and modern builds have no confirmation dialog; the single-page build's shows only after Skicka.
    assert states["step3.confirm"] == ("not_checked" if mock_skin == "spa" else "off")
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert not PNR_LIKE.search(path.name)
    for text in (folder / "rapport.txt").read_text(encoding="utf-8"), result.stdout:
        assert not PNR_LIKE.search(text)


def test_doctor_should_name_wrong_keys_and_rank_the_right_element_first(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(3310, 1)
    qa.reachable(*pnrs)
    override = tmp_path / "fel.toml"
    override.write_text(
        '[step3]\nsend = { role = "link", name = "Skicka" }\nsubject = { label = "Rubriken" }\n', encoding="utf-8"
    )
    setup = write_campaign(tmp_path, live_mock.url, pnrs, staff_tool=f'selectors_override = "{override}"')

    result = doctor(setup, "--pnr", pnrs[0], "--json")

    assert result.returncode == 3, result.stdout + result.stderr
    failed = {c["key"]: c for c in json.loads(result.stdout)["failed"]}
    assert set(failed) == {"step3.send", "step3.subject"}
    assert failed["step3.send"]["detail"] == "Hittar inte länken 'Skicka'. Förslag: knapp 'Skicka'."
    assert failed["step3.send"]["candidates"][0] == "knapp 'Skicka'"
    assert failed["step3.subject"]["candidates"][0] == "fält 'Rubrik'"
    assert qa.sent() == []
    assert not PNR_LIKE.search(result.stdout)


def test_doctor_without_a_citizen_should_be_an_input_error(tmp_path, live_mock):
    setup = write_campaign(tmp_path, live_mock.url, official_test_numbers(3320, 1))

    result = doctor(setup)

    assert result.returncode == 2
    assert "Ange --delivery" in result.stderr
