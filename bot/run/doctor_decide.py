"""How the doctor decides an entry from what the page shows: entries of a compatible role with the expected name
are tried on the page, and one is decided only when exactly one kind of them finds the element (one, or for a key
that matches many by design, some) and nothing else; records from the column headers seen in their element.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Error as PlaywrightError

from bot.locators import Selectors
from bot.pnr import scrub
from bot.run.doctor_propose import patched
from flows.candidates import ROLES_SV, Candidate
from flows.screen import Screen
from flows.swedish_dates import parse_shown

# Roles a build may use for the same thing (a link where another has a button).
_FAMILIES = (
    ("button", "link", "tab", "menuitem"),
    ("list", "table", "grid"),
    ("listitem", "row", "option"),
    ("textbox", "searchbox", "combobox"),
)
_NAMED_BY = ("name", "label", "placeholder")
_FINDERS = ("role", "label", "placeholder", "test_id", "text", "title", "css")

# What the records reader needs for a <table> and for an ARIA table of other elements, in that order.
_STRUCTURES_JS = r"""
el => {
  const text = e => (e.textContent ?? '').trim().replace(/\s+/g, ' ');
  const kinds = [
    { header: 'thead th', row: 'tbody tr', cell: 'td, th' },
    { header: '[role=columnheader]', row: '[role=row]', cell: '[role=cell], [role=gridcell]' },
  ];
  for (const kind of kinds) {
    const headers = [...el.querySelectorAll(kind.header)].map(text);
    if (!headers.length) continue;
    const rows = [...el.querySelectorAll(kind.row)].map(r => [...r.querySelectorAll(kind.cell)].map(text))
      .filter(cells => cells.length);
    return { ...kind, headers, rows };
  }
  return null;
}
"""


def roles_to_try(node: dict[str, Any]) -> list[str]:
    """The entry's own role first, then the roles of its family."""
    role = node.get("role")
    if role is None:
        return ["textbox", "combobox", "searchbox"] if ("label" in node or "placeholder" in node) else []
    family = next((f for f in _FAMILIES if role in f), (role,))
    return [role, *(r for r in family if r != role)]


