"""Check results the selectors do not know stop the run with the text shown, never a guess."""

from __future__ import annotations

import json

import pytest

from tests.helpers import official_test_numbers, write_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_run_should_stop_on_an_unknown_check_result_showing_its_text(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(2400, 1)
    qa.reachable(*pnrs)
    qa.set_citizen(pnrs[0], login="never")
    override = tmp_path / "site.toml"
    override.write_text('[check_results]\nnever_logged_in = "kan inte ta emot"\n', encoding="utf-8")
    setup = write_campaign(tmp_path, live_mock.url, pnrs, staff_tool=f'selectors_override = "{override}"')

    result = setup.run("--yes")

    output = result.stdout + result.stderr
    assert result.returncode == 3, output
    assert "Okänt kontrollresultat" in output and "aldrig loggat in på 1177" in output
    assert "step2.row" not in output and "[check_results]" in output
    assert pnrs[0] not in output and pnrs[0][2:] not in output
    assert qa.sent() == []


def test_doctor_should_list_an_unknown_check_result_text_and_not_blame_the_row(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(2410, 1)
    qa.reachable(*pnrs)
    qa.set_citizen(pnrs[0], login="never")
    override = tmp_path / "site.toml"
    override.write_text('[check_results]\nnever_logged_in = "kan inte ta emot"\n', encoding="utf-8")
    setup = write_campaign(tmp_path, live_mock.url, pnrs, staff_tool=f'selectors_override = "{override}"')

    result = setup.utskick("doctor", "--pnr", pnrs[0])

    assert result.returncode == 3, result.stdout + result.stderr
    folder = next((tmp_path / "artifacts").glob("doktor-*"))
    report = json.loads((folder / "rapport.json").read_text(encoding="utf-8"))
    checks = {c["key"]: c for c in report["checks"]}
    assert checks["check_results"]["state"] == "unknown_text"
    assert "aldrig loggat in på 1177" in checks["check_results"]["detail"]
    assert checks.get("step2.row", {}).get("state") != "missing"
    assert "aldrig loggat in på 1177" in result.stdout and pnrs[0] not in result.stdout
    assert qa.sent() == []
