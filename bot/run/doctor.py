"""`utskick doctor`: walk every screen of the staff tool up to, never including, Skicka, and check every selectors key.

Trial citizens (the delivery's first few, or those the user names) are added in step 2 one at a time until one who
can be reached and one who cannot have been seen; all are removed again and nothing is sent. Each element key is
checked on the screen and in the state where the bot uses it (Gå vidare once a template is chosen, the recipient
list once a number is added): found, missing, more than one, hidden, disabled or of another kind; for one not found
the closest elements of the page's accessibility tree are listed, and the entry that finds it is decided when the
page leaves one choice (`doctor_decide`): the walk goes on with it, and `--propose` writes it (`doctor_propose`).
Where a default action cannot reach what it needs (a unit in a native select, Infoga text in a menu, a separate
upload button, a box that enables Skicka, Visa fler), the sequence the page suggests is tried and, when the next
state showed, proposed as [elements] and [actions] (`doctor_reveal`).
A stop in the wizard ends the wizard, not the walk; keys that show only after Skicka or on an error are listed as
not checked, with the reason.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bot import selectors_schema as schema
from bot.config import Campaign
from bot.errors import PreflightFailed, SelectorError, UnknownCheckResult, UtskickError
from bot.locators import Selectors, in_frame
from bot.pnr import scrub
from bot.run.browser import BrowserSession
from bot.run.doctor_decide import (
    decide_element,
    decide_records,
    decide_sent_at_format,
    describe,
    finds,
    table_structure,
)
from bot.run.doctor_propose import Proposals, patched, write_proposal
from bot.run.doctor_report import (
    ABSENT_OPTIONAL,
    DISABLED,
    FAILED,
    FOUND,
    HIDDEN,
    MISSING,
    NOT_CHECKED,
    NOT_REACHED,
    OFF,
    SEVERAL,
    UNKNOWN_TEXT,
    WRONG_KIND,
    DoctorReport,
    KeyCheck,
    fill,
    write_report,
)
from bot.run.doctor_reveal import (
    LOAD_MORE_NAMES,
    Revealed,
    one_button,
    send_checkbox,
    text_menu,
    trial,
    unit_select,
    upload_button,
)
from bot.run.staff_session import browser_settings, login_request
from bot.selectors_schema import STEP_VERBS
from flows.actions import run_action
from flows.candidates import closest, frame_css, page_elements, wanted
from flows.field_candidates import hidden_texts
from flows.recipients import classify_check, remove_recipient
from flows.screen import Screen
from flows.send import open_wizard
from flows.swedish_dates import parse_shown
from flows.unit_cases import DEFAULT_SENT_AT_FORMAT, open_all_cases
from flows.waits import wait_enabled, wait_no_text, wait_none_visible

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
# The keys the default of an action uses, which an override's action may do without.
_ACTION_DEFAULT_KEYS = {
    "choose_unit": ("unit.choice",),
    "choose_template": ("step1.template", "step1.template_option"),
    "attach_file": ("step3.attach",),
    "insert_text": ("step3.insert_text",),
}
# Choices whose options the bot reads as a list (to say which exist): their option entry must match every option.
LISTED = frozenset({"step1.template"})
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
    """One walk through the staff tool with one citizen, checking keys screen by screen and deciding, where it can,
    the entry a key that is not found should have (the walk goes on with it)."""

    def __init__(self, screen: Screen, campaign: Campaign, folder: Path) -> None:
        self.screen = screen
        self.selectors = screen.selectors
        self.campaign = campaign
        self.folder = folder
        self.report = DoctorReport(folder=folder)
        self.proposals = Proposals()
        self.screen_name = ""
        self.kept = ""  # the trial citizen who can be reached, taken on to step 3

    def walk(self, pnrs: list[str]) -> DoctorReport:
        """Log in, walk to step 3 with a reachable one of the trial citizens `pnrs` (having seen one who cannot be
        reached too, if they hold one), go back and remove it, then visit Alla ärenden; a failure in the wizard
        ends the wizard, not the walk (Alla ärenden is reached through the menu)."""
        wizard: list[tuple[str, Callable[[], None]]] = [
            ("steg-1", self._step1),
            ("steg-2", lambda: self._step2(pnrs)),
            ("steg-3", self._step3),
            ("steg-2-borttagen", lambda: self._remove(self.kept)),
        ]
        stages = [("inloggning", self._login), ("mina-arenden", self._my_cases), *wizard]
        stages.append(("alla-arenden", self._unit_cases))
        failed_at = ""
        for name, stage in stages:
            if failed_at in ("inloggning", "mina-arenden") and failed_at:
                break
            if failed_at and name != "alla-arenden":
                continue
            self.screen_name = name
            try:
                self._settle()
                stage()
            except UtskickError as e:
                if isinstance(e, UnknownCheckResult):
                    detail = f"okänd text: '{e.text}' (lägg till den under [check_results])"
                    self._record(KeyCheck("check_results", name, UNKNOWN_TEXT, detail))
                    self.proposals.leave("check_results", f"texten '{e.text}' känner inget mönster till")
                stop = f"{name}: {scrub(str(e))}"
                self.report.stopped = f"{self.report.stopped}; {stop}" if self.report.stopped else stop
                self._shoot(f"{name}-stopp", aria=True)
                self._account_for_every_key(f"nåddes inte: genomgången stannade vid {name}", wizard_only=not failed_at)
                failed_at = failed_at or name
        self._account_for_every_key("doktorn kom inte fram till skärmen")
        return self.report

    def check(self, key: str, *, count: int | None = None, extra: list[dict] | None = None, **fmt: str) -> KeyCheck:
        """Check one element key on the page as it is now; for one not found, decide its entry if the page allows."""
        # the personnummer stays out: the report must never hold one
        filled = {k: v for k, v in fmt.items() if k != "pnr"}
        result = KeyCheck(key, self.screen_name, FOUND, filled=filled)
        if not self.selectors.has(key):
            result.state = OFF
            return self._record(result)
        node = self.selectors.entry(key)
        loc = self.screen.el(key, **fmt)
        try:
            found = loc.count()
            if found == 0:  # a client-rendered screen may draw it a moment after the rest
                with contextlib.suppress(PlaywrightTimeout):
                    loc.first.wait_for(state="attached", timeout=min(self.screen.timeout_ms, 2000))
                found = loc.count()
            if found == 0:
                result.state = ABSENT_OPTIONAL if node.get("optional") else MISSING
            elif count is not None and found != count:
                result.state, result.detail = SEVERAL, f"{found} element matchar, väntade {count}"
            elif found > 1 and key not in MANY and not key.endswith("_option"):
                result.state, result.detail = SEVERAL, f"{found} element matchar"
            elif not key.endswith("_option") and node.get("kind") != "file_input":
                if not any(loc.nth(i).is_visible() for i in range(min(found, 5))) and not _is_option(loc.first):
                    result.state = HIDDEN
                elif _clickable(node) and not _enabled_soon(loc.first, self.screen.timeout_ms):
                    result.state, result.detail = DISABLED, "Elementet finns men är inaktiverat (disabled)."
        except PlaywrightError as e:
            result.state, result.detail = MISSING, scrub(str(e).splitlines()[0])
        if result.state in (MISSING, SEVERAL, HIDDEN):
            near = closest(self.selectors, key, page_elements(self.screen.page, self.selectors), **filled)
            result.candidates = [str(c) for c in near]
            result.detail = result.detail or fill(f"Hittar inte {wanted(self.selectors, key)[2]}.", filled)
            entry, seen = decide_element(
                self.screen, key, self.screen_name, many=key in MANY, count=count, extra=extra, near=near, **fmt
            )
            if entry is None:
                self.proposals.leave(key, seen)
            else:
                self._use(key, entry, seen)
                result.detail += f" Förslag: {fill(describe(entry), filled)}."
        return self._record(result)

    def _use(self, key: str, entry: dict, seen: str) -> None:
        """Propose `entry` for `key` and go on walking with it."""
        self.proposals.decide(key, entry, seen)
        self.selectors = patched(self.selectors, key, entry)
        self.screen.selectors = self.selectors

    def _record(self, result: KeyCheck) -> KeyCheck:
        earlier = self.report.checks.get(result.key)
        if earlier is not None and earlier.state in FAILED and result.key in self.proposals.decided:
            return result  # found again only through what the doctor decided: the file itself still fails
        if earlier is None or earlier.state not in (FOUND, OFF):
            self.report.checks[result.key] = result
        return result

    def _used(self, action: str) -> list[str]:
        """The element keys the steps of `action` act on, in order."""
        keys = []
        for step in self.selectors.action(action):
            verb = next(v for v in STEP_VERBS if v in step)
            if verb != "wait" and isinstance(step[verb], str) and self.selectors.has(step[verb]):
                keys.append(step[verb])
        return keys

    def _act(self, action: str, files: Sequence[Path] = (), **fmt: str) -> None:
        """Run one of the bot's actions as the bot would: its first element is checked first (later ones may show
        only once the earlier steps ran); an element it cannot find is checked for candidates; every element it
        used counts as found."""
        used = self._used(action)
        steps = [s for s in self.selectors.action(action) if "wait" not in s]
        if used and steps and not steps[0].get("optional") and used[0] not in self.report.checks:
            if "choose" in steps[0]:
                self.check(used[0])
                self._check_choice(used[0], str(steps[0].get("option", "")).format_map(fmt))
            else:
                self.check(used[0], **fmt)
        try:
            run_action(self.screen, action, files, **fmt)
        except SelectorError as e:
            if _key_of(e) in used and _key_of(e) not in self.report.checks:
                self.check(_key_of(e), **fmt)
            raise
        for key in used:
            filled = {k: v for k, v in fmt.items() if k != "pnr"}
            self._record(KeyCheck(key, self.screen_name, FOUND, f"använd i åtgärden {action}", filled=filled))
        for key in _ACTION_DEFAULT_KEYS.get(action, ()):
            if key not in used:
                self._not_checked((key,), f"används inte: åtgärden {action} gör det utan den")

    def _scope(self, key: str):
        """Where `key`'s element lives: the page, or the iframe its entry (or `[page] frame`) names."""
        return in_frame(self.screen.page, self.selectors.frame_of(key))

    def _settle(self) -> None:
        """A client-rendered screen draws after its data arrives: wait until the page has nothing left to load (a
        tool that polls never gets there: then a few seconds, as a person would look)."""
        with contextlib.suppress(PlaywrightError):
            self.screen.page.wait_for_load_state("networkidle", timeout=min(self.screen.timeout_ms, 3000))

    def _login(self) -> None:
        request = login_request(self.campaign)
        self.screen.open(request.start_url)
        if self.campaign.session != "login":
            why = f'används inte när staff_tool.session är "{self.campaign.session}"'
            self._not_checked(("login.hsa_id", "login.password", "login.submit", "login.failed"), why)
        self._reveal_frame()
        shown = self.screen.wait_first("login.hsa_id", "unit.heading", "nav.my_cases")
        if shown == "login.hsa_id":
            if request.credentials is None:
                raise PreflightFailed("Personalverktyget visar inloggningen: logga in i webbläsaren först.")
            self._check_all("login.hsa_id", "login.password", "login.submit")
            self._shoot("inloggning")
            self.screen.fill("login.hsa_id", request.credentials.hsa_id)
            self.screen.fill("login.password", request.credentials.password)
            self.screen.click("login.submit")
            shown = self.screen.wait_first("login.failed", "unit.heading", "nav.my_cases")
        if shown == "login.failed":
            raise SelectorError("login.failed", "Inloggningen misslyckades: kontrollera HSA-id och lösenord.")
        if shown == "unit.heading":
            self.screen_name = "valj-mottagning"  # the unit's keys and proposals name the screen they are on
            self._settle()
            self._check_all("unit.heading", "unit.list")
            self.check("unit.any_choice")
            self._shoot("valj-mottagning")
            if not self._reveal_unit_select():
                self._act("choose_unit", unit=self.campaign.unit)
            with self.screen.step("unit.heading"):
                wait_none_visible(self.screen.el("unit.heading"), self.screen.timeout_ms)
        else:
            self._not_checked(
                ("unit.heading", "unit.choice", "unit.list", "unit.any_choice"),
                "visas inte: användaren har bara en mottagning",
            )

    def _apply(self, revealed: Revealed, seen_on: str = "") -> None:
        """Propose what a tried sequence revealed and walk on with it; its element keys count as found."""
        for key, entry, seen in revealed.entries:
            self._use(key, entry, f"{seen} på skärmen {seen_on or self.screen_name}")
            if key.startswith("elements."):
                self._record(KeyCheck(key, self.screen_name, FOUND, "provad i en åtgärd"))

    def _reveal_frame(self) -> None:
        """The tool inside an iframe of the page it opens (a portal): none of the first screen's elements on the
        page, but in exactly one iframe; `[page] frame` names it (and the walk goes on in it)."""
        if self.selectors.value("page.frame", ""):
            return
        first = ("login.hsa_id", "unit.heading", "nav.my_cases")
        self._settle()
        if any(self.screen.present(key) for key in first):
            return
        holding = []
        for frame in self.screen.page.main_frame.child_frames:
            css = frame_css(frame)
            framed = trial(self.screen, Revealed([("page.frame", css, "")])) if css else None
            if framed is not None and any(framed.present(key) for key in first):
                holding.append(css)
        if len(holding) != 1:
            if holding:
                self.proposals.leave("page.frame", f"verktyget syns i flera ramar: {', '.join(holding)}")
            return
        seen = f"inloggningen eller menyn finns inte på sidan men i ramen {holding[0]}"
        key = next(k for k in first if self.selectors.has(k))
        near = closest(self.selectors, key, page_elements(self.screen.page, self.selectors))  # before the frame
        self._use("page.frame", holding[0], f"{seen} (skärmen {self.screen_name})")
        # the file as it is does not reach the tool: that stays a failure of this run
        detail = f'Verktyget ligger i en ram. Förslag: [page] frame = "{holding[0]}".'
        self._record(KeyCheck("page.frame", self.screen_name, MISSING, detail, [str(c) for c in near]))

    def _reveal_unit_select(self) -> bool:
        """A unit that is an option of a native select, not a button of its own: choose it and go on with a button,
        as a person would; True when that led past Välj mottagning (and is proposed)."""
        unit = self.campaign.unit
        if self._used("choose_unit") != ["unit.choice"] or self.screen.present("unit.choice", unit=unit):
            return False
        revealed, why = unit_select(
            self.screen, unit, lambda: wait_none_visible(self.screen.el("unit.heading"), self.screen.timeout_ms)
        )
        if revealed is None:
            self.proposals.leave("actions.choose_unit", why)
            return False
        self._apply(revealed)
        self._not_checked(("unit.choice",), "används inte: åtgärden choose_unit gör det utan den")
        return True

    def _reveal_text_menu(self, name: str) -> None:
        """Infoga text as a menu item: propose the menu and insert the text through it, as the bot would."""
        wanted_name = wanted(self.selectors, "step3.insert_text")[1]
        revealed, why = text_menu(self.screen, wanted_name, name)
        if revealed is None:
            self.proposals.leave("actions.insert_text", why)
            return
        self._apply(revealed)
        for key in ("step3.insert_text", "step3.any_insert_text"):
            self.report.checks[key] = KeyCheck(key, self.screen_name, NOT_CHECKED, "används inte: menyn visar texterna")
            self.proposals.undecided.pop(key, None)
        self._act("insert_text", text_name=name)

    def _reveal_upload(self, shown) -> None:
        """A chosen file that does not show: a separate upload button takes it (proposed when the file showed)."""
        revealed, why = upload_button(self.screen, lambda ms: _shows(shown, ms))
        if revealed is None:
            self.proposals.leave("actions.attach_file", why)
        else:
            self._apply(revealed)

    def _reveal_load_more(self) -> None:
        """No next page, but one "Visa fler" button: clicked, the list grows (paging = "load_more")."""
        button = one_button(self.screen, LOAD_MORE_NAMES)
        if button is None:
            return
        rows = self.screen.el("unit_cases.rows")
        before = rows.count()
        try:
            self._scope("page.content").get_by_role("button", name=button, exact=True).click(timeout=5000)
            rows.nth(before).wait_for(state="attached", timeout=min(self.screen.timeout_ms, 5000))
        except (PlaywrightError, UtskickError):
            self.proposals.leave("unit_cases.paging", f"knappen '{button}' provades, men listan växte inte")
            return
        seen = f"knappen '{button}' lade till rader i listan ({before} rader före) på skärmen {self.screen_name}"
        self._use("unit_cases.next_page", {"role": "button", "name": button}, seen)
        self._use("unit_cases.paging", "load_more", seen)
        self._record(KeyCheck("unit_cases.next_page", self.screen_name, FOUND, "provad: listan växte"))

    def _my_cases(self) -> None:
        self._check_all("page.content", "nav.my_cases", "nav.unit_cases", "nav.signed_in_user")
        if not self.screen.is_visible("my_cases.send_case"):
            self.check("my_cases.send_case")
        if not self.screen.is_visible("my_cases.send_case"):
            self.screen.click("nav.my_cases")
            self._settle()
        self.check("my_cases.send_case")
        self._shoot(self.screen_name)

    def _step1(self) -> None:
        open_wizard(self.screen)
        self._settle()
        template = self.campaign.template
        if "step1.template" in self._used("choose_template"):
            self.check("step1.template")
            self._check_choice("step1.template", template)
            options = self.screen.options("step1.template")
            if template not in options:
                raise PreflightFailed(
                    f"Mallen '{template}' finns inte bland mottagningens aktiva mallar "
                    f"({', '.join(options) or 'inga'})."
                )
        self._shoot(self.screen_name)
        self._act("choose_template", template=template)
        self.check("step1.next")  # a tool may enable Gå vidare only once a template is chosen
        try:
            self.screen.click_through(
                "step1.next",
                "step2.pnr",
                fill_form=lambda: run_action(self.screen, "choose_template", template=template),
                attempts=1,  # a field the entry does not find is no fault to retry: it is decided below
            )
        except SelectorError as e:
            if _key_of(e) != "step2.pnr" or self.check("step2.pnr").state == FOUND:
                raise
            if "step2.pnr" not in self.proposals.decided:
                raise

    def _step2(self, pnrs: list[str]) -> None:
        """Add the trial citizens one at a time until one who can be reached and one who cannot have been seen;
        each row and check text is checked, and all but the first reachable one are removed again."""
        self._settle()
        self._check_all("step2.pnr", "step2.add")
        unreachable = False
        for n, pnr in enumerate(pnrs):
            reason = self._add_trial(pnr, first=n == 0)
            self.report.trials.append(reason)
            unreachable = unreachable or reason != "ok"
            if reason == "ok" and not self.kept:
                self.kept = pnr
            else:
                remove_recipient(self.screen, pnr)
            if self.kept and unreachable:
                break
        if not unreachable:
            why = (
                f"ingen av de {len(pnrs)} provade invånarna var en som inte kan nås: raden och texten för en sådan "
                "kontrollerades inte (ange en med --pnr)"
            )
            self._record(KeyCheck("check_results", self.screen_name, NOT_CHECKED, why))
        if not self.kept:
            raise PreflightFailed(
                f"Ingen av de {len(pnrs)} provade invånarna kan nås; ange en som kan nås med --pnr för att se steg 3."
            )
        self.check("step2.next")  # a tool may disable Nästa while a row that cannot be reached is in the list
        self._shoot(self.screen_name)

    def _add_trial(self, pnr: str, first: bool) -> str:
        """Add one citizen and check its row, its check text and its Ta bort; return the check's reason."""
        shown = self.screen.display_pnr(pnr)
        self._act("add_number", pnr=shown)
        held = self.screen.el("step2.pnr").first.input_value()  # a tool that keeps it until its check is done
        # the bot waits as the data says before it reads the row (a tool may draw it while its check still runs)
        self.screen.wait_ready("step2.ready", count=2 if self.kept else 1, unless="step2.refused")
        with self.screen.step("step2.row"):  # the number shows once the tool has a row for it, wherever that is
            self._scope("step2.list").get_by_text(shown).first.wait_for(state="attached")
        if first:
            self.check("step2.list")
        with self.screen.step("step2.list"):  # inside the list: a tool may name the number it checks elsewhere
            self.screen.el("step2.list").get_by_text(shown).first.wait_for(state="attached")
        spinner = self.selectors.patterns("check_results_pending")["spinner"]
        with contextlib.suppress(PlaywrightTimeout):
            wait_no_text(self.screen.el("step2.list"), spinner, self.screen.timeout_ms)
        any_result = re.compile("|".join(f"(?:{p.pattern})" for _, p in self.selectors.check_results()), re.I)
        rows = self._records("step2.recipients", {"pnr": re.compile(f"^{re.escape(shown)}$"), "result": any_result})
        if first:
            row_css = self.selectors.records("step2.recipients").row
            extra = [{"css": row_css, "within": "step2.list"}] if row_css else None
            self.check("step2.rows", count=1, extra=extra)
        self.check("step2.row", pnr=shown)
        text = next((r.get("result", "") for r in rows if r.get("pnr") == shown), "")
        if not any_result.search(text):
            try:
                self.screen.wait_text("step2.row", any_result, pnr=shown)
                text = self.screen.el("step2.row", pnr=shown).first.inner_text()
            except SelectorError:
                # read from a name or an attribute, which the wait on the row's visible text cannot see
                again = self.screen.read_records("step2.recipients")
                text = next((r.get("result", "") for r in again if r.get("pnr") == shown), text)
                if not any_result.search(text):
                    text = self._propose_named_result(shown, any_result) or text
                if not any_result.search(text):
                    raise UnknownCheckResult(scrub(" ".join(text.split()))) from None
        self._record(KeyCheck("step2.recipients", self.screen_name, FOUND, "mottagarraden lästes som poster"))
        self.check("step2.remove", pnr=shown)
        if first:
            self._observe_ready(held == shown)
        return classify_check(text, self.selectors.check_results())[0]

    def _propose_named_result(self, shown: str, any_result: re.Pattern[str]) -> str:
        """A row that shows no check text, but an element inside it whose name is one: read the result from that
        name (proposed when re-reading the row with it gives the text); "" when no such element is seen."""
        row = self.screen.el("step2.row", pnr=shown).first
        with contextlib.suppress(PlaywrightError):
            row.get_by_role("img", name=any_result).first.wait_for(state="attached", timeout=self.screen.timeout_ms)
        named = [h for h in hidden_texts(row, limit=10) if any_result.search(h.text)]
        if len({(h.css, h.source) for h in named}) != 1:
            return ""
        spec = self.selectors.records("step2.recipients")
        # a role says what the element is, whatever its classes say about its state; the first that reads wins
        for css in ("[role=img]", f"{named[0].css}[aria-label]", named[0].css):
            entry = {
                "records": spec.container,
                "row": spec.row or "li",
                "pattern": pnr_pattern(self.selectors.value("pnr.display", "{yyyymmdd}-{last4}")),
                "fields": {"result": {"from": named[0].source, "inside": {"css": css}}},
            }
            try:
                rows = trial(self.screen, Revealed([("step2.recipients", entry, "")])).read_records("step2.recipients")
            except UtskickError:
                continue
            text = next((r.get("result", "") for r in rows if r.get("pnr") == shown), "")
            if any_result.search(text):
                what = "namnet" if named[0].source == "accessible_name" else "titeln"
                seen = f"raden visar bara numret; kontrollresultatet är {what} på {css} i raden ('{named[0].text}')"
                self._use("step2.recipients", entry, f"{seen} på skärmen {self.screen_name}")
                return text
        return ""

    def _observe_ready(self, held: bool) -> None:
        """A tool that kept the number in its field until the row came, then emptied it: it takes the next number
        only then (`step2.ready`)."""
        if self.selectors.readiness("step2.ready"):
            return
        emptied = self.screen.el("step2.pnr").first.input_value() == "" and self.screen.is_enabled("step2.add")
        if held and emptied:
            seen = "fältet Personnummer behöll numret tills raden kom, och tömdes sedan; Lägg till var aktiv igen"
            self.proposals.decide("step2.ready", {"empty": "step2.pnr", "enabled": "step2.add"}, seen)
        # else the tool emptied the field at once: it takes the next number at once, nothing to propose

    def _records(self, key: str, by_content: dict[str, re.Pattern[str]]) -> list[dict[str, str]]:
        """Read a records entry; when it reads nothing its element shows, decide one from the columns seen."""
        spec = self.selectors.records(key)
        structure = table_structure(self.screen, spec.container)
        try:
            rows = self.screen.read_records(key)
        except UtskickError:
            rows = []
        if by_content:
            fine = bool(rows) and all(any(r.get(f) for r in rows) for f in by_content)
        else:  # nothing to recognise in the rows (there may be none): the headers must be where the entry says
            fine = structure is None or structure["header"] == spec.header
        if fine:
            return rows
        entry, seen = decide_records(self.selectors, key, structure, by_content)
        if entry is None:
            self.proposals.leave(key, seen)
            return rows
        self._use(key, entry, f"{seen} på skärmen {self.screen_name}")
        self._record(KeyCheck(key, self.screen_name, MISSING, f"Posterna lästes inte. Förslag: {seen}."))
        return self.screen.read_records(key)

    def _step3(self) -> None:
        self.screen.click("step2.next")
        self.screen.wait_visible("step3.message")
        self._settle()
        self._check_all("step3.subject", "step3.message", "step3.attach", "step3.back")
        if self._used("insert_text")[:1] == ["step3.insert_text"]:
            self._check_all("step3.any_insert_text")
            for name in self.campaign.texts[:1]:
                if self.check("step3.insert_text", text_name=name).state == MISSING:
                    self._reveal_text_menu(name)
        else:  # the texts show only once the action's first steps opened them (a menu): insert one, as the bot does
            self._not_checked(("step3.any_insert_text",), "visas först när åtgärden insert_text har öppnat den")
            for name in self.campaign.texts[:1]:
                self._act("insert_text", text_name=name)
        for attachment in self.campaign.attachments[:1]:
            self._act("attach_file", files=[attachment], file_name=attachment.name)
            shown = self._scope("step3.attach").get_by_text(attachment.name).first
            if not _shows(shown, min(self.screen.timeout_ms, 3000)):
                self._reveal_upload(shown)
            with self.screen.step("step3.attached"):  # the file's name shows once the tool took it
                shown.wait_for(state="visible")
            self.check("step3.attachments")  # the list may show only once it holds a file
            self.check("step3.attached", file_name=attachment.name)
        if not self.campaign.attachments:
            self._not_checked(("step3.attachments", "step3.attached"), "kampanjen har inga bilagor")
        self._act("before_send")  # e.g. a box to tick before Skicka is enabled; nothing is sent
        send = self.screen.el("step3.send").first
        if not self.selectors.action("before_send") and send.count() and not _enabled_soon(send, 3000):
            revealed, why = send_checkbox(self.screen, send)
            if revealed is None:
                self.proposals.leave("actions.before_send", why)
            else:
                self._apply(revealed)
                self._act("before_send")
        self.check("step3.send")
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
        self.check("nav.unit_cases")
        if self.selectors.has("unit_cases.all_tab"):  # checked before the flow clicks it
            self.screen.click("nav.unit_cases")
            self._settle()
            if self.check("unit_cases.all_tab").state == MISSING:
                self._propose_no_tabs()
        open_all_cases(self.screen)
        self._settle()
        self._check_all("unit_cases.case_type", "unit_cases.status", "unit_cases.pnr")
        self._check_choice("unit_cases.status", values.get("read", "Läst av invånare"))
        self._check_choice("unit_cases.case_type", values.get("sent_by_care", "Skickat av vården"))
        self._check_all("unit_cases.date_from", "unit_cases.date_to", "unit_cases.search")
        self.screen.choose("unit_cases.case_type", values.get("sent_by_care", "Skickat av vården"))
        if self.screen.present("unit_cases.date_to"):
            self.screen.fill("unit_cases.date_to", date.today().isoformat())
        self.check("unit_cases.table")
        self.screen.click_and_wait_replaced("unit_cases.search", "unit_cases.table")
        self._settle()
        self._check_all("unit_cases.table", "unit_cases.rows")
        rows = self._records("unit_cases.cases", {})
        self._record(KeyCheck("unit_cases.cases", self.screen_name, FOUND, "tabellen lästes som poster"))
        self._check_sent_at(rows)
        next_page = self.check("unit_cases.next_page")
        if next_page.state == MISSING and "unit_cases.next_page" not in self.proposals.decided:
            self._reveal_load_more()
        if next_page.state == MISSING and "unit_cases.next_page" not in self.proposals.decided:
            next_page.state, next_page.detail = NOT_CHECKED, "syns inte: kan betyda att allt ryms på en sida"
            self.proposals.undecided.pop("unit_cases.next_page", None)
        elif next_page.state == DISABLED:  # the flow reads a disabled "Nästa sida" as the last page
            next_page.state, next_page.detail = FOUND, "inaktiverad: sista sidan"
        self._shoot(self.screen_name)

    def _check_sent_at(self, rows: list[dict[str, str]]) -> None:
        """Skickat as the list shows it must be readable with `sent_at_format` (reconciliation and follow-up read
        it); when it is not, propose the one known format that reads every row shown (none listed: not checked)."""
        key = "unit_cases.values.sent_at_format"
        shown = [row["sent_at"] for row in rows if row.get("sent_at")]
        if not shown:
            return
        fmt = self.selectors.value("unit_cases.values", {}).get("sent_at_format", DEFAULT_SENT_AT_FORMAT)
        unread = [text for text in shown if parse_shown(text, fmt) is None]
        if not unread:
            self._record(KeyCheck(key, self.screen_name, FOUND, f"Skickat lästes på alla listade rader ({len(shown)})"))
            return
        detail = f"Skickat '{scrub(unread[0])}' går inte att läsa med formatet '{fmt}'"
        proposed, seen = decide_sent_at_format(shown)
        if proposed:
            self._use(key, proposed, f"{seen} på skärmen {self.screen_name}")
            detail += f'. Förslag: sent_at_format = "{proposed}"'
        else:
            self.proposals.leave(key, seen)
        self._record(KeyCheck(key, self.screen_name, UNKNOWN_TEXT, detail))

    def _propose_no_tabs(self) -> None:
        """Alla ärenden without tabs: the filters already show, so the page already lists every ärende."""
        if "unit_cases.all_tab" in self.proposals.decided:
            return
        shown = [key for key in ("unit_cases.case_type", "unit_cases.table") if self.screen.present(key)]
        near = closest(self.selectors, "unit_cases.case_type", page_elements(self.screen.page, self.selectors))
        name = wanted(self.selectors, "unit_cases.case_type")[1]
        if not shown and not any(c.name.casefold() == name.casefold() for c in near):
            return
        seen = "ingen flik 'Alla ärenden', men filtret Ärendetyp syns redan: sidan visar alla ärenden"
        self._use("unit_cases.all_tab", False, f"{seen} (skärmen {self.screen_name})")

    def _check_choice(self, key: str, option: str) -> None:
        """Check the options of a choice with the one the bot would pick, opening a listbox first as a person
        would; a control said to be a <select> that is none is tried as one that opens a list of options."""
        if self.selectors.has(key) and self.screen.present(key):
            node = self.selectors.entry(key)
            if node.get("kind", "select") == "select" and not _is_select(self.screen.el(key).first):
                self._try_listbox(key, node, option)
            with contextlib.suppress(UtskickError, PlaywrightError):  # the option check below says what is missing
                self.screen.open_choice(key, option)
        self.check(f"{key}_option", option=option)

    def _try_listbox(self, key: str, node: dict, option: str) -> None:
        """Click a choice that is no <select>; when options show, it is a listbox (and the doctor says so)."""
        what = fill(wanted(self.selectors, key)[2], {})
        check = KeyCheck(key, self.screen_name, WRONG_KIND, f'{what} är ingen <select> (kind = "select").')
        self._record(check)
        self.report.checks[key] = check
        radios = self.screen.el(key).first.get_by_role("radio", name=option, exact=True)
        with contextlib.suppress(PlaywrightError):
            if radios.count() == 1 and radios.first.is_visible():
                seen = f"{what} är en grupp radioknappar; '{option}' är en av dem, på skärmen {self.screen_name}"
                self._use(key, dict(node) | {"kind": "radio"}, seen)
                option_entry = {"role": "radio", "name": "{option}", "within": key}
                self._use(f"{key}_option", option_entry, f"radioknappen '{option}' i gruppen")
                check.detail += ' Förslag: kind = "radio".'
                return
        if _is_text_input(self.screen.el(key).first) and self._try_combobox(key, node, option, what):
            check.detail += ' Förslag: kind = "combobox".'
            return
        option_entry: dict = {"role": "option", "name": "{option}"}
        if key in LISTED:
            option_entry["exact"] = False  # the bot lists them with {option} empty
        with contextlib.suppress(PlaywrightError):
            self.screen.el(key).first.click()
            options = self._scope(key).get_by_role("option", name=option)
            options.first.wait_for(state="visible", timeout=3000)
        if not finds(self.screen, f"{key}_option", option_entry, False, None, option=option):
            self.proposals.leave(key, f"{what} är ingen <select>, och inga alternativ visades när den klickades")
            return
        self._use(
            key,
            dict(node) | {"kind": "listbox"},
            f"{what} öppnar en lista med alternativ på skärmen {self.screen_name}",
        )
        self._use(f"{key}_option", option_entry, f"alternativet '{option}' i listan på skärmen {self.screen_name}")
        check.detail += ' Förslag: kind = "listbox" med alternativ { role = "option", name = "{option}" }.'

    def _try_combobox(self, key: str, node: dict, option: str, what: str) -> bool:
        """Type the option into a text field that is no <select>: when the list it shows holds the option, and a
        text no option has empties it, it is a type-to-filter combobox (proposed, the option left typed in)."""
        field = self.screen.el(key).first
        options = self._scope(key).get_by_role("option")
        try:
            field.fill(option)
            options.get_by_text(option, exact=True).first.wait_for(state="visible", timeout=3000)
            field.fill(f"{option} {option}")  # a text no option has: a filter leaves none
            options.first.wait_for(state="hidden", timeout=3000)
            field.fill(option)
            options.get_by_text(option, exact=True).first.wait_for(state="visible", timeout=3000)
        except PlaywrightError:
            with contextlib.suppress(PlaywrightError):
                field.fill("")
            return False
        seen = f"{what} filtrerar sina alternativ medan man skriver, på skärmen {self.screen_name}"
        self._use(key, dict(node) | {"kind": "combobox"}, seen)
        option_entry = {"role": "option", "name": "{option}"}
        self._use(f"{key}_option", option_entry, f"alternativet '{option}' i listan som skrivandet filtrerade")
        return True

    def _check_all(self, *keys: str) -> None:
        for key in keys:
            self.check(key)

    def _not_checked(self, keys: tuple[str, ...], why: str) -> None:
        for key in keys:
            self._record(KeyCheck(key, self.screen_name, NOT_CHECKED, why))

    def _account_for_every_key(self, why: str, wizard_only: bool = False) -> None:
        # a key never reached is shown as the campaign would have filled it in
        filled = {"unit": self.campaign.unit}
        if self.campaign.texts:
            filled["text_name"] = self.campaign.texts[0]
        for key, kind in schema.SCHEMA.items():
            if kind in (schema.VALUE, schema.PATTERN, schema.ACTION, schema.TEXTS) or key in self.report.checks:
                continue
            if not self.selectors.has(key):
                self.report.checks[key] = KeyCheck(key, "", OFF)
            elif key in NOT_CHECKED_WHY:
                self.report.checks[key] = KeyCheck(key, "", NOT_CHECKED, NOT_CHECKED_WHY[key])
            elif wizard_only and (key.startswith("unit_cases") or key == "nav.unit_cases"):
                continue  # Alla ärenden is reached through the menu even when the wizard stopped
            else:
                self.report.checks[key] = KeyCheck(key, "", NOT_REACHED, why, filled=dict(filled))

    def _shoot(self, name: str, aria: bool = False) -> None:
        path = self.folder / f"{len(self.report.screenshots) + 1:02d}-{name}.png"
        try:
            self.screen.page.screenshot(path=str(path), full_page=True)
            os.chmod(path, 0o600)
            self.report.screenshots.append(path)
            if aria:  # what a person needs to write the entry: roles and names, masked
                snapshot = path.with_name(path.stem + ".aria.txt")
                tree = self._scope("page.content").locator("body").aria_snapshot()
                snapshot.write_text(scrub(tree), encoding="utf-8")
                os.chmod(snapshot, 0o600)
        except PlaywrightError:
            pass  # a closed page has nothing to show; the report says where the walk stopped


