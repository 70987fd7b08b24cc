"""The journal export: one row per sent ärende, for recording the send in the patient record.

Semicolon-separated UTF-8 with a byte-order mark, so Excel with Swedish settings opens it as columns.
"""

from __future__ import annotations

from pathlib import Path

from bot.report.cells import neutralize_frame
from bot.report.files import write_private
from bot.report.frames import ReportFrames


def journal_csv(frames: ReportFrames) -> str:
    """The journal export as CSV text; no cell starts like a formula."""
    return neutralize_frame(frames.journal).to_csv(sep=";", index=False, lineterminator="\r\n")


def write_journal(frames: ReportFrames, path: Path) -> Path:
    """Write the journal export with mode 0600 (it holds personnummer)."""
    return write_private(path, journal_csv(frames).encode("utf-8-sig"))
