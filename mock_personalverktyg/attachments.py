"""Attachment rules: pdf, jpg or png by content (magic bytes), the name agreeing, within the size limit."""

from __future__ import annotations

from pathlib import PurePath

WRONG_TYPE = "Filen kan inte bifogas: endast pdf, jpg och png är tillåtna (filens innehåll kontrolleras)"
EMPTY = "Filen är tom"
NO_FILE = "Välj en fil att bifoga"

_MAGIC = {b"%PDF-": "pdf", b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}
_EXTENSIONS = {".pdf": "pdf", ".png": "png", ".jpg": "jpg", ".jpeg": "jpg"}


def sniff(content: bytes) -> str | None:
    """The file type the first bytes say, or None when it is not pdf, png or jpg."""
    for magic, kind in _MAGIC.items():
        if content.startswith(magic):
            return kind
    return None


def too_large_message(limit: int) -> str:
    """The refusal for a file above `limit` bytes."""
    return f"Filen är för stor: högst {limit / (1024 * 1024):g} MB"


def refusal(name: str, content: bytes, limit: int) -> str | None:
    """Why the file cannot be attached, or None when it can."""
    if not name:
        return NO_FILE
    if not content:
        return EMPTY
    if len(content) > limit:
        return too_large_message(limit)
    kind = sniff(content)
    if kind is None or _EXTENSIONS.get(PurePath(name).suffix.lower()) != kind:
        return WRONG_TYPE
    return None
