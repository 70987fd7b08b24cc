"""Secrets stay in the bot's memory, never in the environment of the processes it starts.

Playwright's driver copies `os.environ` when it starts, and Chromium inherits the driver's: any password left in
the environment would be readable in `/proc/<pid>/environ` of every browser process. The command line reads its
secrets from the environment it was started with, then starts its browsers inside `withheld_from_environment`.
The window (many threads, several jobs) never puts a secret in its environment: it takes the ones it was started
with out at start (`take_from_environment`) and lends each call its values in that thread's context (`lent`).
Code reads a secret with `read_secret`, which looks at the lent values, then those, then the environment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

# Variables named like a secret are withheld too, whoever set them.
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|API_?KEY", re.IGNORECASE)

_lent: ContextVar[Mapping[str, str]] = ContextVar("utskick_lent_secrets", default={})  # noqa: B039 - never mutated
_taken: dict[str, str] = {}


def read_secret(name: str) -> str | None:
    """The secret `name`: lent to this thread, taken from the environment at start, or in the environment."""
    return _lent.get().get(name) or _taken.get(name) or os.environ.get(name) or None


@contextmanager
def lent(secrets: Mapping[str, str]) -> Iterator[None]:
    """While active, `read_secret` in this thread (only) gives these values; empty values are left out."""
    token = _lent.set({**_lent.get(), **{name: value for name, value in secrets.items() if value}})
    try:
        yield
    finally:
        _lent.reset(token)


def take_from_environment(*names: str) -> dict[str, str]:
    """Move `names` and every variable named like a secret out of `os.environ` into memory (the window, at start)."""
    for name in [n for n in os.environ if n in names or SECRET_NAME.search(n)]:
        _taken[name] = os.environ.pop(name)
    return _taken


@contextmanager
def withheld_from_environment(*names: str) -> Iterator[None]:
    """While active, `names` and every variable named like a secret are out of `os.environ`; put back after.

    Start child processes (Playwright, and through it Chromium) inside; start no threads that read the
    environment concurrently with entering or leaving.
    """
    withheld = {name: os.environ[name] for name in list(os.environ) if name in names or SECRET_NAME.search(name)}
    for name in withheld:
        del os.environ[name]
    try:
        yield
    finally:
        for name, value in withheld.items():
            os.environ.setdefault(name, value)
