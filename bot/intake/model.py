"""What intake hands on: accepted citizens, rejected rows with Swedish reasons, warnings and counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.errors import DeliveryError
from bot.pnr import REASONS_SV, mask

# reason_code -> the Swedish text a case handler reads (file and line are shown beside it).
REJECT_REASONS_SV: dict[str, str] = {
    **REASONS_SV,
    "samordningsnummer": (
        "Samordningsnummer: innehavaren kan inte logga in på 1177 och måste kontaktas på annat sätt."
    ),
    "duplicate": "Dubblett: personnumret finns redan i leveransen ({file}, rad {line}) och skickas bara en gång.",
}


@dataclass(frozen=True, slots=True)
class Citizen:
    """One citizen to send to: the normalised 12-digit personnummer and where it came from."""

    pnr: str
    source_archive: str
    source_file: str
    line: int

    def __repr__(self) -> str:
        return f"Citizen({mask(self.pnr)}, {self.source_file}:{self.line})"


@dataclass(frozen=True, slots=True)
class Rejected:
    """One refused row: where it is, why (Swedish `reason`, English `reason_code`) and the masked value."""

    file: str
    line: int
    reason: str
    reason_code: str
    masked: str

    def to_json_dict(self) -> dict[str, object]:
        """The JSON form (no full personnummer)."""
        return {
            "file": self.file,
            "line": self.line,
            "reason": self.reason,
            "reason_code": self.reason_code,
            "masked": self.masked,
        }


@dataclass(frozen=True)
class IntakeResult:
    """The outcome of reading one delivery."""

    source: str
    accepted: list[Citizen]
    rejected: list[Rejected]
    warnings: list[str]
    duplicates: int
    files: int
    rows: int
    fingerprint: str
    file_names: list[str] = field(default_factory=list)

    def rejected_by_reason(self) -> dict[str, int]:
        """Count of rejected rows per reason_code, most frequent first."""
        return dict(Counter(r.reason_code for r in self.rejected).most_common())

    def to_json_dict(self) -> dict[str, object]:
        """What `utskick validate --json` prints: counts, rejected rows and warnings, never a full number."""
        return {
            "source": self.source,
            "fingerprint": self.fingerprint,
            "files": self.files,
            "file_names": list(self.file_names),
            "rows": self.rows,
            "valid": len(self.accepted),
            "invalid": [r.to_json_dict() for r in self.rejected],
            "rejected_by_reason": self.rejected_by_reason(),
            "duplicates": self.duplicates,
            "warnings": list(self.warnings),
        }


class NoValidPersonnummer(DeliveryError):
    """The delivery was read but not one citizen can be sent to; `result` says why, row by row."""

    def __init__(self, message: str, result: IntakeResult) -> None:
        super().__init__(message)
        self.result = result
