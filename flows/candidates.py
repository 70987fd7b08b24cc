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
from playwright.sync_api import Page

from bot.locators import Selectors
from bot.pnr import scrub

# Swedish role words: (indefinite, definite).
ROLES_SV = {
    "button": ("knapp", "knappen"),
    "link": ("länk", "länken"),
    "textbox": ("fält", "fältet"),
    "searchbox": ("sökfält", "sökfältet"),
    "combobox": ("rullista", "rullistan"),
    "listbox": ("lista", "listan"),
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
    """One element of the page, by role and accessible name, and how close it is to the wanted one (0–1)."""

    role: str
    name: str
    score: float

    def __str__(self) -> str:
        return f"{ROLES_SV.get(self.role, (self.role,))[0]} '{self.name}'"


def page_elements(page: Page, selectors: Selectors) -> list[tuple[str, str]]:
    """(role, name) of every named node in the page's accessibility tree; personnummer scrubbed."""
    try:
        tree = selectors.locator(page, "page.content").first.aria_snapshot(timeout=2000)
    except PlaywrightError:
        return []
    found: list[tuple[str, str]] = []
    for line in tree.splitlines():
        node = _NODE.match(line)
        if not node or node["role"] == "img":
            continue
        name = node["name"] if node["name"] is not None else (node["text"] or "")
        name = scrub(name.replace('\\"', '"').strip().strip('"'))
        if name and (node["role"], name) not in found:
            found.append((node["role"], name))
    return found


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


def closest(selectors: Selectors, key: str, elements: list[tuple[str, str]], limit: int = 3) -> list[Candidate]:
    """The page's elements closest to `key`'s entry: name similarity, a little extra for the expected role."""
    role, name, _ = wanted(selectors, key)
    roles = (
        (role,) if role else _FINDER_ROLES.get(next((f for f in _FINDER_ROLES if f in selectors.entry(key)), ""), ())
    )
    plain = re.sub(r"\{[^}]*\}", "", name).strip().casefold()
    ranked = []
    for cand_role, cand_name in elements:
        score = difflib.SequenceMatcher(None, plain, cand_name.casefold()).ratio()
        if cand_role in roles:
            score += 0.1
        elif any(cand_role in family and not family.isdisjoint(roles) for family in _FAMILIES):
            score += 0.05
        if score >= 0.5:
            ranked.append((score, Candidate(cand_role, cand_name, round(min(score, 1.0), 2))))
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
