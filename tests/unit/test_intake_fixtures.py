"""The committed demo deliveries read as documented, and the builder makes the same contents every time."""

from __future__ import annotations

import importlib.util
import io
import sys
import zipfile
from datetime import date
from pathlib import Path

import py7zr
import pytest

from bot.intake import read_delivery

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 22)


def _builder():
    spec = importlib.util.spec_from_file_location("build_deliveries", ROOT / "fixtures" / "build_deliveries.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file executes
    spec.loader.exec_module(module)
    return module


builder = _builder()


@pytest.fixture
def demo_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UTSKICK_7Z_PASSWORD", builder.DEMO_PASSWORD)


def _contents(path: Path) -> dict[str, bytes]:
    with py7zr.SevenZipFile(path, "r", password=builder.DEMO_PASSWORD) as archive:
        factory = py7zr.io.BytesIOFactory(10**7)
        archive.extractall(factory=factory)
    return {name: factory.get(name).read() for name in factory.products}


@pytest.mark.parametrize("relative", list(builder.DELIVERIES))
def test_committed_delivery_should_read_as_the_builder_expects(relative: str, demo_password: None) -> None:
    make, _ = builder.DELIVERIES[relative]
    _, expected = make(builder.load_test_numbers())
    result = read_delivery(ROOT / relative, today=TODAY)
    assert (result.files, result.rows, len(result.accepted)) == (expected.files, expected.rows, expected.accepted)
    assert result.rejected_by_reason() == expected.rejected
    assert result.warnings == []


def test_demo_delivery_should_hold_two_lists_with_one_of_each_defect(demo_password: None) -> None:
    result = read_delivery(ROOT / "fixtures" / "demo" / "delivery.7z", today=TODAY)
    assert result.file_names == ["lista1.txt", "lista2.csv"]
    assert [(r.file, r.reason_code) for r in result.rejected] == [
        ("lista1.txt", "invalid_check_digit"),
        ("lista2.csv", "samordningsnummer"),
        ("lista2.csv", "duplicate"),
    ]


def test_encrypted_headers_delivery_should_hide_its_file_names_without_the_password() -> None:
    with pytest.raises(py7zr.exceptions.PasswordRequired):
        py7zr.SevenZipFile(ROOT / "fixtures" / "deliveries" / "leverans-krypterade-rubriker.7z", "r").close()


def test_builder_should_use_only_official_test_numbers_and_derived_defects(demo_password: None) -> None:
    official = set(builder.load_test_numbers())
    result = read_delivery(ROOT / "fixtures" / "deliveries" / "leverans-aes.7z", today=TODAY)
    assert {c.pnr for c in result.accepted} <= official


def test_builder_should_build_the_same_contents_every_time(tmp_path: Path) -> None:
    builder.build_all(tmp_path / "one", builder.DEMO_PASSWORD)
    builder.build_all(tmp_path / "two", builder.DEMO_PASSWORD)
    for relative in builder.DELIVERIES:
        assert _contents(tmp_path / "one" / relative) == _contents(tmp_path / "two" / relative)


@pytest.mark.parametrize("relative", list(builder.DELIVERIES))
def test_committed_delivery_should_hold_exactly_what_the_builder_makes(relative: str) -> None:
    make, header_encryption = builder.DELIVERIES[relative]
    files, _ = make(builder.load_test_numbers())
    assert _contents(ROOT / relative) == files
    try:  # without the password, only an archive with encrypted headers hides its member list
        with py7zr.SevenZipFile(ROOT / relative, "r") as archive:
            names = archive.getnames()
    except py7zr.exceptions.PasswordRequired:
        names = None
    assert names is None if header_encryption else sorted(names) == sorted(files)


def test_build_xlsx_should_stamp_the_fixed_time_not_the_build_time() -> None:
    data = builder.build_xlsx(["personnummer"], [[1]])
    with zipfile.ZipFile(io.BytesIO(data)) as workbook:
        assert {info.date_time for info in workbook.infolist()} == {builder.FIXED_TIME.timetuple()[:6]}
        core = workbook.read("docProps/core.xml").decode()
    assert core.count("2025-01-15T09:00:00Z") == 2
