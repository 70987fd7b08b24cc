"""Check the campaign's attachments before anything is sent: pdf, jpg or png by content, within the size limit."""

from __future__ import annotations

from pathlib import Path

from bot.errors import AttachmentError

MAX_BYTES = 10 * 1024 * 1024
MAGIC = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}


def kind_of(head: bytes) -> str | None:
    """'pdf', 'jpg' or 'png' from a file's first bytes, or None for anything else."""
    for kind, signatures in MAGIC.items():
        if any(head.startswith(sig) for sig in signatures):
            return kind
    return None


def check_attachments(paths: tuple[Path, ...], max_bytes: int = MAX_BYTES) -> None:
    """Raise AttachmentError (Swedish, naming the file) for a missing, wrong-type or too large attachment."""
    for path in paths:
        if not path.is_file():
            raise AttachmentError(f"Bilagan {path} finns inte.")
        size = path.stat().st_size
        if size > max_bytes:
            raise AttachmentError(
                f"Bilagan {path.name} är {size / 1_048_576:.1f} MB; högst {max_bytes / 1_048_576:.0f} MB är tillåtet."
            )
        with path.open("rb") as f:
            kind = kind_of(f.read(16))
        if kind is None:
            raise AttachmentError(
                f"Bilagan {path.name} är varken pdf, jpg eller png (innehållet avgör, inte filnamnet)."
            )
