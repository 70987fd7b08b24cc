"""The page as the flows see it: elements by selector key, actions that know the element's kind, and the one
place where Playwright's errors become the project's own (`raise ... from e`).

When an expected element does not appear, `diagnose` decides what that means before blaming the selectors:
a 5xx answer is a server error, a login form or a 401 is an expired session, a failed or aborted request is a
network error, a closed page is a closed browser; only what is left is selector drift, which needs a human.
Every such failure seen since the flow's current step began (`begin_step`) counts, not only those since the
last click: a Lägg till whose request failed ten clicks ago is why its row is missing now.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Locator, Page, Request, Response
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bot.errors import (
    BrowserClosed,
    ConfigError,
    SelectorError,
    SessionExpired,
    StaffToolServerError,
    StaffToolTimeout,
    UtskickError,
)
from bot.locators import Selectors
from flows.candidates import explain_missing
from flows.readiness import Condition, ReadinessTimeout, wait_all
from flows.shadow_dom import SHADOW_DOM_JS
from flows.waits import wait_text


class Screen:
    """A Playwright page plus the selector data that says where things are on it."""

    def __init__(self, page: Page, selectors: Selectors, timeout_ms: int = 15000) -> None:
        self.page = page
        self.selectors = selectors
        self.timeout_ms = timeout_ms
        self.at_receipt = False  # the page shows a receipt, whose Skicka ärende link starts the next send
        self.step_name = "start"
        self._failures: list[str] = []  # since the step began: "500", "401", "net::ERR_…"
        self._filled: dict[str, dict[str, str]] = {}  # per key, the placeholders last filled in (no personnummer)
        self._writes_open: set[Request] = set()  # changes the page sent by fetch (POST, PUT, …), not answered yet
        self._write_answers: list[int] = []  # HTTP status per answered change since the step began; 0: no answer
        self._page_answer: tuple[str, int] = ("GET", 200)  # method and status of the page now shown
        self._answer_in_flight: tuple[str, int] = ("GET", 200)  # the same for a page answered, not yet shown
        page.on("request", self._watch_request)
        page.on("response", self._watch_response)
        page.on("requestfinished", self._watch_finished)
        page.on("requestfailed", self._watch_failed)
        page.on("framenavigated", self._watch_navigated)

    def begin_step(self, name: str) -> None:
        """Start a new step of the flow: failures seen before it no longer explain what happens in it."""
        self.step_name = name
        self._failures = []
        self._write_answers = []

    def _watch_request(self, request: Request) -> None:
        if request.method in _WRITES and request.resource_type in ("fetch", "xhr"):
            self._writes_open.add(request)

    def _watch_response(self, response: Response) -> None:
        if response.status >= 500 or response.status == 401:
            self._failures.append(str(response.status))
        request = response.request
        if request.is_navigation_request() and self._is_tool_frame(request.frame):
            self._answer_in_flight = (request.method, response.status)
        if response.request in self._writes_open:
            self._write_answers.append(response.status)

    def _watch_navigated(self, frame: Frame) -> None:
        # An answer counts as the page shown only once its document is committed: going back from an error page
        # that is still being swapped in fails in Chromium with "Not attached to an active page".
        if self._is_tool_frame(frame):
            self._page_answer = self._answer_in_flight

    def _is_tool_frame(self, frame: Frame) -> bool:
        """True for the frame the staff tool's pages load in: the page's own, or with `[page] frame` (the tool in
        a portal's iframe) a frame of the page's own (event handlers cannot ask the browser which iframe it is)."""
        if not self.selectors.value("page.frame", ""):
            return frame.parent_frame is None
        return frame.parent_frame is not None and frame.parent_frame.parent_frame is None

    def _watch_finished(self, request: Request) -> None:
        self._writes_open.discard(request)

    def _watch_failed(self, request: Request) -> None:
        if request in self._writes_open:
            self._writes_open.discard(request)
            self._write_answers.append(0)
        self._failures.append(request.failure or "net::ERR_FAILED")

    def server_failed(self) -> bool:
        """True when the staff tool answered with a 5xx, 401 or not at all since the step began."""
        return bool(self._failures)

    def write_answers(self) -> list[int]:
        """The HTTP status of every change the page sent since the step began, in order; 0 for no answer."""
        return list(self._write_answers)

    def wait_writes_answered(self, timeout_ms: float | None = None) -> bool:
        """Wait until the tool has answered every change the page sent (e.g. each Lägg till); False on timeout."""
        deadline = time.monotonic() + (timeout_ms or self.timeout_ms) / 1000
        while self._writes_open and time.monotonic() < deadline:
            try:  # events are delivered while Playwright waits; a slice keeps a failed request from being missed
                self.page.wait_for_event("requestfinished", timeout=_EVENT_SLICE_MS)
            except PlaywrightTimeout:
                continue
            except PlaywrightError as e:
                raise self._translate(e, self.step_name) from e
        return not self._writes_open

    def click_through(
        self, click_key: str, next_key: str, attempts: int = 3, fill_form: Callable[[], None] | None = None
    ) -> None:
        """Click a link or a form's button and wait for `next_key` on the next page. A next page that comes back
        with a 5xx is handled as a person would: reloaded when it was fetched (GET), or, when the form's own
        answer failed (POST), back to the form, `fill_form` again, and click again; up to `attempts` tries.
        Never used for Skicka: a failed send is in doubt, not repeated."""
        action = "click"
        for _ in range(attempts):
            self._page_answer = self._answer_in_flight = ("", 0)
            if action == "reload":
                with self.step(f"{next_key} (ny laddning)"):
                    self.page.wait_for_load_state()
                    self._reload()
            else:
                if action == "back":
                    with self.step(f"{click_key} (tillbaka)"):
                        self.page.wait_for_load_state()
                        self._go_back()
                    if fill_form:
                        fill_form()
                self.click(click_key)
            if self._wait_next_page(next_key):
                return
            action = "reload" if self._page_answer[0] == "GET" else "back"
        raise self.diagnose(next_key)

    def _tool_frame(self) -> Frame | None:
        """The portal's iframe the tool lives in (`[page] frame`), or None when the tool is the page itself."""
        css = self.selectors.value("page.frame", "")
        return self.page.locator(css).element_handle().content_frame() if css else None

    def _reload(self) -> None:
        """Load the tool's page anew: the page, or the iframe it lives in (reloading the portal would start over)."""
        frame = self._tool_frame()
        if frame is None:
            self.page.reload()
        else:
            frame.goto(frame.url)

    def _go_back(self) -> None:
        """Go back one page in the tool: the page, or the iframe it lives in (Playwright's go_back waits for the
        portal page itself to navigate, which a frame's history step never does)."""
        frame = self._tool_frame()
        if frame is None:
            self.page.go_back()
        else:
            with frame.expect_navigation():
                frame.evaluate("() => history.back()")

    def _wait_next_page(self, key: str) -> bool:
        """Wait until `key` is visible (True) or the page load came back with a 5xx (False), whichever is first."""
        with self.step(key):
            return self._wait_shown(self.el(key).first, key)

    def el(self, key: str, **fmt: str) -> Locator:
        """The locator for a selector key."""
        if fmt:  # a later plain look-up of the same key (diagnosing it) keeps what the flow filled in
            self._filled[key] = {name: value for name, value in fmt.items() if name != "pnr"}
        return self.selectors.locator(self.page, key, **fmt)

    def display_pnr(self, pnr: str) -> str:
        """A 12-digit personnummer as the tool shows it in lists and tables."""
        pattern = self.selectors.value("pnr.display", "{yyyymmdd}-{last4}")
        return pattern.format(yyyymmdd=pnr[:8], last4=pnr[8:], yymmdd=pnr[2:8], pnr=pnr)

    @contextmanager
    def step(self, key: str) -> Iterator[None]:
        """Run one UI step; translate any Playwright failure into the project's errors, naming `key`."""
        try:
            yield
        except UtskickError:
            raise
        except PlaywrightTimeout as e:
            raise self.diagnose(key) from e
        except PlaywrightError as e:
            raise self._translate(e, key) from e

    def _translate(self, error: PlaywrightError, key: str) -> UtskickError:
        text = str(error)
        if "closed" in text.lower() or "Target crashed" in text:
            return BrowserClosed(f"Sidan stängdes under steget {key}.")
        if "net::ERR_" in text or "NS_ERROR" in text:
            return StaffToolTimeout(f"Personalverktyget svarade inte (steget {key}).")
        return self.diagnose(key)

    def diagnose(self, key: str) -> UtskickError:
        """Explain why `key` did not show up: server error, expired session, network error, or a changed UI."""
        if "401" in self._failures:
            return SessionExpired("Sessionen i Personalverktyget har gått ut.")
        server = [f for f in self._failures if f.isdigit()]
        if server:
            return StaffToolServerError(
                f"Personalverktyget svarade med fel {server[-1]} i steget {self.step_name} (vid {key}; "
                f"{len(server)} felsvar i steget)."
            )
        if self._failures:
            return StaffToolTimeout(
                f"Personalverktyget svarade inte ({self._failures[-1]}, steget {self.step_name}, vid {key})."
            )
        try:
            if self.page.is_closed():
                return BrowserClosed(f"Sidan stängdes under steget {key}.")
            if self.el("login.hsa_id").count() > 0 and not key.startswith("login."):
                return SessionExpired("Sessionen i Personalverktyget har gått ut.")
            body = self.el("page.content").first.inner_text(timeout=2000)
        except PlaywrightError:
            return BrowserClosed(f"Sidan gick inte att läsa under steget {key}.")
        states = self.selectors.patterns("page_states")
        if states["session_expired"].search(body):
            return SessionExpired("Sessionen i Personalverktyget har gått ut.")
        if states["server_error"].search(body):
            return StaffToolServerError(f"Personalverktyget visar ett serverfel (steget {key}).")
        keys = key.split(" | ")  # wait_first: one of several elements (a receipt, or the page saying nothing sent)
        described = " | ".join(self._fill(k, self.selectors.describe(k)) for k in keys)
        if len(keys) == 1 and self._disabled(key):
            return SelectorError(described, "Elementet finns men är inaktiverat (disabled).")
        # Of several keys waited for at once, the first is what the flow expected (e.g. the login form): it is always
        # explained; the others (the page saying nothing was sent, instead of the receipt) when something close shows.
        explained = [self._explain(k) for k in keys]
        shown = [text for n, text in enumerate(explained) if text and (n == 0 or "På sidan finns:" in text)]
        return SelectorError(described, " ".join(shown))

    def _explain(self, key: str) -> str:
        """What the page offers instead of `key`'s element (a records entry: of the element that holds the rows)."""
        try:
            container = self.selectors.records(key).container
        except (ConfigError, KeyError):
            return self._fill(key, explain_missing(self.page, self.selectors, key))
        try:
            there = self.el(container).count() > 0
        except PlaywrightError:
            there = False
        if there:
            return f"{self.selectors.describe(container)} finns, men raderna går inte att läsa som {key} anger."
        return explain_missing(self.page, self.selectors, container)

    def _fill(self, key: str, text: str) -> str:
        for name, value in self._filled.get(key, {}).items():
            text = text.replace("{" + name + "}", value)
        return text

    def _disabled(self, key: str) -> bool:
        try:
            loc = self.el(key).first
        except (ConfigError, KeyError, IndexError):  # no element entry, or {placeholders} the diagnosis cannot fill
            return False
        try:
            return loc.count() > 0 and loc.is_visible() and loc.is_disabled(timeout=2000)
        except PlaywrightError:
            return False

    def open(self, url: str) -> None:
        """Go to a page by address (the start page); an unreachable tool is a transient error."""
        with self.step("start_page"):
            self.page.goto(url)

    def click(self, key: str, **fmt: str) -> None:
        """Click the element."""
        with self.step(key):
            self.el(key, **fmt).click()

    def fill(self, key: str, value: str, **fmt: str) -> None:
        """Type a value into the field."""
        with self.step(key):
            self.el(key, **fmt).fill(value)

    def wait_visible(self, key: str, **fmt: str) -> Locator:
        """Wait until the element is visible and return it."""
        with self.step(key):
            loc = self.el(key, **fmt)
            if not self._wait_shown(loc.first, key):
                raise self.diagnose(key)
            return loc

    def _wait_shown(self, locator: Locator, key: str) -> bool:
        """Wait until `locator` is visible (True), for the step's time, or until the page now shown is one the tool
        answered with a 5xx (False, at once: no element comes on an error page)."""
        deadline = time.monotonic() + self.timeout_ms / 1000
        while self._page_answer[1] < 500:
            left_ms = (deadline - time.monotonic()) * 1000
            if left_ms <= 0:
                raise self.diagnose(key)
            try:
                locator.wait_for(state="visible", timeout=min(_EVENT_SLICE_MS, left_ms))
                return True
            except PlaywrightTimeout:
                continue
        return False

    def is_visible(self, key: str, **fmt: str) -> bool:
        """True when the element is on the page now (no waiting)."""
        try:
            return self.el(key, **fmt).first.is_visible()
        except PlaywrightError:
            return False

    def wait_first(self, *keys: str, fmt: dict[str, str] | None = None) -> str:
        """Wait until one of several elements is visible and return its key (e.g. a receipt or an error)."""
        fmt = fmt or {}
        locators = [self.el(k, **fmt) for k in keys]
        combined = locators[0]
        for loc in locators[1:]:
            combined = combined.or_(loc)
        either = " | ".join(keys)
        with self.step(either):
            # Only visible matches: a tool may keep an error element in the page, hidden, ahead of the answer.
            if not self._wait_shown(combined.filter(visible=True).first, either):
                raise self.diagnose(either)
        for key, loc in zip(keys, locators, strict=True):
            if loc.first.is_visible():
                return key
        return keys[0]

    def options(self, key: str) -> list[str]:
        """The option texts of a choice element (a <select>, or options shown once the choice is opened)."""
        with self.step(key):
            self.open_choice(key, "")
            return [" ".join(t.split()) for t in self.option(key, "").evaluate_all(_OPTION_NAMES_JS)]

    def option(self, key: str, option: str, **fmt: str) -> Locator:
        """The option `option` of the choice element `key` (`<key>_option`, or the default for its kind)."""
        filled = {name: value for name, value in fmt.items() if name != "pnr"}
        self._filled[f"{key}_option"] = filled | {"option": option}  # a diagnosis names the option looked for
        return self.selectors.option_locator(self.page, key, option, **fmt)

    def choose(self, key: str, option: str, **fmt: str) -> None:
        """Pick `option` in a choice element, whatever kind the tool uses: a <select>, a listbox or a menu opened by
        a click, a combobox that filters as it is typed into, or a group of radio buttons."""
        kind = self.selectors.entry(key).get("kind", "select")
        with self.step(key):
            if kind == "select":
                self.el(key, **fmt).select_option(label=option)
                return
            self.open_choice(key, option, **fmt)
            with self.step(f"{key}_option"):  # a missing option is named as such, not as its choice
                self.option(key, option, **fmt).click()

    def open_choice(self, key: str, option: str, **fmt: str) -> None:
        """Show a choice's options: click a listbox or menu open unless they already show (a second click would
        close it again), type the option into a combobox; a <select> and radio buttons show theirs already."""
        kind = self.selectors.entry(key).get("kind")
        if kind == "combobox":
            self.el(key, **fmt).fill(option)
            if not option and not self.option(key, option, **fmt).first.is_visible():
                self.el(key, **fmt).press("ArrowDown")  # an empty field filters nothing: open the list as ARIA does
        elif kind in ("listbox", "menu"):
            if not self.option(key, option, **fmt).first.is_visible():
                self.el(key, **fmt).click()
        else:
            return
        with self.step(f"{key}_option"):
            self.option(key, option, **fmt).first.wait_for(state="visible")

    def attach(self, key: str, files: list[Path]) -> None:
        """Attach files through a file input, or through the file chooser a button opens."""
        kind = self.selectors.entry(key).get("kind", "file_input")
        with self.step(key):
            if kind == "file_chooser":
                with self.page.expect_file_chooser() as chooser:
                    self.el(key).click()
                chooser.value.set_files([str(f) for f in files])
            else:
                self.el(key).set_input_files([str(f) for f in files])

    def wait_text(self, key: str, pattern: re.Pattern[str] | str, **fmt: str) -> None:
        """Wait until the element's text matches `pattern`."""
        with self.step(key):
            wait_text(self.el(key, **fmt).first, pattern, self.timeout_ms)

    def click_and_wait_replaced(self, click_key: str, replaced_key: str, ready_key: str | None = None) -> None:
        """Click, then wait until the element `replaced_key` has been rendered anew (search, next page): a new
        element in its place, or the same element whose content changed (a tool that re-renders only the rows)
        once the readiness entry `ready_key` holds.

        The old element is marked first, and watched for changes, so neither a full page load nor a client-side
        re-render can be mistaken for the old content. Content that never changes is never taken as the answer.
        """
        with self.step(click_key):
            old = self.el(replaced_key).first
            if old.count():
                old.evaluate(_MARK_STALE_JS)
            self.el(click_key).first.click()
        stale = self.el(replaced_key).and_(self.page.locator("[data-utskick-stale]")).first
        fresh = self.el(replaced_key).and_(self.page.locator(":not([data-utskick-stale])")).first
        deadline = time.monotonic() + self.timeout_ms / 1000
        with self.step(replaced_key):
            while True:
                left_ms = max(1.0, (deadline - time.monotonic()) * 1000)
                try:
                    fresh.wait_for(state="visible", timeout=min(left_ms, _EVENT_SLICE_MS))
                    return
                except PlaywrightTimeout:
                    if stale.count() and stale.evaluate(_TAKE_CHANGED_JS):
                        break  # the same element, its content rendered anew: it is the fresh one now
                    if time.monotonic() >= deadline:
                        raise
        if ready_key:
            self.wait_ready(ready_key)

    def present(self, key: str, **fmt: str) -> bool:
        """True when the entry is on, and on the page now; an `optional` entry that is absent means: skip the step."""
        if not self.selectors.has(key):
            return False
        with self.step(key):
            return self.el(key, **fmt).count() > 0

    def is_enabled(self, key: str, **fmt: str) -> bool:
        """True when the element is there and not disabled (no waiting)."""
        try:
            loc = self.el(key, **fmt).first
            return loc.count() > 0 and loc.is_enabled(timeout=self.timeout_ms)
        except PlaywrightError:
            return False

    def wait_ready(self, key: str, count: int | None = None, unless: str | None = None) -> bool:
        """Wait until every condition of the readiness entry `key` holds (nothing to wait for when it is off);
        False as soon as the element `unless` shows instead (the tool refused the input or failed, and will not
        get ready by itself)."""
        return self.wait_conditions(key, self.selectors.readiness(key), count, unless)

    def wait_conditions(
        self, name: str, conditions: dict[str, list[str]], count: int | None = None, unless: str | None = None
    ) -> bool:
        """Wait until every readiness condition ({condition: [element keys]}) holds, all in one in-page wait; False
        as soon as `unless` shows instead. `name` is the readiness entry (or action step) for messages."""
        checks = [
            Condition(condition, self.el(target), count, f"{condition} {target}")
            for condition, targets in conditions.items()
            for target in targets
            if condition != "count" or count is not None
        ]
        if not checks:
            return True
        refusal = self.el(unless) if unless and self.selectors.has(unless) else None
        with self.step(name):
            try:
                return wait_all(checks, refusal, self.timeout_ms)
            except ReadinessTimeout as e:
                raise self._not_ready(name, e.condition) from e

    def _not_ready(self, name: str, condition: Condition | None) -> UtskickError:
        """Why a readiness wait ran out: the server or session failed, the element is missing (with candidates) or
        disabled, or it is there and never became what the condition asks."""
        if condition is None:
            return self.diagnose(name)
        target = condition.label.split(" ", 1)[1]
        error = self.diagnose(target)
        if not isinstance(error, SelectorError) or condition.kind == "enabled" or self.el(target).count() == 0:
            return error
        became = {"empty": "tomt", "visible": "synligt", "gone": "borta", "count": f"{condition.count} st"}
        return SelectorError(
            f"{name} ({condition.label})",
            f"Personalverktyget blev aldrig redo: {self.selectors.describe(target)} blev inte "
            f"{became[condition.kind]} inom {self.timeout_ms / 1000:.0f} s.",
        )

    def read_records(self, key: str) -> list[dict[str, str]]:
        """Read a records entry in one round trip: one {field: text} per row the data describes."""
        spec = self.selectors.records(key)
        with self.step(key):
            # evaluate waits for the element itself; a separate visibility wait would cost another round trip.
            holder = self.el(spec.container).and_(self.page.locator(":not([data-utskick-stale])")).first
            return spec.parse(holder.evaluate(_READ_RECORDS_JS, spec.script_args()))


# Mark an element as the old content and note any change to it or inside it from now on (rows re-rendered in a
# table that is itself kept).
_MARK_STALE_JS = """el => {
  el.setAttribute('data-utskick-stale', '1');
  el.__utskickChanged = false;
  const watch = new MutationObserver(() => { el.__utskickChanged = true; watch.disconnect(); });
  watch.observe(el, { subtree: true, childList: true, attributes: true, characterData: true });
}"""
# True, and the mark taken off, when the marked element has changed since.
_TAKE_CHANGED_JS = """el => {
  if (el.__utskickChanged !== true) return false;
  el.removeAttribute('data-utskick-stale');
  return true;
}"""
# An option's name as a person reads it: a radio button's is its label, every other option's its text.
_OPTION_NAMES_JS = """els => els.map(el => el.getAttribute('aria-label')
  || [...(el.labels ?? [])].map(l => l.innerText).join(' ') || el.innerText || '')"""
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_EVENT_SLICE_MS = 250

# Reading 250 rows cell by cell through locators costs 500+ round trips to the browser; one evaluate costs one.
# The CSS comes from the records entry: by column header (row, cell, header), by row text (row), or line by line;
# `sources` are fields read from each row, or an element inside it, by text, accessible name, description, title,
# value or a named attribute. The accessible name and description follow the ARIA rules a tool's icons and
# controls use (aria-labelledby, aria-label, a label, alt, an SVG <title>, title, then the text); Playwright
# computes the full rules only for assertions, or per element through aria_snapshot (a round trip per row).
# Rows, cells and texts inside open shadow roots (a list rendered by web components) count as Playwright's own
# locators count them: each CSS is matched in the holder and in every open shadow root below it.
_READ_RECORDS_JS = r"""
(holder, spec) => {
${SHADOW}
  const text = el => deepText(el).trim();
  const attr = (el, name) => (el.getAttribute(name) ?? '').trim();
  const byIds = (el, name) => attr(el, name).split(/\s+/).filter(Boolean)
    .map(id => byId(el, id)).filter(Boolean).map(text).join(' ');
  const child = (el, tag) => [...el.children].find(c => c.localName === tag);
  const svgTitle = el => (child(el, 'title')?.textContent ?? '').trim();
  const labels = el => [...(el.labels ?? [])].map(text).join(' ');
  const name = el => byIds(el, 'aria-labelledby') || attr(el, 'aria-label') || labels(el) || attr(el, 'alt')
    || svgTitle(el) || attr(el, 'title') || text(el);
  const description = el => byIds(el, 'aria-describedby') || attr(el, 'aria-description')
    || (child(el, 'desc')?.textContent ?? '').trim() || (name(el) !== attr(el, 'title') ? attr(el, 'title') : '');
  const read = (row, source) => {
    const el = source.inside ? deepAll(row, source.inside)[0] : row;
    if (!el) return '';
    if (source.attribute) return attr(el, source.attribute);
    if (source.from === 'accessible_name') return name(el);
    if (source.from === 'description') return description(el);
    if (source.from === 'title') return attr(el, 'title') || svgTitle(el);
    if (source.from === 'value') return String(el.value ?? attr(el, 'value'));
    return text(el);
  };
  const sourced = row => Object.fromEntries(Object.entries(spec.sources).map(([f, s]) => [f, read(row, s)]));
  if (spec.header) {
    const headers = deepAll(holder, spec.header).map(text);
    const rows = deepAll(holder, spec.row)
      .map(r => [deepAll(r, spec.cell).map(text), sourced(r)])
      .filter(([cells]) => cells.length);
    return { headers, rows: rows.map(([cells]) => cells), sources: rows.map(([, own]) => own) };
  }
  if (spec.row) {
    const rows = deepAll(holder, spec.row);
    return { rows: rows.map(text), sources: rows.map(sourced) };
  }
  return { rows: text(holder).split('\n') };
}
""".replace("${SHADOW}", SHADOW_DOM_JS)


# One line of Playwright's ARIA snapshot, `- button "Name"` (YAML may quote the whole line: `- 'button "Name"'`).
_SNAPSHOT_NAME = re.compile(r'^- \'?\w+ "(?P<name>(?:[^"\\]|\\.)*)"', re.MULTILINE)


def shown_names(screen: Screen, key: str, prefix: str = "") -> list[str]:
    """The accessible names of every element `key` finds, `prefix` removed (for errors that list what is valid).

    Only used to explain a refusal, so a page where the names cannot be read gives an empty list, never an error.
    """
    try:
        snapshots = [element.aria_snapshot(timeout=screen.timeout_ms) for element in screen.el(key).all()]
    except PlaywrightError:
        return []
    names = [m["name"].replace('\\"', '"') for snap in snapshots for m in [_SNAPSHOT_NAME.search(snap)] if m]
    return [n.removeprefix(prefix).strip() for n in names if n.strip()]
