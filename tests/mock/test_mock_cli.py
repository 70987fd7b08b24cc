"""`python -m mock_personalverktyg`: serves on the given port (0 = free) and says where."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request

import pytest

from mock_personalverktyg.__main__ import main, parse_args


def test_cli_should_have_the_documented_defaults():
    args = parse_args([])
    assert (args.host, args.port, args.check_delay_ms, args.production) == ("127.0.0.1", 5077, 300, False)


def test_cli_should_refuse_bad_faults(capsys):
    assert main(["--faults", '{"error_rate": 5}']) == 2
    assert "Ogiltigt värde för --faults" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize(("flags", "qa_status"), [([], 200), (["--production"], 404)])
def test_cli_should_print_its_url_and_serve(flags, qa_status):
    command = [sys.executable, "-m", "mock_personalverktyg", "--port", "0", "--faults", json.dumps({"seed": 1})]
    process = subprocess.Popen([*command, *flags], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        first = process.stdout.readline().strip()
        match = re.fullmatch(r"Personalverktyget \(mock\) körs på (http://127\.0\.0\.1:\d+)", first)
        assert match, first
        credentials = process.stdout.readline()
        for expected in ("SE2321000016-A001", "SE2321000016-A002", "SE2321000016-A003", "lösenord utskick-demo"):
            assert expected in credentials
        with urllib.request.urlopen(f"{match.group(1)}/login") as response:
            assert "Logga in" in response.read().decode()
        try:
            with urllib.request.urlopen(f"{match.group(1)}/__qa__/faults") as response:
                status = response.status
        except urllib.error.HTTPError as err:
            status = err.code
        assert status == qa_status
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
