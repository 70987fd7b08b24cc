"""The campaign run lock: two runs of one campaign cannot overlap, and anyone can see who holds it.

An `flock` on a file next to the database, not a row: the OS drops it when the holder dies, even by SIGKILL, so
a crashed run never blocks the next one. The file also carries a note (run, host, pid, start, last heartbeat,
progress) that `utskick status` reads. A holder that ends normally empties the note; a note left behind by a
process that is gone is a stale lock, reported by `status` and taken over by the next run.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import structlog

from bot.errors import CampaignLocked
from bot.ledger.model import utc_now

log = structlog.get_logger("utskick.ledger.lock")
# The note is written as one fixed-size block in one pwrite, so a reader sees the old note or the new one.
NOTE_BYTES = 2048


def lock_path(db_path: Path, campaign_key: str) -> Path:
    """The lock file for a campaign: `<db>.<key[:16]>.lock`."""
    return db_path.with_name(f"{db_path.name}.{campaign_key[:16]}.lock")


@dataclass(frozen=True)
class LockNote:
    """What the holder of a campaign's lock says about itself."""

    owner: str
    host: str
    pid: int
    since: str
    heartbeat: str
    done: int | None = None
    total: int | None = None

    def process_gone(self) -> bool:
        """True when the holder ran on this machine and its process no longer exists."""
        if self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # another user's process: it exists
            return False
        return False


def _parse(raw: bytes) -> LockNote | None:
    try:
        info = json.loads(raw.decode("utf-8").strip() or "null")
        if not isinstance(info, dict):
            return None
        return LockNote(
            owner=str(info["owner"]),
            host=str(info.get("host", "")),
            pid=int(info["pid"]),
            since=str(info["since"]),
            heartbeat=str(info.get("heartbeat") or info["since"]),
            done=info.get("done"),
            total=info.get("total"),
        )
    except (ValueError, KeyError, TypeError):
        return None


def read_lock_note(db_path: Path, campaign_key: str) -> LockNote | None:
    """The note in the campaign's lock file, or None when no run holds it and none died holding it.

    A database ledger has no lock file (None): its runners are in its `runners` table."""
    if not isinstance(db_path, Path):
        return None
    path = lock_path(db_path, campaign_key)
    for _ in range(3):  # a note being rewritten reads as nonsense for a moment: read it again
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        if not raw.strip():
            return None
        note = _parse(raw)
        if note is not None:
            return note
    return None


def _write_note(fd: int, note: dict) -> None:
    data = json.dumps(note, ensure_ascii=False).encode("utf-8")
    os.pwrite(fd, data.ljust(NOTE_BYTES, b" ")[: max(NOTE_BYTES, len(data))], 0)


def _holder(fd: int) -> str:
    note = _parse(os.pread(fd, NOTE_BYTES * 2, 0))
    if note is None:
        return ""
    return f" (startad {note.since} av {note.owner} på {note.host or 'okänd dator'}, process {note.pid})"


class HeldLock:
    """The lock a run holds: its path, and a heartbeat that refreshes the note."""

    heartbeat_s = 10.0  # how often the run writes a sign of life
    lost = None  # a file lock cannot be lost while its process lives (a database lease can: see leases.py)

    def __init__(self, fd: int, path: Path, note: dict) -> None:
        self.fd = fd
        self.path = path
        self._note = note
        self._guard = threading.Lock()  # workers and the heartbeat thread write the same note

    def heartbeat(self, done: int | None = None, total: int | None = None) -> None:
        """Write a sign of life, with the progress when given."""
        with self._guard:
            self._note["heartbeat"] = utc_now()
            if done is not None:
                self._note["done"] = done
            if total is not None:
                self._note["total"] = total
            _write_note(self.fd, self._note)


@contextmanager
def hold_run_lock(db_path: Path, campaign_key: str, owner: str) -> Iterator[HeldLock]:
    """Hold the campaign's lock for the block, or raise `CampaignLocked` at once if another run has it."""
    path = lock_path(db_path, campaign_key)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CampaignLocked(
                f"En annan körning av kampanjen {campaign_key[:12]} pågår redan{_holder(fd)}. "
                "Vänta tills den är klar och försök igen."
            ) from None
        stale = _parse(os.pread(fd, NOTE_BYTES * 2, 0))
        if stale is not None:
            log.warning(
                "stale_lock_taken_over", previous_run=stale.owner, previous_pid=stale.pid, previous_host=stale.host
            )
        # The file is never deleted (that would race with a waiting opener); only its note changes.
        now = utc_now()
        note = {"owner": owner, "host": socket.gethostname(), "pid": os.getpid(), "since": now, "heartbeat": now}
        os.ftruncate(fd, 0)
        _write_note(fd, note)
        try:
            yield HeldLock(fd, path, note)
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
