"""The doctor's messages name the element it looked for with its placeholders filled in."""

from __future__ import annotations

import pytest

from tests.helpers import official_test_numbers, write_campaign

pytestmark = [pytest.mark.e2e]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ('[unit]\nchoice = { role = "button", name = "Mottagning {unit}" }\n', "Mottagning Vårdcentralen Centrum"),
        ('[step3]\ninsert_text = { role = "button", name = "Lägg in: {text_name}" }\n', "Lägg in: Provsvar klart"),
    ],
    ids=["unit", "text_name"],
)
def test_doctor_should_fill_placeholders_in_its_messages(tmp_path, live_mock, qa, entry: str, expected: str):
    pnrs = official_test_numbers(2420, 1)
    qa.reachable(*pnrs)
    override = tmp_path / "site.toml"
    override.write_text(entry, encoding="utf-8")
    setup = write_campaign(tmp_path, live_mock.url, pnrs, staff_tool=f'selectors_override = "{override}"')

    result = setup.utskick("doctor", "--pnr", pnrs[0])

    report = (next((tmp_path / "artifacts").glob("doktor-*")) / "rapport.txt").read_text(encoding="utf-8")
    assert result.returncode == 3, result.stdout + result.stderr
    assert expected in report
    for text in result.stdout, report:
        assert "{unit}" not in text and "{text_name}" not in text
