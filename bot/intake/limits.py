"""Caps on what a delivery may make the bot hold in memory: rows in all files together, and the unpacked size
of the xlsx files (an xlsx is itself a zip: 73 KB can hold 25 MB of XML). Both stop the intake with a Swedish
error before the rows are read, however small the archive was."""

from __future__ import annotations

from bot.errors import DeliveryError


def _number(n: int) -> str:
    return f"{n:,}".replace(",", " ")


class IntakeLimits:
    """What one delivery may still spend: rows, and bytes unpacked from inside xlsx files."""

    def __init__(self, max_rows: int, max_inner_bytes: int) -> None:
        self.max_rows = max_rows
        self.max_inner_bytes = max_inner_bytes
        self.rows = 0
        self.inner_bytes = 0

    def spend_rows(self, name: str, count: int) -> None:
        """Count `count` rows of file `name`; raise DeliveryError past the cap."""
        self.rows += count
        if self.rows > self.max_rows:
            raise DeliveryError(
                f"Leveransen har fler än {_number(self.max_rows)} rader (räknat till och med filen '{name}') och "
                "stoppades. Så stora leveranser kommer inte från Beslutstöd: kontrollera leveransen."
            )

    def spend_inner_bytes(self, name: str, count: int) -> None:
        """Count `count` bytes unpacked from inside xlsx file `name`; raise DeliveryError past the cap."""
        self.inner_bytes += count
        if self.inner_bytes > self.max_inner_bytes:
            raise DeliveryError(
                f"Excelfilen '{name}' packas upp till mer än {self.max_inner_bytes / (1024 * 1024):.0f} MB och "
                "stoppades (skydd mot dekomprimeringsbomber). Kontrollera leveransen med Beslutstöd."
            )
