"""Every exit-3 stop of a real run explains itself: the message names the closest candidates on the page (also after
Skicka, where the receipt is what is missing), and a masked accessibility snapshot lies beside the screenshot."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from bot.config import DEFAULT_SELECTORS
from bot.errors import SelectorError
from bot.locators import Selectors
from flows.screen import Screen
from tests.helpers import assert_no_personnummer, official_test_numbers, write_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_stop_after_skicka_should_name_the_receipt_candidates_and_keep_a_masked_aria_snapshot(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(7200, 2)
    qa.reachable(*pnrs)
    override = tmp_path / "kvitto.toml"  # a build whose receipt heading is worded otherwise than the data says
    override.write_text('[receipt]\nheading = { role = "heading", name = "Ärendet är skickat" }\n', encoding="utf-8")
    setup = write_campaign(tmp_path, live_mock.url, pnrs, mode="batch", staff_tool=f'selectors_override = "{override}"')

    result = setup.run("--yes")

    output = result.stdout + result.stderr
    assert result.returncode == 3, output
    assert len(qa.sent()) == 2  # the tool sent; the bot could not see its receipt
    assert "Hittar inte rubriken 'Ärendet är skickat'. På sidan finns: rubrik 'Ärendet har skickats'" in output
    assert "Hittar inte rubriken 'Inget ärende har skickats'" in output
    snapshots = sorted((tmp_path / "artifacts").glob("*.aria.txt"))
    assert len(snapshots) == 1, sorted(p.name for p in (tmp_path / "artifacts").iterdir())
    assert snapshots[0].with_name(snapshots[0].name.replace(".aria.txt", ".png")).exists()
    snapshot = snapshots[0].read_text(encoding="utf-8")
    assert 'heading "Ärendet har skickats"' in snapshot
    assert "-****" in snapshot  # the receipt lists the citizens: masked
    assert_no_personnummer(snapshot, pnrs)
    assert_no_personnummer(output, pnrs)


def test_records_that_cannot_be_read_should_name_the_candidates_of_the_element_holding_them(page: Page):
    page.set_content(
        "<main><h1>Ärendet har skickats</h1><ul aria-label='Skickade ärenden'><li>A-000001 – 19121212-****</li></ul>"
        "</main>"
    )
    page.set_default_timeout(1000)
    screen = Screen(page, Selectors.load(DEFAULT_SELECTORS), timeout_ms=1000)

    with pytest.raises(SelectorError) as caught:
        screen.read_records("receipt.sent")

    assert "Hittar inte tabellen 'Skickade ärenden'. På sidan finns: lista 'Skickade ärenden'" in str(caught.value)