def pnr_pattern(display: str) -> str:
    """A regular expression with a group `pnr` for personnummer shown as `display` ("{yyyymmdd}-{last4}")."""
    widths = {"yyyymmdd": 8, "last4": 4, "yymmdd": 6, "pnr": 12}
    parts = re.split(r"\{(\w+)\}", display)
    body = "".join(
        re.escape(p).replace("\\-", "-") if i % 2 == 0 else rf"\d{{{widths[p]}}}" for i, p in enumerate(parts)
    )
    return f"(?P<pnr>{body})"


def _shows(loc, timeout_ms: int) -> bool:
    """True when `loc` becomes visible within `timeout_ms`."""
    try:
        loc.wait_for(state="visible", timeout=timeout_ms)
        return True
    except PlaywrightError:
        return False


def _key_of(error: SelectorError) -> str:
    """The selectors key a SelectorError names ("step2.pnr (label='Personnummer')" -> "step2.pnr")."""
    return error.selector.split(" | ")[0].split(" (")[0]


def _is_option(loc) -> bool:
    """An <option> of a <select> is never "visible" to Playwright, yet a person sees it in the list."""
    try:
        return loc.evaluate("el => el.localName === 'option'")
    except PlaywrightError:
        return False


def _is_text_input(loc) -> bool:
    """An <input> a person types into (a combobox that filters as it is typed into is one)."""
    try:
        return loc.evaluate("el => el.localName === 'input' && !['checkbox', 'radio', 'file'].includes(el.type)")
    except PlaywrightError:
        return False


