"""When an element is not where the selectors say: what the page offers instead, from its accessibility tree
(role and name), ranked by how close each is to what the entry asks for.

"Hittar inte länken 'Skicka ärende'. På sidan finns: knapp 'Skicka ärende'" is what a site's administrator needs
to write the override; the same text goes into a run's SelectorError and into the doctor's report.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Locator, Page

from bot.locators import Selectors
from bot.pnr import scrub

# Swedish role words: (indefinite, definite).
ROLES_SV = {
    "button": ("knapp", "knappen"),
    "link": ("länk", "länken"),
    "textbox": ("fält", "fältet"),
    "searchbox": ("sökfält", "sökfältet"),
    "combobox": ("rullista", "rullistan"),
    "listbox": ("listruta", "listrutan"),  # not "lista": a listbox shown as a missing list's candidate misleads
    "option": ("alternativ", "alternativet"),
    "heading": ("rubrik", "rubriken"),
    "tab": ("flik", "fliken"),
    "table": ("tabell", "tabellen"),
    "list": ("lista", "listan"),
    "listitem": ("listpost", "listposten"),
    "row": ("rad", "raden"),
    "dialog": ("dialogruta", "dialogrutan"),
    "alertdialog": ("dialogruta", "dialogrutan"),
    "alert": ("meddelande", "meddelandet"),
    "checkbox": ("kryssruta", "kryssrutan"),
    "radio": ("radioknapp", "radioknappen"),
    "region": ("område", "området"),
    "text": ("text", "texten"),
    "paragraph": ("stycke", "stycket"),
}
# What a label, placeholder or text entry finds, in roles.
_FINDER_ROLES = {"label": ("textbox", "combobox", "searchbox", "checkbox"), "placeholder": ("textbox", "searchbox")}
# Roles a build may swap for one another (a link where another has a button): a near match, not an exact one.
_FAMILIES = (
    frozenset({"button", "link", "tab", "menuitem"}),
    frozenset({"textbox", "combobox", "searchbox", "listbox", "spinbutton"}),
    frozenset({"list", "table", "grid", "region", "dialog", "alertdialog"}),
    frozenset({"listitem", "row", "option"}),
)
_NODE = re.compile(r'^\s*- (?P<role>[a-z]+)(?: "(?P<name>(?:[^"\\]|\\.)*)")?(?: \[[^\]]*\])*(?::\s*(?P<text>.*))?$')


@dataclass(frozen=True)
class Candidate:
    """One element of the page, by role and accessible name, and how close it is to the wanted one (0–1); `frame`
    is the CSS of the iframe it lives in ("" for the page itself), `elsewhere` that it is not the entry's frame."""

    role: str
    name: str
    score: float
    frame: str = ""
    elsewhere: bool = False

    def __str__(self) -> str:
        shown = f"{ROLES_SV.get(self.role, (self.role,))[0]} '{self.name}'"
        if not self.elsewhere:
            return shown
        return f'{shown} (i ramen frame = "{self.frame}")' if self.frame else f'{shown} (utanför ramen, frame = "")'


def page_elements(page: Page, selectors: Selectors) -> list[tuple[str, str, str]]:
    """(role, name, frame) of every named node in the accessibility tree of the page and of each iframe on it
    (frame: the iframe's CSS, "" for the page itself); open shadow roots are part of the tree; personnummer
    scrubbed."""
    found: list[tuple[str, str, str]] = []
    for frame, tree in _snapshots(page, selectors):
        for line in tree.splitlines():
            node = _NODE.match(line)
            if not node or node["role"] in ("img", "iframe"):
                continue
            name = node["name"] if node["name"] is not None else (node["text"] or "")
            name = scrub(name.replace('\\"', '"').strip().strip('"'))
            if name and (node["role"], name, frame) not in found:
                found.append((node["role"], name, frame))
    return found


