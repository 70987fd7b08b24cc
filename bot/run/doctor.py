"""`utskick doctor`: walk every screen of the staff tool up to, never including, Skicka, and check every selectors key.

One citizen (the delivery's first, or one the user names) is added in step 2 and removed again; nothing is sent.
Each element key is checked on the screen where it belongs: found, missing, more than one, hidden or disabled;
for a missing one the closest elements of the page's accessibility tree are listed. Keys that show only after
Skicka or on an error are listed as not checked, with the reason.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bot import selectors_schema as schema
from bot.config import Campaign
from bot.errors import PreflightFailed, SelectorError, UnknownCheckResult, UtskickError
from bot.locators import Selectors
from bot.pnr import scrub
from bot.run.browser import BrowserSession
from bot.run.doctor_report import (
    ABSENT_OPTIONAL,
    DISABLED,
    FOUND,
    HIDDEN,
    MISSING,
    NOT_CHECKED,
    NOT_REACHED,
    OFF,
    SEVERAL,
    UNKNOWN_TEXT,
    DoctorReport,
    KeyCheck,
    fill,
    write_report,
)
from bot.run.staff_session import browser_settings, login_request
from flows.candidates import closest, page_elements, wanted
from flows.recipients import prepare_recipients, remove_recipient
from flows.screen import Screen
from flows.send import choose_template, open_wizard
from flows.unit_cases import open_all_cases
from flows.waits import wait_enabled

# Keys that match many elements by design.
MANY = frozenset(
    {
        "unit.any_choice",
        "step2.rows",
        "step2.busy",
        "step3.any_insert_text",
        "unit_cases.rows",
        "page.content",
        "page.busy",
        "step2.refused",
    }
)
# Where each key can only be seen at a moment the doctor never reaches on purpose.
NOT_CHECKED_WHY = {
    "login.failed": "visas bara när inloggningen misslyckas",
    "step2.refused": "visas bara när ett nummer nekas",
    "step2.busy": "visas bara medan en kontroll pågår",
    "step3.attachment_error": "visas bara när en bilaga nekas",
    "step3.confirm_dialog": "visas först efter Skicka",
    "step3.confirm": "visas först efter Skicka",
    "receipt.heading": "visas först efter Skicka",
    "receipt.nothing_sent": "visas först efter Skicka",
    "receipt.table": "visas först efter Skicka",
    "receipt.not_sent": "visas först efter Skicka",
    "receipt.send_another": "visas först efter Skicka",
    "receipt.sent": "visas först efter Skicka",
    "receipt.refused": "visas först efter Skicka",
    "step2.ready": "villkoren är element som kontrolleras var för sig",
    "unit_cases.ready": "villkoren är element som kontrolleras var för sig",
    "page.busy": "visas bara medan verktyget arbetar",
}


class Doctor:
    """One walk through the staff tool with one citizen, checking keys screen by screen."""

    def __init__(self, screen: Screen, campaign: Campaign, folder: Path) -> None:
        self.screen = screen
        self.selectors = screen.selectors
        self.campaign = campaign
        self.folder = folder
        self.report = DoctorReport(folder=folder)
        self.screen_name = ""

    def walk(self, pnr: str) -> DoctorReport:
        """Log in, walk to step 3 with `pnr`, go back and remove it, then visit Alla ärenden."""
        stages: list[tuple[str, Callable[[], None]]] = [
            ("inloggning", self._login),
            ("mina-arenden", self._my_cases),
            ("steg-1", self._step1),
            ("steg-2", lambda: self._step2(pnr)),
            ("steg-3", self._step3),
            ("steg-2-borttagen", lambda: self._remove(pnr)),
            ("alla-arenden", self._unit_cases),
        ]
        for name, stage in stages:
            self.screen_name = name
            try:
                stage()
            except UtskickError as e:
                if isinstance(e, UnknownCheckResult):
                    detail = f"okänd text: '{e.text}' (lägg till den under [check_results])"
                    self._record(KeyCheck("check_results", name, UNKNOWN_TEXT, detail))
                self.report.stopped = f"{name}: {scrub(str(e))}"
                self._shoot(f"{name}-stopp")
                break
        self._account_for_every_key()
        return self.report

    def check(self, key: str, **fmt: str) -> KeyCheck:
        """Check one element key on the page as it is now."""
        # the personnummer stays out: the report must never hold one
        result = KeyCheck(key, self.screen_name, FOUND, filled={k: v for k, v in fmt.items() if k != "pnr"})
        if not self.selectors.has(key):
            result.state = OFF
            return self._record(result)
        node = self.selectors.entry(key)
        loc = self.screen.el(key, **fmt)
        try:
            count = loc.count()
            if count == 0:
                result.state = ABSENT_OPTIONAL if node.get("optional") else MISSING
            elif count > 1 and key not in MANY and not key.endswith("_option"):
                result.state, result.detail = SEVERAL, f"{count} element matchar"
            elif not key.endswith("_option") and node.get("kind") != "file_input":
                if not any(loc.nth(i).is_visible() for i in range(min(count, 5))):
                    result.state = HIDDEN
                elif _clickable(node) and not _enabled_soon(loc.first, self.screen.timeout_ms):
                    result.state, result.detail = DISABLED, "Elementet finns men är inaktiverat (disabled)."
        except PlaywrightError as e:
            result.state, result.detail = MISSING, scrub(str(e).splitlines()[0])
        if result.state in (MISSING, SEVERAL, HIDDEN):
            near = closest(self.selectors, key, page_elements(self.screen.page, self.selectors))
            result.candidates = [str(c) for c in near]
            result.detail = result.detail or fill(f"Hittar inte {wanted(self.selectors, key)[2]}.", result.filled)
        return self._record(result)

    def _record(self, result: KeyCheck) -> KeyCheck:
        if result.key not in self.report.checks or self.report.checks[result.key].state not in (FOUND, OFF):
            self.report.checks[result.key] = result
        return result

    def _login(self) -> None:
        request = login_request(self.campaign)
        self.screen.open(request.start_url)
        shown = self.screen.wait_first("login.hsa_id", "unit.heading", "nav.my_cases")
        if shown == "login.hsa_id":
            self._check_all("login.hsa_id", "login.password", "login.submit")
            self._shoot("inloggning")
            if request.credentials is not None:
                self.screen.fill("login.hsa_id", request.credentials.hsa_id)
                self.screen.fill("login.password", request.credentials.password)
                self.screen.click("login.submit")
                shown = self.screen.wait_first("login.failed", "unit.heading", "nav.my_cases")
        if shown == "login.failed":
            raise SelectorError("login.failed", "Inloggningen misslyckades: kontrollera HSA-id och lösenord.")
        if shown == "unit.heading":
            self._check_all("unit.heading", "unit.list", "unit.any_choice")
            self.check("unit.choice", unit=self.campaign.unit)
            self._shoot("valj-mottagning")
            self.screen.click("unit.choice", unit=self.campaign.unit)
        else:
            self._not_checked(
                ("unit.heading", "unit.choice", "unit.list", "unit.any_choice"),
                "visas inte: användaren har bara en mottagning",
            )
        self.screen.wait_visible("nav.my_cases")

    def _my_cases(self) -> None:
        if not self.screen.is_visible("my_cases.send_case"):
            self.screen.click("nav.my_cases")
        self.screen.wait_visible("my_cases.send_case")
        self._check_all("page.content", "nav.my_cases", "nav.unit_cases", "nav.signed_in_user", "my_cases.send_case")
        self._shoot(self.screen_name)

    def _step1(self) -> None:
        open_wizard(self.screen)
        self._check_all("step1.template", "step1.next")
        self._check_choice("step1.template", self.campaign.template)
        self._shoot(self.screen_name)
        choose_template(self.screen, self.campaign.template)

    def _step2(self, pnr: str) -> None:
        self._check_all("step2.pnr", "step2.add", "step2.list")
        recipients = prepare_recipients(self.screen, [pnr])
        if pnr in recipients.not_added:
            raise PreflightFailed(f"Invånaren kunde inte läggas till: {recipients.not_added[pnr]}. Försök igen.")
        results = recipients.checked
        shown = self.screen.display_pnr(pnr)
        self._check_all("step2.rows", "step2.next")
        self.check("step2.row", pnr=shown)
        self.check("step2.remove", pnr=shown)
        self._record(KeyCheck("step2.recipients", self.screen_name, FOUND, "mottagarraden lästes som poster"))
        self._shoot(self.screen_name)
        if results[pnr][0] != "ok":
            raise PreflightFailed(
                f"Invånaren kan inte nås ({results[pnr][0]}); välj en annan med --pnr för att se steg 3."
            )

    def _step3(self) -> None:
        self.screen.click("step2.next")
        self.screen.wait_visible("step3.message")
        self._check_all("step3.subject", "step3.message", "step3.any_insert_text", "step3.attach")
        self._check_all("step3.back", "step3.send")
        for name in self.campaign.texts[:1]:
            self.check("step3.insert_text", text_name=name)
        for attachment in self.campaign.attachments[:1]:
            self.screen.attach("step3.attach", [attachment])
            self.screen.wait_first("step3.attached", "step3.attachment_error", fmt={"file_name": attachment.name})
            self.check("step3.attachments")  # the list may show only once it holds a file
            self.check("step3.attached", file_name=attachment.name)
        if not self.campaign.attachments:
            self._not_checked(("step3.attachments", "step3.attached"), "kampanjen har inga bilagor")
        self._shoot(self.screen_name)

    def _remove(self, pnr: str) -> None:
        self.screen.click("step3.back")
        self.screen.wait_visible("step2.pnr")
        with self.screen.step("step2.add"):  # a tool enables Lägg till once its page script can handle clicks
            wait_enabled(self.screen.el("step2.add"), self.screen.timeout_ms)
        remove_recipient(self.screen, pnr)
        self._shoot(self.screen_name)

    def _unit_cases(self) -> None:
        values = self.selectors.value("unit_cases.values", {})
        open_all_cases(self.screen)
        self._check_all("unit_cases.all_tab", "unit_cases.case_type", "unit_cases.status", "unit_cases.pnr")
        self._check_choice("unit_cases.status", values.get("read", "Läst av invånare"))
        self._check_choice("unit_cases.case_type", values.get("sent_by_care", "Skickat av vården"))
        self._check_all("unit_cases.date_from", "unit_cases.date_to", "unit_cases.search")
        self.screen.choose("unit_cases.case_type", values.get("sent_by_care", "Skickat av vården"))
        if self.screen.present("unit_cases.date_to"):
            self.screen.fill("unit_cases.date_to", date.today().isoformat())
        self.screen.click_and_wait_replaced("unit_cases.search", "unit_cases.table")
        self._check_all("unit_cases.table", "unit_cases.rows")
        self.screen.read_records("unit_cases.cases")
        self._record(KeyCheck("unit_cases.cases", self.screen_name, FOUND, "tabellen lästes som poster"))
        next_page = self.check("unit_cases.next_page")
        if next_page.state == MISSING:
            next_page.state, next_page.detail = NOT_CHECKED, "syns inte: kan betyda att allt ryms på en sida"
        elif next_page.state == DISABLED:  # the flow reads a disabled "Nästa sida" as the last page
            next_page.state, next_page.detail = FOUND, "inaktiverad: sista sidan"
        self._shoot(self.screen_name)

    def _check_choice(self, key: str, option: str) -> None:
        """Check the options of a choice with the one the bot would pick, opening a listbox first as a person would."""
        if self.selectors.has(key) and self.screen.present(key):
            with contextlib.suppress(UtskickError):  # the option check below says what is missing
                self.screen.open_choice(key, option)
        self.check(f"{key}_option", option=option)

    def _check_all(self, *keys: str) -> None:
        for key in keys:
            self.check(key)

    def _not_checked(self, keys: tuple[str, ...], why: str) -> None:
        for key in keys:
            self._record(KeyCheck(key, self.screen_name, NOT_CHECKED, why))

    def _account_for_every_key(self) -> None:
        # a key never reached is shown as the campaign would have filled it in
        filled = {"unit": self.campaign.unit}
        if self.campaign.texts:
            filled["text_name"] = self.campaign.texts[0]
        for key, kind in schema.SCHEMA.items():
            if kind in (schema.VALUE, schema.PATTERN, schema.ACTION) or key in self.report.checks:
                continue
            if not self.selectors.has(key):
                self.report.checks[key] = KeyCheck(key, "", OFF)
            elif key in NOT_CHECKED_WHY:
                self.report.checks[key] = KeyCheck(key, "", NOT_CHECKED, NOT_CHECKED_WHY[key])
            else:
                why = "doktorn kom inte fram till skärmen"
                self.report.checks[key] = KeyCheck(key, "", NOT_REACHED, why, filled=dict(filled))

    def _shoot(self, name: str) -> None:
        path = self.folder / f"{len(self.report.screenshots) + 1:02d}-{name}.png"
        try:
            self.screen.page.screenshot(path=str(path), full_page=True)
            os.chmod(path, 0o600)
            self.report.screenshots.append(path)
        except PlaywrightError:
            pass  # a closed page has nothing to show; the report says where the walk stopped


def _clickable(node: dict) -> bool:
    return node.get("role") in ("button", "link", "tab", "combobox", "textbox") or "label" in node


def _enabled_soon(loc, timeout_ms: int) -> bool:
    """Controls a single-page app enables once its script is ready are given a moment, as a person would."""
    try:
        wait_enabled(loc, min(timeout_ms, 3000))
        return True
    except PlaywrightTimeout:
        return False


def run_doctor(campaign: Campaign, pnr: str, out: Path | None = None) -> DoctorReport:
    """Walk the staff tool with the campaign's settings and write the report (folder 0700)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = (out or campaign.artifacts) / f"doktor-{stamp}"
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    selectors = Selectors.load(campaign.selectors, campaign.selectors_override)
    settings = browser_settings(campaign)
    with BrowserSession(settings, campaign.base_url) as session:
        screen = Screen(session.page, selectors, settings.timeout_ms)
        report = Doctor(screen, campaign, folder).walk(pnr)
    report.tool_clock = measured_clock(campaign)
    write_report(report, selectors)
    return report


def measured_clock(campaign: Campaign) -> str:
    """The campaign's measured tool clock from its ledger, as one Swedish line ("" before any measurement)."""
    from bot.ledger import Ledger

    if isinstance(campaign.ledger, Path) and not campaign.ledger.exists():
        return ""
    try:
        with Ledger.open(campaign.ledger, actor="doctor", run_id="doctor") as book:
            reading = book.tool_clock(campaign.key())
    except UtskickError as e:
        return f"Personalverktygets klocka: liggaren kunde inte läsas ({scrub(str(e))})"
    return reading.describe(campaign.reconcile_clock_skew_s) if reading else ""
