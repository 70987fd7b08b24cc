"""The beställare's workbook: Sammanfattning, Skickade, Ej nåbara, Ej skickade, Ogiltiga i leveransen, Körningar."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from bot.report.cells import neutralize_frame
from bot.report.files import write_private
from bot.report.frames import ReportFrames

SHEETS = ("Sammanfattning", "Skickade", "Ej nåbara", "Ej skickade", "Ogiltiga i leveransen", "Körningar")
DATE_FORMAT = "YYYY-MM-DD HH:MM"


def sheets(frames: ReportFrames) -> dict[str, pd.DataFrame]:
    """The workbook's sheets in order; no text cell starts like a formula."""
    tables = (frames.summary, frames.sent, frames.not_reachable, frames.not_sent, frames.invalid, frames.runs)
    return dict(zip(SHEETS, map(neutralize_frame, tables), strict=True))


def xlsx_bytes(frames: ReportFrames) -> bytes:
    """The workbook as bytes: frozen header rows, readable column widths, times as Excel dates."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl", datetime_format=DATE_FORMAT, date_format="YYYY-MM-DD") as writer:
        for name, frame in sheets(frames).items():
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            _as_text(sheet)
            for column, header in zip(sheet.columns, frame.columns, strict=False):
                values = [str(header), *(str(v) for v in frame[header].head(500) if v is not None)]
                width = min(max(len(v) for v in values) + 2, 80)
                sheet.column_dimensions[column[0].column_letter].width = max(width, 10)
    return buffer.getvalue()


def _as_text(sheet) -> None:
    """Keep every cell a value: a text from a delivery or the staff tool that starts with '=' stays text, never
    a formula Excel would run."""
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def write_xlsx(frames: ReportFrames, path: Path) -> Path:
    """Write the workbook with mode 0600 (it holds personnummer)."""
    return write_private(path, xlsx_bytes(frames))
