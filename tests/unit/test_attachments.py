"""Attachments are checked by content and size before anything is sent."""

from __future__ import annotations

import pytest

from bot.attachments import check_attachments
from bot.errors import AttachmentError


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("brev.pdf", b"%PDF-1.4\n%\xe2\xe3\n"),
        ("bild.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 20),
        ("foto.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 20),
    ],
)
def test_pdf_png_jpg_should_pass(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    check_attachments((path,))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("brev.pdf", b"just text, named pdf", "varken pdf, jpg eller png"),
        ("dokument.docx", b"PK\x03\x04", "varken pdf, jpg eller png"),
        ("stor.pdf", b"%PDF-" + b"0" * 2048, "högst"),
    ],
)
def test_wrong_type_or_size_should_be_refused_naming_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(AttachmentError, match=message) as error:
        check_attachments((path,), max_bytes=1024)
    assert name in str(error.value)


def test_missing_attachment_should_be_refused(tmp_path):
    with pytest.raises(AttachmentError, match="finns inte"):
        check_attachments((tmp_path / "saknas.pdf",))
