"""Report files: where they go (a folder per campaign and ledger, so no ledger's reports overwrite another's), and
private: a 0700 folder, files born 0600 and replaced atomically (a reader never sees half a file)."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

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


def ledger_label(ledger: object) -> str:
    """The ledger as the report names it: a SQLite file's full path, or a database URL (never with a password)."""
    if isinstance(ledger, Path):
        return str(ledger.resolve())
    parts = urlsplit(str(ledger))
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return parts._replace(netloc=netloc).geturl()


def ledger_tag(ledger: object) -> str:
    """A short, stable, file-name-safe name for one ledger: its file's or database's name and a hash of where."""
    label = ledger_label(ledger)
    stem = ledger.stem if isinstance(ledger, Path) else urlsplit(label).path.strip("/")
    return f"{slug(stem)[:20]}-{hashlib.sha256(label.encode()).hexdigest()[:6]}"


def report_folder(reports: Path, name: str, key: str, ledger: object) -> Path:
    """The campaign's own report folder under `reports`: its name, the start of its key, and its ledger's tag."""
    return reports / f"{slug(name)}-{key[:8]}-{ledger_tag(ledger)}"
