"""One worker: a browser of its own, taking sends from the run's queue and recording each outcome.

The exactly-once rule lives here: citizens are committed as `sending` (through the flow's `before_send`) right
before the click on Skicka; anything that goes wrong after that click makes them `in_doubt`, and an in-doubt
citizen is looked up in Alla ärenden before it may be sent again. Transient errors are retried with the
run's one tenacity policy; business outcomes are recorded, never retried.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import structlog
from playwright.sync_api import Error as PlaywrightError
from tenacity import RetryCallState, Retrying

from bot.config import DEFAULT_RECYCLE_EVERY
from bot.disk_space import Folder, as_disk_full
from bot.errors import (
    BrowserClosed,
    BrowserKeptDying,
    CircuitOpen,
    Interrupted,
    NeedsHuman,
    ReconcileUncertain,
    StaffToolServerError,
    TransientError,
    UtskickError,
)
from bot.ledger import Item, Ledger
from bot.locators import Selectors
from bot.pnr import mask
from bot.run.browser import BrowserSession, BrowserSettings
from bot.run.preview_shot import save_masked_screenshot
from bot.run.reconcile import Window, reconcile, true_times
from bot.run.staff_session import retry_policy
from bot.run.tally import CircuitBreaker, Tally
from bot.run.tool_clock import ToolClockOff, check_tool_clock, clock_off_message, current_offset, look_up_and_measure
from bot.run.tool_clock import record as record_clock
from flows.login import LoginRequest, open_staff_tool, read_signed_in_user
from flows.recipients import NOT_ADDED
from flows.screen import Screen
from flows.send import Message, SendOutcome, SendRequest, send_case
from flows.unit_cases import tool_zone

log = structlog.get_logger("utskick.worker")
_OPEN = ("pending", "in_doubt")
_LISTED_ROWS = 10  # ledger rows named in a stop message; the log names every one
BROWSER_DEATHS_IN_ROW = 3  # relaunches without a send in between before the run stops (exit 4)


class ReceiptIncomplete(TransientError):
    """The receipt did not account for every citizen that was sent to; look them up before anything else."""


@dataclass
class RunContext:
    """Everything the workers share: settings, the ledger, the pace, the stop signal and the counts."""

    run_id: str
    campaign_key: str
    campaign_name: str
    subject: str
    message: Message
    login: LoginRequest
    selectors: Selectors
    browser: BrowserSettings
    base_url: str
    ledger: Ledger
    stop: threading.Event
    tally: Tally
    breaker: CircuitBreaker
    wait_turn: Callable[[int], bool]
    max_attempts: int = 3
    recycle_every: int = DEFAULT_RECYCLE_EVERY
    clock_skew: timedelta = timedelta(seconds=120)
    earlier_margin: timedelta = timedelta(hours=24)  # a row this much older than the first claim is provably earlier
    dry_run: bool = False
    retry_sleep: Callable[[float], None] | None = None
    errors: list[BaseException] = field(default_factory=list)
    preview_screenshot: Path | None = None  # the window's preview: step 3 as the preflight left it, masked
    # Several runners share the pace: each waits for its slot right before Skicka (None: paced per unit instead).
    pace_at_click: Callable[[int], bool] | None = None
    # Several runners share one preflight: given how to make it, returns its preview (None: the run stops).
    preflight_once: Callable[[Callable[[], str]], str | None] | None = None
    # Told, after each login, who the staff tool shows as signed in (None: it shows no one); may stop the run.
    signed_in: Callable[[str | None], None] | None = None
    # The folders the run writes to, and the check before every send that stops on a full disk.
    folders: list[Folder] = field(default_factory=list)
    check_machine: Callable[[], None] = lambda: None

    def retrying(self, before_sleep: Callable[[RetryCallState], None]) -> Retrying:
        """The run's one retry policy (see `bot.run.staff_session.retry_policy`)."""
        return retry_policy(self.max_attempts, self.stop, before_sleep, self.retry_sleep)


@dataclass
class _Unit:
    """One send in progress: the citizens still to send, those whose send is unconfirmed, and how many sends
    have left citizens out because the list would not take them."""

    pending: list[Item]
    in_doubt: list[Item] = field(default_factory=list)
    not_added_rounds: int = 0
    not_added_why: dict[int, str] = field(default_factory=dict)


