"""`utskick selectors check`: a site's administrator checks a file and its override and sees the merged result."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from click.testing import CliRunner

from bot.commands.cli import main
from bot.config import DEFAULT_SELECTORS


def run(*args: str):
    """Invoke `utskick selectors check` in-process."""
    return CliRunner().invoke(main, ["selectors", "check", *args])


def test_check_should_print_the_merged_file_with_the_override_applied(tmp_path: Path):
    site = tmp_path / "site.toml"
    site.write_text(
        '[step2]\nadd = { role = "button", name = "Lägg till mottagare" }\n[unit_cases]\ndate_from = false\n',
        encoding="utf-8",
    )

    result = run(str(DEFAULT_SELECTORS), "--override", str(site))

    assert result.exit_code == 0, result.output
    assert "schemaversion 2" in result.output and "Avstängda: page.busy, step2.ready" in result.output
    merged = tomllib.loads(result.output.split("# Sammanslaget resultat\n", 1)[1])
    assert merged["step2"]["add"]["name"] == "Lägg till mottagare"
    assert merged["unit_cases"]["date_from"] is False
    assert merged["step2"]["pnr"] == {"label": "Personnummer"}


def test_check_should_refuse_a_typo_with_exit_2_naming_file_line_and_key(tmp_path: Path):
    site = tmp_path / "site.toml"
    site.write_text(
        '[step3]\nsend = { role = "button", name = "Skicka" }\nconfrim = { role = "button", name = "Ja" }\n',
        encoding="utf-8",
    )

    result = run("--override", str(site))

    assert result.exit_code == 2
    assert "site.toml, rad 3: okänd nyckel 'step3.confrim' – menade du 'step3.confirm'?" in result.output


def test_check_json_should_say_valid_or_give_the_error(tmp_path: Path):
    site = tmp_path / "site.toml"
    site.write_text("[meta]\nversion = 1\n", encoding="utf-8")

    good = json.loads(run("--json").output)
    bad = run("--override", str(site), "--json")

    assert good["valid"] is True and good["version"] == 2 and "unit_cases.date_from" in good["optional"]
    assert good["merged"]["receipt"]["sent"]["records"] == "receipt.table"
    assert bad.exit_code == 2 and json.loads(bad.output)["valid"] is False
    assert "version 1 stöds inte" in json.loads(bad.output)["error"]


def test_readme_example_override_should_pass_the_check(tmp_path: Path):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = readme.split("# var/var-region.toml: written for a client-rendered build\n", 1)[1].split("```", 1)[0]
    site = tmp_path / "var-region.toml"
    site.write_text(example, encoding="utf-8")

    result = run("--override", str(site), "--json")

    assert result.exit_code == 0, result.output
    merged = json.loads(result.output)["merged"]
    assert merged["receipt"]["sent"]["pattern"] == r"(?P<arende_id>\S+) – (?P<pnr>\d{8}-\d{4})"
    assert "unit_cases.date_from" in json.loads(result.output)["off"]
