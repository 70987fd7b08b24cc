"""Mallar för invånarärenden: create, activate, mandatory instruction, national templates."""

from __future__ import annotations

import re

import pytest

from tests.mock.mock_kit import LARS, Staff

MALLAR = "/enhet/vc-centrum/mallar"


@pytest.fixture
def admin(client) -> Staff:
    person = Staff(client)
    person.login(LARS)
    return person


def _options(person: Staff) -> list[str]:
    return re.findall(r'<option value="[^"]+">([^<]+)</option>', person.client.get(person.u("/skicka-arende")).text)


def test_mallar_should_list_the_units_templates_with_status(admin: Staff):
    page = admin.client.get(f"{MALLAR}/").text
    assert "<h1>Mallar för invånarärenden</h1>" in page
    for link in ("Skapa mall med information", "Skapa mall med frågor", "Tom mall"):
        assert f">{link}</a>" in page
    assert re.search(r">RS-virus information</a></td>.*?Inaktiv", page, re.S)
    assert re.search(r">Meddelande till invånare</a></td>.*?Aktiv", page, re.S)


def test_skapa_mall_med_information_should_create_an_active_template_for_valj_mall(admin: Staff):
    form = admin.client.get(f"{MALLAR}/ny?typ=information").text
    for label in ("Namn på ärendetypen", "Namn på text 1", "Informationstext 1", "Instruktion till ärendehanteraren"):
        assert f">{label}</label>" in form
    assert "Aktivera mall</label>" in form
    assert ">Spara</button>" in form
    response = admin.post(
        f"{MALLAR}/ny?typ=information",
        {
            "antal": "3",
            "namn": "Ombokning",
            "text_namn_1": "Ny tid",
            "text_1": "Vårdcentralen Centrum har bokat om din tid.",
            "text_namn_2": "Frågor",
            "text_2": "Ring oss om du har frågor.",
            "instruktion": "Skicka efter ombokning.",
            "aktiv": "on",
            "action": "spara",
        },
    )
    assert response.location == f"{MALLAR}/?sparad=Ombokning"
    assert "Ombokning" in _options(admin)


@pytest.mark.parametrize(
    ("kind", "title", "labels", "more"),
    [
        (
            "information",
            "Mall med information",
            [f"Namn på text {i}" for i in (1, 2, 3)] + [f"Informationstext {i}" for i in (1, 2, 3)],
            "Lägg till text",
        ),
        ("fragor", "Mall med frågor", ["Fråga 1", "Fråga 2"], "Lägg till fråga"),
        ("tom", "Tom mall", [], "Lägg till text"),
    ],
)
def test_skapa_mall_should_offer_the_fields_of_its_kind(admin: Staff, kind, title, labels, more):
    form = admin.client.get(f"{MALLAR}/ny?typ={kind}").text
    assert f'<p class="steps">{title}</p>' in form
    found = re.findall(r'<label for="text_(?:namn_)?\d+">([^<]+)</label>', form)
    assert sorted(found) == sorted(labels)
    assert f">{more}</button>" in form
    assert '<textarea id="instruktion" name="instruktion" rows="3" aria-required="true">' in form


def test_skapa_mall_should_answer_404_for_an_unknown_kind(admin: Staff):
    assert admin.client.get(f"{MALLAR}/ny?typ=okand").status_code == 404


def test_skapa_mall_med_fragor_should_save_every_question_in_order(admin: Staff):
    response = admin.post(
        f"{MALLAR}/ny?typ=fragor",
        {
            "antal": "2",
            "namn": "Frågor om allergi",
            "text_1": "Har du allergier?",
            "text_2": "Tar du läkemedel?",
            "instruktion": "Skicka före besöket.",
            "aktiv": "on",
        },
    )
    assert response.status_code == 302
    page = admin.client.get(f"{MALLAR}/").text
    assert re.search(r">Frågor om allergi</a></td>\s*<td>Frågor</td>\s*<td>2</td>", page)
    template_id = re.search(r'href="/enhet/vc-centrum/mallar/([^"]+)">Frågor om allergi<', page).group(1)
    edit = admin.client.get(f"{MALLAR}/{template_id}").text
    assert re.findall(r'<textarea id="text_\d+" name="text_\d+" rows="2">([^<]*)</textarea>', edit) == [
        "Har du allergier?",
        "Tar du läkemedel?",
    ]


