"""Secrets stay in the bot's memory, never in the environment of the processes it starts.

Playwright's driver copies `os.environ` when it starts, and Chromium inherits the driver's: any password left in
the environment would be readable in `/proc/<pid>/environ` of every browser process. The bot reads its secrets
first, then starts its browsers inside `withheld_from_environment`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

# Variables named like a secret are withheld too, whoever set them.
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|API_?KEY", re.IGNORECASE)


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
