"""Part 2 of the send benchmark, bare browser: a minimal Playwright script making the clicks of `flows/send.py`
with the same locator semantics (get_by_role / get_by_label, exact names, rows scoped to the Mottagare list),
the same Chromium (`find_chromium()`, `LAUNCH_ARGS`), headless, one context with the bot's context settings,
and nothing else: no ledger, logging, retries, traces or extra reads.

Single mode: one citizen per pass, going again through the receipt's Skicka ärende link. Batch mode: up to
250 citizens per pass.

    python -m tests.bench.bare_browser --url URL --mode single|batch --pnrs FILE [--trace]
"""

from __future__ import annotations

import argparse
import re
import time
from collections import defaultdict
from pathlib import Path

import psutil
from playwright.sync_api import Page, expect, sync_playwright

from bot.run.chromium import LAUNCH_ARGS, find_chromium
from tests.bench.common import DEMO_PDF, HSA_ID, PASSWORD, TEMPLATE, TEXTS, UNIT_NAME, check_loopback, display, emit

# Any final check text (what selectors/personalverktyg.toml [check_results] matches); "Kontrollerar…" is none.
ANY_RESULT = re.compile(
    "ingen avisering|aldrig loggat in|spärrad|avliden|avregistrerad|samordningsnummer|reservnummer|Aktiv inloggning",
    re.IGNORECASE,
)
CONTEXT_ARGS = {"locale": "sv-SE", "timezone_id": "Europe/Stockholm", "viewport": {"width": 1280, "height": 900}}
READ_RECEIPT_JS = "t => [...t.querySelectorAll('tbody tr')].map(r => r.cells[1].innerText.trim())"


def tree_cpu_s() -> float:
    """CPU seconds so far of this process and every descendant (Playwright's driver, every Chromium process).

    Read between steps of one long-lived browser, so no process of the tree exits in between."""
    me = psutil.Process()
    total = 0.0
    for proc in (me, *me.children(recursive=True)):
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


