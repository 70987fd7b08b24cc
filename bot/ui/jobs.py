"""The window's background jobs: a preview, a run or a follow-up, each in a server thread that outlives the tab.

One job at a time in the whole window: the core configures one log file per command, and a case handler sends
one campaign at a time. The tab only watches (server-sent events) and may ask a run to stop.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog

from bot.errors import EXIT_INTERNAL, UtskickError
from bot.logging_setup import configure_logging, current_log_file
from bot.pnr import scrub

log = structlog.get_logger("utskick.ui")
KINDS_SV = {"preview": "Förhandsgranskning", "run": "Utskick", "follow_up": "Uppföljning"}
RUNNING, FINISHED, FAILED = "running", "finished", "failed"
NOTES_KEPT = 12


class JobBusy(UtskickError):
    """Another job of the window is running."""

    exit_code = 3


class JobStopped(UtskickError):
    """A job the core ended with a non-zero exit code (its Swedish message says why)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Job:
    """One background job and what the tab shows of it."""

    kind: str
    slug: str
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    state: str = RUNNING
    exit_code: int | None = None
    message: str = ""
    total: int | None = None
    done: int = 0
    result: Any = None
    notes: deque = field(default_factory=lambda: deque(maxlen=NOTES_KEPT))
    ended: threading.Event = field(default_factory=threading.Event)
    stopper: Callable[[], None] | None = None
    stop_asked: bool = False
    _send_started: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def running(self) -> bool:
        """True until the job's thread has ended."""
        return self.state == RUNNING

    def note(self, line: str) -> None:
        """A Swedish line for the tab's list of the latest events (masked)."""
        stamp = datetime.now().astimezone().strftime("%H:%M:%S")
        self.notes.append(f"{stamp} {scrub(line)}")

    def on_start(self, total: int) -> None:
        """The run starts sending to `total` citizens."""
        with self._lock:
            self.total, self._send_started = total, time.monotonic()
        self.note(f"Skickar till {total} invånare.")

    def on_progress(self, n: int) -> None:
        """`n` more citizens got a final answer."""
        with self._lock:
            self.done += n

    def pace(self) -> tuple[float | None, float | None]:
        """Citizens per minute so far, and seconds left at that pace (None before it can be told)."""
        with self._lock:
            if self._send_started is None or not self.done:
                return None, None
            elapsed = max(time.monotonic() - self._send_started, 1e-3)
            rate = self.done / elapsed
            left = ((self.total or 0) - self.done) / rate if self.total else None
        return rate * 60, max(left, 0.0) if left is not None else None

    def stop(self) -> bool:
        """Ask the run to stop after the current citizen (as SIGTERM does); False when it cannot be stopped."""
        if self.stopper is None or not self.running:
            return False
        self.stop_asked = True
        self.stopper()
        self.note("Stoppar efter pågående invånare …")
        return True


class Jobs:
    """The window's jobs: at most one running, the latest of each kind per campaign kept for the screens."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current: Job | None = None
        self._latest: dict[tuple[str, str], Job] = {}

    def start(self, kind: str, slug: str, target: Callable[[Job], None]) -> Job:
        """Start `target(job)` in a thread; JobBusy (Swedish) while another job runs."""
        with self._lock:
            if self.current is not None and self.current.running:
                other = self.current
                raise JobBusy(
                    f"{KINDS_SV[other.kind]} av kampanjen '{other.slug}' pågår. Vänta tills den är klar "
                    "(eller stoppa utskicket) och försök igen."
                )
            job = Job(kind, slug)
            self.current = job
            self._latest[(slug, kind)] = job
        thread = threading.Thread(target=self._run, args=(job, target), name=f"utskick-ui-{kind}", daemon=True)
        thread.start()
        return job

    def latest(self, slug: str, kind: str) -> Job | None:
        """The latest job of `kind` for the campaign, running or ended."""
        return self._latest.get((slug, kind))

    def running_for(self, slug: str) -> Job | None:
        """The job running for the campaign, if any."""
        job = self.current
        return job if job is not None and job.running and job.slug == slug else None

    def _run(self, job: Job, target: Callable[[Job], None]) -> None:
        try:
            target(job)
            job.state = FINISHED
        except UtskickError as e:
            job.state, job.exit_code, job.message = FAILED, e.exit_code, scrub(str(e))
            log.error("ui_job_refused", kind=job.kind, error=type(e).__name__, message=str(e))
        except Exception as e:  # noqa: BLE001 - the window shows it; the log file holds the traceback
            where = current_log_file()
            job.state, job.exit_code = FAILED, EXIT_INTERNAL
            job.message = f"Internt fel i utskick ({type(e).__name__})." + (
                f" Detaljerna finns i loggfilen {where}." if where else ""
            )
            log.exception("ui_job_crashed", kind=job.kind, error=type(e).__name__)
        finally:
            job.ended.set()
            configure_logging(None)  # the next job opens its own log file
