"""`utskick run`: from a campaign and a delivery to one ärende per reachable citizen, exactly once.

Order of a run: check the inputs (campaign, selectors, attachments, delivery) → take the campaign's lock →
record the delivery in the ledger → turn crashed `sending` rows into `in_doubt` → log in and check the template
with a dry pass over one citizen (which is also the preview) → ask (interactive only) → workers send, in-doubt
citizens first, each looked up in Alla ärenden before anything is retried → summary.

The runner orchestrates; the question before sending (`prompt`), the exit-code policy (`exit_policy`) and the
signal handling (`signals`) are modules of their own.
"""

from __future__ import annotations

import queue
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import islice
from pathlib import Path

import structlog

from bot.attachments import check_attachments
from bot.config import Campaign
from bot.disk_space import as_disk_full, check_before_send, require_free_space, run_folders
from bot.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    CircuitOpen,
    InputError,
    UtskickError,
)
from bot.guideline import check as check_guideline
from bot.intake import IntakeResult, read_delivery
from bot.ledger import Approval, HeldLock, Item, Ledger
from bot.ledger.identity import Identity, check_identity
from bot.ledger.leases import LeaseLost
from bot.ledger.target import PostgresTarget
from bot.locators import Selectors
from bot.private_files import private_dir
from bot.retention import purge_expired
from bot.run.approval import check_sender, require_approval
from bot.run.exit_policy import Ending, exit_code, outcome_of
from bot.run.pacing import Clock, Pacer, SharedPacer, next_opening, seconds_until_open, waiting_line
from bot.run.prompt import ask
from bot.run.signals import abort_on_signals, stop_on_signals
from bot.run.staff_session import actor, browser_settings, login_request
from bot.run.tally import CircuitBreaker, Tally
from bot.run.worker import RunContext, Worker
from bot.secret_env import withheld_from_environment
from bot.summary import RunSummary
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
    on_waiting: Callable[[str], None] = lambda line: None  # the Swedish waiting line, once per closed window
    preview_screenshot: Path | None = None  # the window's preview: where to save step 3 of the preflight, masked


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
        self.declined = False
        self._approvals: list[Approval] = []
        self._senders: set[str | None] = set()  # who the staff tool showed signed in, once each
        self._sender_lock = threading.Lock()
        self.window_closed = False
        self.selectors = Selectors.load(campaign.selectors, campaign.selectors_override)
        self.key = campaign.key()
        self.summary = RunSummary(campaign=campaign.name, dry_run=options.dry_run)
        self.errors: list[BaseException] = []
        self.pacer = Pacer(campaign.messages_per_minute, self.stop, time.monotonic)
        self._wait_lock = threading.Lock()
        self._announced: datetime | None = None
        self._lock: HeldLock | None = None
        self._ledger: Ledger | None = None
        self.shared_pacer: SharedPacer | None = None
        self._fingerprint = ""
        self._done = 0
        self._sent = 0
        self.declined = False
        self.folders = run_folders(campaign)

    def execute(self) -> RunSummary:
        """Run the whole campaign pass and return the summary."""
        started = time.monotonic()
        c = self.campaign
        check_attachments(c.attachments)
        require_free_space(self.folders)
        intake = read_delivery(c_delivery, c.delivery_password_env) if (c_delivery := self.options.delivery) else None
        if intake:
            self.summary.rejected_in_delivery = len(intake.rejected)
        structlog.contextvars.bind_contextvars(run_id=self.run_id, campaign=self.campaign.name)
        log.info("run_started", mode=c.mode, dry_run=self.options.dry_run, workers=c.workers)
        log.info("retention_applied", keep_days=c.keep_days, deleted=len(purge_expired(c)))
        if isinstance(c.ledger, Path):
            private_dir(c.ledger.parent, tighten=False)
        with Ledger.open(c.ledger, actor=actor(c), run_id=self.run_id) as ledger:
            identity = check_identity(ledger, c, self.key)
            self._require_citizens(ledger, intake)
            if not self.options.dry_run:
                self._check_approval(ledger, intake)
            if self.options.dry_run:
                work = list(islice(self._dry_run_items(ledger, intake, identity), self.options.limit))
                self._send_all(ledger, work, total=len(work))
                self.summary.counts = ledger.counts(self.key) if ledger.campaign(self.key) else {}
                self.summary.exit_code = self._exit_code()
            else:
                lease = {"hsa_id": c.hsa_id, "lease_s": c.lease_seconds}
                with ledger.acquire_run_lock(self.key, owner=self.run_id, **lease) as lock:
                    self._send_recorded(ledger, lock, intake, identity)
        self.summary.seconds = time.monotonic() - started
        log.info("run_finished", exit_code=self.summary.exit_code, counts=self.summary.counts)
        return self.summary

    def _require_citizens(self, ledger: Ledger, intake: IntakeResult | None) -> None:
        """Without a delivery there must be citizens in the ledger already: otherwise the command is wrong."""
        if intake is None and not (ledger.campaign(self.key) and any(ledger.counts(self.key).values())):
            raise InputError(
                f"Kampanjen '{self.campaign.name}' har inga invånare i liggaren {self.campaign.ledger}. "
                "Ange leveransen med --delivery. Inget skickades."
            )

    def _check_approval(self, ledger: Ledger, intake: IntakeResult | None) -> None:
        """With approval.required: this delivery (or, resuming, every recorded one) approved for this exact key."""
        fingerprints = [intake.fingerprint] if intake else [d["fingerprint"] for d in ledger.deliveries(self.key)]
        source = intake.source if intake else ""
        self._approvals = require_approval(ledger, self.campaign, self.key, fingerprints, source)
        for approval in self._approvals:
            log.info("approval_checked", approval_id=approval.id, approver_hsa_id=approval.approver_hsa_id)

    def _send_recorded(self, ledger: Ledger, lock: HeldLock, intake: IntakeResult | None, identity: Identity) -> None:
        """Send under the lock, with the run's start and end (outcome, exit code) in the ledger's audit trail."""
        self._lock = lock
        self._fingerprint = intake.fingerprint if intake else ""
        continues = identity.continues.key if identity.continues else None
        ledger.ensure_campaign(
            self.key,
            self.campaign.name,
            self.campaign.facts(),
            continues_key=continues,
            new_message_for_all=self.campaign.new_message_for_all,
        )
        ledger.record_run_started(self.key)
        if ledger.shared_runners:
            reserve = partial(ledger.reserve_send, self.key)
            self.shared_pacer = SharedPacer(self.campaign.messages_per_minute, self.stop, reserve)
        try:
            self._prepare(ledger, intake, identity)
            total = self._count_work(ledger)
            lock.heartbeat(done=0, total=total)
            work = self._claimed_work(ledger) if ledger.shared_runners else self._work_from_ledger(ledger)
            with _Heartbeat(lock, self._progress_done, self._on_lease_lost, self._on_heartbeat_error):
                self._send_all(ledger, work, total=total)
            self._share_stop(ledger)
            self.summary.counts = ledger.counts(self.key)
            self.summary.exit_code = self._exit_code()
        except BaseException as e:
            code = e.exit_code if isinstance(e, UtskickError) else EXIT_INTERNAL
            code = EXIT_INTERRUPTED if isinstance(e, KeyboardInterrupt) else code
            self._record_finished(ledger, outcome_of(code), code)
            raise
        outcome = "declined" if self.declined else outcome_of(self.summary.exit_code)
        self._record_finished(ledger, outcome, self.summary.exit_code)

    def _record_finished(self, ledger: Ledger, outcome: str, code: int) -> None:
        """The run's end in the audit trail; a full disk that will not take it leaves the run's own answer."""
        try:
            ledger.record_run_finished(
                self.key, outcome=outcome, exit_code=code, sent=self._sent, guideline=self.summary.guideline
            )
        except Exception as e:
            if as_disk_full(e, self.folders) is None:
                raise
            log.error("run_end_not_recorded", error=type(e).__name__)

    def _progress_done(self) -> tuple[int, int | None]:
        return self._done, None

    def _progressed(self, n: int) -> None:
        """A worker finished `n` citizens: move the bar and write a sign of life in the lock."""
        with self._wait_lock:
            self._done += n
            done = self._done
        self.options.on_progress(n)
        if self._lock is not None:
            self._lock.heartbeat(done=done)

    def _prepare(self, ledger: Ledger, intake: IntakeResult | None, identity: Identity) -> None:
        if intake:
            received = identity.already_received(ledger)
            accepted = [z for z in intake.accepted if z.pnr not in received]
            self.summary.already_received_earlier = len(intake.accepted) - len(accepted)
            added = ledger.add_delivery(
                self.key,
                intake.fingerprint,
                intake.source,
                ((z.pnr, intake.source, z.source_file, z.line) for z in accepted),
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

    def _preflight_once(self, ledger: Ledger) -> Callable[[Callable[[], str]], str | None] | None:
        """Several runners: one preflight per campaign and delivery, the others reuse it (None: each run its own)."""
        if not ledger.shared_runners or self.options.dry_run:
            return None
        return partial(ledger.shared_preflight, self._fingerprint, stop=self.stop)

    def _claimed_work(self, ledger: Ledger) -> Iterator[Item | None]:
        """Several runners share the campaign: claim work a few rows at a time (in-doubt first), and once nothing
        is free, wait while other live runners still hold open rows (if one dies, its rows come back here)."""
        size = self.campaign.batch_size if self.campaign.mode == "batch" else 1
        produced = 0
        poll = min(1.0, self.campaign.lease_seconds / 6)
        while not self.stop.is_set():
            if self.options.limit is not None and produced >= self.options.limit:
                return
            want = size if self.options.limit is None else min(size, self.options.limit - produced)
            items = ledger.claim_open(self.key, want)
            if items:
                produced += len(items)
                yield from items
                continue
            yield None  # send what is claimed before waiting for other runners
            ledger.recover_interrupted(self.key)
            if not ledger.open_elsewhere(self.key):
                items = ledger.claim_open(self.key, want)
                if not items:
                    return
                produced += len(items)
                yield from items
                continue
            self.stop.wait(poll)

    def _on_lease_lost(self) -> None:
        """The lease ran out (the process was paused or cut off): stop, and let the others go on."""
        log.error("lease_lost_stopping")
        self.errors.append(LeaseLost("Körningens lease gick ut: en annan körning tar över. Kör samma kommando igen."))
        self.stop.set()

    def _on_heartbeat_error(self, error: Exception) -> None:
        """The sign of life could not be written (a full disk): stop before the next citizen."""
        log.error("heartbeat_failed", error=type(error).__name__)
        self.errors.append(as_disk_full(error, self.folders) or error)
        self.stop.set()

    def _share_stop(self, ledger: Ledger) -> None:
        """A circuit breaker's stop here stops every runner of the campaign."""
        breaker = next((e for e in self.errors if isinstance(e, CircuitOpen)), None)
        if breaker is not None and ledger.shared_runners and not getattr(breaker, "from_elsewhere", False):
            ledger.record_stop(str(breaker))

    def _dry_run_items(self, ledger: Ledger, intake: IntakeResult | None, identity: Identity) -> Iterator[Item]:
        known: set[str] = set()
        received = identity.already_received(ledger)
        if ledger.campaign(self.key):
            for item in ledger.items(self.key):
                known.add(item.pnr)
                if item.state == "pending":
                    yield item
        for n, citizen in enumerate(intake.accepted if intake else [], start=1):
            if citizen.pnr in received:
                self.summary.already_received_earlier += 1
            elif citizen.pnr not in known:
                yield _unsaved_item(-n, self.key, citizen.pnr)

    def _send_all(self, ledger: Ledger, work: Iterator[Item] | list[Item], total: int) -> None:
        c = self.campaign
        self._ledger = ledger
        tally = Tally(on_progress=self._progressed)
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
            earlier_margin=timedelta(hours=c.reconcile_earlier_margin_h),
            dry_run=self.options.dry_run,
            retry_sleep=self.retry_sleep,
            preview_screenshot=self.options.preview_screenshot,
            pace_at_click=self.shared_pacer.wait_turn if self.shared_pacer else None,
            preflight_once=self._preflight_once(ledger),
            signed_in=partial(self._signed_in, ledger),
            folders=self.folders,
            check_machine=partial(check_before_send, self.folders),
        )
        work = iter(work)
        first = next((item for item in work if item is not None), None)  # a None only flushes the feeder
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
        # The secrets are read (ctx.login); the browsers the workers start must not inherit them.
        ledger_env = (c.ledger.password_env,) if isinstance(c.ledger, PostgresTarget) else ()
        with withheld_from_environment(c.password_env, c.delivery_password_env, *ledger_env):
            # Worker 0 makes the preflight in its own browser and keeps that logged-in page for its sends.
            threads = [_thread(Worker(0, ctx).run, pending, first, ready, go)]
            try:
                # Until the answer, Ctrl-C, SIGTERM and Ctrl-D abort with nothing sent; the stop handler comes after.
                with abort_on_signals():
                    go_ahead = (
                        self._preflight_passed(threads[0], ready)
                        and self._guideline_met(tally.preview_text)
                        and self._confirmed(total, tally.preview_text + "\n\n" + self.summary.guideline_text)
                    )
            except (KeyboardInterrupt, EOFError):
                go_ahead, self.declined = False, True
            with stop_on_signals(self._on_signal):
                try:
                    if go_ahead:
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
        self._sent = tally.sent
        self.summary.sent_this_run = tally.sent
        self.summary.would_send = tally.would_send
        self.summary.not_reachable = dict(tally.not_reachable)
        self.summary.preview_text = tally.preview_text
        self.summary.staff_tool_unanswered = tally.unanswered
        self.summary.last_system_error = tally.last_system_error

    def _signed_in(self, ledger: Ledger, sender: str | None) -> None:
        """After a login: record who the staff tool shows signed in as the sender (once per run and name), and
        stop when approval is required and it shows no one or one of the approvers."""
        with self._sender_lock:
            first_time = sender not in self._senders
            self._senders.add(sender)
        if first_time:
            log.info("sender_signed_in", shown=sender is not None)
            if sender is not None and not self.options.dry_run:
                ledger.record_sender(self.key, sender)
        if sender is not None:
            self.summary.sender = sender
        if not self.options.dry_run:
            check_sender(self.campaign, self._approvals, sender)

    def _preflight_passed(self, lead: threading.Thread, ready: threading.Event) -> bool:
        """Wait for worker 0's preflight; False when it failed (its error is in self.errors) or the run stopped."""
        while not ready.wait(timeout=0.5):
            if not lead.is_alive() or self.stop.is_set():
                return False
        return True

    def _guideline_met(self, preview: str) -> bool:
        """Check the composed message against the region's guideline; False (an input error) when it may not go."""
        checklist = check_guideline(self.campaign, preview)
        self.summary.guideline = checklist.to_dict()
        self.summary.guideline_text = checklist.describe()
        refusal = checklist.refusal()
        if refusal:
            self.errors.append(InputError(refusal))
            self.stop.set()
        return refusal is None

    def _confirmed(self, total: int, preview: str) -> bool:
        """Ask the case handler (interactive runs only); a no sends nothing (Ctrl-C and Ctrl-D reach the caller)."""
        answer = ask(self.options.confirm, self.campaign, total, preview, dry_run=self.options.dry_run)
        self.declined = not answer
        return answer

    def _feed(self, pending: queue.Queue, work: Iterator[Item | None], threads: list[threading.Thread]) -> None:
        """Cut the work into sends (1 citizen in single mode, up to batch_size in batch) and queue them.

        A full unit is queued at once, and a None from `work` queues what is held: work claimed by this runner
        never waits in the feeder while the claims wait for other runners."""
        size = self.campaign.batch_size if self.campaign.mode == "batch" else 1
        unit: list[Item] = []
        for item in work:
            if unit and (item is None or unit[0].state != item.state):
                self._put(pending, unit, threads)
                unit = []
            if self.stop.is_set():
                return
            if item is None:
                continue
            unit.append(item)
            if len(unit) >= size:
                self._put(pending, unit, threads)
                unit = []
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
        if self._ledger is not None and self._ledger.shared_runners and not self._stopped_elsewhere(self._ledger):
            return False
        window = self.campaign.window
        while (opens := next_opening(window, now := self.clock())) is not None:
            if self.options.no_wait:
                self.window_closed = True
                self.stop.set()
                return False
            self._announce_wait(opens)
            if self.stop.wait(min((opens - now).total_seconds(), 60)):
                return False
        if self.shared_pacer is not None:
            return not self.stop.is_set()  # paced at the click, across runners
        return self.pacer.wait_turn(messages)

    def _stopped_elsewhere(self, ledger: Ledger) -> bool:
        """False (and the run stops) when another runner's circuit breaker stopped the campaign."""
        why = ledger.stop_seen()
        if why is None:
            return True
        error = CircuitOpen(f"En annan körning stoppade kampanjen: {why}")
        error.from_elsewhere = True
        self.errors.append(error)
        self.stop.set()
        return False

    def _announce_wait(self, opens: datetime) -> None:
        """Log the wait, and show the Swedish waiting line once per opening (every worker waits for the same)."""
        with self._wait_lock:
            if self._announced == opens:
                return
            self._announced = opens
        log.info("waiting_for_send_window", opens=opens.isoformat())
        self.options.on_waiting(waiting_line(opens))

    def _on_signal(self) -> None:
        self.interrupted = True
        self.stop.set()

    def request_stop(self) -> None:
        """Stop after the current citizen, exactly as SIGTERM does (the window's Stoppa)."""
        self._on_signal()

    def _exit_code(self) -> int:
        """The run's exit code by the exit policy; its Swedish line becomes the summary's message."""
        ending = Ending(
            errors=self.errors,
            counts=self.summary.counts,
            declined=self.declined,
            interrupted=self.interrupted,
            window_closed=self.window_closed,
            dry_run=self.options.dry_run,
            limited=self.options.limit is not None,
            window=self.campaign.window,
        )
        code, message = exit_code(ending)
        self.summary.declined = self.declined
        if message:
            self.summary.message = message
        return code


class _Heartbeat:
    """While active, a thread writes a sign of life into the lock (or lease) every `lock.heartbeat_s` seconds."""

    def __init__(
        self,
        lock: HeldLock,
        progress: Callable[[], tuple[int, int | None]],
        on_lost: Callable[[], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        self.lock = lock
        self.progress = progress
        self.on_lost = on_lost
        self.on_error = on_error
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._beat, name="utskick-heartbeat", daemon=True)

    def _beat(self) -> None:
        while not self.done.wait(self.lock.heartbeat_s):
            done, total = self.progress()
            try:
                self.lock.heartbeat(done=done, total=total)
            except Exception as e:  # noqa: BLE001 - a thread's error would only print a traceback; the run decides
                self.on_error(e)
                return
            if self.lock.lost is not None and self.lock.lost.is_set():
                self.on_lost()
                return

    def __enter__(self) -> None:
        self.thread.start()

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()


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