class Clicks:
    """The flow's clicks on one page, timing every step (wall time, and CPU of this process tree per step)."""

    def __init__(self, page: Page, fast: bool = False, profile: bool = False) -> None:
        self.page = page
        self.fast = fast
        self.profile = profile  # reading /proc between steps costs a little: only in the profile part
        self.steps: dict[str, float] = defaultdict(float)
        self.step_cpu: dict[str, float] = defaultdict(float)
        self._cpu_at_lap = 0.0

    def _start_laps(self) -> float:
        if self.profile:
            self._cpu_at_lap = tree_cpu_s()
        return time.perf_counter()

    def _lap(self, step: str, since: float) -> float:
        if self.profile:
            cpu = tree_cpu_s()
            self.step_cpu[step] += cpu - self._cpu_at_lap
            self._cpu_at_lap = cpu
        now = time.perf_counter()
        self.steps[step] += now - since
        return now

    def login(self) -> None:
        """Start page → login form → Välj mottagning → Mina ärenden."""
        page = self.page
        page.goto("/")
        page.get_by_label("HSA-id", exact=True).fill(HSA_ID)
        page.get_by_label("Lösenord", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Logga in", exact=True).click()
        page.get_by_role("button", name=UNIT_NAME, exact=True).click()
        page.get_by_role("link", name="Mina ärenden", exact=True).wait_for()

    def send(self, pnrs: list[str]) -> int:
        """One pass through the wizard; returns the number of ärende-ids on the receipt."""
        page = self.page
        t = self._start_laps()
        page.get_by_role("link", name="Skicka ärende", exact=True).click()  # on Mina ärenden or the receipt
        template = page.get_by_label("Välj mall", exact=True)
        template.wait_for()
        t = self._lap("open_wizard", t)
        template.select_option(label=TEMPLATE)
        page.get_by_role("button", name="Gå vidare", exact=True).click()
        field = page.get_by_label("Personnummer", exact=True)
        field.wait_for()
        t = self._lap("choose_template", t)
        rows = page.get_by_role("list", name="Mottagare", exact=True).get_by_role("listitem")
        add = page.get_by_role("button", name="Lägg till", exact=True)
        if self.fast:
            # Proposal, not the baseline: type each number and press Enter (the form's own submit), without
            # waiting for each row; then one wait until every row is there and none is still checking, and
            # one read of all rows.
            for pnr in pnrs:
                field.fill(display(pnr))
                field.press("Enter")
            expect(rows).to_have_count(len(pnrs), timeout=30000)
            t = self._lap("add_recipients", t)
            expect(rows.filter(has_text="Kontrollerar")).to_have_count(0, timeout=30000)
            texts = rows.all_inner_texts()
            if not all(ANY_RESULT.search(text) for text in texts):
                raise SystemExit("a row has no check result")
        else:
            for pnr in pnrs:
                field.fill(display(pnr))
                add.click()
                rows.filter(has_text=display(pnr)).first.wait_for()
            t = self._lap("add_recipients", t)
            for pnr in pnrs:
                expect(rows.filter(has_text=display(pnr)).first).to_contain_text(ANY_RESULT, timeout=30000)
        t = self._lap("wait_checks", t)
        page.get_by_role("button", name="Nästa", exact=True).click()
        message = page.get_by_label("Meddelande", exact=True)
        message.wait_for()
        t = self._lap("next_to_message", t)
        for name in TEXTS:
            page.get_by_role("button", name=f"Infoga text: {name}", exact=True).click()
        t = self._lap("insert_texts", t)
        page.get_by_label("Bifoga fil", exact=True).set_input_files(str(DEMO_PDF))
        attached = page.get_by_role("list", name="Bifogade filer", exact=True).get_by_role("listitem")
        attached.filter(has_text=DEMO_PDF.name).first.wait_for()
        t = self._lap("attach", t)
        message.input_value()
        page.get_by_role("button", name="Skicka", exact=True).click()
        page.get_by_role("heading", name="Ärendet har skickats", exact=True).wait_for()
        ids = page.get_by_role("table", name="Skickade ärenden", exact=True).evaluate(READ_RECEIPT_JS)
        self._lap("send_and_receipt", t)
        return len(ids)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--mode", choices=("single", "batch"), required=True)
    parser.add_argument("--pnrs", type=Path, required=True, help="a file with one personnummer per line")
    parser.add_argument("--trace", action="store_true", help="record a trace as the bot's on-failure setting does")
    parser.add_argument("--fast", action="store_true", help="proposal: Enter per number, one wait for all checks")
    parser.add_argument("--profile", action="store_true", help="CPU of the process tree per step (reads /proc)")
    args = parser.parse_args(argv)
    pnrs = args.pnrs.read_text(encoding="ascii").split()
    url = check_loopback(args.url)
    started = time.perf_counter()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), headless=True, args=list(LAUNCH_ARGS))
        version = browser.version
        context = browser.new_context(**CONTEXT_ARGS, base_url=url)
        context.set_default_timeout(15000)
        if args.trace:
            context.tracing.start(screenshots=True, snapshots=True)
        page = context.new_page()
        launch_s = time.perf_counter() - started
        clicks = Clicks(page, fast=args.fast, profile=args.profile)
        clicks.login()
        setup_s = time.perf_counter() - started
        size = 1 if args.mode == "single" else 250
        ends: list[float] = []
        receipts = 0
        send_started = time.perf_counter()
        for i in range(0, len(pnrs), size):
            if args.trace:
                context.tracing.start_chunk()
            receipts += clicks.send(pnrs[i : i + size])
            if args.trace:
                context.tracing.stop_chunk()
            ends.append(time.perf_counter() - send_started)
        send_s = ends[-1] if ends else 0.0
        if args.trace:
            context.tracing.stop()
        context.close()
        browser.close()
    flags = "".join(f"_{flag}" for flag in ("trace", "fast", "profile") if vars(args)[flag])
    emit(
        {
            "part": f"bare_{args.mode}{flags}",
            "citizens": len(pnrs),
            "receipts": receipts,
            "launch_s": launch_s,
            "setup_s": setup_s,
            "send_s": send_s,
            "send_ends": ends,
            "steps": dict(clicks.steps),
            "step_cpu": dict(clicks.step_cpu),
            "browser_version": version,
        }
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
