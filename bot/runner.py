"""`utskick run`: from a campaign and a delivery to one ärende per reachable citizen, exactly once.

Order of a run: check the inputs (campaign, selectors, attachments, delivery) → take the campaign's lock →
record the delivery in the ledger → turn crashed `sending` rows into `in_doubt` → log in and check the template
with a dry pass over one citizen (which is also the preview) → ask (interactive only) → workers send, in-doubt
citizens first, each looked up in Alla ärenden before anything is retried → summary.
"""

from __future__ import annotations

import queue
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog

from bot.attachments import check_attachments
from bot.config import Campaign
from bot.errors import EXIT_INTERRUPTED, EXIT_OK, CircuitOpen, Interrupted, NeedsHuman, UtskickError
from bot.intake import IntakeResult, read_delivery
from bot.ledger import Item, Ledger, campaign_key
from bot.locators import Selectors
from bot.pacing import Clock, Pacer, describe_window, seconds_until_open
from bot.staff_session import actor, browser_settings, login_request
from bot.summary import RunSummary
from bot.worker import CircuitBreaker, RunContext, Tally, Worker
from flows.send import Message

log = structlog.get_logger("utskick.runner")


@dataclass(frozen=True)
class RunOptions:
    """Command-line choices for one run."""

    delivery: Path | None = None
    dry_run: bool = False
    limit: int | None = None
    no_wait: bool = False
    confirm: Callable[[str], bool] | None = None  # None: unattended (--yes)
    on_start: Callable[[int], None] = lambda total: None
    on_progress: Callable[[int], None] = lambda n: None


def new_run_id(now: datetime) -> str:
    """A run id that sorts by time and never collides: 20261122T031500Z-3f9a."""
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


