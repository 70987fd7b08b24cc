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
from playwright.sync_api import Locator, Page, Request, Response, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bot.errors import (
    BrowserClosed,
    SelectorError,
    SessionExpired,
    StaffToolServerError,
    StaffToolTimeout,
    UtskickError,
)
from bot.locators import Selectors


class Screen:
    """A Playwright page plus the selector data that says where things are on it."""

    def __init__(self, page: Page, selectors: Selectors, timeout_ms: int = 15000) -> None:
        self.page = page
        self.selectors = selectors
        self.timeout_ms = timeout_ms
        self.at_receipt = False  # the page shows a receipt, whose Skicka ärende link starts the next send
        self.step_name = "start"
        self._failures: list[str] = []  # since the step began: "500", "401", "net::ERR_…"
        self._writes_open: set[Request] = set()  # changes the page sent by fetch (POST, PUT, …), not answered yet
        self._write_answers: list[int] = []  # HTTP status per answered change since the step began; 0: no answer
        self._page_answer: tuple[str, int] = ("GET", 200)  # method and status of the page now shown
        page.on("request", self._watch_request)
        page.on("response", self._watch_response)
        page.on("requestfinished", self._watch_finished)
        page.on("requestfailed", self._watch_failed)

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
        if request.is_navigation_request() and request.frame.parent_frame is None:
            self._page_answer = (request.method, response.status)
        if response.request in self._writes_open:
            self._write_answers.append(response.status)

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
            self._page_answer = ("", 0)
            if action == "reload":
                with self.step(f"{next_key} (ny laddning)"):
                    self.page.reload()
            else:
                if action == "back":
                    with self.step(f"{click_key} (tillbaka)"):
                        self.page.go_back()
                    if fill_form:
                        fill_form()
                self.click(click_key)
            if self._wait_next_page(next_key):
                return
            action = "reload" if self._page_answer[0] == "GET" else "back"
        raise self.diagnose(next_key)

    def _wait_next_page(self, key: str) -> bool:
        """Wait until `key` is visible (True) or the page load came back with a 5xx (False), whichever is first."""
        deadline = time.monotonic() + self.timeout_ms / 1000
        locator = self.el(key).first
        while self._page_answer[1] < 500:
            remaining_ms = (deadline - time.monotonic()) * 1000
            if remaining_ms <= 0:
                raise self.diagnose(key)
            try:
                locator.wait_for(state="visible", timeout=min(_EVENT_SLICE_MS, remaining_ms))
                return True
            except PlaywrightTimeout:
                continue
            except PlaywrightError as e:
                raise self._translate(e, key) from e
        return False

    def el(self, key: str, **fmt: str) -> Locator:
        """The locator for a selector key."""
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
        except AssertionError as e:  # expect(...) failures
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
            body = self.page.locator("body").inner_text(timeout=2000)
        except PlaywrightError:
            return BrowserClosed(f"Sidan gick inte att läsa under steget {key}.")
        states = self.selectors.patterns("page_states")
        if states["session_expired"].search(body):
            return SessionExpired("Sessionen i Personalverktyget har gått ut.")
        if states["server_error"].search(body):
            return StaffToolServerError(f"Personalverktyget visar ett serverfel (steget {key}).")
        return SelectorError(self.selectors.describe(key))

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
            loc.first.wait_for(state="visible")
            return loc

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
        with self.step(" | ".join(keys)):
            combined.first.wait_for(state="visible")
        for key, loc in zip(keys, locators, strict=True):
            if loc.first.is_visible():
                return key
        return keys[0]

    def options(self, key: str) -> list[str]:
        """The option texts of a choice element (a <select>, or a listbox opened by clicking)."""
        kind = self.selectors.entry(key).get("kind", "select")
        with self.step(key):
            loc = self.el(key)
            if kind == "listbox":
                loc.click()
                option_key = f"{key}_option"
                return [t.strip() for t in self.el(option_key, option="").all_inner_texts()]
            return [t.strip() for t in loc.locator("option").all_inner_texts()]

    def choose(self, key: str, option: str) -> None:
        """Pick `option` in a choice element, whatever kind the tool uses."""
        kind = self.selectors.entry(key).get("kind", "select")
        with self.step(key):
            if kind == "listbox":
                self.el(key).click()
                self.el(f"{key}_option", option=option).click()
            else:
                self.el(key).select_option(label=option)

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

    def expect_text(self, key: str, pattern: re.Pattern[str] | str, **fmt: str) -> None:
        """Wait until the element's text matches `pattern`."""
        with self.step(key):
            expect(self.el(key, **fmt).first).to_contain_text(pattern, timeout=self.timeout_ms)

    def click_and_wait_replaced(self, click_key: str, replaced_key: str) -> None:
        """Click, then wait until the element `replaced_key` has been rendered anew (search, next page).

        The old element is marked first, so neither a full page load nor a client-side re-render can be
        mistaken for the old content.
        """
        with self.step(click_key):
            old = self.el(replaced_key).first
            if old.count():
                old.evaluate("el => el.setAttribute('data-utskick-stale', '1')")
            self.el(click_key).first.click()
        with self.step(replaced_key):
            fresh = self.el(replaced_key).and_(self.page.locator(":not([data-utskick-stale])"))
            fresh.first.wait_for(state="visible")

    def read_table(self, key: str) -> list[dict[str, str]]:
        """Read a table in one round trip: a list of {column header: cell text} per body row."""
        with self.step(key):
            # evaluate waits for the table itself; a separate visibility wait would cost another round trip.
            table = self.el(key).and_(self.page.locator(":not([data-utskick-stale])")).first
            return table.evaluate(_READ_TABLE_JS)


_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_EVENT_SLICE_MS = 250

# Reading 250 rows cell by cell through locators costs 500+ round trips to the browser; one evaluate costs one.
_READ_TABLE_JS = """
(table) => {
  const headers = [...table.querySelectorAll('thead th, tr:first-child th')].map(h => h.innerText.trim());
  const rows = [...table.querySelectorAll('tbody tr')].filter(r => r.querySelector('td'));
  return rows.map(r => {
    const cells = [...r.querySelectorAll('td, th')].map(c => c.innerText.trim());
    const out = {};
    headers.forEach((h, i) => { out[h] = cells[i] ?? ''; });
    return out;
  });
}
"""
