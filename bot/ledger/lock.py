"""The campaign run lock: two runs of one campaign cannot overlap.

An `flock` on a file next to the database, not a row: the OS drops it when the holder dies,
even by SIGKILL, so a crashed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.errors import CampaignLocked
from bot.ledger.model import utc_now


def lock_path(db_path: Path, campaign_key: str) -> Path:
    """The lock file for a campaign: `<db>.<key[:16]>.lock`."""
    return db_path.with_name(f"{db_path.name}.{campaign_key[:16]}.lock")


def _holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
        return f" (startad {info['since']} av {info['owner']}, process {info['pid']})"
    except (OSError, ValueError, KeyError, TypeError):
        return ""


@contextmanager
def hold_run_lock(db_path: Path, campaign_key: str, owner: str) -> Iterator[Path]:
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
        # The file is never deleted (that would race with a waiting opener); only its note changes.
        note = json.dumps({"owner": owner, "pid": os.getpid(), "since": utc_now()}).encode("utf-8")
        os.ftruncate(fd, 0)
        os.pwrite(fd, note, 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
