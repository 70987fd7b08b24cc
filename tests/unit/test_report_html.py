"""The HTML summary as a reader sees it: opened in headless Chromium, photographed, its text checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.unit.test_report import PNR_LIKE, Book, mixed  # noqa: F401 - the fixture is used by name

pytestmark = [pytest.mark.e2e]


def test_html_summary_should_show_counts_and_charts_in_a_browser_without_personnummer(
    mixed: Book,  # noqa: F811
    page,
    tmp_path: Path,
) -> None:
    html = mixed.write()[1]

    page.goto(html.resolve().as_uri())
    page.screenshot(path=str(tmp_path / "sammanfattning.png"), full_page=True)
    text = page.locator("body").inner_text()

    assert page.title().startswith("Uppföljning av utskicket")
    assert not PNR_LIKE.search(text)
    assert not PNR_LIKE.search(page.content())
    assert not re.search(r"\d{6}[-+]\*{4}", text)  # not even masked
    counts = page.get_by_role("table").first
    assert re.search(r"Invånare i kampanjen\s+9", counts.inner_text())
    assert re.search(r"Skickade\s+3", counts.inner_text())
    assert re.search(r"varav lästa\s+1", counts.inner_text())
    assert re.search(r"Ej nåbara \(kontakta på annat sätt\)\s+2", counts.inner_text())
    assert re.search(r"Ogiltiga i leveransen\s+3", counts.inner_text())
    assert page.locator("figure svg").count() == 2
    assert all(box and box["width"] > 300 for box in (s.bounding_box() for s in page.locator("figure svg").all()))
    assert "Europe/Stockholm" in text
    assert (tmp_path / "sammanfattning.png").stat().st_size > 10_000
