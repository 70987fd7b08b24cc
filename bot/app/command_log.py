"""Every command with a campaign writes its own log file, refusals included.

`run` writes `paths.logs/utskick-<run_id>.jsonl`; the other commands `paths.logs/utskick-<command>-<run_id>.jsonl`
(`utskick-*.jsonl`, so retention deletes them after `paths.keep_days` too). A campaign file that cannot be read
still gets its refusal logged where its `paths.logs` points, when that key can be read at all.
"""

from __future__ import annotations

import secrets
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import structlog

from bot.logging_setup import configure_logging

DEFAULT_LOGS = "var/logs"  # the same default as bot.config's paths.logs


def log_file_for(logs: Path, command: str, run_id: str) -> Path:
    """The log file of one `command` (run has the short historic name)."""
    return logs / (f"utskick-{run_id}.jsonl" if command == "run" else f"utskick-{command}-{run_id}.jsonl")


def new_command_id() -> str:
    """An id for one command's log file that sorts by time, like a run id: 20261122T031500Z-3f9a."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


class CommandLog:
    """One command's log file: opened once the campaign says where, or at a refusal where an unreadable one points."""

    def __init__(self, command: str, *, run_id: str | None = None, verbose: bool = False) -> None:
        self.command = command
        self.run_id = run_id or new_command_id()
        self.verbose = verbose
        self.file: Path | None = None
        self._log = structlog.get_logger(f"utskick.{command}")
        self._event = command.replace("-", "_")

    def open(self, logs: Path, *, announce: bool = True) -> Path:
        """Send the events to this command's file in `logs` (and to the console with -v); return the file."""
        self.file = log_file_for(logs, self.command, self.run_id)
        configure_logging(self.file, verbose=self.verbose)
        if announce:
            self._log.info(f"{self._event}_started", run_id=self.run_id)
        return self.file

    def refused(self, error: Exception, campaign_file: Path | None) -> None:
        """Log the refusal, opening the log where an unreadable campaign file points when none is open yet."""
        if self.file is None and campaign_file is not None:
            logs = logs_of_unreadable_campaign(campaign_file)
            if logs is not None:
                self.open(logs, announce=False)
        self._log.error(f"{self._event}_refused", run_id=self.run_id, error=type(error).__name__, message=str(error))

    def finished(self, **facts: object) -> None:
        """Log that the command ended with its result (counts and paths, never personnummer)."""
        self._log.info(f"{self._event}_finished", run_id=self.run_id, **facts)


def logs_of_unreadable_campaign(campaign_file: Path) -> Path | None:
    """Where a campaign file that did not load wants its logs: its `paths.logs`, when the TOML reads at all."""
    path = Path(campaign_file)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    paths = data.get("paths")
    value = paths.get("logs", DEFAULT_LOGS) if isinstance(paths, dict) else DEFAULT_LOGS
    if not isinstance(value, str) or not value:
        return None
    logs = Path(value).expanduser()
    return logs if logs.is_absolute() else (path.resolve().parent / logs).resolve()