def _is_select(loc) -> bool:
    try:
        return loc.evaluate("el => el.localName === 'select'")
    except PlaywrightError:
        return True  # nothing to say: the check of the element itself reports it


def _clickable(node: dict) -> bool:
    return node.get("role") in ("button", "link", "tab", "combobox", "textbox") or "label" in node


def _enabled_soon(loc, timeout_ms: int) -> bool:
    """Controls a single-page app enables once its script is ready are given a moment, as a person would."""
    try:
        wait_enabled(loc, min(timeout_ms, 3000))
        return True
    except PlaywrightTimeout:
        return False


def run_doctor(
    campaign: Campaign,
    pnrs: list[str],
    out: Path | None = None,
    propose: Path | None = None,
    force: bool = False,
) -> DoctorReport:
    """Walk the staff tool with the campaign's settings and write the report (folder 0700), and with `propose` the
    override it could decide."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = (out or campaign.artifacts) / f"doktor-{stamp}"
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    selectors = Selectors.load(campaign.selectors, campaign.selectors_override)
    settings = browser_settings(campaign)
    with BrowserSession(settings, campaign.base_url) as session:
        screen = Screen(session.page, selectors, settings.timeout_ms)
        doctor = Doctor(screen, campaign, folder)
        report = doctor.walk(pnrs)
    report.proposals = doctor.proposals
    if propose is not None:
        write_proposal(propose, doctor.proposals, force)
        report.proposal_file = propose
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
