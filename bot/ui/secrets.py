"""The window holds the two passwords in its memory and lends them to the core only for the call that needs them.

The runner, intake and follow-up read their secrets from the environment variable the campaign names (the
command line's contract). The window puts the value there for the call and takes it away afterwards; the
runner withholds it from the browsers it starts (`bot.secret_env`). A value set at run time never shows in
`/proc/<pid>/environ`, which holds the environment the process was started with. Nothing is written to disk.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

_lock = threading.Lock()
_lent: dict[str, tuple[str, int, str | None]] = {}  # name -> (value, how many calls hold it, the value before)


class SecretConflict(RuntimeError):
    """Two calls want different values in the same variable at once."""


@contextmanager
def lent_to_environment(secrets: Mapping[str, str]) -> Iterator[None]:
    """While active, each name → value is in `os.environ` (values given empty are left out)."""
    given = {name: value for name, value in secrets.items() if value}
    with _lock:
        for name, value in given.items():
            held = _lent.get(name)
            if held is not None and held[0] != value:
                raise SecretConflict(name)
        for name, value in given.items():
            _, count, before = _lent.get(name, (value, 0, os.environ.get(name)))
            _lent[name] = (value, count + 1, before)
            os.environ[name] = value
    try:
        yield
    finally:
        with _lock:
            for name in given:
                value, count, before = _lent[name]
                if count > 1:
                    _lent[name] = (value, count - 1, before)
                    continue
                del _lent[name]
                if before is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = before
