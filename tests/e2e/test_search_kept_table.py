"""Sök in Alla ärenden on a tool that keeps its table and re-renders only the rows (a component library's data
grid, the mock's modern skin): the new rows count as the answer once they came and the tool is ready; a table
that never changes is never taken as the answer."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from bot.config import DEFAULT_SELECTORS
from bot.errors import SelectorError
from bot.locators import Selectors
from flows.screen import Screen

pytestmark = [pytest.mark.e2e]

# The grid is kept; Sök marks it busy, and a moment later puts new rows in its body and clears the mark.
KEPT_TABLE = """<!doctype html><html lang="sv"><body>
<button id="sok">Sök</button>
<div role="table" aria-label="Ärenden" id="t">
  <div role="rowgroup"><div role="row"><span role="columnheader">Ärende-id</span></div></div>
  <div role="rowgroup" id="body"><div role="row"><span role="cell">A-000001</span></div></div>
</div>
<script>
document.getElementById('sok').onclick = () => {{
  const t = document.getElementById('t');
  if ({answers}) {{
    t.setAttribute('aria-busy', 'true');
    setTimeout(() => {{
      const row = document.createElement('div'); row.setAttribute('role', 'row');
      row.innerHTML = '<span role="cell">A-000002</span>';
      document.getElementById('body').replaceChildren(row);
      t.setAttribute('aria-busy', 'false');
    }}, 300);
  }}
}};
</script></body></html>"""

OVERRIDE = """[page]
busy = { css = "[aria-busy=true]" }
[unit_cases]
ready = { gone = "page.busy" }
table = { role = "table", name = "Ärenden" }
"""


def _screen(page: Page, tmp_path, timeout_ms: int) -> Screen:
    override = tmp_path / "kept.toml"
    override.write_text(OVERRIDE, encoding="utf-8")
    return Screen(page, Selectors.load(DEFAULT_SELECTORS, override), timeout_ms)


def test_search_on_a_kept_table_should_wait_for_the_new_rows_and_the_tool_to_be_ready(page: Page, tmp_path):
    page.set_content(KEPT_TABLE.format(answers="true"))
    screen = _screen(page, tmp_path, 5000)

    screen.click_and_wait_replaced("unit_cases.search", "unit_cases.table", "unit_cases.ready")

    assert page.get_by_role("table", name="Ärenden").inner_text().split() == ["Ärende-id", "A-000002"]


def test_search_on_a_table_that_never_changes_should_not_take_the_old_rows_as_the_answer(page: Page, tmp_path):
    page.set_content(KEPT_TABLE.format(answers="false"))
    screen = _screen(page, tmp_path, 1500)

    with pytest.raises(SelectorError, match="unit_cases.table"):
        screen.click_and_wait_replaced("unit_cases.search", "unit_cases.table", "unit_cases.ready")
