"""Open the staff tool ready to work: log in (the mock's form stands in for SITHS) and choose the unit; and read
who the tool shows as signed in."""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import Error as PlaywrightError

from bot.errors import LoginRequired, PreflightFailed
from flows.actions import run_action
from flows.screen import Screen, shown_names


@dataclass(frozen=True)
class Credentials:
    """HSA-id and password for the login form; the password never shows in a repr or a log."""

    hsa_id: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class LoginRequest:
    """Who logs in (None: a person already did, e.g. with SITHS in an attached browser), which unit, and the
    start page (absolute for a browser the bot did not open: a person's context has no base URL)."""

    unit: str
    credentials: Credentials | None = None
    start_url: str = "/"


def open_staff_tool(screen: Screen, request: LoginRequest) -> None:
    """Go to the start page, log in when asked, choose the unit, and stop at Mina ärenden."""
    screen.begin_step("login")
    screen.open(request.start_url)
    screen.at_receipt = False
    shown = screen.wait_first("login.hsa_id", "unit.heading", "nav.my_cases")
    if shown == "login.hsa_id":
        if request.credentials is None:
            raise LoginRequired(
                "Personalverktyget visar inloggningen. Logga in med SITHS-kort i webbläsaren och kör igen."
            )
        screen.fill("login.hsa_id", request.credentials.hsa_id)
        screen.fill("login.password", request.credentials.password)
        screen.click("login.submit")
        shown = screen.wait_first("login.failed", "unit.heading", "nav.my_cases")
        if shown == "login.failed":
            raise LoginRequired(
                f"Inloggningen misslyckades för HSA-id {request.credentials.hsa_id}. Kontrollera lösenordet."
            )
    if shown == "unit.heading":
        units = _units_offered(screen, request.unit)
        if units is not None:
            raise PreflightFailed(
                f"Du saknar behörighet för mottagningen '{request.unit}' (eller så heter den annat). "
                f"Mottagningar du kan välja: {', '.join(units) or 'inga'}. Rätta message.unit i kampanjfilen."
            )
        run_action(screen, "choose_unit", unit=request.unit)
    screen.wait_visible("nav.my_cases")


def _units_offered(screen: Screen, unit: str) -> list[str] | None:
    """None when `unit` can be chosen; else the units that can (for the error). A unit chosen in a choice element
    (`[actions] choose_unit` with a choose step) is looked for among its options, else as `unit.choice`."""
    chooser = next((step["choose"] for step in screen.selectors.action("choose_unit") if "choose" in step), None)
    if chooser is not None and screen.selectors.has(chooser):
        options = screen.options(chooser)
        return None if unit in options else options
    if screen.el("unit.choice", unit=unit).count() > 0:
        return None
    return shown_names(screen, "unit.any_choice")


def read_signed_in_user(screen: Screen) -> str | None:
    """Who the staff tool shows as signed in (`nav.signed_in_user`'s text), or None when it shows no one."""
    if not screen.selectors.has("nav.signed_in_user"):
        return None
    element = screen.el("nav.signed_in_user").first
    try:
        element.wait_for(state="visible", timeout=screen.timeout_ms)
        shown = " ".join(element.inner_text(timeout=screen.timeout_ms).split())
    except PlaywrightError:  # absent or renamed: the caller decides whether a run can go on without it
        return None
    return shown or None
