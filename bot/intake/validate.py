"""Rows to citizens: normalise, classify, refuse what cannot be sent to, keep each citizen once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from bot.intake.model import REJECT_REASONS_SV, Citizen, Rejected
from bot.intake.readers import Row
from bot.pnr import InvalidPersonnummer, classify, mask, normalize, scrub

MISSING_VALUE_SV = "Personnummer saknas på raden."


class Collector:
    """Accumulates the citizens of one delivery across its files, first occurrence wins."""

    def __init__(self, source_archive: str, today: date | None = None) -> None:
        self.source_archive = source_archive
        self.today = today or date.today()
        self.accepted: list[Citizen] = []
        self.rejected: list[Rejected] = []
        self.duplicates = 0
        self.rows = 0
        self._seen: dict[str, tuple[str, int]] = {}

    def add_file(self, file: str, rows: Iterable[Row]) -> int:
        """Check every row of one file; return how many rows it had."""
        count = 0
        for row in rows:
            count += 1
            self.add(file, row.line, row.value)
        return count

    def add(self, file: str, line: int, value: str) -> None:
        """Check one row and file it as accepted or rejected."""
        self.rows += 1
        if not value.strip():
            self.rejected.append(Rejected(scrub(file), line, MISSING_VALUE_SV, "invalid_format", ""))
            return
        try:
            pnr12 = normalize(value, self.today)
        except InvalidPersonnummer as e:
            self._reject(file, line, e.code, value)
            return
        kind = classify(pnr12)
        if kind != "personnummer":
            self._reject(file, line, kind, pnr12)
            return
        first = self._seen.get(pnr12)
        if first is not None:
            self.duplicates += 1
            reason = REJECT_REASONS_SV["duplicate"].format(file=scrub(first[0]), line=first[1])
            self.rejected.append(Rejected(scrub(file), line, reason, "duplicate", mask(pnr12)))
            return
        self._seen[pnr12] = (file, line)
        self.accepted.append(Citizen(pnr12, self.source_archive, file, line))

    def _reject(self, file: str, line: int, code: str, value: str) -> None:
        self.rejected.append(Rejected(scrub(file), line, REJECT_REASONS_SV[code], code, mask(value)))