def alternatives(node: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Entries to try, in tiers: the first tier in which exactly one finds the element decides."""
    kept = {k: v for k, v in node.items() if k not in _FINDERS and k not in ("name", "exact")}
    name = next((node[k] for k in _NAMED_BY if k in node), None)
    roles = roles_to_try(node)
    tiers: list[list[dict[str, Any]]] = []
    if node.get("kind") == "file_input" and name is not None:
        tiers.append([kept | {"role": "button", "name": name, "kind": "file_chooser"}])
    if name is None:
        tiers.append([kept | {"role": r} for r in roles if r != node.get("role")])
        return tiers
    tiers.append([kept | {"role": r, "name": name} for r in roles if r != node.get("role") or "name" not in node])
    tiers.append([kept | {"role": r, "name": name, "exact": False} for r in roles])
    return tiers


def finds(screen: Screen, key: str, entry: dict[str, Any], many: bool, count: int | None, **fmt: str) -> bool:
    """True when `entry` for `key` finds exactly one visible element (`many`: at least one; `count`: that many)."""
    trial = patched(screen.selectors, key, entry)
    try:
        loc = trial.locator(screen.page, key, **fmt)
        n = loc.count()
        if count is not None:
            return n == count
        if n == 0 or (n > 1 and not many):
            return False
        return entry.get("kind") in ("file_input",) or loc.first.is_visible()
    except PlaywrightError:
        return False


def decide_element(
    screen: Screen,
    key: str,
    screen_name: str,
    *,
    many: bool = False,
    count: int | None = None,
    extra: list[dict[str, Any]] | None = None,
    near: list[Candidate] | None = None,
    **fmt: str,
) -> tuple[dict[str, Any] | None, str]:
    """The entry that finds `key`'s element, and what was seen (Swedish); (None, why) when it cannot be decided.
    `extra` are further entries to try last; candidates in another frame than the entry's (`near`) are tried with
    that frame."""
    node = screen.selectors.entry(key)
    tiers = [*alternatives(node), *([extra] if extra else []), *framed(node, near or [])]
    for tier in tiers:
        working = [entry for entry in tier if finds(screen, key, entry, many, count, **fmt)]
        if len(working) == 1:
            return working[0], seen(working[0], screen_name, **fmt)
        if len(working) > 1:
            shown = ", ".join(describe(e) for e in working)
            return None, f"flera möjliga: {shown}"
    wanted_name = str(next((node[k] for k in _NAMED_BY if k in node), ""))
    for placeholder, value in fmt.items():
        wanted_name = wanted_name.replace("{" + placeholder + "}", value)
    if node.get("role") != "option" and any(
        c.role == "option" and c.name.casefold() == wanted_name.casefold() for c in near or []
    ):
        return None, (
            "det som söks finns som alternativ i en lista, inte som ett eget element: välj det med en åtgärd "
            "under [actions] (t.ex. en lista och en knapp)"
        )
    return None, "inget element med en passande roll och det väntade namnet"


def framed(node: dict[str, Any], near: list[Candidate]) -> list[list[dict[str, Any]]]:
    """Entries for the candidates of a compatible role that live in another frame than the entry says."""
    kept = {k: v for k, v in node.items() if k not in _FINDERS and k not in ("name", "exact", "frame")}
    name = next((node[k] for k in _NAMED_BY if k in node), None)
    roles = roles_to_try(node)
    places = dict.fromkeys((c.role, c.frame) for c in near if c.elsewhere and c.role in roles)
    tier = [kept | {"role": role, "frame": frame} | ({"name": name} if name else {}) for role, frame in places]
    return [tier] if tier else []


def describe(entry: dict[str, Any]) -> str:
    """An entry in Swedish words: "knapp 'Fortsätt'", "tabell vars namn börjar med 'Mottagare'"."""
    role = entry.get("role")
    what = ROLES_SV.get(role, (role or "element",))[0] if role else f"element '{entry.get('css', '')}'"
    name = entry.get("name")
    if name is None:
        return what
    if entry.get("exact") is False:
        return f"{what} vars namn innehåller '{name}'"
    return f"{what} '{name}'"


def seen(entry: dict[str, Any], screen_name: str, **fmt: str) -> str:
    """The comment for a decided entry: what was seen where, placeholders filled except personnummer."""
    text = describe(entry)
    for name, value in fmt.items():
        if name != "pnr":
            text = text.replace("{" + name + "}", value)
    if entry.get("kind") == "file_chooser":
        text += " som öppnar en filväljare"
    if entry.get("frame"):
        text += f" i ramen {entry['frame']}"
    return scrub(f"{text} på skärmen {screen_name}")


def table_structure(screen: Screen, container: str) -> dict[str, Any] | None:
    """Header, row and cell CSS with the headers and rows seen in `container`; None when it shows no headers."""
    try:
        return screen.el(container).first.evaluate(_STRUCTURES_JS)
    except PlaywrightError:
        return None


def decide_records(
    selectors: Selectors, key: str, structure: dict[str, Any] | None, by_content: dict[str, re.Pattern[str]]
) -> tuple[dict[str, Any] | None, str]:
    """A records entry by column header from the structure seen; a field whose header the current entry does not
    name is found by a cell that matches `by_content` (the shown personnummer, a known check text)."""
    if structure is None:
        return None, "inga kolumnrubriker syntes i elementet"
    spec = selectors.records(key)
    headers = structure["headers"]
    folded = [h.casefold() for h in headers]
    fields: dict[str, str] = {}
    for name, header in spec.fields.items():
        if header.casefold() in folded:
            fields[name] = headers[folded.index(header.casefold())]
    for name, pattern in by_content.items():
        if name in fields:
            continue
        columns = {i for cells in structure["rows"] for i, cell in enumerate(cells) if pattern.search(cell)}
        if len(columns) == 1 and (i := columns.pop()) < len(headers) and headers[i]:
            fields[name] = headers[i]
    wanted = set(spec.fields) | set(by_content) if spec.fields else set(by_content)
    missing = sorted(wanted - set(fields))
    if missing:
        shown = ", ".join(f"'{h}'" for h in headers)
        return None, f"kolumnerna {shown} syntes, men inte vilken som är {', '.join(missing)}"
    entry = {
        "records": spec.container,
        "row": structure["row"],
        "cell": structure["cell"],
        "header": structure["header"],
        "fields": fields,
    }
    return entry, scrub(f"kolumnerna {', '.join(repr(h) for h in headers)}")


# Ways tools show a time, tried in this order when Skickat cannot be read with the selectors' format (month names
# and abbreviations, "idag"/"igår", a 12-hour clock and a stated zone are read by flows.swedish_dates whatever the
# format says of them).
SENT_AT_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d kl. %H:%M:%S",
    "%Y-%m-%d kl. %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%d %b %Y %H:%M",
    "%d %b %Y %H:%M:%S",
    "%d %b %Y kl. %H:%M",
    "%d %b %H:%M",
    "%d %b kl. %H:%M",
    "%d.%m.%Y %H:%M",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
)


def decide_sent_at_format(shown: list[str]) -> tuple[str | None, str]:
    """The one format that reads every Skickat text shown, and what was seen; None when no known format reads them
    all, or when formats that do read them disagree on the time (day and month order)."""
    example = scrub(shown[0])
    read = {fmt: [parse_shown(text, fmt) for text in shown] for fmt in SENT_AT_FORMATS}
    fitting = {fmt: times for fmt, times in read.items() if all(times)}
    if not fitting:
        return None, f"Skickat visas som '{example}', och inget känt format läser det"
    if len({tuple(times) for times in fitting.values()}) > 1:
        return None, f"Skickat visas som '{example}', och formaten {', '.join(fitting)} läser olika tider ur det"
    fmt = next(iter(fitting))
    return fmt, f"Skickat visas som '{example}' ({len(shown)} rader lästa med formatet)"
