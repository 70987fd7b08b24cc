"""`utskick validate`: the Swedish summary, --json, exit codes, masking; through CliRunner and the real CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.commands.validate import validate

ROOT = Path(__file__).resolve().parents[2]
TEST_LIST = ROOT / "mock_personalverktyg" / "seed" / "testpersonnummer.txt"
DEMO = ROOT / "fixtures" / "demo" / "delivery.7z"
PASSWORD = "demo-losenord"


@cache
def official_numbers() -> list[str]:
    return [n for n in TEST_LIST.read_text(encoding="ascii").split() if "1950" <= n < "2011"]


def run(*args: str, password: str | None = PASSWORD, env_name: str = "UTSKICK_7Z_PASSWORD"):
    env = {env_name: password} if password is not None else {}
    return CliRunner().invoke(validate, list(args), env={"UTSKICK_7Z_PASSWORD": None, **env})


def assert_no_full_personnummer(output: str) -> None:
    output = re.sub(r"[0-9a-f]{64}|fingeravtryck [0-9a-f]+", "", output)  # the delivery's hash is no number
    digits = "".join(ch if ch.isdigit() else " " for ch in output.replace("-", ""))
    assert not any(len(run) >= 12 for run in digits.split()), "a full personnummer leaked"


def test_validate_should_print_a_swedish_summary_with_masked_numbers() -> None:
    result = run(str(DEMO))
    assert result.exit_code == 0, result.output
    for text in ("Filer: 2", "Rader: 22", "Godkända (skickas till): 19", "Avvisade: 3", "varav dubbletter: 1"):
        assert text in result.output
    for text in ("Fel kontrollsiffra", "Samordningsnummer", "Dubbletter", "lista2.csv", "-****"):
        assert text in result.output
    assert_no_full_personnummer(result.output)


def test_validate_should_print_json_with_the_agreed_keys() -> None:
    result = run(str(DEMO), "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["valid"] == 19 and payload["duplicates"] == 1 and payload["warnings"] == []
    assert {"file", "line", "reason"} <= set(payload["invalid"][0])
    assert sorted(r["reason_code"] for r in payload["invalid"]) == [
        "duplicate",
        "invalid_check_digit",
        "samordningsnummer",
    ]
    assert_no_full_personnummer(result.output)


@pytest.mark.parametrize(
    ("password", "expected"),
    [(None, "sätt miljövariabeln UTSKICK_7Z_PASSWORD"), ("fel", "lösenordet i UTSKICK_7Z_PASSWORD är fel")],
    ids=["missing", "wrong"],
)
def test_validate_should_exit_2_with_a_plain_message_for_a_password_problem(password, expected: str) -> None:
    result = run(str(DEMO), password=password)
    assert result.exit_code == 2
    assert expected in result.output and "Ingenting skickas" in result.output
    assert "Traceback" not in result.output


def test_validate_should_take_the_password_from_the_named_variable() -> None:
    result = run(str(DEMO), "--password-env", "REGION_7Z", env_name="REGION_7Z")
    assert result.exit_code == 0, result.output


def test_validate_should_exit_2_and_list_the_rows_when_nothing_is_valid(tmp_path: Path) -> None:
    broken = [n[:11] + str((int(n[11]) + 1) % 10) for n in official_numbers()[:3]]
    (tmp_path / "lista.txt").write_text("\n".join(broken))
    result = run(str(tmp_path / "lista.txt"), "--json")
    assert result.exit_code == 2
    payload = json.loads(result.output)
    assert payload["valid"] == 0 and len(payload["invalid"]) == 3 and payload["ok"] is False
    assert "inget giltigt personnummer" in payload["error"]
    assert_no_full_personnummer(result.output)


def test_validate_should_exit_2_for_a_missing_delivery(tmp_path: Path) -> None:
    result = run(str(tmp_path / "saknas.7z"))
    assert result.exit_code == 2 and "finns inte" in result.output


def test_validate_should_show_warnings(tmp_path: Path) -> None:
    (tmp_path / "stor.txt").write_text("\n".join(official_numbers()[:251]))
    result = run(str(tmp_path / "stor.txt"))
    assert result.exit_code == 0 and "Varning:" in result.output and "högst 250" in result.output


def test_utskick_validate_should_run_as_a_real_command() -> None:
    env = {**os.environ, "UTSKICK_7Z_PASSWORD": PASSWORD}
    done = subprocess.run(
        [sys.executable, "-m", "bot.commands.cli", "validate", str(DEMO), "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["valid"] == 19


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"lista.pdf": b"%PDF-1.4"}, "filtyp som inte stöds"),
        ({"a.txt": b"", "inre.zip": b"PK\x03\x04 zip"}, "arkiv i arkivet"),
        ({"a.csv": b"namn;ort\nAnna;Lund\n"}, "inga läsbara filer"),
        ({"lev.7z": b"7z\xbc\xaf\x27\x1c damaged"}, "kunde inte"),
    ],
    ids=["unsupported-type", "nested-archive", "no-readable-file", "damaged-archive"],
)
@pytest.mark.parametrize("as_json", [True, False], ids=["json", "terminal"])
def test_validate_should_exit_2_with_nothing_accepted_for_a_fatal_delivery(
    tmp_path: Path, files: dict[str, bytes], expected: str, as_json: bool
) -> None:
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    target = tmp_path / "lev.7z" if "lev.7z" in files else tmp_path
    result = run(str(target), *(["--json"] if as_json else []))
    assert result.exit_code == 2 and "Traceback" not in result.output
    if as_json:
        payload = json.loads(result.output)
        assert payload["ok"] is False and payload["valid"] == 0 and expected in payload["error"]
    else:
        assert expected in result.output and "Ingenting skickas" in result.output
