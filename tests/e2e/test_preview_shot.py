"""The window's preview screenshot covers every personnummer on the page, in text and in form fields, and leaves
the rest of the step readable (a real browser, a real PNG)."""

from __future__ import annotations

import pytest
from PIL import Image

from bot.run.preview_shot import MASK_COLOR, save_masked_screenshot
from tests.helpers import official_test_numbers

pytestmark = [pytest.mark.e2e]


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5))


def _centre(page, selector: str) -> tuple[int, int]:
    box = page.locator(selector).bounding_box()
    return int(box["x"] + box["width"] / 2), int(box["y"] + box["height"] / 2)


def test_preview_screenshot_should_paint_over_every_personnummer(page, tmp_path):
    pnr = official_test_numbers(10, 1)[0]
    page.set_content(
        f"""<html lang="sv"><body style="background:#fff;font-size:24px">
        <h1 id="rubrik" style="background:#fff">Skicka ärende</h1>
        <p id="text" style="background:#fff">Mottagare {pnr[:8]}-{pnr[8:]}</p>
        <input id="falt" value="{pnr}" style="font-size:24px">
        <textarea id="meddelande">Hej! Ditt provsvar finns.</textarea></body></html>"""
    )
    shot = save_masked_screenshot(page, tmp_path / "bild" / "forhandsgranskning.png")

    image = Image.open(shot).convert("RGB")
    masked = _rgb(MASK_COLOR)
    assert image.getpixel(_centre(page, "#text")) == masked
    assert image.getpixel(_centre(page, "#falt")) == masked
    assert image.getpixel(_centre(page, "#meddelande")) != masked
    assert image.getpixel((2, 2)) == (255, 255, 255)
    assert page.locator("#falt").input_value() == pnr  # the page itself is untouched
    assert (tmp_path / "bild").stat().st_mode & 0o777 == 0o700
