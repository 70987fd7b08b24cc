"""Intake: turn a delivery of personnummer files into the citizens to send to, and say why the rest is not.

    read_delivery(path) -> IntakeResult      archive.py (unpack safely) -> readers.py (txt/csv/xlsx rows)
                                             -> validate.py (normalise, classify, dedupe) -> model.py

Fatal problems (the archive cannot be opened, the password is missing or wrong, no readable file, an
unsupported file type, an unsafe member, not one valid personnummer) raise DeliveryError (exit 2).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.errors import DeliveryError
from bot.intake.archive import DEFAULT_MAX_UNPACKED_BYTES, open_delivery, printable
from bot.intake.limits import IntakeLimits
from bot.intake.model import REJECT_REASONS_SV, Citizen, IntakeResult, NoValidPersonnummer, Rejected
from bot.intake.readers import UnreadableFile, read_rows
from bot.intake.validate import Collector
from bot.pnr import scrub
from bot.secret_env import read_secret

MAX_ROWS_PER_FILE = 250
# 400 full files of 250: far above any delivery, far below what would eat a machine's memory.
MAX_TOTAL_ROWS = 100_000

__all__ = [
    "DEFAULT_MAX_UNPACKED_BYTES",
    "MAX_ROWS_PER_FILE",
    "MAX_TOTAL_ROWS",
    "REJECT_REASONS_SV",
    "Citizen",
    "DeliveryError",
    "IntakeResult",
    "NoValidPersonnummer",
    "Rejected",
    "read_delivery",
]


def read_delivery(
    path: Path,
    password_env: str = "UTSKICK_7Z_PASSWORD",
    *,
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES,
    max_rows: int = MAX_TOTAL_ROWS,
    today: date | None = None,
) -> IntakeResult:
    """Read a delivery (7z archive, folder or single file) into accepted citizens, rejected rows and warnings."""
    try:
        return _read(Path(path), password_env, max_unpacked_bytes, max_rows, today)
    except DeliveryError as e:  # a file may be named after a citizen, or carry terminal escapes: show neither
        e.args = tuple(printable(scrub(str(a)), keep_newlines=True) for a in e.args)
        raise


def _read(path: Path, password_env: str, max_unpacked_bytes: int, max_rows: int, today: date | None) -> IntakeResult:
    password = read_secret(password_env)
    opened = open_delivery(Path(path), password, password_env, max_unpacked_bytes)
    limits = IntakeLimits(max_rows, max_unpacked_bytes)
    collector = Collector(opened.source, today)
    warnings = list(opened.warnings)
    read_files: list[str] = []
    for member in opened.members:
        try:
            count = collector.add_file(member.name, read_rows(member.name, member.data, limits))
        except UnreadableFile as e:
            warnings.append(f"{e} Inga rader från filen är med.")
            continue
        read_files.append(member.name)
        if count > MAX_ROWS_PER_FILE:
            warnings.append(
                f"Filen '{member.name}' har {count} rader; rutinen tillåter högst {MAX_ROWS_PER_FILE} per fil. "
                "Alla rader är med, inga har tagits bort."
            )
        elif count == 0:
            warnings.append(f"Filen '{member.name}' innehåller inga personnummer.")
    result = IntakeResult(
        source=scrub(opened.source),
        accepted=collector.accepted,
        rejected=collector.rejected,
        warnings=[printable(scrub(w)) for w in warnings],
        duplicates=collector.duplicates,
        files=len(read_files),
        rows=collector.rows,
        fingerprint=opened.fingerprint,
        file_names=[scrub(f) for f in read_files],
    )
    if not read_files:
        detail = " ".join(warnings)
        raise DeliveryError(f"Leveransen '{opened.source}' innehåller inga läsbara filer. {detail}".strip())
    if not result.accepted:
        read = f"{result.rows} rader lästa, alla avvisade" if result.rows else "filerna har inga rader med värden"
        raise NoValidPersonnummer(
            f"Leveransen '{opened.source}' innehåller inget giltigt personnummer att skicka till ({read}).", result
        )
    return result
