"""Private report files: a 0700 folder, files born 0600 and replaced atomically (a reader never sees half a file)."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from bot.ledger.base import scrub
from bot.private_files import private_dir


def private_folder(folder: Path) -> Path:
    """Create `folder` (and parents) owner-only, and tighten it if it exists looser."""
    return private_dir(folder)


def write_private(path: Path, data: bytes) -> Path:
    """Write `data` to `path` with mode 0600 through a temporary file in the same folder."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    return path


def slug(name: str) -> str:
    """A file-name-safe form of a campaign name (never a personnummer: those are masked first)."""
    text = unicodedata.normalize("NFKD", scrub(name) or "").encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return text[:60] or "kampanj"