def _snapshots(page: Page, selectors: Selectors) -> list[tuple[str, str]]:
    """(frame CSS, ARIA snapshot) of `page.content` in its frame, and of the body of the page and of every iframe
    on it besides: an iframe's content is not part of the page's snapshot."""
    content_frame = selectors.frame_of("page.content")
    trees = [(content_frame, _snapshot(selectors.locator(page, "page.content").first))]
    for frame in page.frames:
        css = "" if frame == page.main_frame else frame_css(frame)
        if css is not None and css != content_frame:
            trees.append((css, _snapshot(frame.locator("body"))))
    return [(css, tree) for css, tree in trees if tree]


def _snapshot(locator: Locator) -> str:
    try:
        return locator.aria_snapshot(timeout=2000)
    except PlaywrightError:
        return ""


# The CSS a selectors entry's `frame` would name an iframe by: its id, name, title, or address.
_FRAME_CSS_JS = r"""
el => {
  const by = name => el.getAttribute(name) ? `${el.localName}[${name}="${CSS.escape(el.getAttribute(name))}"]` : '';
  return el.id ? `${el.localName}#${CSS.escape(el.id)}` : (by('name') || by('title') || by('src') || el.localName);
}
"""


def frame_css(frame: Frame) -> str | None:
    """The CSS of the iframe element holding `frame` on the page; None for a nested or detached frame (an entry's
    `frame` names an iframe of the page itself)."""
    if frame.parent_frame is None or frame.parent_frame.parent_frame is not None:
        return None
    try:
        return frame.frame_element().evaluate(_FRAME_CSS_JS)
    except PlaywrightError:
        return None


def wanted(selectors: Selectors, key: str) -> tuple[str | None, str, str]:
    """What the entry asks for: (role or None, name, how to say it in Swedish: "länken 'Skicka ärende'")."""
    node = selectors.entry(key)
    role = node.get("role")
    for finder in ("name", "label", "placeholder", "text", "title", "test_id", "css"):
        if finder in node:
            name = str(node[finder])
            break
    else:
        name = ""
    if role:
        what = ROLES_SV.get(role, (role, f"elementet med rollen {role}"))[1]
    else:
        what = {"label": "fältet", "placeholder": "fältet", "text": "texten"}.get(finder, "elementet")
    return role, name, f"{what} '{name}'" if name else what


def closest(
    selectors: Selectors,
    key: str,
    elements: list[tuple[str, str]] | list[tuple[str, str, str]],
    limit: int = 3,
    **fmt: str,
) -> list[Candidate]:
    """The page's elements closest to `key`'s entry (its placeholders filled from `fmt`): name similarity, a little
    extra for the expected role; elements given as (role, name, frame) say which iframe each lives in (as
    `page_elements` gives them)."""
    role, name, _ = wanted(selectors, key)
    for placeholder, value in fmt.items():
        name = name.replace("{" + placeholder + "}", value)
    roles = (
        (role,) if role else _FINDER_ROLES.get(next((f for f in _FINDER_ROLES if f in selectors.entry(key)), ""), ())
    )
    plain = re.sub(r"\{[^}]*\}", "", name).strip().casefold()
    home = selectors.frame_of(key)
    ranked = []
    for cand_role, cand_name, *where in elements:
        frame = where[0] if where else home
        score = difflib.SequenceMatcher(None, plain, cand_name.casefold()).ratio()
        if cand_role in roles:
            score += 0.1
        elif any(cand_role in family and not family.isdisjoint(roles) for family in _FAMILIES):
            score += 0.05
        if score >= 0.5:
            score_shown = round(min(score, 1.0), 2)
            ranked.append((score, Candidate(cand_role, cand_name, score_shown, frame, frame != home)))
    ranked.sort(key=lambda pair: -pair[0])
    return [candidate for _, candidate in ranked[:limit]]


def explain_missing(page: Page, selectors: Selectors, key: str) -> str:
    """'Hittar inte länken 'X'. På sidan finns: knapp 'X', …' (or that nothing close is on the page)."""
    try:
        _, _, what = wanted(selectors, key)
    except Exception:  # noqa: BLE001 - a key that is no element entry has nothing to compare
        return ""
    near = closest(selectors, key, page_elements(page, selectors))
    if not near:
        return f"Hittar inte {what}, och inget liknande finns på sidan."
    return f"Hittar inte {what}. På sidan finns: {', '.join(str(c) for c in near)}."
