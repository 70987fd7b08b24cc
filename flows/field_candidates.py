"""When a row shows no text where a records field is expected: the names, titles and attributes the elements inside
the row carry instead, each with the `fields = { … }` source that would read it.

A tool that shows a recipient's check result only as an icon (its accessible name or tooltip) leaves the text
empty; telling the site's administrator which element holds it, and how to read it, saves a session of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator

from bot.pnr import scrub
from flows.shadow_dom import SHADOW_DOM_JS

# Per element inside the row that carries a name, title or label but no visible text of its own: a CSS that finds
# it within the row (tag and first class, or tag and role), how to read it, and what it says; inside open shadow
# roots too, as the records reader reads them.
_HIDDEN_TEXTS_JS = r"""
row => {
${SHADOW}
  return deepAll(row, '[aria-label], [aria-labelledby], [title], img[alt], svg').map(el => {
    const attr = name => (el.getAttribute(name) ?? '').trim();
    const byIds = attr('aria-labelledby').split(/\s+/).filter(Boolean)
      .map(id => byId(el, id)).filter(Boolean).map(e => e.textContent.trim()).join(' ');
    const svgTitle = ([...el.children].find(c => c.localName === 'title')?.textContent ?? '').trim();
    const named = byIds || attr('aria-label') || attr('alt') || svgTitle;
    const how = named ? 'accessible_name' : (attr('title') ? 'title' : '');
    const css = el.localName + (el.classList.length ? '.' + CSS.escape(el.classList[0])
      : (attr('role') ? `[role="${attr('role')}"]` : ''));
    return { css, how, text: named || attr('title') };
  }).filter(found => found.how && found.text);
}
""".replace("${SHADOW}", SHADOW_DOM_JS)


_WHAT_SV = {"accessible_name": "namnet", "title": "titeln"}


@dataclass(frozen=True)
class HiddenText:
    """An element inside a row whose name or title says something its visible text does not."""

    css: str
    source: str  # "accessible_name" or "title"
    text: str

    def field_line(self, field: str) -> str:
        """The `fields` entry that reads it, e.g. fields = { result = { from = "accessible_name", … } }."""
        return f'fields = {{ {field} = {{ from = "{self.source}", inside = {{ css = "{self.css}" }} }} }}'


def hidden_texts(row: Locator, limit: int = 3) -> list[HiddenText]:
    """Up to `limit` elements in the row (its first match) that carry a name or title; none if it cannot be read."""
    try:
        found = row.first.evaluate(_HIDDEN_TEXTS_JS)
    except PlaywrightError:
        return []
    return [HiddenText(f["css"], f["how"], scrub(" ".join(f["text"].split()))) for f in found[:limit]]


def explain_hidden(key: str, field: str, found: list[HiddenText]) -> str:
    """Swedish: what the elements inside the row say, and how to read the first as the field."""
    shown = ", ".join(f"{h.css} med {_WHAT_SV[h.source]} '{h.text}'" for h in found)
    return (
        f"Inne i raden finns: {shown}. Om det är fältet '{field}': läs det med {found[0].field_line(field)} "
        f"under [{key}]."
    )
