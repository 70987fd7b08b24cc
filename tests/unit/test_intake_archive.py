"""bot.intake on real 7z archives built with py7zr: passwords, encrypted headers, unsafe members, limits."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import tempfile
from datetime import date
from functools import cache
from pathlib import Path

import openpyxl
import py7zr
import pytest

from bot.errors import DeliveryError, InputError
from bot.intake import REJECT_REASONS_SV, NoValidPersonnummer, read_delivery
from bot.intake.archive import SEVEN_ZIP_MAGIC
from bot.pnr import luhn_check_digit

ROOT = Path(__file__).resolve().parents[2]
TEST_LIST = ROOT / "mock_personalverktyg" / "seed" / "testpersonnummer.txt"
VECTORS = ROOT / "tests" / "data" / "personnummer-vectors"
TODAY = date(2026, 11, 22)
PASSWORD = "rätt-lösenord"
ENV = "UTSKICK_7Z_PASSWORD"


@cache
def official_numbers() -> list[str]:
    return [n for n in TEST_LIST.read_text(encoding="ascii").split() if "1950" <= n < "2011"]


def numbers(n: int, start: int = 0) -> list[str]:
    return official_numbers()[start : start + n]


def lines(pnrs: list[str]) -> bytes:
    return "".join(f"{p}\n" for p in pnrs).encode()


def make_7z(path: Path, files: dict[str, bytes], password: str | None = PASSWORD, encrypted_headers=False) -> Path:
    """A real archive; unsafe names go through py7zr's unchecked writer, as a hostile tool would write them."""
    with py7zr.SevenZipFile(path, "w", password=password, header_encryption=encrypted_headers) as archive:
        for name, data in files.items():
            archive._writestr(data, name)
    return path


@pytest.fixture
def with_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, PASSWORD)


@pytest.fixture
def without_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)


def fatal(path: Path, **kwargs) -> str:
    with pytest.raises(DeliveryError) as info:
        read_delivery(path, today=TODAY, **kwargs)
    message = str(info.value)
    assert not any(n in message for n in official_numbers()[:500])
    return message


@pytest.mark.parametrize("encrypted_headers", [False, True], ids=["aes", "aes-encrypted-headers"])
def test_read_delivery_should_accept_an_archive_with_the_right_password(
    tmp_path: Path, with_password: None, encrypted_headers: bool
) -> None:
    pnrs = numbers(5)
    archive = make_7z(tmp_path / "lev.7z", {"lista.txt": lines(pnrs)}, encrypted_headers=encrypted_headers)
    result = read_delivery(archive, today=TODAY)
    assert [c.pnr for c in result.accepted] == pnrs
    assert {(c.source_archive, c.source_file) for c in result.accepted} == {("lev.7z", "lista.txt")}
    assert [c.line for c in result.accepted] == [1, 2, 3, 4, 5]
    assert result.fingerprint == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert result.warnings == []


@pytest.mark.parametrize("encrypted_headers", [False, True], ids=["aes", "aes-encrypted-headers"])
def test_read_delivery_should_say_plainly_that_the_password_is_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encrypted_headers: bool
) -> None:
    archive = make_7z(tmp_path / "lev.7z", {"lista.txt": lines(numbers(5))}, encrypted_headers=encrypted_headers)
    monkeypatch.setenv(ENV, "fel-lösenord")
    message = fatal(archive)
    assert "lösenordet i UTSKICK_7Z_PASSWORD är fel" in message
    assert "Traceback" not in message and "LZMA" not in message
    with pytest.raises(DeliveryError) as info:
        read_delivery(archive, today=TODAY)
    assert info.value.__cause__ is None and info.value.__suppress_context__  # no decompression trace behind it


@pytest.mark.parametrize("encrypted_headers", [False, True], ids=["aes", "aes-encrypted-headers"])
def test_read_delivery_should_name_the_variable_when_the_password_is_missing(
    tmp_path: Path, without_password: None, encrypted_headers: bool
) -> None:
    archive = make_7z(tmp_path / "lev.7z", {"lista.txt": lines(numbers(5))}, encrypted_headers=encrypted_headers)
    assert "sätt miljövariabeln UTSKICK_7Z_PASSWORD" in fatal(archive)


def test_read_delivery_should_read_the_password_from_the_named_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = make_7z(tmp_path / "lev.7z", {"lista.txt": lines(numbers(3))})
    monkeypatch.setenv("MITT_LOSENORD", PASSWORD)
    monkeypatch.delenv(ENV, raising=False)
    assert len(read_delivery(archive, "MITT_LOSENORD", today=TODAY).accepted) == 3
    assert "ANNAN_VARIABEL" in fatal(archive, password_env="ANNAN_VARIABEL")


