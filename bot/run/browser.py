"""The browser a worker drives: launch the discovered Chromium, open a persistent profile, or attach to a
browser a person logged into with SITHS (`connect_over_cdp`). One `BrowserSession` per worker thread, since
Playwright's sync API belongs to the thread that started it.

Launch arguments and context arguments are two plain settings, as in pytest-playwright. Screenshots and traces
are kept only for citizens that failed, under names that carry the ledger's item id, never a personnummer.
Recording a trace doubles the browser's CPU time, so by default (as pytest-playwright's "on-first-retry") only a
send that is being retried is recorded; "on-failure" records every send, "off" none.

A trace never holds a secret: the login runs outside any traced section (`untraced`), a kept trace is scrubbed
of cookies, request bodies, the password and full personnummer (`bot.run.trace_scrub`), and a browser the bot did
not launch (`cdp`, `profile`: a person's SITHS session and other tabs) is never traced at all.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from bot.errors import ConfigError, LoginRequired
from bot.pnr import scrub
from bot.private_files import private_dir
from bot.run.chromium import LAUNCH_ARGS, find_chromium, sandbox_off_reason
from bot.run.trace_scrub import TraceNotSafe, recorded_actions, scrub_trace

log = structlog.get_logger("utskick.browser")
# Opening or closing a page takes well under a second; a browser that died meanwhile can leave Playwright waiting
# for ever. Past this many seconds (or twice the step timeout) the driver is ended so the run can relaunch.
STUCK_AFTER_S = 30.0


@dataclass(frozen=True)
class BrowserSettings:
    """How to get a browser and what every context looks like."""

    session: str = "login"
    headless: bool = True
    executable_path: str | None = None
    launch_args: tuple[str, ...] = LAUNCH_ARGS
    context_args: dict[str, Any] = field(
        default_factory=lambda: {
            "locale": "sv-SE",
            "timezone_id": "Europe/Stockholm",
            "viewport": {"width": 1280, "height": 900},
        }
    )
    cdp_url: str = ""
    profile_dir: Path | None = None
    trace: str = "on-first-retry"
    artifacts: Path = Path("var/artifacts")
    timeout_ms: int = 15000
    redact: tuple[str, ...] = field(default=(), repr=False)  # secrets that must never be in a kept trace
    slow_mo_ms: int = 0


class BrowserSession:
    """A browser and one context/page at a time, recycled on demand."""

    def __init__(self, settings: BrowserSettings, base_url: str) -> None:
        self.settings = settings
        self.base_url = base_url
        self._pw_manager = None
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._context: BrowserContext | None = None
        self._owns_context = True
        self._tracing = False
        self._trace_parts: list[Path] = []
        self.page: Page | None = None
        self._driver_ended = False

    def __enter__(self) -> BrowserSession:
        self._start_driver()
        try:
            self._open()
        except Exception:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            with self._stuck_watch():
                self._close_context()
            for part in self._trace_parts:  # a trace part no failure asked to keep
                part.unlink(missing_ok=True)
            self._trace_parts = []
            if self._browser is not None and self.settings.session == "login":
                with suppress(Exception):  # a browser that died (OOM killer) has nothing left to close
                    self._browser.close()
        finally:
            self._browser = None
            if self._pw_manager is not None:
                self._pw_manager.__exit__(None, None, None)
                self._pw_manager = None

    def _start_driver(self) -> None:
        self._pw_manager = sync_playwright()
        self._pw = self._pw_manager.__enter__()
        self._driver_ended = False

    @contextmanager
    def _stuck_watch(self) -> Iterator[None]:
        """Around opening and closing pages: Playwright can wait forever for a page of a browser that died while it
        was being made (no timeout covers new_page or close); past the deadline end the Playwright driver, so the
        call fails as a closed browser and the next relaunch starts a new driver."""
        done = threading.Event()
        deadline_s = max(STUCK_AFTER_S, 2 * self.settings.timeout_ms / 1000)

        def watch() -> None:
            if done.wait(deadline_s):
                return
            pid = _driver_pid(self._pw_manager)
            log.error("playwright_stuck", seconds=deadline_s, driver_ended=pid is not None)
            if pid is not None:
                self._driver_ended = True
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

        watcher = threading.Thread(target=watch, name="utskick-stuck-watch", daemon=True)
        watcher.start()
        try:
            yield
        finally:
            done.set()

    def _open(self) -> None:
        s = self.settings
        chromium = self._pw.chromium
        if s.session == "cdp":
            try:
                self._browser = chromium.connect_over_cdp(s.cdp_url)
            except Exception as e:
                raise LoginRequired(
                    f"Kunde inte ansluta till webbläsaren på {s.cdp_url}. Starta Chrome/Edge med "
                    "--remote-debugging-port och logga in med SITHS-kort, och kör sedan igen."
                ) from e
            self._context = self._browser.contexts[0] if self._browser.contexts else self._browser.new_context()
            self._owns_context = False
        elif s.session == "profile":
            if not s.profile_dir:
                raise ConfigError('staff_tool.profile_dir behövs för session = "profile".')
            self._context = chromium.launch_persistent_context(
                str(s.profile_dir), **self._launch_kwargs(), **s.context_args, base_url=self.base_url
            )
            self._owns_context = False
        else:
            self._browser = chromium.launch(**self._launch_kwargs())
        self._new_page()

    def _launch_kwargs(self) -> dict[str, Any]:
        s = self.settings
        executable = s.executable_path or find_chromium()
        kwargs: dict[str, Any] = {"headless": s.headless, "args": list(s.launch_args)}
        if s.slow_mo_ms:
            kwargs["slow_mo"] = s.slow_mo_ms
        if executable:
            kwargs["executable_path"] = executable
        if "--no-sandbox" in s.launch_args:
            log.info("chromium_sandbox_off", reason=sandbox_off_reason() or "launch_args")
        return kwargs

    def _new_page(self) -> None:
        if self._owns_context:
            self._context = self._browser.new_context(**self.settings.context_args, base_url=self.base_url)
        self._context.set_default_timeout(self.settings.timeout_ms)
        self._tracing = False
        self.page = self._context.new_page()

    def _close_context(self) -> None:
        if self._context is None:
            return
        try:
            if self._tracing:
                self._context.tracing.stop()
            if self._owns_context:
                self._context.close()
            elif self.page is not None:
                self.page.close()
        except Exception:  # noqa: BLE001 - closing a broken context must not hide the error that broke it
            pass
        self._context = None
        self.page = None
        self._tracing = False

    def recycle(self) -> Page | None:
        """Close the context (cookies, memory, trace buffers) and open a fresh one with a new page; a browser
        found dead (OOM killer, crash) is left so, `alive()` False, for the worker to relaunch and count."""
        with self._stuck_watch():
            self._close_context()
            if self._browser is not None and not self._browser.is_connected():
                return None
            try:
                self._new_page()
            except PlaywrightError as e:
                if "closed" not in str(e).lower():
                    raise
                self.page = None  # the browser died between the check and the new context
        return self.page

    def alive(self) -> bool:
        """False once the browser process is gone (killed, crashed) or the page can no longer be used."""
        if self._browser is not None and not self._browser.is_connected():
            return False
        return self.page is not None and not self.page.is_closed()

    def relaunch(self) -> Page:
        """Launch a new browser after the old one died (a browser a person started cannot be relaunched)."""
        if self.settings.session == "cdp":
            raise LoginRequired(
                f"Webbläsaren på {self.settings.cdp_url} stängdes under körningen. Starta den igen, logga in med "
                "SITHS-kort och kör samma kommando igen."
            )
        started = time.monotonic()
        with self._stuck_watch():
            if self.settings.session == "profile" and self._context is not None:
                with suppress(Exception):  # the persistent context died with its browser
                    self._context.close()
            self._close_context()
            for part in self._trace_parts:  # parts of a dead browser's trace: nothing to keep them for
                part.unlink(missing_ok=True)
            self._trace_parts = []
            with suppress(Exception):  # the old browser is gone; closing its remains must not fail the relaunch
                if self._browser is not None:
                    self._browser.close()
            self._browser = None
            if self._driver_ended:  # the watch ended a stuck driver: every object of the old one is gone
                with suppress(Exception):
                    self._pw_manager.__exit__(None, None, None)
                self._start_driver()
            self._open()
        log.warning("browser_relaunched", seconds=round(time.monotonic() - started, 3))
        return self.page

    def start_trace(self) -> None:
        """Record a trace (screenshots and DOM snapshots) from now until `end_item`; never in a person's browser."""
        if self._context is not None and not self._tracing and self.settings.session == "login" and self.alive():
            self._context.tracing.start(screenshots=True, snapshots=True)
            self._tracing = True

    @contextmanager
    def untraced(self) -> Iterator[None]:
        """Pause a running trace (e.g. around the login): what was recorded so far is set aside as a part."""
        if not self._tracing or self._context is None:
            yield
            return
        part = self._artifact_dir() / f".del{len(self._trace_parts) + 1}-{id(self)}.trace.zip"
        self._tracing = False
        try:
            self._context.tracing.stop(path=str(part))
            self._trace_parts.append(part)
        except Exception:  # noqa: BLE001 - a context that died takes its trace with it; the login goes on
            pass
        try:
            yield
        finally:
            with suppress(Exception):  # never hide the error the login raised behind one of the tracing
                self.start_trace()

    def begin_item(self) -> None:
        """A citizen (or a batch) starts: with trace = "on-failure", record it from the first click."""
        if self.settings.trace == "on-failure":
            self.start_trace()

    def on_retry(self) -> None:
        """A send is about to be tried again: with trace = "on-first-retry", record the retries."""
        if self.settings.trace == "on-first-retry":
            self.start_trace()

    def end_item(self, artifact_name: str | None) -> list[Path]:
        """End the item; when `artifact_name` is given (a failure), keep a screenshot and any trace under it."""
        kept: list[Path] = []
        if artifact_name is not None:
            shot = self._artifact_dir() / f"{artifact_name}.png"
            try:
                self.page.screenshot(path=str(shot), full_page=True)
                os.chmod(shot, 0o600)
                kept.append(shot)
            except Exception:  # noqa: BLE001 - a page that died cannot be photographed; the trace may still help
                pass
            kept += self._keep_aria_snapshot(shot.with_name(f"{artifact_name}.aria.txt"))
        parts, self._trace_parts = self._trace_parts, []
        if self._tracing and self._context is not None:
            try:
                if artifact_name is None:
                    self._context.tracing.stop()
                else:
                    last = self._artifact_dir() / f".del{len(parts) + 1}-{id(self)}.trace.zip"
                    self._context.tracing.stop(path=str(last))
                    parts.append(last)
            except Exception:  # noqa: BLE001
                pass
            self._tracing = False
        if artifact_name is None:
            for part in parts:
                part.unlink(missing_ok=True)
            return kept
        return kept + self._keep_traces(parts, artifact_name)

    def _keep_aria_snapshot(self, path: Path) -> list[Path]:
        """The page's accessibility tree as text (roles, names, texts), every personnummer masked: what a person
        adapting the selectors needs to see, readable without a browser. [] when the page cannot be read."""
        try:
            snapshot = scrub(self.page.locator("body").aria_snapshot(timeout=5000))
        except Exception:  # noqa: BLE001 - a dead page has no tree; the screenshot or trace may still help
            return []
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(snapshot + "\n")
        return [path]

    def _keep_traces(self, parts: list[Path], artifact_name: str) -> list[Path]:
        """Scrub the recorded parts and keep them as `<name>.trace.zip` (or `<name>-del<n>.trace.zip`)."""
        secrets = list(self.settings.redact)
        with suppress(Exception):  # a closed context has no cookies left to look up
            secrets += [c["value"] for c in self._context.cookies()] if self._context is not None else []
        kept: list[Path] = []
        for n, part in enumerate(parts, start=1):
            if not part.exists():
                continue
            name = f"{artifact_name}-del{n}.trace.zip" if len(parts) > 1 else f"{artifact_name}.trace.zip"
            try:
                if not recorded_actions(part):  # e.g. the moment between the item's start and its login
                    part.unlink()
                    continue
                scrub_trace(part, secrets)
            except (TraceNotSafe, OSError, ValueError):
                part.unlink(missing_ok=True)
                continue
            kept.append(part.replace(part.with_name(name)))
        return kept

    def _artifact_dir(self) -> Path:
        return private_dir(self.settings.artifacts)


def _driver_pid(manager: Any) -> int | None:
    """The Playwright driver's process id (a private attribute of playwright's; None where a release moved it)."""
    proc = getattr(getattr(getattr(manager, "_client", None), "_transport", None), "_proc", None)
    return getattr(proc, "pid", None)