class Run:
    """One run of one campaign; `execute` returns the summary (exit code included)."""

    def __init__(
        self,
        campaign: Campaign,
        options: RunOptions,
        *,
        run_id: str,
        clock: Clock = lambda: datetime.now().astimezone(),
        retry_sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.campaign = campaign
        self.options = options
        self.run_id = run_id
        self.clock = clock
        self.retry_sleep = retry_sleep
        self.stop = threading.Event()
        self.interrupted = False
        self.window_closed = False
        self.selectors = Selectors.load(campaign.selectors, campaign.selectors_override)
        self.key = campaign_key(campaign.key_facts())
        self.summary = RunSummary(campaign=campaign.name, dry_run=options.dry_run)
        self.errors: list[BaseException] = []
        self.pacer = Pacer(campaign.messages_per_minute, self.stop, time.monotonic)

    def execute(self) -> RunSummary:
        """Run the whole campaign pass and return the summary."""
        started = time.monotonic()
        c = self.campaign
        check_attachments(c.attachments)
        intake = read_delivery(c_delivery, c.delivery_password_env) if (c_delivery := self.options.delivery) else None
        if intake:
            self.summary.rejected_in_delivery = len(intake.rejected)
        structlog.contextvars.bind_contextvars(run_id=self.run_id, campaign=self.campaign.name)
        log.info("run_started", mode=c.mode, dry_run=self.options.dry_run, workers=c.workers)
        c.ledger.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with Ledger.open(c.ledger, actor=actor(c), run_id=self.run_id) as ledger:
            if self.options.dry_run:
                work = list(self._dry_run_items(ledger, intake))
                self._send_all(ledger, work, total=len(work))
            else:
                with ledger.acquire_run_lock(self.key, owner=self.run_id):
                    self._prepare(ledger, intake)
                    total = self._count_work(ledger)
                    self._send_all(ledger, self._work_from_ledger(ledger), total=total)
            self.summary.counts = ledger.counts(self.key) if ledger.campaign(self.key) else {}
        self.summary.seconds = time.monotonic() - started
        self.summary.exit_code = self._exit_code()
        log.info("run_finished", exit_code=self.summary.exit_code, counts=self.summary.counts)
        return self.summary

    def _prepare(self, ledger: Ledger, intake: IntakeResult | None) -> None:
        c = self.campaign
        ledger.ensure_campaign(self.key, c.name, c.facts())
        if intake:
            added = ledger.add_delivery(
                self.key,
                intake.fingerprint,
                intake.source,
                ((z.pnr, intake.source, z.source_file, z.line) for z in intake.accepted),
                ((r.file, r.line, r.masked, r.reason_code, r.reason) for r in intake.rejected),
                duplicates=intake.duplicates,
            )
            log.info("delivery_recorded", new=added.new, already_known=added.already_known)
        in_doubt = ledger.recover_interrupted(self.key)
        reset = ledger.reset_failed(self.key)
        log.info("ledger_ready", in_doubt=len(in_doubt), failed_retried=reset)

    def _count_work(self, ledger: Ledger) -> int:
        counts = ledger.counts(self.key)
        total = counts.get("pending", 0) + counts.get("in_doubt", 0)
        return min(total, self.options.limit) if self.options.limit is not None else total

    def _work_from_ledger(self, ledger: Ledger) -> Iterator[Item]:
        """In-doubt citizens first (they are looked up before anything else), then pending, streamed."""
        produced = 0
        for state in ("in_doubt", "pending"):
            for item in ledger.items(self.key, states=[state]):
                if self.options.limit is not None and produced >= self.options.limit:
                    return
                produced += 1
                yield item

    def _dry_run_items(self, ledger: Ledger, intake: IntakeResult | None) -> Iterator[Item]:
        known: set[str] = set()
        if ledger.campaign(self.key):
            for item in ledger.items(self.key):
                known.add(item.pnr)
                if item.state == "pending":
                    yield item
        for n, citizen in enumerate(intake.accepted if intake else [], start=1):
            if citizen.pnr not in known:
                yield _unsaved_item(-n, self.key, citizen.pnr)

    def _send_all(self, ledger: Ledger, work: Iterator[Item] | list[Item], total: int) -> None:
        c = self.campaign
        tally = Tally(on_progress=self.options.on_progress)
        ctx = RunContext(
            run_id=self.run_id,
            campaign_key=self.key,
            campaign_name=c.name,
            subject=c.template,
            message=Message(c.template, c.texts, c.extra_text, c.attachments),
            login=login_request(c),
            selectors=self.selectors,
            browser=browser_settings(c),
            base_url=c.base_url,
            ledger=ledger,
            stop=self.stop,
            tally=tally,
            breaker=CircuitBreaker(c.circuit_breaker),
            wait_turn=self._wait_turn,
            max_attempts=c.max_retries,
            recycle_every=c.recycle_every,
            clock_skew=timedelta(seconds=c.reconcile_clock_skew_s),
            dry_run=self.options.dry_run,
            retry_sleep=self.retry_sleep,
        )
        work = iter(work)
        first = next(work, None)
        if first is None:
            self.summary.message = "Inget att skicka: alla invånare i kampanjen har redan fått ett utfall."
            return
        if self.options.no_wait and seconds_until_open(c.window, self.clock()) > 0:
            self.window_closed = True
            return
        workers = 1 if c.session != "login" else c.workers
        ctx.errors = self.errors
        pending: queue.Queue = queue.Queue(maxsize=workers * 2)
        ready, go = threading.Event(), threading.Event()
        # Worker 0 makes the preflight in its own browser and keeps that logged-in page for its sends.
        threads = [_thread(Worker(0, ctx).run, pending, first, ready, go)]
        with _stop_on_signals(self._on_signal):
            try:
                if self._preflight_passed(threads[0], ready) and self._confirmed(total, tally.preview_text):
                    self.options.on_start(total)
                    threads += [_thread(Worker(i, ctx).run, pending) for i in range(1, workers)]
                    go.set()
                    self._feed(pending, _chain(first, work), threads)
                else:
                    self.stop.set()
            finally:
                go.set()
                for _ in threads:
                    self._put(pending, None, threads)
                for t in threads:
                    while t.is_alive():
                        t.join(timeout=0.5)
        self.summary.sent_this_run = tally.sent
        self.summary.would_send = tally.would_send
        self.summary.not_reachable = dict(tally.not_reachable)
        self.summary.preview_text = tally.preview_text

    def _preflight_passed(self, lead: threading.Thread, ready: threading.Event) -> bool:
        """Wait for worker 0's preflight; False when it failed (its error is in self.errors) or the run stopped."""
        while not ready.wait(timeout=0.5):
            if not lead.is_alive() or self.stop.is_set():
                return False
        return True

    def _confirmed(self, total: int, preview: str) -> bool:
        """Ask the case handler (interactive runs only); a no, or Ctrl-C at the prompt, sends nothing."""
        if not self.options.confirm or self.options.dry_run:
            return True
        try:
            answer = self.options.confirm(self._confirmation_text(total, preview))
        except (KeyboardInterrupt, EOFError):
            answer = False
        if not answer:
            self.summary.message = "Avbrutet: inget skickades."
        return answer

    def _feed(self, pending: queue.Queue, work: Iterator[Item], threads: list[threading.Thread]) -> None:
        """Cut the work into sends (1 citizen in single mode, up to batch_size in batch) and queue them."""
        size = self.campaign.batch_size if self.campaign.mode == "batch" else 1
        unit: list[Item] = []
        for item in work:
            if unit and (len(unit) >= size or unit[0].state != item.state):
                self._put(pending, unit, threads)
                unit = []
            if self.stop.is_set():
                return
            unit.append(item)
        if unit:
            self._put(pending, unit, threads)

    def _put(self, pending: queue.Queue, unit: list[Item] | None, threads: list[threading.Thread]) -> None:
        """Queue a unit (dropped once the run stops) or a worker's end marker (delivered while any worker lives)."""
        while unit is None or not self.stop.is_set():
            if self.stop.is_set():
                _drain(pending)
            try:
                pending.put(unit, timeout=0.5)
                return
            except queue.Full:
                if not any(t.is_alive() for t in threads):
                    return

    def _wait_turn(self, messages: int) -> bool:
        window = self.campaign.window
        while (seconds := seconds_until_open(window, self.clock())) > 0:
            if self.options.no_wait:
                self.window_closed = True
                self.stop.set()
                return False
            log.info("waiting_for_send_window", seconds=round(seconds))
            if self.stop.wait(min(seconds, 60)):
                return False
        return self.pacer.wait_turn(messages)

    def _on_signal(self) -> None:
        self.interrupted = True
        self.stop.set()

    def _confirmation_text(self, total: int, preview: str) -> str:
        c = self.campaign
        lines = [
            f"Kampanj: {c.name}",
            f"Mottagning: {c.unit}    Mall: {c.template}    Läge: {c.mode}",
            f"Texter i ordning: {', '.join(c.texts) or '(inga)'}",
            f"Bilagor: {', '.join(p.name for p in c.attachments) or '(inga)'}",
            f"Invånare att skicka till nu: {total}",
            "",
            "Förhandsvisning av meddelandet:",
            "  " + (preview or "(kunde inte visas)").replace("\n", "\n  "),
        ]
        return "\n".join(lines)

    def _exit_code(self) -> int:
        errors = self.errors
        human = next((e for e in errors if isinstance(e, NeedsHuman)), None)
        if human:
            self.summary.message = f"Stoppad, en människa behöver titta: {human}"
            return human.exit_code
        other = next((e for e in errors if not isinstance(e, UtskickError)), None)
        if other:
            raise other
        breaker = next((e for e in errors if isinstance(e, CircuitOpen)), None)
        if breaker:
            self.summary.message = f"{breaker} {self._progress_text()}"
            return breaker.exit_code
        if errors:
            raise errors[0]
        if self.interrupted:
            self.summary.message = "Avbruten efter pågående invånare. Kör samma kommando igen för att fortsätta."
            return Interrupted.exit_code
        if self.window_closed:
            self.summary.message = (
                f"Utanför sändningsfönstret ({describe_window(self.campaign.window)}). Kör igen inom fönstret."
            )
            return EXIT_INTERRUPTED
        waiting = self.summary.counts.get("pending", 0)
        if waiting and self.options.limit is not None and not self.options.dry_run:
            self.summary.message = f"{waiting} invånare väntar fortfarande (--limit). Kör igen för att fortsätta."
        left = self.summary.counts.get("failed", 0) + self.summary.counts.get("in_doubt", 0)
        if left and not self.options.dry_run:
            self.summary.message = (
                f"{left} invånare fick inget utfall på grund av systemfel. Kör samma kommando igen: de misslyckade "
                "försöks igen och de osäkra kontrolleras mot Alla ärenden först."
            )
            return EXIT_INTERRUPTED
        return EXIT_OK

    def _progress_text(self) -> str:
        """How far the campaign got, for a run that stopped early: sent so far and left to send."""
        counts = self.summary.counts
        left = sum(counts.get(s, 0) for s in ("pending", "sending", "in_doubt", "failed"))
        return (
            f"{counts.get('sent', 0)} invånare har fått ärendet, {left} återstår. "
            "Kör samma kommando igen för att fortsätta."
        )


def _drain(pending: queue.Queue) -> None:
    while True:
        try:
            pending.get_nowait()
        except queue.Empty:
            return


def _thread(target: Callable, *args: object) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, name="utskick-worker", daemon=True)
    thread.start()
    return thread


def _chain(first: Item, rest: Iterator[Item]) -> Iterator[Item]:
    yield first
    yield from rest


def _unsaved_item(item_id: int, key: str, pnr: str) -> Item:
    now = datetime.now(UTC).isoformat()
    return Item(item_id, key, pnr, None, None, None, "pending", None, None, None, None, None, 0, None, None, now)


class _stop_on_signals:
    """While active, SIGINT and SIGTERM ask the run to stop after the current citizen (main thread only)."""

    def __init__(self, on_signal: Callable[[], None]) -> None:
        self.on_signal = on_signal
        self.previous: dict[int, object] = {}

    def __enter__(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            self.previous[sig] = signal.signal(sig, lambda *_: self.on_signal())

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
