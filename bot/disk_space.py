"""Free space for the folders a run writes to: checked before the run starts and before every send, and the
translation of a full disk (ENOSPC, SQLite's "database or disk is full") into one Swedish `DiskFull`.

Minimums (MB) per folder, as documented in the README: the ledger grows by a few kB per citizen and needs room
for its WAL, the log by a line or two per citizen, a failure's screenshot and trace take a few MB, the reports a
few hundred kB. Folders on one filesystem share it, so their minimums are added up. Mid-run the floor is lower
(the run has already proved it can write): below it the run stops before the next citizen instead of finding out
half-way through a send.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.config import Campaign
from bot.errors import DiskFull
from bot.logging_setup import last_write_error

MB = 1024 * 1024
MIN_FREE_MB = {"ledger": 20, "logs": 10, "artifacts": 20, "reports": 10}
RUNNING_FLOOR_MB = 2  # per folder, while the run is under way
FOLDERS_SV = {
    "ledger": "liggaren",
    "logs": "loggarna",
    "artifacts": "felbilderna (artifacts)",
    "reports": "rapporterna",
}


@dataclass(frozen=True)
class Folder:
    """One folder the run writes to, by its role."""

    role: str
    path: Path


def run_folders(campaign: Campaign) -> list[Folder]:
    """The folders a run of `campaign` writes to (a PostgreSQL ledger has none on this machine)."""
    folders = [Folder("logs", campaign.logs), Folder("artifacts", campaign.artifacts)]
    folders.append(Folder("reports", campaign.reports))
    if isinstance(campaign.ledger, Path):
        folders.insert(0, Folder("ledger", campaign.ledger.parent))
    return folders


def free_bytes(path: Path) -> int:
    """Free bytes (for an unprivileged writer) on the filesystem that holds `path` or its nearest parent."""
    existing = path.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    return shutil.disk_usage(existing).free


def _device(path: Path) -> int:
    existing = path.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    return os.stat(existing).st_dev


def require_free_space(folders: list[Folder], minimum_mb: dict[str, int] | None = None) -> None:
    """Before the run: every filesystem holds the summed minimum of its folders, else a Swedish `DiskFull`."""
    minimum_mb = MIN_FREE_MB if minimum_mb is None else minimum_mb
    by_device: dict[int, list[Folder]] = {}
    for folder in folders:
        by_device.setdefault(_device(folder.path), []).append(folder)
    for group in by_device.values():
        needed = sum(minimum_mb[f.role] for f in group) * MB
        free = free_bytes(group[0].path)
        if free < needed:
            names = ", ".join(f"{FOLDERS_SV[f.role]} ({f.path})" for f in group)
            raise DiskFull(
                f"För lite ledigt diskutrymme för {names}: {_mb(free)} ledigt, minst {needed // MB} MB behövs. "
                "Frigör utrymme och kör samma kommando igen. Inget skickades i den här körningen.",
                folder=str(group[0].path),
            )


def check_running_space(folders: list[Folder]) -> None:
    """Before each send: stop (DiskFull) when a folder's filesystem is below the running floor."""
    for folder in folders:
        free = free_bytes(folder.path)
        if free < RUNNING_FLOOR_MB * MB:
            raise stopped_for_full_disk(folder, free)


def check_before_send(folders: list[Folder]) -> None:
    """Before each send: stop (DiskFull) on a folder below the floor, or when the log could not be written."""
    check_running_space(folders)
    error = last_write_error()
    logs = next((f for f in folders if f.role == "logs"), None)
    if error is not None and logs is not None and is_disk_full(error):
        raise stopped_for_full_disk(logs)


def stopped_for_full_disk(folder: Folder, free: int | None = None) -> DiskFull:
    """The Swedish mid-run stop for a full `folder`: which folder, what is free, what to do."""
    free = free_bytes(folder.path) if free is None else free
    return DiskFull(
        f"Disken är full för {FOLDERS_SV[folder.role]} ({folder.path}): {_mb(free)} ledigt. Körningen stoppades "
        "före nästa invånare. Frigör utrymme och kör samma kommando igen för att fortsätta.",
        folder=str(folder.path),
    )


def is_disk_full(error: BaseException) -> bool:
    """True for a write that failed because the disk is full (OS or SQLite), wherever it was raised."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(error, sqlite3.OperationalError) and "disk is full" in str(error)


def as_disk_full(error: BaseException, folders: list[Folder]) -> DiskFull | None:
    """The `DiskFull` a full-disk error means (naming the folder it hit, else the fullest), or None."""
    if isinstance(error, DiskFull):
        return error
    if not is_disk_full(error) or not folders:
        return None
    filename = getattr(error, "filename", None)
    if filename:
        target = Path(filename).absolute()
        for folder in folders:
            if target.is_relative_to(folder.path.absolute()):
                return stopped_for_full_disk(folder)
    if isinstance(error, sqlite3.OperationalError):
        ledger = next((f for f in folders if f.role == "ledger"), None)
        if ledger is not None:
            return stopped_for_full_disk(ledger)
    return stopped_for_full_disk(min(folders, key=lambda f: free_bytes(f.path)))


def reports_not_written(reports: Path, error: BaseException) -> str | None:
    """The Swedish line for reports a full disk would not take (None: not a full disk, so a bug)."""
    if not is_disk_full(error):
        return None
    return (
        f"Rapporterna kunde inte skrivas: disken är full för rapporterna ({reports}), {_mb(free_bytes(reports))} "
        "ledigt. Frigör utrymme och skriv dem med utskick report."
    )


def _mb(free: int) -> str:
    return f"{free / MB:.1f} MB"
