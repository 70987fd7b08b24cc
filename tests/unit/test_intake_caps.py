"""Intake caps: a small archive that unpacks to millions of lines, a small xlsx that holds megabytes of XML, and
member names with terminal control characters: refused or shown harmless, with Swedish messages."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from bot.commands.validate import validate
from bot.errors import DeliveryError
from bot.intake import MAX_TOTAL_ROWS, read_delivery
from tests.unit.test_intake_archive import ENV, make_7z, numbers


@pytest.fixture(autouse=True)
def archive_password(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.unit.test_intake_archive import PASSWORD

    monkeypatch.setenv(ENV, PASSWORD)


def workbook(rows: int, pnr: str) -> bytes:
    """An xlsx with a personnummer header and `rows` copies of `pnr`: small packed, large inside."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["personnummer"])
    for _ in range(rows):
        sheet.append([pnr])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_small_archive_with_more_lines_than_the_cap_should_be_refused(tmp_path):
    lines = MAX_TOTAL_ROWS + 50_000
    archive = make_7z(tmp_path / "bomb.7z", {"lista.txt": (numbers(1)[0] + "\n").encode() * lines})
    assert archive.stat().st_size < 50_000

    with pytest.raises(DeliveryError) as refused:
        read_delivery(archive, ENV)

    message = str(refused.value)
    assert "rader" in message and f"{MAX_TOTAL_ROWS:,}".replace(",", " ") in message
    assert "lista.txt" in message


def test_rows_over_the_cap_spread_over_files_should_be_refused(tmp_path):
    pnr = (numbers(1)[0] + "\r\n").encode()
    archive = make_7z(tmp_path / "bred.7z", {f"lista{n}.txt": pnr * 400 for n in range(3)})

    with pytest.raises(DeliveryError, match="rader"):
        read_delivery(archive, ENV, max_rows=1_000)


def test_rows_up_to_the_cap_should_be_read(tmp_path):
    pnrs = numbers(300)
    archive = make_7z(
        tmp_path / "ok.7z", {"a.txt": "\r\n".join(pnrs[:150]).encode(), "b.txt": "\n".join(pnrs[150:]).encode()}
    )

    assert len(read_delivery(archive, ENV, max_rows=300).accepted) == 300


def test_xlsx_larger_inside_than_the_unpacked_cap_should_be_refused(tmp_path):
    data = workbook(30_000, numbers(1)[0])
    with zipfile.ZipFile(io.BytesIO(data)) as inner:
        inside = sum(i.file_size for i in inner.infolist())
    cap = (len(data) + inside) // 2
    assert len(data) < cap < inside
    archive = make_7z(tmp_path / "excel.7z", {"lista.xlsx": data})

    with pytest.raises(DeliveryError) as refused:
        read_delivery(archive, ENV, max_unpacked_bytes=cap)

    assert "lista.xlsx" in str(refused.value) and "packas upp" in str(refused.value)


def test_xlsx_with_more_rows_than_the_cap_should_be_refused(tmp_path):
    archive = make_7z(tmp_path / "excel.7z", {"lista.xlsx": workbook(1_500, numbers(1)[0])})

    with pytest.raises(DeliveryError, match="rader"):
        read_delivery(archive, ENV, max_rows=1_000)


HOSTILE_NAME = "lista\x1b]0;hackad\x07\x1b[2J\u202e.txt"


def test_validate_should_show_member_names_without_control_characters(tmp_path):
    archive = make_7z(tmp_path / "leverans.7z", {HOSTILE_NAME: b"personnummer\n12345\n" + numbers(1)[0].encode()})

    result = CliRunner().invoke(validate, [str(archive)], env={ENV: "rätt-lösenord"})

    assert "lista" in result.output
    assert not any(ch in result.output for ch in "\x1b\x07\u202e"), repr(result.output)


@pytest.mark.parametrize("as_json", [False, True])
def test_validate_error_should_name_a_member_without_control_characters(tmp_path, as_json):
    archive = make_7z(tmp_path / "leverans.7z", {"lista\x1b[31m.exe": b"x"})

    result = CliRunner().invoke(validate, [str(archive), *(["--json"] if as_json else [])], env={ENV: "rätt-lösenord"})

    assert result.exit_code == 2
    assert ".exe" in result.output and "\x1b" not in result.output and "\\u001b" not in result.output


def test_folder_delivery_should_show_file_names_without_control_characters(tmp_path: Path):
    folder = tmp_path / "leverans"
    folder.mkdir()
    (folder / "lista\x1b[2J.txt").write_text("personnummer\n12345\n" + numbers(1)[0])

    result = read_delivery(folder, ENV)

    assert all("\x1b" not in name for name in result.file_names)
    assert all("\x1b" not in r.file for r in result.rejected)


def test_validate_should_print_a_member_name_with_markup_brackets_as_it_is(tmp_path):
    archive = make_7z(
        tmp_path / "leverans.7z", {"lista[/][bold].txt": b"personnummer\n12345\n" + numbers(1)[0].encode()}
    )

    result = CliRunner().invoke(validate, [str(archive)], env={ENV: "rätt-lösenord"})

    assert result.exit_code == 0, result.output
    assert "lista[/][bold].txt" in result.output
