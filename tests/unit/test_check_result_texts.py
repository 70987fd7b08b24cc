"""A site's own recipient-check texts: `[[check_results.texts]]` maps any number of regular expressions to the bot's
reason categories, beside today's named keys, and a text naming no category is refused in Swedish."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.config import DEFAULT_SELECTORS
from bot.errors import ConfigError
from bot.locators import Selectors
from bot.selectors_schema import CHECK_REASONS
from bot.summary import REASONS_SV
from flows.recipients import classify_check

SITE_TEXTS = """
[check_results]
ok = "Aktiv inloggning|Kan ta emot"

[[check_results.texts]]
pattern = "Kan inte ta emot: .*aldrig loggat in"
reason = "never_logged_in"

[[check_results.texts]]
pattern = ["Kan inte ta emot: .*saknar mobilnummer", "Kan inte ta emot: .*ingen e-post"]
reason = "no_notification"

[[check_results.texts]]
pattern = "Kan inte ta emot: .*avliden"
reason = "deceased"
"""


def load_site(tmp_path: Path, text: str) -> Selectors:
    """The default selectors with `text` as the site's override."""
    override = tmp_path / "site.toml"
    override.write_text(text, encoding="utf-8")
    return Selectors.load(DEFAULT_SELECTORS, override)


@pytest.mark.parametrize(
    ("shown", "reason"),
    [
        ("Kan inte ta emot: Invånaren har aldrig loggat in i 1177", "never_logged_in"),
        ("Kan inte ta emot: Invånaren saknar mobilnummer", "no_notification"),
        ("Kan inte ta emot: Invånaren har ingen e-post", "no_notification"),
        ("Kan inte ta emot: Invånaren är avliden", "deceased"),
        ("Kan ta emot: avisering via SMS", "ok"),
        ("Aktiv inloggning Avisering: SMS", "ok"),  # today's text, through today's key
        ("Inloggning är spärrad", "login_locked"),  # a default key the site did not touch
    ],
)
def test_site_texts_should_map_the_tools_wording_to_the_bots_reasons(tmp_path: Path, shown: str, reason: str):
    patterns = load_site(tmp_path, SITE_TEXTS).check_results()

    assert classify_check(shown, patterns)[0] == reason


def test_site_texts_should_be_tried_before_the_named_keys_in_file_order(tmp_path: Path):
    patterns = load_site(tmp_path, SITE_TEXTS).check_results()

    assert [reason for reason, _ in patterns[:3]] == ["never_logged_in", "no_notification", "deceased"]
    assert {reason for reason, _ in patterns[3:]} == set(CHECK_REASONS)
    # both a site text and a default key match: the site's category decides
    assert classify_check("Kan inte ta emot: avliden (spärrad)", patterns)[0] == "deceased"


def test_error_in_a_row_should_win_over_a_site_text_that_means_ok(tmp_path: Path):
    patterns = load_site(tmp_path, SITE_TEXTS).check_results()

    assert classify_check("Kan ta emot Kan inte ta emot: Invånaren är avliden", patterns)[0] == "deceased"


def test_named_keys_alone_should_keep_working_without_site_texts():
    selectors = Selectors.load(DEFAULT_SELECTORS)

    assert [reason for reason, _ in selectors.check_results()] == list(selectors.patterns("check_results"))
    assert classify_check("Har aldrig loggat in på 1177", selectors.check_results())[0] == "never_logged_in"


def test_every_check_reason_should_have_a_swedish_text_for_the_case_handler():
    assert [r for r in CHECK_REASONS if r != "ok" and r not in REASONS_SV] == []


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        (
            '[[check_results.texts]]\npattern = "x"\nreason = "ok"\n\n'
            '[[check_results.texts]]\npattern = "Kan inte ta emot"\nreason = "kan_inte_ta_emot"\n',
            5,
            "'check_results.texts' (text nr 2): reason = 'kan_inte_ta_emot' är ingen av utskicks kategorier "
            "(no_notification, never_logged_in, login_locked, deceased, cannot_log_in, ok)",
        ),
        (
            '[[check_results.texts]]\npattern = "Kan inte ta emot: .*spärrad"\nreason = "login_lockd"\n',
            1,
            "– menade du 'login_locked'?",
        ),
        (
            '[[check_results.texts]]\npattern = "Kan inte ta emot"\n',
            1,
            "'check_results.texts' (text nr 1): saknar reason.",
        ),
        (
            '[[check_results.texts]]\npatern = "Kan inte ta emot"\nreason = "deceased"\n',
            1,
            "okänt attribut 'patern'; en text har pattern och reason – menade du 'pattern'?",
        ),
        (
            '[[check_results.texts]]\npattern = "Kan inte (ta emot"\nreason = "deceased"\n',
            1,
            "'check_results.texts': ogiltigt mönster",
        ),
        ('[check_results]\ntexts = "Kan inte ta emot"\n', 2, "'check_results.texts': ska vara en lista av tabeller."),
    ],
)
def test_malformed_site_text_should_be_refused_naming_file_line_and_key(
    tmp_path: Path, text: str, line: int, expected: str
):
    with pytest.raises(ConfigError) as caught:
        load_site(tmp_path, text)

    message = str(caught.value)
    assert message.startswith(f"Selektorfilen {tmp_path / 'site.toml'}, rad {line}: "), message
    assert expected in message


def test_site_named_key_should_be_refused_with_the_form_for_site_texts(tmp_path: Path):
    with pytest.raises(ConfigError) as caught:
        load_site(tmp_path, '[check_results]\nkan_inte_ta_emot = "Kan inte ta emot"\n')

    message = str(caught.value)
    assert "rad 2: okänd nyckel 'check_results.kan_inte_ta_emot'" in message
    assert "[[check_results.texts]]" in message and 'reason = "never_logged_in"' in message


def test_merged_file_with_site_texts_should_read_back_as_the_same_selectors(tmp_path: Path):
    selectors = load_site(tmp_path, SITE_TEXTS)
    merged = tmp_path / "merged.toml"
    merged.write_text(selectors.merged_toml(), encoding="utf-8")

    again = Selectors.load(merged)

    assert tomllib.loads(merged.read_text(encoding="utf-8"))["check_results"]["texts"][1]["reason"] == "no_notification"
    assert [(r, p.pattern) for r, p in again.check_results()] == [(r, p.pattern) for r, p in selectors.check_results()]
