"""The free-space check and the translation of a full disk (issue 27.2), and a log handler that cannot write:
`/dev/full` answers every write with ENOSPC, so a log file that points there is a full disk without root."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest
import structlog

from bot.disk_space import (
    MIN_FREE_MB,
    Folder,
    as_disk_full,
    check_before_send,
    is_disk_full,
    require_free_space,
)
from bot.errors import DiskFull
from bot.logging_setup import configure_logging, last_write_error

FULL = Path("/dev/full")
needs_dev_full = pytest.mark.skipif(not FULL.exists(), reason="/dev/full is Linux's always-full device")


def _folders(tmp_path: Path) -> list[Folder]:
    return [Folder(role, tmp_path / role) for role in ("ledger", "logs", "artifacts", "reports")]


@pytest.mark.parametrize(
    ("error", "full"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), True),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), True),
        (sqlite3.OperationalError("database or disk is full"), True),
        (OSError(errno.EACCES, "Permission denied"), False),
        (sqlite3.OperationalError("database is locked"), False),
        (ValueError("disk is full"), False),
    ],
)
def test_is_disk_full_should_know_a_full_disk_from_other_errors(error, full):
    assert is_disk_full(error) is full


def test_as_disk_full_should_name_the_folder_the_failed_write_was_in(tmp_path):
    folders = _folders(tmp_path)
    error = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "artifacts" / "rad7.png"))

    fault = as_disk_full(error, folders)

    assert isinstance(fault, DiskFull)
    assert f"Disken är full för felbilderna (artifacts) ({tmp_path / 'artifacts'})" in str(fault)
    assert "MB ledigt" in str(fault) and "före nästa invånare" in str(fault)


def test_as_disk_full_should_blame_the_ledger_for_sqlite_and_leave_other_errors_alone(tmp_path):
    folders = _folders(tmp_path)

    assert "för liggaren" in str(as_disk_full(sqlite3.OperationalError("database or disk is full"), folders))
    assert as_disk_full(sqlite3.OperationalError("database is locked"), folders) is None


def test_require_free_space_should_refuse_in_swedish_with_the_summed_minimum_of_one_filesystem(tmp_path):
    folders = _folders(tmp_path)
    impossible = {role: 10**9 for role in MIN_FREE_MB}

    with pytest.raises(DiskFull) as refused:
        require_free_space(folders, impossible)

    text = str(refused.value)
    assert text.startswith("För lite ledigt diskutrymme för liggaren")
    assert f"minst {4 * 10**9} MB behövs" in text and "Inget skickades" in text
    assert refused.value.exit_code == 4
    require_free_space(folders, {role: 0 for role in MIN_FREE_MB})  # enough: no error


@needs_dev_full
def test_log_file_on_a_full_disk_should_print_no_traceback_and_stop_the_next_send(tmp_path, capsys):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "run.jsonl").symlink_to(FULL)
    try:
        configure_logging(logs / "run.jsonl")
        structlog.get_logger("test").info("sent", count=1)

        captured = capsys.readouterr()
        assert "Logging error" not in captured.err and "Traceback" not in captured.err
        assert is_disk_full(last_write_error())
        with pytest.raises(DiskFull, match="Disken är full för loggarna"):
            check_before_send([Folder("logs", logs)])
    finally:
        configure_logging(None)
