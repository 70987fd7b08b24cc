"""Alerts when a run ends: the campaign file's `[notify]` table names a command to run and/or an HTTP(S) webhook
to POST to, and on which endings (`finish` = exit 0, `exit1` … `exit4`). Both get the run's JSON summary (the
`--json` document: counts, exit code, run id, paths; never a personnummer).

A failed alert is logged and shown as a warning; it never changes the run's exit code.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import structlog

from bot.errors import ConfigError
from bot.pnr import scrub
from bot.secret_env import read_secret

log = structlog.get_logger("utskick.notify")

EVENTS = {0: "finish", 1: "exit1", 2: "exit2", 3: "exit3", 4: "exit4"}
DEFAULT_ON = ("finish", "exit3", "exit4")
KEYS = ("on", "command", "webhook", "webhook_env", "token_env", "timeout_s")
# What a command needs to start and to write text (Windows too); no password, token or database login reaches it.
CHILD_ENV = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "SYSTEMROOT", "COMSPEC", "PATHEXT")


@dataclass(frozen=True)
class NotifySettings:
    """The campaign's `[notify]` table."""

    on: tuple[str, ...] = DEFAULT_ON
    command: tuple[str, ...] = ()
    webhook: str = ""
    webhook_env: str = ""
    token_env: str = ""
    timeout_s: float = 10.0

    def webhook_url(self) -> str:
        """The webhook address: written in the file, or read from the environment variable it names."""
        if self.webhook_env:
            url = read_secret(self.webhook_env) or ""
            if not url:
                raise ConfigError(f"Adressen till larmets webhook saknas: sätt miljövariabeln {self.webhook_env}.")
            _check_url(url, f"miljövariabeln {self.webhook_env}")
            return url
        return self.webhook


def _check_url(url: str, where: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{where}: webhooken ska vara en http- eller https-adress, inte {url!r}.")


def read_notify(table: Any, file_name: str) -> NotifySettings | None:
    """Validate the `[notify]` table of a campaign file (None when there is none), with Swedish errors."""
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{file_name}: 'notify' ska vara en tabell, [notify].")
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ConfigError(
            f"{file_name}: okända nycklar i [notify]: {', '.join(unknown)}; giltiga är {', '.join(KEYS)}."
        )
    on = table.get("on", list(DEFAULT_ON))
    valid = list(EVENTS.values())
    if not isinstance(on, list) or not on or any(e not in valid for e in on):
        raise ConfigError(f"{file_name}: 'notify.on' ska vara en lista med några av {', '.join(valid)}, inte {on!r}.")
    command = table.get("command", [])
    if isinstance(command, str) or not isinstance(command, list) or not all(isinstance(a, str) and a for a in command):
        raise ConfigError(
            f"{file_name}: 'notify.command' ska vara en lista med programmet och dess argument, "
            't.ex. ["/usr/local/bin/larma", "--kanal", "utskick"].'
        )
    texts = {k: table.get(k, "") for k in ("webhook", "webhook_env", "token_env")}
    for key, value in texts.items():
        if not isinstance(value, str):
            raise ConfigError(f"{file_name}: 'notify.{key}' ska vara en text.")
    if texts["webhook"] and texts["webhook_env"]:
        raise ConfigError(f"{file_name}: ange antingen 'notify.webhook' eller 'notify.webhook_env', inte båda.")
    if texts["webhook"]:
        _check_url(texts["webhook"], f"{file_name}: 'notify.webhook'")
    if not command and not texts["webhook"] and not texts["webhook_env"]:
        raise ConfigError(f"{file_name}: [notify] behöver 'command', 'webhook' eller 'webhook_env'.")
    timeout = table.get("timeout_s", 10)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 300:
        raise ConfigError(f"{file_name}: 'notify.timeout_s' ska vara ett antal sekunder, 1–300.")
    return NotifySettings(tuple(on), tuple(command), timeout_s=float(timeout), **texts)


def notify_run_end(settings: NotifySettings | None, document: dict) -> list[str]:
    """Send the alert for a run that ended with `document["exit_code"]`, if the table asks for it.

    Returns the Swedish warnings for alerts that could not be delivered (empty when all went out).
    """
    if settings is None:
        return []
    event = EVENTS.get(int(document.get("exit_code", 1)), "exit1")
    if event not in settings.on:
        return []
    body = scrub(json.dumps(document, ensure_ascii=False, sort_keys=True)).encode("utf-8")
    warnings = []
    if settings.command:
        warnings += _run_command(settings, event, body)
    if settings.webhook or settings.webhook_env:
        warnings += _post(settings, event, body)
    return warnings


def _run_command(settings: NotifySettings, event: str, body: bytes) -> list[str]:
    env = child_environment()
    env.update(UTSKICK_EVENT=event, UTSKICK_EXIT_CODE="0" if event == "finish" else event.removeprefix("exit"))
    try:
        done = subprocess.run(
            list(settings.command), input=body, env=env, capture_output=True, timeout=settings.timeout_s, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        log.warning("notify_command_failed", notify_event=event, error=type(e).__name__)
        return [f"Larmkommandot {Path(settings.command[0]).name} kunde inte köras ({type(e).__name__})."]
    if done.returncode != 0:
        log.warning("notify_command_failed", notify_event=event, exit_code=done.returncode)
        return [f"Larmkommandot {Path(settings.command[0]).name} avslutades med kod {done.returncode}."]
    log.info("notify_command_done", notify_event=event)
    return []


def child_environment() -> dict[str, str]:
    """The notify command's environment: an allow-list of this process's (no secret is on it)."""
    return {k: v for k, v in os.environ.items() if k in CHILD_ENV or k.startswith("LC_")}


def _post(settings: NotifySettings, event: str, body: bytes) -> list[str]:
    try:
        url = settings.webhook_url()
    except ConfigError as e:
        log.warning("notify_webhook_failed", notify_event=event, error="ConfigError")
        return [str(e)]
    headers = {"Content-Type": "application/json; charset=utf-8", "X-Utskick-Event": event}
    token = read_secret(settings.token_env) if settings.token_env else None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    host = urlsplit(url).netloc
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout_s) as answer:  # noqa: S310 - http(s) checked
            status = answer.status
    except urllib.error.HTTPError as e:
        status = e.code
    except (urllib.error.URLError, OSError) as e:
        log.warning("notify_webhook_failed", notify_event=event, host=host, error=type(e).__name__)
        return [f"Larmet kunde inte skickas till {host} ({type(e).__name__})."]
    if not 200 <= status < 300:
        log.warning("notify_webhook_failed", notify_event=event, host=host, status=status)
        return [f"Larmet till {host} besvarades med HTTP {status}."]
    log.info("notify_webhook_done", notify_event=event, host=host, status=status)
    return []
