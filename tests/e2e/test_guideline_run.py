"""`utskick run` checks the composed message against the region's guideline (issue 26): the real CLI, a real
headless Chromium, the real mock over HTTP; the text checked is the one Personalverktyget composed."""

from __future__ import annotations

import json

import pytest

from tests.helpers import official_test_numbers, write_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DECLARED = """
[message.guideline]
purpose = "ditt provsvar är klart"
replies = "läses av vårdpersonal"
questions = "{questions}"
"""


def _setup(tmp_path, url, pnrs, *, questions="Har du frågor", required=False):
    setup = write_campaign(tmp_path, url, pnrs)
    text = setup.campaign.read_text(encoding="utf-8").replace(
        "[sending]", DECLARED.format(questions=questions) + "[sending]"
    )
    if required:
        text += "\n[guideline]\nrequired = true\n"
    setup.campaign.write_text(text, encoding="utf-8")
    return setup


def test_dry_run_should_print_the_checklist_of_the_composed_message(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(2400, 1)
    qa.reachable(*pnrs)
    setup = _setup(tmp_path, live_mock.url, pnrs, required=True)

    result = setup.run("--dry-run", "--json")

    assert result.returncode == 0, result.stderr
    assert "Riktlinje för omvänt ärendeflöde (krav)" in result.stderr
    assert "[x] Frågor" in result.stderr and "[ ]" not in result.stderr
    points = json.loads(result.stdout)["guideline"]["points"]
    assert {p["status"] for p in points} == {"met"}
    assert qa.sent() == []


def test_run_should_refuse_when_required_and_a_phrase_is_missing_from_the_composed_text(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(2410, 2)
    qa.reachable(*pnrs)
    setup = _setup(tmp_path, live_mock.url, pnrs, questions="ring 1177 dygnet runt", required=True)

    result = setup.run("--yes")

    assert result.returncode == 2, result.stderr + result.stdout
    assert "Frågor" in result.stderr and "ring 1177 dygnet runt" in result.stderr
    assert qa.sent() == []


def test_dry_run_should_show_unmet_points_as_warnings_when_not_required(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(2420, 1)
    qa.reachable(*pnrs)
    setup = _setup(tmp_path, live_mock.url, pnrs, questions="ring 1177 dygnet runt")

    result = setup.run("--dry-run")

    assert result.returncode == 0, result.stderr
    assert "[ ] Frågor" in result.stdout and "(varningar)" in result.stdout
