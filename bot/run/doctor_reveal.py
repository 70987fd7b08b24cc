"""How the doctor finds the action sequence that reveals what a key's default cannot reach: it tries a sequence the
page suggests (a native select and a button, a menu that holds the text, a file input and an upload button, a box
that enables Skicka) on the live page, and proposes it only when it saw the expected next state. Each finder
returns the entries to propose as (key, entry, what was seen), or None with why.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator

from bot.errors import UtskickError
from bot.locators import in_frame
from bot.run.doctor_propose import patched
from flows.actions import run_action
from flows.screen import Screen

# Buttons that confirm a choice and lead to the next screen, in the words builds use.
CONFIRM_NAMES = ("Fortsätt", "Välj", "Gå vidare", "OK")
# Buttons that send a chosen file.
UPLOAD_NAMES = ("Ladda upp", "Bifoga", "Skicka fil", "Lägg till fil")
# How long a tried sequence may take to show its next state.
TRY_MS = 5000

# The label a person reads for a form control: its <label>, aria-label, or aria-labelledby text.
_LABEL_JS = r"""
el => {
  const text = e => (e.textContent ?? '').trim().replace(/\s+/g, ' ');
  if (el.labels && el.labels.length) return text(el.labels[0]);
  if (el.getAttribute('aria-label')) return el.getAttribute('aria-label').trim();
  const by = el.getAttribute('aria-labelledby');
  if (by) return by.split(/\s+/).map(id => document.getElementById(id)).filter(Boolean).map(text).join(' ');
  return '';
}
"""
_OPTION_TEXTS_JS = "el => [...el.options].map(o => (o.textContent ?? '').trim().replace(/\\s+/g, ' '))"


@dataclass
class Revealed:
    """What a tried sequence showed: the entries to propose, each with what was seen."""

    entries: list[tuple[str, Any, str]] = field(default_factory=list)

    def add(self, key: str, entry: Any, seen: str) -> None:
        """One more entry to propose."""
        self.entries.append((key, entry, seen))


def trial(screen: Screen, revealed: Revealed) -> Screen:
    """The screen with the revealed entries in its selectors (the real screen keeps its own until they worked)."""
    selectors = screen.selectors
    for key, entry, _ in revealed.entries:
        selectors = patched(selectors, key, entry)
    tried = Screen.__new__(Screen)
    tried.__dict__.update(screen.__dict__)
    tried.selectors = selectors
    return tried


def _scope(screen: Screen):
    return in_frame(screen.page, screen.selectors.frame_of("page.content"))


def _label(loc: Locator) -> str:
    try:
        return str(loc.evaluate(_LABEL_JS))
    except PlaywrightError:
        return ""


def one_button(screen: Screen, names: tuple[str, ...]) -> str | None:
    """The one name of `names` that exactly one visible button on the page has; None when none or several."""
    scope = _scope(screen)
    shown = []
    for name in names:
        buttons = scope.get_by_role("button", name=name, exact=True)
        with contextlib.suppress(PlaywrightError):
            if buttons.count() == 1 and buttons.first.is_visible():
                shown.append(name)
    return shown[0] if len(shown) == 1 else None


def unit_select(screen: Screen, unit: str, left: Callable[[], None]) -> tuple[Revealed | None, str]:
    """The unit as an <option> of one native select, followed by a confirm button: choose it, click the button and
    see the unit screen go (`left` waits for that); (None, why) when the page does not show exactly that."""
    scope = _scope(screen)
    selects = []
    for loc in scope.locator("select").all():
        with contextlib.suppress(PlaywrightError):
            if unit in loc.evaluate(_OPTION_TEXTS_JS):
                selects.append(loc)
    if len(selects) != 1:
        return None, f"mottagningen '{unit}' är alternativ i {len(selects)} listor (<select>), inte i en"
    label = _label(selects[0])
    if not label or scope.get_by_label(label, exact=True).count() != 1:
        return None, f"listan med mottagningen '{unit}' har ingen etikett som bara den har"
    button = one_button(screen, CONFIRM_NAMES)
    if button is None:
        names = ", ".join(CONFIRM_NAMES)
        return None, f"listan '{label}' finns, men inte exakt en av knapparna {names} att gå vidare med"
    found = Revealed()
    found.add("elements.unit_select", {"label": label, "kind": "select"}, f"listan (<select>) '{label}'")
    found.add("elements.unit_continue", {"role": "button", "name": button}, f"knappen '{button}'")
    steps = [
        {"choose": "elements.unit_select", "option": "{unit}"},
        {"click": "elements.unit_continue"},
    ]
    seen = f"mottagningen valdes i listan '{label}' och knappen '{button}' ledde vidare från Välj mottagning"
    found.add("actions.choose_unit", steps, seen)
    try:
        run_action(trial(screen, found), "choose_unit", unit=unit)
        left()
    except (UtskickError, PlaywrightError) as e:
        return None, f"listan '{label}' och knappen '{button}' provades, men skärmen bytte inte ({type(e).__name__})"
    return found, seen