class Worker:
    """Drives one browser through the sends it takes from the queue."""

    def __init__(self, index: int, ctx: RunContext) -> None:
        self.index = index
        self.ctx = ctx
        self.session: BrowserSession | None = None
        self.screen: Screen | None = None
        self._needs_login = True
        self._since_recycle = 0
        self._deaths_in_row = 0

    def run(
        self,
        work: queue.Queue,
        preflight: Item | None = None,
        ready: threading.Event | None = None,
        go: threading.Event | None = None,
    ) -> None:
        """Thread target: (worker 0) the preflight, then process units until the queue yields None or a stop."""
        structlog.contextvars.bind_contextvars(
            run_id=self.ctx.run_id, campaign=self.ctx.campaign_name, worker=self.index
        )
        try:
            with BrowserSession(self.ctx.browser, self.ctx.base_url) as session:
                self.session = session
                self.screen = Screen(session.page, self.ctx.selectors, self.ctx.browser.timeout_ms)
                if preflight is not None:
                    make = partial(self.preflight, preflight)
                    preview = make() if self.ctx.preflight_once is None else self.ctx.preflight_once(make)
                    if preview is None:
                        return
                    self.ctx.tally.preview_text = preview
                    ready.set()
                    while not go.wait(timeout=0.5):
                        if self.ctx.stop.is_set():
                            return
                while not self.ctx.stop.is_set():
                    try:
                        unit = work.get(timeout=0.5)
                    except queue.Empty:
                        continue
                    if unit is None:
                        break
                    if not self.ctx.wait_turn(len(unit)):
                        break
                    self.ctx.check_machine()
                    self.process(unit)
        except BaseException as e:  # noqa: BLE001 - the run decides the exit code from the first error
            e = as_disk_full(e, self.ctx.folders) or e
            log.error("worker_stopped", error=type(e).__name__, message=str(e))
            self.ctx.errors.append(e)
            self.ctx.stop.set()

    def preflight(self, first: Item) -> str:
        """Log in, check template and texts, and compose the message once without sending; return the text."""

        def never(_: list[str]) -> None:
            raise AssertionError("the preflight never sends")

        self.session.begin_item()
        try:
            for attempt in self.ctx.retrying(self._before_retry):
                with attempt:
                    self._ensure_browser()
                    self._needs_login = True
                    self._log_in()
                    # Measured on an ärende an earlier run sent: a clock that is off stops the run before a send.
                    check_tool_clock(self.screen, self.ctx.ledger, self.ctx.campaign_key, self.ctx.clock_skew)
                    request = SendRequest((first.pnr,), self.ctx.message, never, dry_run=True)
                    outcome = send_case(self.screen, request)
                    if outcome.not_added:
                        raise StaffToolServerError(f"Förhandskontrollen: {outcome.not_added[first.pnr]}.")
                    if self.ctx.preview_screenshot is not None and outcome.composed_text:
                        save_masked_screenshot(self.screen.page, self.ctx.preview_screenshot)
        except UtskickError as e:
            kept = self._keep_artifacts("forhandskontroll")
            log.error("preflight_failed", error=type(e).__name__, message=str(e), artifacts=[str(p) for p in kept])
            if isinstance(e, TransientError):
                raise CircuitOpen(
                    f"Personalverktyget svarar inte som det ska ({e}). Inget skickades i den här körningen."
                ) from e
            raise
        self.session.end_item(None)
        self._needs_login = False
        self._deaths_in_row = 0
        log.info("preflight_ok", preview_chars=len(outcome.composed_text))
        return outcome.composed_text

    def process(self, items: list[Item]) -> None:
        """Send to these citizens (1 in single mode, up to 250 in batch), with retries and recording."""
        if not self.ctx.dry_run:
            # The queue may hold a citizen that an earlier unit's reconciliation already settled.
            items = [fresh for fresh in map(self.ctx.ledger.item, (i.id for i in items)) if fresh.state in _OPEN]
            if not items:
                return
        unit = _Unit(
            pending=[i for i in items if i.state == "pending"],
            in_doubt=[i for i in items if i.state == "in_doubt"],
        )
        structlog.contextvars.bind_contextvars(item=items[0].id, items=len(items))
        self.session.begin_item()
        try:
            for attempt in self.ctx.retrying(self._before_retry):
                with attempt:
                    self._attempt(unit)
        except TransientError as e:
            self._give_up(unit, e)
            self.ctx.tally.note_system_error(e)
            self.ctx.breaker.record(ok=False, error=e)
            return
        except NeedsHuman:
            self._keep_artifacts(items[0].id)
            raise
        self.session.end_item(None)
        self._deaths_in_row = 0
        self.ctx.breaker.record(ok=True)
        self._since_recycle += len(items)
        if self._since_recycle >= self.ctx.recycle_every:
            self._recycle()

    def _before_retry(self, state: RetryCallState) -> None:
        self.session.on_retry()
        error = state.outcome.exception() if state.outcome else None
        log.warning("send_retry", attempt=state.attempt_number, error=type(error).__name__, message=str(error))

    def _attempt(self, unit: _Unit) -> None:
        self._ensure_browser()
        if self._needs_login:
            self._log_in()
            self._needs_login = False
        try:
            if unit.in_doubt:
                self._reconcile(unit)
            while unit.pending:
                if unit.not_added_rounds >= self.ctx.max_attempts:
                    self._give_up_not_added(unit)
                    break
                self._send(unit)
        except PlaywrightError as e:  # raised outside a flow's step: only a dead browser gets here
            self._needs_login = True
            raise self._browser_error(e) from e
        except (TransientError, NeedsHuman) as e:
            # The page may be anywhere (an error page, the login form): start the next try from the top.
            self._needs_login = True
            if isinstance(e, BrowserClosed) and self.session.alive():
                self._recycle()
            raise

    def _log_in(self) -> None:
        with self.session.untraced():  # a trace never records the login
            open_staff_tool(self.screen, self.ctx.login)
            if self.ctx.signed_in is not None:
                self.ctx.signed_in(read_signed_in_user(self.screen))

    def _ensure_browser(self) -> None:
        """A browser that died (OOM killer, crash) is launched anew, with a new login; after
        BROWSER_DEATHS_IN_ROW deaths (a failed relaunch is one) with no send in between the run stops (exit 4)."""
        while not self.session.alive():
            self._deaths_in_row += 1
            log.error("browser_died", in_row=self._deaths_in_row)
            if self._deaths_in_row >= BROWSER_DEATHS_IN_ROW:
                raise BrowserKeptDying(_kept_dying(self._deaths_in_row))
            try:
                self.session.relaunch()
            except PlaywrightError as e:
                log.error("browser_relaunch_failed", error=type(e).__name__)
                continue
            self.screen = Screen(self.session.page, self.ctx.selectors, self.ctx.browser.timeout_ms)
            self._needs_login = True
            self._since_recycle = 0

    def _browser_error(self, error: PlaywrightError) -> Exception:
        """A Playwright error outside a flow step: a dead browser is a BrowserClosed (retried), else a bug."""
        if self.session.alive():
            return error
        return BrowserClosed(f"Webbläsaren stängdes ({type(error).__name__}).")

    def _send(self, unit: _Unit) -> None:
        by_pnr = {item.pnr: item for item in unit.pending}
        clicked: list[Item] = []

        def before_send(pnrs: list[str]) -> None:
            chosen = [by_pnr[p] for p in pnrs]
            if self.ctx.pace_at_click is not None and not self.ctx.pace_at_click(len(chosen)):
                raise Interrupted("Körningen stoppades före Skicka; inget skickades till de här invånarna.")
            self.ctx.ledger.mark_sending([i.id for i in chosen])
            clicked.extend(chosen)

        # The preflight has checked the template and its texts by name; the sends go straight through.
        request = SendRequest(tuple(by_pnr), self.ctx.message, before_send, dry_run=self.ctx.dry_run, verify=False)
        try:
            try:
                outcome = send_case(self.screen, request)
            except PlaywrightError as e:  # outside a step: the browser died (a bug otherwise, re-raised as is)
                raise self._browser_error(e) from e
        except (TransientError, NeedsHuman) as e:
            if clicked:
                self._mark_in_doubt(unit, clicked, f"{type(e).__name__} efter Skicka")
            raise
        self._record(unit, outcome, clicked)

    def _record(self, unit: _Unit, outcome: SendOutcome, clicked: list[Item]) -> None:
        ledger, tally = self.ctx.ledger, self.ctx.tally
        by_pnr = {item.pnr: item for item in unit.pending}
        claimed = {item.pnr for item in clicked}
        if self.ctx.dry_run:
            tally.preview_text = tally.preview_text or outcome.composed_text
            tally.add(would_send=len(outcome.would_send))
            for _pnr, (reason, _detail) in outcome.not_reachable.items():
                tally.add(reason=reason)
            if outcome.not_added:
                log.warning("citizens_not_added", count=len(outcome.not_added), dry_run=True)
            unit.pending = []
            return
        left_out = [by_pnr[p] for p in outcome.not_added]
        if left_out:
            unit.not_added_rounds += 1
            unit.not_added_why.update((by_pnr[p].id, why) for p, why in outcome.not_added.items())
            log.warning("citizens_not_added", count=len(left_out), round=unit.not_added_rounds)
        for pnr, (reason, detail) in outcome.not_reachable.items():
            ledger.mark_not_reachable(by_pnr[pnr].id, reason, detail)
            log.info("citizen_not_reachable", pnr=mask(pnr), reason=reason, after_click=pnr in claimed)
            tally.add(reason=reason)
        if outcome.sent:
            ledger.mark_many_sent([(by_pnr[p].id, arende) for p, arende in outcome.sent.items()])
            ledger.record_markers([(by_pnr[p].id, outcome.markers[p]) for p in outcome.sent if p in outcome.markers])
            tally.add(sent=len(outcome.sent))
            log.info("sent", count=len(outcome.sent))
        unit.pending = left_out  # still pending in the ledger: sent on their own next, within the budget
        if outcome.unconfirmed:
            self._mark_in_doubt(unit, [by_pnr[p] for p in outcome.unconfirmed], "saknas på kvittot")
            raise ReceiptIncomplete(f"Kvittot visade inte {len(outcome.unconfirmed)} av mottagarna.")

    def _mark_in_doubt(self, unit: _Unit, items: list[Item], why: str) -> None:
        self.ctx.ledger.mark_many_in_doubt([i.id for i in items], why)
        ids = {i.id for i in items}
        unit.pending = [i for i in unit.pending if i.id not in ids]
        unit.in_doubt.extend(self.ctx.ledger.item(i.id) for i in items)
        log.warning("send_in_doubt", count=len(items), why=why)

    def _reconcile(self, unit: _Unit) -> None:
        """Look the in-doubt citizens up in Alla ärenden: found means sent, a clear absence means send again,
        and a row that may be the ärende keeps the citizen in doubt and stops the run for a person. The tool's
        clock is measured first (on a send the ledger knows) and a clock off by more than the skew stops the run."""
        self.screen.begin_step("reconcile")
        ledger, key, skew = self.ctx.ledger, self.ctx.campaign_key, self.ctx.clock_skew
        zone = tool_zone(self.ctx.selectors.value("unit_cases.values", {}))
        measured = look_up_and_measure(self.screen, ledger, key)
        if measured is not None:
            record_clock(ledger, key, measured, zone)
        offset = measured.offset if measured is not None else current_offset(ledger, key, zone) or timedelta(0)
        claims = [c for c in (ledger.first_claim(key), *(i.claimed_at for i in unit.in_doubt)) if c]
        first = min(_utc(c) for c in claims) if claims else datetime.now(UTC)
        known = frozenset(ledger.known_arende_ids(i.pnr for i in unit.in_doubt))
        window = Window(not_before=first - self.ctx.earlier_margin, skew=skew, offset=offset, known_ids=known)
        result = reconcile(self.screen, unit.in_doubt, self.ctx.subject, window)
        again: list[Item] = []
        for item in unit.in_doubt:
            row = result.found.get(item.id)
            if row:
                # The tool's time with its measured offset taken off; the ledger never stores the tool's own clock.
                when = max(true_times(row, offset), default=None) or item.claimed_at
                ledger.resolve_in_doubt_as_sent(item.id, row.arende_id, when)
                self.ctx.tally.add(sent=1)
            elif item.id in result.absent:
                ledger.mark_pending_again(item.id, "not found in Alla ärenden")
                again.append(ledger.item(item.id))
        log.info("reconciled", found=len(result.found), not_found=len(again), uncertain=len(result.uncertain))
        unit.in_doubt = [item for item in unit.in_doubt if item.id in result.uncertain]
        unit.pending.extend(again)
        clock_off = clock_off_message(offset, skew, zone) if abs(offset) > skew else ""
        if result.uncertain:
            self.ctx.tally.add(in_doubt=len(result.uncertain))
            for item_id, why in result.uncertain.items():
                log.error("reconcile_uncertain", ledger_row=item_id, why=why)
            raise ReconcileUncertain(" ".join(filter(None, (uncertain_message(result.uncertain), clock_off))))
        if clock_off:
            raise ToolClockOff(clock_off)

    def _give_up_not_added(self, unit: _Unit) -> None:
        """The list would not take these citizens in any of the budgeted sends: `failed`, with the reason."""
        for item in unit.pending:
            self.ctx.ledger.mark_failed(item.id, "NotAdded", unit.not_added_why.get(item.id, NOT_ADDED))
        self.ctx.tally.add(failed=len(unit.pending))
        log.error("send_failed", error="NotAdded", failed=len(unit.pending), rounds=unit.not_added_rounds)
        unit.pending = []

    def _give_up(self, unit: _Unit, error: UtskickError) -> None:
        artifacts = (
            self._keep_artifacts((unit.pending or unit.in_doubt)[0].id) if (unit.pending or unit.in_doubt) else []
        )
        if not self.ctx.dry_run:
            for item in unit.pending:
                self.ctx.ledger.mark_failed(item.id, type(error).__name__, str(error))
        self.ctx.tally.add(failed=len(unit.pending), in_doubt=len(unit.in_doubt))
        log.error(
            "send_failed",
            error=type(error).__name__,
            message=str(error),
            failed=len(unit.pending),
            in_doubt=len(unit.in_doubt),
            artifacts=[str(p) for p in artifacts],
        )

    def _keep_artifacts(self, what: int | str) -> list:
        name = f"rad{what}" if isinstance(what, int) else what
        try:
            return self.session.end_item(f"{self.ctx.run_id}-{name}")
        except Exception:  # noqa: BLE001 - artifacts are a help, never a reason to lose the real error
            return []

    def _recycle(self) -> None:
        log.info("context_recycled", after=self._since_recycle)
        if self.session.recycle() is not None:  # None: the browser died; the next attempt relaunches it
            self.screen = Screen(self.session.page, self.ctx.selectors, self.ctx.browser.timeout_ms)
        self._needs_login = True
        self._since_recycle = 0


def _kept_dying(deaths: int) -> str:
    return (
        f"Webbläsaren (Chromium) dog {deaths} gånger i rad under körningen. Kontrollera datorns minne (dmesg "
        "visar om OOM-killern avslutade den) och minska sending.workers i kampanjfilen, och kör sedan samma "
        "kommando igen."
    )


def uncertain_message(uncertain: dict[int, str]) -> str:
    """The Swedish stop message for in-doubt citizens that reconciliation could not settle, by ledger row."""
    listed = sorted(uncertain.items())[:_LISTED_ROWS]
    rows = "; ".join(f"rad {item_id} i liggaren: {why}" for item_id, why in listed)
    if len(uncertain) > len(listed):
        rows += f"; och {len(uncertain) - len(listed)} rader till, se loggen (reconcile_uncertain)"
    return (
        f"Osäkert om {len(uncertain)} invånare redan fått ärendet ({rows}). Inget skickades igen. Kontrollera i "
        "Mottagningens ärenden → Alla ärenden. Visar verktyget tiden på ett annat sätt, rätta "
        "unit_cases.values.sent_at_format i selektorfilen och kör igen."
    )


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
