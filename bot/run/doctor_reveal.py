"""How the doctor finds the action sequence that reveals what a key's default cannot reach: it tries a sequence the
page suggests (a native select and a button, a menu that holds the text, a file input and an upload button, a box
that enables Skicka) on the live page, and proposes it only when it saw the expected next state. Each finder
returns the entries to propose as (key, entry, what was seen), or None with why.
"""

from __future__ import annotations

import contextlib
import re
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
from flows.waits import wait_enabled

# Buttons that confirm a choice and lead to the next screen, in the words builds use.
CONFIRM_NAMES = ("Fortsätt", "Välj", "Gå vidare", "OK")
# Buttons that send a chosen file.
UPLOAD_NAMES = ("Ladda upp", "Bifoga", "Skicka fil", "Lägg till fil")
# Buttons that add the next rows to a list.
LOAD_MORE_NAMES = ("Visa fler", "Ladda fler", "Visa mer", "Hämta fler")
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


def text_menu(screen: Screen, wanted_name: str, text_name: str) -> tuple[Revealed | None, str]:
    """A text to insert that is an item of a menu: the one button named as the wanted name without its placeholder
    (or that says it opens a menu) whose menu, once opened, holds a menu item named `text_name`."""
    scope = _scope(screen)
    plain = re.sub(r"\{[^}]*\}", "", wanted_name).strip(" :")
    tried = [scope.get_by_role("button", name=plain, exact=True)] if plain else []
    tried.append(scope.locator("[aria-haspopup=menu], [aria-haspopup=true]"))
    opening = []
    for buttons in tried:
        with contextlib.suppress(PlaywrightError):
            for i in range(min(buttons.count(), 3)):
                button = buttons.nth(i)
                # the text as written, not as shown (a style may print it in capitals)
                name = _label(button) or " ".join(str(button.evaluate("el => el.textContent")).split())
                if name and name not in opening and button.is_visible() and _opens(screen, button, text_name):
                    opening.append(name)
    if len(opening) != 1:
        shown = ", ".join(f"'{n}'" for n in opening) or "ingen"
        return None, f"texten '{text_name}' är ingen knapp; knappar vars meny har den: {shown}"
    found = Revealed()
    button = opening[0]
    seen = f"knappen '{button}' öppnar en meny där texten '{text_name}' är ett menyval"
    found.add("elements.insert_menu", {"role": "button", "name": button, "kind": "menu"}, seen)
    found.add("actions.insert_text", [{"choose": "elements.insert_menu", "option": "{text_name}"}], seen)
    return found, seen


def _opens(screen: Screen, button: Locator, text_name: str) -> bool:
    """Click `button` and see a menu item named `text_name`; the menu is closed again with Escape."""
    item = _scope(screen).get_by_role("menuitem", name=text_name, exact=True)
    try:
        button.click(timeout=TRY_MS)
        item.first.wait_for(state="visible", timeout=TRY_MS)
    except PlaywrightError:
        return False
    with contextlib.suppress(PlaywrightError):
        screen.page.keyboard.press("Escape")
        item.first.wait_for(state="hidden", timeout=TRY_MS)
    return True


def upload_button(screen: Screen, shows_file: Callable[[int], bool]) -> tuple[Revealed | None, str]:
    """A chosen file the tool takes only after a separate button: the one upload button on the screen, clicked,
    makes the file show (`shows_file(timeout_ms)`)."""
    button = one_button(screen, UPLOAD_NAMES)
    if button is None:
        names = ", ".join(UPLOAD_NAMES)
        return None, f"filen valdes men syntes inte, och det finns inte exakt en av knapparna {names}"
    try:
        _scope(screen).get_by_role("button", name=button, exact=True).click(timeout=TRY_MS)
    except PlaywrightError:
        return None, f"knappen '{button}' gick inte att klicka"
    if not shows_file(TRY_MS * 2):
        return None, f"filen valdes och knappen '{button}' klickades, men filen syntes inte"
    found = Revealed()
    seen = f"filen syntes först när knappen '{button}' klickats efter att den valts i Bifoga fil"
    found.add("elements.upload", {"role": "button", "name": button}, f"knappen '{button}'")
    found.add("actions.attach_file", [{"set_files": "step3.attach"}, {"click": "elements.upload"}], seen)
    return found, seen


def send_checkbox(screen: Screen, send: Locator) -> tuple[Revealed | None, str]:
    """Skicka disabled until a box is ticked: the one unticked checkbox on the screen, ticked, enables `send`
    (never clicked); the box is unticked again and Skicka must go back to disabled."""
    boxes = _scope(screen).get_by_role("checkbox", checked=False)
    try:
        visible = [boxes.nth(i) for i in range(boxes.count()) if boxes.nth(i).is_visible()]
    except PlaywrightError:
        visible = []
    if len(visible) != 1:
        return None, f"Skicka är inaktiverad; {len(visible)} kryssrutor att kryssa i syns, inte en"
    box = visible[0]
    name = _label(box) or " ".join((box.get_attribute("aria-label") or "").split())
    box = _scope(screen).get_by_role("checkbox", name=name, exact=True)  # found by name whether ticked or not
    if not name or box.count() != 1:
        return None, "Skicka är inaktiverad; kryssrutan har inget namn som bara den har"
    try:
        box.check(timeout=TRY_MS)
        wait_enabled(send, TRY_MS)
    except PlaywrightError:
        return None, f"kryssrutan '{name}' provades, men Skicka blev inte aktiverad"
    try:
        box.uncheck(timeout=TRY_MS)
        send.and_(_scope(screen).locator(":disabled")).first.wait_for(state="attached", timeout=TRY_MS)
    except PlaywrightError:
        return None, f"kryssrutan '{name}' provades, men Skicka var aktiv också utan den"
    seen = f"Skicka blev aktiverad när kryssrutan '{name}' kryssades i (och inaktiverad igen utan den)"
    found = Revealed()
    found.add("elements.reviewed", {"role": "checkbox", "name": name}, f"kryssrutan '{name}'")
    found.add("actions.before_send", [{"check": "elements.reviewed"}], seen)
    return found, seen