def test_read_delivery_should_warn_about_an_unencrypted_archive(tmp_path: Path, without_password: None) -> None:
    archive = make_7z(tmp_path / "lev.7z", {"lista.txt": lines(numbers(3))}, password=None)
    result = read_delivery(archive, today=TODAY)
    assert len(result.accepted) == 3
    assert any("inte lösenordsskyddat" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"../utanfor.txt": b"x\n"}, "otillåten sökväg"),
        ({"/etc/lista.txt": b"x\n"}, "otillåten sökväg"),
        ({"mapp/../../lista.txt": b"x\n"}, "otillåten sökväg"),
        ({"..\\utanfor.txt": b"x\n"}, "otillåten sökväg"),
        ({"C:\\lista.txt": b"x\n"}, "otillåten sökväg"),
        ({"inre.7z": b"7z\xbc\xaf\x27\x1c rest"}, "arkiv i arkivet"),
        ({"inre.zip": b"PK\x03\x04 rest"}, "arkiv i arkivet"),
        ({"lista.txt": b"7z\xbc\xaf\x27\x1c disguised"}, "arkiv i arkivet"),
        ({"lista.pdf": b"%PDF-1.4"}, "filtyp som inte stöds (.pdf)"),
        ({"lista": b"x\n"}, "filtyp som inte stöds"),
        ({}, "inga läsbara filer"),
    ],
    ids=[
        "dotdot",
        "absolute",
        "nested-dotdot",
        "backslash-dotdot",
        "drive-letter",
        "nested-7z",
        "nested-zip",
        "disguised-7z",
        "pdf",
        "no-suffix",
        "empty",
    ],
)
def test_read_delivery_should_refuse_unsafe_or_unexpected_members(
    tmp_path: Path, with_password: None, files: dict[str, bytes], expected: str
) -> None:
    files = {"bra.txt": lines(numbers(3)), **files} if files else files
    assert expected in fatal(make_7z(tmp_path / "lev.7z", files))


def test_read_delivery_should_refuse_a_symlink_member(tmp_path: Path, with_password: None) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "lista.txt").write_bytes(lines(numbers(3)))
    (tmp_path / "src" / "lank.txt").symlink_to("/etc/passwd")
    archive = tmp_path / "lev.7z"
    with py7zr.SevenZipFile(archive, "w", password=PASSWORD) as z:
        z.write(tmp_path / "src" / "lista.txt", "lista.txt")
        z.write(tmp_path / "src" / "lank.txt", "lank.txt")
    assert "länk" in fatal(archive)


def test_read_delivery_should_stop_an_oversized_member_before_unpacking(tmp_path: Path, with_password: None) -> None:
    archive = make_7z(tmp_path / "lev.7z", {"lista.txt": lines(numbers(3)), "stor.txt": b"\n" * 100_000})
    message = fatal(archive, max_unpacked_bytes=10_000)
    assert "10000 byte" in message and "dekomprimeringsbomb" in message


