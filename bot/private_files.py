"""Folders and files only the bot's own user may read: everything a run writes can hold patient data.

`utskick` sets the umask to 077 when it starts, so every file and folder it (and the browser it starts) creates
is owner-only whatever the caller's umask; `private_dir` makes the folders it needs 0700 explicitly, parents
included (`Path.mkdir(parents=True)` would create the parents with the umask's mode, 0777 under umask 000).
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_UMASK = 0o077


def restrict_umask() -> int:
    """Make every file and folder created from now on owner-only; return the previous umask."""
    return os.umask(PRIVATE_UMASK)


def private_dir(folder: Path, *, tighten: bool = True) -> Path:
    """Create `folder` and any missing parent with mode 0700; with `tighten`, make an existing `folder` 0700."""
    folder = Path(folder)
    missing = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:  # another worker made it a moment ago
            continue
        os.chmod(path, 0o700)  # mkdir's mode passes through the umask
    if tighten and folder.stat().st_mode & 0o077:
        os.chmod(folder, 0o700)
    return folder
