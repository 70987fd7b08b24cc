"""Frames in the selectors data (issue 25, item 5): an element's `frame` (CSS of the iframe it lives in, "" for the
page itself) and `[page] frame`, the frame every entry lives in unless it says otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_SELECTORS
from bot.errors import ConfigError
from bot.locators import Selectors
from flows.candidates import closest
from tests.helpers import load_with

PORTAL = "iframe#personalverktyget"


def test_default_selectors_should_put_every_entry_on_the_page_itself():
    selectors = Selectors.load(DEFAULT_SELECTORS)

    assert {selectors.frame_of(key) for key in ("page.content", "login.hsa_id", "step2.add")} == {""}


def test_page_frame_should_put_every_entry_in_that_frame_unless_the_entry_says_otherwise(tmp_path: Path):
    selectors = load_with(
        tmp_path,
        f'[page]\nframe = "{PORTAL}"\n[nav]\nmy_cases = {{ role = "link", name = "Mina ärenden", frame = "" }}\n'
        '[step3]\nconfirm_dialog = { role = "dialog", frame = "iframe.dialogs" }\n'
        'confirm = { role = "button", name = "Ja", within = "step3.confirm_dialog" }\n',
    )

    assert selectors.frame_of("login.hsa_id") == PORTAL
    assert selectors.frame_of("page.content") == PORTAL
    assert selectors.frame_of("nav.my_cases") == ""
    assert selectors.frame_of("step3.confirm") == "iframe.dialogs"  # within: the frame of the element it is in


def test_element_frame_should_apply_without_a_page_frame(tmp_path: Path):
    selectors = load_with(tmp_path, f'[step2]\nadd = {{ role = "button", name = "Lägg till", frame = "{PORTAL}" }}\n')

    assert selectors.frame_of("step2.add") == PORTAL and selectors.frame_of("step2.pnr") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[page]\nframe = 3\n", "rad 2: 'page.frame': frame ska vara CSS för en iframe på sidan"),
        ('[page]\nframe = { css = "iframe" }\n', "rad 2: 'page.frame': ska vara ett värde, inte en tabell."),
        (
            '# site\n[step2]\nadd = { role = "button", name = "Lägg till", frame = true }\n',
            "rad 3: 'step2.add': frame ska vara CSS för en iframe på sidan",
        ),
        ('[step2]\nadd = { role = "button", frame = "> iframe" }\n', "rad 2: 'step2.add': frame = '> iframe' är ingen"),
        (
            '[step3]\nconfirm = { role = "button", name = "Ja", within = "step3.send", frame = "iframe" }\n',
            "rad 2: 'step3.confirm': ange inte frame tillsammans med within",
        ),
        ('[page]\nfram = "iframe"\n', "rad 2: okänd nyckel 'page.fram' – menade du 'page.frame'?"),
        (
            '[step2]\nadd = { role = "button", frme = "iframe" }\n',
            "rad 2: 'step2.add': okänt attribut 'frme' för ett element – menade du 'frame'?",
        ),
    ],
)
def test_malformed_frame_should_be_refused_naming_the_line(tmp_path: Path, text: str, expected: str):
    with pytest.raises(ConfigError) as caught:
        load_with(tmp_path, text)

    assert expected in str(caught.value)
    assert "site.toml" in str(caught.value)


def test_page_frame_should_survive_the_merged_file(tmp_path: Path):
    selectors = load_with(tmp_path, f'[page]\nframe = "{PORTAL}"\n')

    assert f"frame = '{PORTAL}'" in selectors.merged_toml()


FRAMED_PAGE = [
    ("heading", "Regionportalen", ""),
    ("link", "Startsida portal", ""),
    ("button", "Logga in", PORTAL),
    ("textbox", "HSA-id", PORTAL),
]


def test_candidate_in_another_frame_should_say_which_frame_it_lives_in():
    ranked = closest(Selectors.load(DEFAULT_SELECTORS), "login.submit", FRAMED_PAGE)

    assert [str(c) for c in ranked] == [f"knapp 'Logga in' (i ramen frame = \"{PORTAL}\")"]
    assert (ranked[0].frame, ranked[0].elsewhere) == (PORTAL, True)


def test_candidate_in_the_entrys_own_frame_should_not_mention_it_and_one_outside_should(tmp_path: Path):
    selectors = load_with(tmp_path, f'[page]\nframe = "{PORTAL}"\n')

    inside = closest(selectors, "login.hsa_id", FRAMED_PAGE)
    outside = closest(selectors, "nav.my_cases", [("link", "Mina ärenden", "")])

    assert [str(c) for c in inside] == ["fält 'HSA-id'"]
    assert [str(c) for c in outside] == ["länk 'Mina ärenden' (utanför ramen, frame = \"\")"]
