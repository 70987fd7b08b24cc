"""The window holds the two passwords in its memory and lends them to the core only for the call that needs it.

The values go to the calling thread's context (`bot.secret_env.lent`), where `read_secret` finds them: never
to `os.environ`, so no other job's thread, no browser and no child process ever sees them, and two campaigns'
jobs may hold different values at once. Nothing is written to disk.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from bot.secret_env import lent


@contextmanager
def lent_to_environment(secrets: Mapping[str, str]) -> Iterator[None]:
    """While active, the core's `read_secret` in this thread gives each name's value (empty values: not lent)."""
    with lent(secrets):
        yield
