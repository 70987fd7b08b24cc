"""Folders and files only the bot's own user may read: everything a run writes can hold patient data.

`utskick` sets the umask to 077 when it starts, so every file and folder it (and the browser it starts) creates
is owner-only whatever the caller's umask; `private_dir` makes the folders it needs 0700 explicitly, parents
included (`Path.mkdir(parents=True)` would create the parents with the umask's mode, 0777 under umask 000).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import time
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


# The window's temporary folders carry the owning process's id, so a later start can tell a dead one's leftovers.
TEMP_DIR = re.compile(r"utskick-[a-z]+-(?:(\d+)-)?[A-Za-z0-9_]+")
LEGACY_STALE_S = 12 * 3600  # folders from before the id was in the name: stale when untouched this long


def private_tempdir(kind: str) -> Path:
    """A fresh 0700 folder `utskick-<kind>-<pid>-…` in the temporary directory (mkdtemp makes it 0700)."""
    return Path(tempfile.mkdtemp(prefix=f"utskick-{kind}-{os.getpid()}-"))


def sweep_stale_tempdirs(root: Path | None = None) -> list[Path]:
    """Remove this user's `utskick-*` temporary folders whose process is gone (a terminal closed, a crash)."""
    root = Path(root or tempfile.gettempdir())
    removed = []
    for path in root.glob("utskick-*"):
        found = TEMP_DIR.fullmatch(path.name)
        try:
            info = path.lstat()
        except OSError:
            continue
        if not found or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
            continue
        pid = found.group(1)
        stale = not _alive(int(pid)) if pid else time.time() - info.st_mtime > LEGACY_STALE_S
        if stale and int(pid or 0) != os.getpid():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
