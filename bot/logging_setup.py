"""Configure structlog once, at the entry point (every command): JSON lines to a file, events on the console only
with `-v` (without it the console holds only the Swedish lines a command prints itself).

Every string that reaches a handler passes `scrub_personnummer`, so a personnummer that slips into an event
(an exception text from Playwright, a URL) is masked before it is written anywhere.

A handler that cannot write (a full disk, a closed terminal) never prints Python's "--- Logging error ---"
traceback: it keeps the error for the run to ask about (`last_write_error`), which stops on a full disk.
"""

from __future__ import annotations

import logging
import os
import sys
from contextlib import suppress
from pathlib import Path
from typing import Any

import structlog

from bot.pnr import scrub
from bot.private_files import private_dir

THIRD_PARTY_LOGGERS = (
    "werkzeug",
    "pikepdf",
    "asyncio",
    "urllib3",
    "matplotlib",
    "PIL",
    "fontTools",
    "py7zr",
    "playwright",
    "charset_normalizer",
    "requests",
    "openpyxl",
    "tenacity",
    "flask",
)


def scrub_personnummer(_logger: Any, _name: str, event_dict: dict) -> dict:
    """structlog processor: mask anything that looks like a personnummer in every string value."""
    return {key: _scrub_value(value) for key, value in event_dict.items()}


def _scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list | tuple):
        return type(value)(_scrub_value(v) for v in value)
    if isinstance(value, dict):
        return {k: _scrub_value(v) for k, v in value.items()}
    return value


_current_log_file: Path | None = None
_last_write_error: BaseException | None = None


def last_write_error() -> BaseException | None:
    """The last error a handler of ours met while writing (None when every write succeeded)."""
    return _last_write_error


def _keep_write_error(_handler: logging.Handler, _record: logging.LogRecord) -> None:
    """`Handler.handleError` for our handlers: remember the error instead of printing a traceback."""
    global _last_write_error
    _last_write_error = sys.exc_info()[1]


def current_log_file() -> Path | None:
    """The log file the last `configure_logging` opened, for the internal-error line (None when there is none)."""
    return _current_log_file


def configure_logging(log_file: Path | None, *, verbose: bool = False) -> None:
    """Send structlog events to `log_file` as JSON lines, and to stderr as readable lines only when `verbose`."""
    global _current_log_file, _last_write_error
    _last_write_error = None
    shared: list = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_utskick", False):
            root.removeHandler(handler)
            with suppress(OSError):  # a file on a full disk cannot flush its last lines; they are lost either way
                handler.close()
    root.setLevel(logging.DEBUG)

    # Without a handler of ours Python's last-resort handler would print warnings in English on stderr.
    quiet = logging.NullHandler()
    quiet._utskick = True  # type: ignore[attr-defined]
    root.addHandler(quiet)
    if verbose:
        console = logging.StreamHandler(sys.stderr)
        # A traceback is rendered as plain text, never with local variables (they hold delivery bytes, pnr).
        renderer = structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)
        _attach(root, console, logging.INFO, shared, renderer)
    _current_log_file = log_file
    if log_file is not None:
        private_dir(log_file.parent)
        os.close(os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        file_handler = logging.FileHandler(log_file, encoding="utf-8")
        _attach(root, file_handler, logging.DEBUG, shared, structlog.processors.JSONRenderer(ensure_ascii=False))
    # Third-party chatter stays out of the logs: werkzeug request lines carry URLs, matplotlib's font search
    # writes a thousand `findfont` lines per report, the others note their own internals. Warnings still come.
    for noisy in THIRD_PARTY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _attach(root: logging.Logger, handler: logging.Handler, level: int, shared: list, renderer: Any) -> None:
    """Give `handler` the shared chain, the personnummer scrubber and `renderer`, and add it to `root`."""
    handler.setLevel(level)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                scrub_personnummer,
                renderer,
            ],
        )
    )
    handler._utskick = True  # type: ignore[attr-defined]
    handler.handleError = _keep_write_error.__get__(handler)  # type: ignore[method-assign]
    root.addHandler(handler)


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    """Return a structlog logger; events are dropped quietly until `configure_logging` runs."""
    return structlog.get_logger(name)
