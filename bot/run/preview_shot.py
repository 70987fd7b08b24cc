"""A screenshot of the staff tool's last step before Skicka, for the approver, with every personnummer covered.

Playwright paints a box over each masked element in the image only; the page itself is never changed (worker 0
sends from the same page afterwards).
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page

from bot.pnr import MASK_PATTERN
from bot.private_files import private_dir

MASK_COLOR = "#1f2933"
# The masking pattern without named groups, which JavaScript spells differently: the page and Python share it.
_TEXT = re.compile(re.sub(r"\(\?P<\w+>", "(?:", MASK_PATTERN.pattern))
# Form fields: the value is not text in the DOM, so find them by value in the page.
_FIELDS_WITH_PNR = """(pattern) => {
  const re = new RegExp(pattern);
  return Array.from(document.querySelectorAll('input, textarea, select'))
    .map((el, i) => [i, el.value || ''])
    .filter(([, value]) => re.test(value))
    .map(([i]) => i);
}"""


def pnr_locators(page: Page) -> list[Locator]:
    """Everything on the page, and in its iframes (a tool inside a portal), that shows a personnummer: text and
    form fields."""
    found: list[Locator] = []
    for frame in page.frames:
        fields = frame.locator("input, textarea, select")
        indexes = frame.evaluate(_FIELDS_WITH_PNR, _TEXT.pattern)
        found += [frame.get_by_text(_TEXT), *(fields.nth(i) for i in indexes)]
    return found


def save_masked_screenshot(page: Page, path: Path) -> Path:
    """Write a full-page PNG of `page` to `path` (0600, folder 0700) with every personnummer painted over."""
    private_dir(path.parent, tighten=False)
    page.screenshot(path=str(path), full_page=True, mask=pnr_locators(page), mask_color=MASK_COLOR)
    return path
