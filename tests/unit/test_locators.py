"""The selectors file is data: it loads, merges a site override, and refuses malformed entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_SELECTORS
from bot.errors import ConfigError
from bot.locators import Selectors


def test_default_selectors_should_load_and_name_every_screen():
    selectors = Selectors.load(DEFAULT_SELECTORS)
    for key in ("login.hsa_id", "step1.template", "step2.add", "step3.send", "receipt.heading", "unit_cases.table"):
        assert selectors.has(key), key
    assert set(selectors.patterns("check_results")) >= {"ok", "login_locked", "never_logged_in", "no_notification"}


def test_selectors_folder_should_hold_no_python():
    assert not list(DEFAULT_SELECTORS.parent.glob("*.py"))


def test_override_should_replace_only_the_entries_it_names(tmp_path: Path):
    override = tmp_path / "site.toml"
    override.write_text('[step2]\nadd = { role = "button", name = "Lägg till mottagare" }\n', encoding="utf-8")
    selectors = Selectors.load(DEFAULT_SELECTORS, override)
    assert selectors.entry("step2.add")["name"] == "Lägg till mottagare"
    assert selectors.entry("step2.pnr") == {"label": "Personnummer"}
    assert selectors.sha256 != Selectors.load(DEFAULT_SELECTORS).sha256


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[step2]\nadd = { role = "button", label = "Lägg till" }\n', "exakt ett"),
        ('[step2]\nrow = { role = "listitem", within = "step2.finns_inte" }\n', "within"),
        ("[step2\n", "inte giltig TOML"),
    ],
)
def test_malformed_override_should_be_refused_naming_the_entry(tmp_path: Path, text: str, message: str):
    override = tmp_path / "site.toml"
    override.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        Selectors.load(DEFAULT_SELECTORS, override)


def test_missing_entry_should_be_a_config_error():
    with pytest.raises(ConfigError, match="saknar posten 'step9.finns_inte'"):
        Selectors.load(DEFAULT_SELECTORS).entry("step9.finns_inte")
