"""The selectors key for who is signed in (issue 24, finding 9): found by its title on both of the mock's skins
(the default file serves both), switchable off, and then read as no one without touching the page."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from bot.config import DEFAULT_SELECTORS
from bot.locators import Selectors
from flows.login import read_signed_in_user

SPA_OVERRIDE = Path(__file__).resolve().parents[2] / "selectors" / "variants" / "spa.toml"


def test_signed_in_user_should_be_found_by_its_title_on_both_skins() -> None:
    for selectors in (Selectors.load(DEFAULT_SELECTORS), Selectors.load(DEFAULT_SELECTORS, SPA_OVERRIDE)):
        assert selectors.entry("nav.signed_in_user") == {"title": "Personliga inställningar"}
        assert selectors.describe("nav.signed_in_user") == "nav.signed_in_user (title='Personliga inställningar')"


def test_signed_in_user_switched_off_should_read_as_no_one_without_the_page(tmp_path: Path) -> None:
    override = tmp_path / "site.toml"
    override.write_text("[nav]\nsigned_in_user = false\n", encoding="utf-8")
    screen = SimpleNamespace(selectors=Selectors.load(DEFAULT_SELECTORS, override), page=None)

    assert read_signed_in_user(screen) is None  # type: ignore[arg-type]