def test_read_delivery_should_stop_unpacking_when_the_real_size_passes_the_cap(
    tmp_path: Path, with_password: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.intake.archive as archive_module

    monkeypatch.setattr(archive_module, "_check_members", lambda archive, limit: None)
    archive = make_7z(tmp_path / "lev.7z", {"stor.txt": b"\n" * 100_000})
    assert "dekomprimeringsbomb" in fatal(archive, max_unpacked_bytes=10_000)


@pytest.mark.parametrize(
    "damage", [lambda b: b[: len(b) // 2], lambda b: b[:40] + bytes(len(b) - 40)], ids=["truncated", "zeroed"]
)
def test_read_delivery_should_report_a_damaged_archive_plainly(tmp_path: Path, with_password: None, damage) -> None:
    archive = make_7z(tmp_path / "lev.7z", {"lista.txt": lines(numbers(50))})
    archive.write_bytes(damage(archive.read_bytes()))
    assert "kunde inte" in fatal(archive)


def test_read_delivery_should_read_good_files_and_report_the_bad_in_a_mixed_archive(
    tmp_path: Path, with_password: None
) -> None:
    good, more = numbers(4), numbers(3, start=10)
    broken = good[0][:11] + str((int(good[0][11]) + 1) % 10)
    files = {
        "a.txt": lines(good),
        "b.csv": ("personnummer;enhet\n" + "".join(f"{p};VC\n" for p in [*more, broken, good[1]])).encode(),
        "c.xlsx": b"not really a workbook",
        "d.csv": b"namn;ort\nAnna;Lund\n",
        ".DS_Store": b"\x00\x01",
    }
    result = read_delivery(make_7z(tmp_path / "lev.7z", files), today=TODAY)
    assert [c.pnr for c in result.accepted] == good + more
    assert [(r.file, r.line, r.reason_code) for r in result.rejected] == [
        ("b.csv", 5, "invalid_check_digit"),
        ("b.csv", 6, "duplicate"),
    ]
    assert result.duplicates == 1 and result.files == 2 and result.rows == 9
    assert any("c.xlsx" in w for w in result.warnings) and any("d.csv" in w for w in result.warnings)
    assert any(".DS_Store" in w for w in result.warnings)
    assert "a.txt, rad 2" in result.rejected[1].reason


def test_read_delivery_should_fail_with_the_rows_when_no_number_is_valid(tmp_path: Path, with_password: None) -> None:
    broken = [p[:11] + str((int(p[11]) + 1) % 10) for p in numbers(3)]
    with pytest.raises(NoValidPersonnummer) as info:
        read_delivery(make_7z(tmp_path / "lev.7z", {"a.txt": lines(broken)}), today=TODAY)
    assert isinstance(info.value, InputError) and info.value.exit_code == 2
    assert [r.reason_code for r in info.value.result.rejected] == ["invalid_check_digit"] * 3


def test_read_delivery_should_warn_about_a_file_over_250_rows_and_keep_every_row(
    tmp_path: Path, with_password: None
) -> None:
    result = read_delivery(make_7z(tmp_path / "lev.7z", {"stor.txt": lines(numbers(251))}), today=TODAY)
    assert len(result.accepted) == 251
    assert any("251 rader" in w and "högst 250" in w for w in result.warnings)


@pytest.mark.parametrize("encrypted_headers", [False, True], ids=["aes", "aes-encrypted-headers"])
def test_read_delivery_should_unpack_to_memory_only(
    tmp_path: Path, with_password: None, monkeypatch: pytest.MonkeyPatch, encrypted_headers: bool
) -> None:
    archive = make_7z(tmp_path / "lev.7z", {"lista.txt": lines(numbers(3))}, encrypted_headers=encrypted_headers)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where any temporary file or folder would go
    for var in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.setenv(var, str(scratch))
    monkeypatch.chdir(tmp_path)
    assert len(read_delivery(archive, today=TODAY).accepted) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lev.7z", "tmp"] and list(scratch.iterdir()) == []


def test_read_delivery_should_accept_a_folder_and_fingerprint_its_contents(tmp_path: Path) -> None:
    folder = tmp_path / "leverans"
    (folder / "under").mkdir(parents=True)
    (folder / "a.txt").write_bytes(lines(numbers(2)))
    (folder / "under" / "b.txt").write_bytes(lines(numbers(2, start=5)))
    first = read_delivery(folder, today=TODAY)
    assert [c.source_file for c in first.accepted] == ["a.txt", "a.txt", "under/b.txt", "under/b.txt"]
    (folder / "a.txt").rename(folder / "c.txt")
    assert read_delivery(folder, today=TODAY).fingerprint == first.fingerprint
    (folder / "c.txt").write_bytes(lines(numbers(3)))
    assert read_delivery(folder, today=TODAY).fingerprint != first.fingerprint


def test_read_delivery_should_refuse_a_link_in_a_folder(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(lines(numbers(2)))
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    assert "länk" in fatal(tmp_path)


def _xlsx(pnrs: list[str]) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(["Personnummer"])
    for p in pnrs:
        wb.active.append([int(p)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "first_line"),
    [
        ("lista.txt", lines, 1),
        ("lista.csv", lambda ps: ("personnummer;namn\r\n" + "".join(f"{p};x\r\n" for p in ps)).encode(), 2),
        ("lista.xlsx", _xlsx, 2),
    ],
    ids=["txt", "csv", "xlsx"],
)
def test_read_delivery_should_accept_a_single_file(tmp_path: Path, name: str, make, first_line: int) -> None:
    file = tmp_path / name
    file.write_bytes(make(numbers(4)))
    result = read_delivery(file, today=TODAY)
    assert [c.pnr for c in result.accepted] == numbers(4) and result.accepted[0].line == first_line
    assert result.source == name and result.file_names == [name] and len(result.fingerprint) == 64


def test_read_delivery_should_refuse_a_missing_path(tmp_path: Path) -> None:
    assert "finns inte" in fatal(tmp_path / "saknas.7z")


@pytest.mark.parametrize(
    ("name", "data"), [("lev.7z", b"PK\x03\x04 a zip"), ("lev.zip", b"PK\x03\x04 a zip")], ids=["fake-7z", "zip"]
)
def test_read_delivery_should_say_a_top_level_file_is_not_a_7z_archive(tmp_path: Path, name: str, data: bytes) -> None:
    (tmp_path / name).write_bytes(data)
    assert "inte ett 7-zip-arkiv" in fatal(tmp_path / name)


def test_read_delivery_should_never_show_a_personnummer_used_as_a_file_name(tmp_path: Path) -> None:
    named_after, good = numbers(1, start=40)[0], numbers(2)
    (tmp_path / f"{named_after}.txt").write_text(f"{good[0]}\nfel\n")
    (tmp_path / "b.txt").write_text(f"{good[0]}\n")
    result = read_delivery(tmp_path, today=TODAY)
    shown = repr(result.to_json_dict())
    assert named_after not in shown and f"{named_after[:8]}-****.txt" in shown
    (tmp_path / f"{named_after}.pdf").write_bytes(b"%PDF")
    assert named_after not in fatal(tmp_path)


def test_read_delivery_should_skip_office_lock_and_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "~$lista.xlsx").write_bytes(b"lock")
    (tmp_path / ".~lock.lista.csv#").write_bytes(b"lock")
    (tmp_path / "lista.txt").write_bytes(lines(numbers(2)))
    result = read_delivery(tmp_path, today=TODAY)
    assert len(result.accepted) == 2 and len([w for w in result.warnings if "systemfilen" in w]) == 2


@pytest.mark.parametrize(
    ("kind", "name", "data"),
    [
        ("folder", "gomd.txt", b"7z\xbc\xaf\x27\x1c rest"),
        ("folder", "gomd.csv", b"PK\x03\x04 rest"),
        ("single-file", "gomd.csv", b"PK\x03\x04 rest"),  # a single 7z is opened as the archive it is
    ],
    ids=["folder-7z-as-txt", "folder-zip-as-csv", "single-zip-as-csv"],
)
def test_read_delivery_should_refuse_an_archive_disguised_as_a_list_outside_an_archive(
    tmp_path: Path, kind: str, name: str, data: bytes
) -> None:
    (tmp_path / "a.txt").write_bytes(lines(numbers(2)))
    (tmp_path / name).write_bytes(data)
    assert "arkiv i arkivet" in fatal(tmp_path if kind == "folder" else tmp_path / name)


def test_read_delivery_should_fail_when_no_file_can_be_read(tmp_path: Path, with_password: None) -> None:
    files = {"a.xlsx": b"PK\x03\x04 not a workbook", "b.csv": b"namn;ort\nAnna;Lund\n", "c.txt": b""}
    message = fatal(make_7z(tmp_path / "lev.7z", files))
    assert "inga läsbara filer" in message and all(n in message for n in files)


def test_read_delivery_should_fail_plainly_when_the_files_hold_only_headers(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("personnummer;namn\n\n")
    with pytest.raises(NoValidPersonnummer) as info:
        read_delivery(tmp_path, today=TODAY)
    assert "inga rader med värden" in str(info.value) and info.value.result.rows == 0
    assert any("inga personnummer" in w for w in info.value.result.warnings)


def _first_born(prefix: str) -> str:
    return next(n for n in TEST_LIST.read_text(encoding="ascii").split() if n.startswith(prefix))


def _with_check_digit(body11: str) -> str:
    """Eleven characters (YYYYMMDD + three serial characters) and the check digit they need (letters count as 1)."""
    return body11 + str(luhn_check_digit(body11[2:8] + "".join("1" if c.isalpha() else c for c in body11[8:])))


A, B, C, D = official_numbers()[600], official_numbers()[700], official_numbers()[800], official_numbers()[900]
OLD = _first_born("1920")  # a centenarian, written YYMMDD+NNNN
# (line, text, expected reason_code or None when accepted); every defect is derived from a test number on purpose
REASON_ROWS = [
    (1, A, None),
    (2, B[:11] + str((int(B[11]) + 1) % 10), "invalid_check_digit"),
    (3, B[:4] + "13" + B[6:], "invalid_date"),
    (4, "12345", "invalid_format"),
    (5, _with_check_digit(B[:8] + "000"), "invalid_serial"),
    (6, _with_check_digit("2099" + B[4:11]), "future_date"),
    (7, _with_check_digit(C[:8] + "T" + C[9:11]), "interim"),
    (8, _with_check_digit(C[:6] + f"{int(C[6:8]) + 60:02d}" + C[8:11]), "samordningsnummer"),
    (9, f"{A[2:8]}-{A[8:]}", "duplicate"),
    (10, f"{OLD[2:8]}+{OLD[8:]}", None),
]


def test_read_delivery_should_reject_each_row_with_its_file_line_and_swedish_reason(
    tmp_path: Path, with_password: None
) -> None:
    files = {
        "a.txt": "\r\n".join(text for _, text, _ in REASON_ROWS).encode("cp1252"),
        "b.csv": f"enhet;personnummer\nVC;{D}\nVC;{A[:8]}-{A[8:]}\n".encode(),
    }
    result = read_delivery(make_7z(tmp_path / "lev.7z", files, encrypted_headers=True), today=TODAY)
    assert [(c.source_file, c.line, c.pnr) for c in result.accepted] == [
        ("a.txt", 1, A),
        ("a.txt", 10, OLD),
        ("b.csv", 2, D),
    ]
    expected = [("a.txt", line, code) for line, _, code in REASON_ROWS if code] + [("b.csv", 3, "duplicate")]
    assert [(r.file, r.line, r.reason_code) for r in result.rejected] == expected
    for r in result.rejected:
        template = REJECT_REASONS_SV[r.reason_code]
        assert r.reason == (template.format(file="a.txt", line=1) if r.reason_code == "duplicate" else template)
    assert result.duplicates == 2 and result.rows == 12
    shown = repr(result.accepted) + repr(result.rejected) + repr(result.to_json_dict() | {"fingerprint": ""})
    assert not any(text[-4:] in shown for _, text, _ in REASON_ROWS[:3] + REASON_ROWS[4:]), "a serial leaked"


def _vector_file(vectors: list[dict], form: str) -> bytes:
    return "".join(f"{v[form]}\n" for v in vectors).encode()


@pytest.mark.parametrize("form", ["long_format", "separated_long"])
def test_read_delivery_should_conform_to_the_published_vectors(tmp_path: Path, form: str) -> None:
    vectors = [
        v for name in ("list.json", "interim.json") for v in json.loads((VECTORS / name).read_text(encoding="utf-8"))
    ]
    (tmp_path / "vektorer.txt").write_bytes(_vector_file(vectors, form))
    (tmp_path / "samordning.txt").write_text("\n".join(json.loads((VECTORS / "allCoords.json").read_text())))
    result = read_delivery(tmp_path, today=TODAY)
    outcome = {r.line: r.reason_code for r in result.rejected if r.file == "vektorer.txt"}
    outcome |= {c.line: "accepted" for c in result.accepted if c.source_file == "vektorer.txt"}
    invalid = {"invalid_format", "invalid_serial", "invalid_date", "invalid_check_digit", "future_date"}
    for line, v in enumerate(vectors, 1):
        if not v["valid"]:
            assert outcome[line] in invalid, (line, v["type"])
        else:
            expected = {"ssn": {"accepted", "duplicate"}, "con": {"samordningsnummer"}, "interim": {"interim"}}
            assert outcome[line] in expected[v["type"]], (line, v["type"])
    coords = [r.reason_code for r in result.rejected if r.file == "samordning.txt"]
    assert coords == ["samordningsnummer"] * 2264


def test_read_delivery_should_log_and_say_no_personnummer_whatever_fails(
    tmp_path: Path, with_password: None, caplog: pytest.LogCaptureFixture
) -> None:
    named = numbers(6, start=60)
    broken = [p[:11] + str((int(p[11]) + 1) % 10) for p in numbers(3, start=70)]
    deliveries = [
        {f"../{named[0]}.txt": lines(numbers(2))},
        {f"{named[1]}.pdf": b"%PDF-1.4"},
        {f"{named[2]}.7z": SEVEN_ZIP_MAGIC},
        {"a.txt": lines(numbers(2)), f"{named[3]}.csv": b"PK\x03\x04 zip"},
        {f"{named[4]}.txt": lines(broken)},
    ]
    messages = []
    caplog.set_level(logging.DEBUG)
    for i, files in enumerate(deliveries):
        with pytest.raises(DeliveryError) as info:
            read_delivery(make_7z(tmp_path / f"{named[5]}-{i}.7z", files), today=TODAY)
        messages.append(f"{info.value!s} {info.value!r} {info.value.__cause__!r}")
    wrong = make_7z(tmp_path / f"{named[5]}.7z", {"a.txt": lines(numbers(2))}, password="annat")
    with pytest.raises(DeliveryError) as info:
        read_delivery(wrong, today=TODAY)
    messages.append(f"{info.value!s} {info.value!r}")
    text = "\n".join(messages) + caplog.text
    assert not any(n[8:] in text or n[2:] in text for n in named + broken)
    assert f"{named[5][:8]}-****" in text
