"""Retention: a run deletes its own old logs, screenshots and traces (patient data) after `paths.keep_days`.

Only files named the way utskick names them are touched: `utskick-*.jsonl` in the logs folder, `*.png`,
`*.aria.txt` and `*.trace.zip` in the artifacts folder. The ledger (the audit trail that makes sending exactly
once) and the reports (the record handed to the beställare and the journal) are kept: they follow the region's
own rules for records, and are deleted by a person.
"""

from __future__ import annotations

import stat
import time
from pathlib import Path

from bot.config import Campaign

DAY_S = 24 * 60 * 60
LOG_PATTERNS = ("utskick-*.jsonl",)
ARTIFACT_PATTERNS = ("*.png", "*.aria.txt", "*.trace.zip", ".*.trace.zip")


def expired_files(campaign: Campaign, now: float | None = None) -> list[Path]:
    """The log and artifact files last changed more than `keep_days` ago (none when keep_days is 0)."""
    if campaign.keep_days <= 0:
        return []
    cutoff = (time.time() if now is None else now) - campaign.keep_days * DAY_S
    found: list[Path] = []
    for folder, patterns in ((campaign.logs, LOG_PATTERNS), (campaign.artifacts, ARTIFACT_PATTERNS)):
        if not folder.is_dir():
            continue
        for pattern in patterns:
            for path in folder.glob(pattern):
                info = path.lstat()
                if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                    found.append(path)
    return sorted(set(found))


def purge_expired(campaign: Campaign, now: float | None = None) -> list[Path]:
    """Delete the expired log and artifact files; return what was deleted."""
    deleted = []
    for path in expired_files(campaign, now):
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        deleted.append(path)
    return deleted