def test_a_new_template_should_offer_its_texts_in_step3(admin: Staff):
    admin.post(
        f"{MALLAR}/ny?typ=fragor",
        {"antal": "2", "namn": "Frågor före besök", "text_1": "Har du allergier?", "instruktion": "x", "aktiv": "on"},
    )
    page = admin.client.get(admin.u("/skicka-arende")).text
    template_id = re.search(r'<option value="([^"]+)">Frågor före besök</option>', page).group(1)
    draft = admin.start_draft(template_id)
    step3 = admin.client.get(admin.u(f"/utkast/{draft}/meddelande")).text
    assert 'aria-label="Infoga text: Fråga 1"' in step3
    assert 'value="Frågor före besök"' in step3


def test_spara_should_require_the_instruction(admin: Staff):
    response = admin.post(f"{MALLAR}/ny?typ=tom", {"antal": "0", "namn": "Utan instruktion", "instruktion": " "})
    assert response.status_code == 400
    assert 'role="alert">Instruktion till ärendehanteraren måste fyllas i</p>' in response.text
    assert "Utan instruktion" not in admin.client.get(f"{MALLAR}/").text


def test_spara_should_require_a_unique_name(admin: Staff):
    response = admin.post(f"{MALLAR}/ny?typ=tom", {"antal": "0", "namn": "", "instruktion": "x"})
    assert 'role="alert">Namn på ärendetypen måste fyllas i</p>' in response.text
    response = admin.post(f"{MALLAR}/ny?typ=tom", {"antal": "0", "namn": "Meddelande om provsvar", "instruktion": "x"})
    assert "Det finns redan en mall med namnet Meddelande om provsvar" in response.text


def test_lagg_till_text_should_add_a_slot_without_saving(admin: Staff):
    page = admin.post(f"{MALLAR}/ny?typ=tom", {"antal": "0", "namn": "X", "action": "fler"}).text
    assert '<label for="text_namn_1">Namn på text 1</label>' in page
    assert 'value="X"' in page


def test_aktivera_mall_should_make_an_inactive_template_selectable(admin: Staff):
    assert "RS-virus information" not in _options(admin)
    form = admin.client.get(f"{MALLAR}/vc-centrum-m3").text
    assert 'id="aktiv" name="aktiv" type="checkbox">' in form
    admin.post(
        f"{MALLAR}/vc-centrum-m3",
        {
            "antal": "1",
            "namn": "RS-virus information",
            "text_namn_1": "RS-virus",
            "text_1": "Text",
            "instruktion": "Under RS-säsongen.",
            "aktiv": "on",
        },
    )
    assert "RS-virus information" in _options(admin)
    bm = Staff(admin.client)
    bm.unit = "bm-norr"
    assert "RS-virus information" not in _options(bm)


def test_deactivating_should_remove_the_template_from_valj_mall(admin: Staff):
    admin.post(f"{MALLAR}/vc-centrum-m2", {"antal": "0", "namn": "Meddelande om provsvar", "instruktion": "x"})
    assert "Meddelande om provsvar" not in _options(admin)


def test_nationella_mallar_should_be_searchable_and_copied_inactive(admin: Staff):
    page = admin.client.get(f"{MALLAR}/nationella", query_string={"q": "vaccination"}).text
    assert "Kallelse till vaccination" in page
    assert "Information om RS-virus" not in page
    assert ">Använd mall</button>" in page
    action = re.search(r'action="([^"]+)"', page.split("Kallelse till vaccination")[1]).group(1)
    response = admin.post(action)
    edit = admin.client.get(response.location).text
    assert 'value="Kallelse till vaccination"' in edit
    assert "Vårdcentralen Centrum kallar dig till vaccination" in edit
    assert 'name="aktiv" type="checkbox">' in edit
    assert "Kallelse till vaccination" not in _options(admin)


def test_nationella_mallar_should_list_all_without_a_query(admin: Staff):
    page = admin.client.get(f"{MALLAR}/nationella").text
    for name in ("Kallelse till vaccination", "Information om RS-virus"):
        assert name in page
