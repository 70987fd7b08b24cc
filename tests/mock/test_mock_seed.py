"""The seed: units, staff users, templates, and every official test personnummer with a deterministic mix."""

from __future__ import annotations

import functools
from collections import Counter

import pytest

from mock_personalverktyg.citizens import SEED_STATES, seeded_kind, seeded_state
from mock_personalverktyg.models import LOCAL_ADMIN
from mock_personalverktyg.pnr import parse
from mock_personalverktyg.seed import load_seed
from tests.mock.mock_kit import NUMBERS, Staff

SEED = load_seed()
ROUTINE_TEMPLATES = ("Meddelande till invånare", "Meddelande om provsvar")


def test_seed_should_have_two_units_and_the_three_kinds_of_staff_user():
    assert len(SEED.units) >= 2
    roles = Counter(user.role for user in SEED.users.values())
    assert roles["ärendehanterare"] >= 1
    assert roles[LOCAL_ADMIN] >= 1
    assert any(set(SEED.units) - set(user.units) for user in SEED.users.values())


@pytest.mark.parametrize("name", ROUTINE_TEMPLATES)
@pytest.mark.parametrize("unit", ["vc-centrum", "bm-norr"])
def test_seed_should_give_every_unit_the_routines_templates_active_with_texts(name, unit):
    template = next(t for t in SEED.templates if t.unit == unit and t.name == name)
    assert template.active
    assert template.instruction
    assert len(template.texts) >= 2
    assert all(SEED.units[unit].name in text for _, text in template.texts[-1:])  # the closing text names the unit
    assert not any("{unit}" in text for _, text in template.texts)


def test_seed_should_make_every_official_test_number_a_valid_citizen():
    assert len(SEED.numbers) == len(NUMBERS) > 40_000
    assert len(set(SEED.numbers)) == len(SEED.numbers)
    assert all(parse(number).digits == number for number in SEED.numbers)


SHARES = {  # the documented mix (citizens.py, README): percent of the list, with the tolerance of a hash
    "ok": (83, 87),
    "never": (2, 4),
    "locked": (2, 4),
    "deceased": (2, 4),
    "no_notification": (2, 4),
    "protected": (2, 4),
}


@functools.cache
def _mix() -> Counter:
    return Counter(seeded_kind(number) for number in NUMBERS)


@pytest.mark.parametrize(("kind", "share"), SHARES.items())
def test_seed_mix_should_have_the_documented_share_of_each_state(kind, share):
    counts = _mix()
    assert set(counts) == set(SEED_STATES)
    low, high = share
    assert low <= 100 * counts[kind] / len(NUMBERS) <= high


def test_seed_mix_should_reach_the_ok_citizens_by_sms_email_or_both():
    channels = Counter(tuple(seeded_state(n).notify) for n in NUMBERS[:3000] if seeded_kind(n) == "ok")
    assert set(channels) == {("sms",), ("email",), ("sms", "email")}
    assert min(channels.values()) > 0.25 * sum(channels.values())


@pytest.mark.parametrize("kind", SEED_STATES)
def test_seed_mix_should_be_the_same_in_every_app_and_after_reset(make_app, kind):
    first, second = make_app().test_client(), make_app().test_client()
    url = f"/__qa__/citizens?state={kind}&limit=25"
    found = first.get(url).json["pnr"]
    assert len(found) == 25
    assert second.get(url).json["pnr"] == found
    states = [first.get(f"/__qa__/citizens/{n}").json for n in found]
    first.put(f"/__qa__/citizens/{found[0]}", json={"login": "deceased" if kind != "deceased" else "active"})
    first.post("/__qa__/reset")
    assert [first.get(f"/__qa__/citizens/{n}").json for n in found] == states


def test_seed_citizen_arenden_should_appear_in_nya_arenden(staff: Staff):
    page = staff.client.get("/enhet/vc-centrum/mottagningens-arenden/").text
    for raw in SEED.citizen_arenden:
        assert (raw["subject"] in page) == (raw["unit"] == "vc-centrum")


def test_a_custom_seed_file_should_replace_units_users_and_templates(make_app, tmp_path):
    seed = tmp_path / "seed.toml"
    seed.write_text(
        """
password = "annat-losen"
[[units]]
id = "ane"
name = "Anestesimottagningen"
[[users]]
hsa_id = "SE2321000016-B001"
name = "Berit Test"
role = "ärendehanterare"
units = ["ane"]
[[templates]]
name = "Inför operation"
units = ["ane"]
active = true
instruction = "Skicka veckan före."
texts = [{ name = "Förberedelse", text = "Hej! {unit} skriver inför din operation." }]
""",
        encoding="utf-8",
    )
    person = Staff(make_app(SEED_PATH=str(seed)).test_client())
    assert "Inloggningen misslyckades" in person.login().text  # the bundled users are gone
    person.login("SE2321000016-B001", "annat-losen")
    assert "Anestesimottagningen</button>" in person.client.get("/valj-mottagning").text
    person.unit = "ane"
    draft = person.start_draft("ane-m1")
    step3 = person.client.get(person.u(f"/utkast/{draft}/meddelande")).text
    assert 'data-insert="Hej! Anestesimottagningen skriver inför din operation."' in step3


def _seed_copy(tmp_path, old: str, new: str, count: int = 1):
    from mock_personalverktyg.seed import DEFAULT_SEED

    text = DEFAULT_SEED.read_text(encoding="utf-8")
    assert old in text
    changed = text.replace(old, new, count)
    path = tmp_path / "seed.toml"
    path.write_text(changed, encoding="utf-8")
    return path, changed


def _line_of_nth(text: str, fragment: str, nth: int = 1) -> int:
    return [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line][nth - 1]


@pytest.mark.parametrize(
    ("old", "new", "expected", "fragment"),
    [
        (
            'role = "lokal administratör"',
            'rolle = "lokal administratör"',
            "'users[2].rolle' – menade du 'role'?",
            "rolle",
        ),
        ('password = "utskick-demo"', 'pasword = "utskick-demo"', "'pasword' – menade du 'password'?", "pasword"),
        ("[[units]]", "[[unit]]", "'unit' – menade du 'units'?", "[[unit]]"),
        ("days_ago = 1", "days_agoo = 1", "'citizen_arenden[1].days_agoo' – menade du 'days_ago'?", "days_agoo"),
    ],
)
def test_seed_with_an_unknown_key_should_be_refused_naming_file_line_and_closest_key(
    tmp_path, old, new, expected, fragment
):
    from mock_personalverktyg.seed import SeedError

    path, text = _seed_copy(tmp_path, old, new)
    with pytest.raises(SeedError) as error:
        load_seed(path)
    assert f"seed.toml, rad {_line_of_nth(text, fragment)}: okänd nyckel {expected}" in str(error.value)


def test_seed_with_an_unknown_key_in_a_template_text_should_be_refused(tmp_path):
    from mock_personalverktyg.seed import SeedError

    path, text = _seed_copy(tmp_path, '{ name = "Kontakt", text =', '{ name = "Kontakt", txt =')
    with pytest.raises(SeedError, match=r"templates\[2\]\.texts\[2\]\.txt' – menade du 'text'\?"):
        load_seed(path)


def test_mock_cli_should_exit_2_on_a_seed_with_an_unknown_key(tmp_path, capsys):
    from mock_personalverktyg.__main__ import main

    path, _ = _seed_copy(tmp_path, "days_ago = 1", "days_agoo = 1")
    assert main(["--port", "0", "--seed", str(path)]) == 2
    assert "okänd nyckel 'citizen_arenden[1].days_agoo'" in capsys.readouterr().err
