"""Step 2 of Skicka ärende: Lägg till, the (delayed) recipient check, Ta bort, Nästa."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_personalverktyg.citizens import ERRORS, seeded_kind
from mock_personalverktyg.pnr import (
    BAD_CHECK_DIGIT,
    BAD_DATE,
    BAD_FORMAT,
    FUTURE_DATE,
    RESERV,
    luhn_check_digit,
    parse,
    samordningsnummer_from,
    with_broken_check_digit,
)
from tests.mock.mock_kit import NUMBERS, Staff, pnr_in_state

OK = pnr_in_state("ok")  # born 1890
MODERN = next(n for n in NUMBERS if n.startswith("1987") and seeded_kind(n) == "ok")
NINETIES = next(n for n in NUMBERS if n.startswith("199"))


def _short(pnr12: str, sep: str = "-") -> str:
    return f"{pnr12[2:8]}{sep}{pnr12[8:]}"


def _date_changed(pnr12: str, month: str | None = None, day: str | None = None) -> str:
    """A test number with an impossible month or day and a recomputed check digit, so only the date is wrong."""
    body = pnr12[:4] + (month or pnr12[4:6]) + (day or pnr12[6:8]) + pnr12[8:11]
    return body + str(luhn_check_digit(body[2:]))


@pytest.mark.parametrize(
    ("state", "body", "texts"),
    [
        ("sms", {"login": "active", "notify": ["sms"]}, ["Aktiv inloggning", "Avisering: SMS"]),
        ("email", {"login": "active", "notify": ["email"]}, ["Aktiv inloggning", "Avisering: E-post"]),
        ("both", {"login": "active", "notify": ["email", "sms"]}, ["Aktiv inloggning", "Avisering: SMS, E-post"]),
        (
            "protected",
            {"login": "active", "notify": ["sms"], "protected": True},
            ["Aktiv inloggning", "Avisering: SMS", "Skyddad identitet"],
        ),
        ("no_notification", {"login": "active", "notify": []}, [ERRORS["no_notification"]]),
        ("never", {"login": "never"}, ["Invånaren har aldrig loggat in på 1177"]),
        ("locked", {"login": "locked"}, ["Invånarens inloggning är spärrad"]),
        ("deceased", {"login": "deceased"}, ["Invånaren är avliden eller avregistrerad"]),
    ],
)
def test_recipient_check_should_show_each_citizen_state(staff: Staff, state, body, texts):
    staff.client.put(f"/__qa__/citizens/{OK}", json=body)
    draft = staff.start_draft()
    response = staff.add(draft, OK)
    assert response.status_code == 201
    row = response.json["row"]
    assert row["texts"] == texts
    assert row["status"] == ("ok" if texts[0] == "Aktiv inloggning" else "error")
    page = staff.client.get(staff.u(f"/utkast/{draft}/mottagare")).text
    assert f"{OK[:8]}-{OK[8:]}" in page
    for text in texts:
        assert text in page


@pytest.mark.parametrize("kind", ["ok", "no_notification", "never", "locked", "deceased", "protected"])
def test_recipient_check_should_follow_the_seeded_state(staff: Staff, kind):
    expected = {
        "ok": "Aktiv inloggning",
        "protected": "Skyddad identitet",
        "no_notification": ERRORS["no_notification"],
        "never": ERRORS["never"],
        "locked": ERRORS["locked"],
        "deceased": ERRORS["deceased"],
    }[kind]
    row = staff.add(staff.start_draft(), pnr_in_state(kind, 1)).json["row"]
    assert expected in row["texts"]


def test_recipient_check_should_refuse_a_samordningsnummer_in_the_list(staff: Staff):
    samordning = samordningsnummer_from(OK)
    row = staff.add(staff.start_draft(), samordning).json["row"]
    assert row["texts"] == ["Samordningsnummer kan inte logga in på 1177"]
    assert row["display"] == f"{samordning[:8]}-{samordning[8:]}"


def test_recipient_check_should_treat_an_unlisted_valid_number_as_never_logged_in(staff: Staff):
    listed = set(NUMBERS)
    unlisted = next(f"19{n[2:]}" for n in NUMBERS if n.startswith("18") and f"19{n[2:]}" not in listed)
    row = staff.add(staff.start_draft(), unlisted).json["row"]
    assert row["texts"] == [ERRORS["never"]]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (MODERN, MODERN),
        (f"{MODERN[:8]}-{MODERN[8:]}", MODERN),
        (MODERN[2:], MODERN),
        (_short(MODERN), MODERN),
        (OK, OK),
        (f"{OK[:8]}+{OK[8:]}", OK),
        (_short(OK, "+"), OK),  # + in a 10-digit number: 100 years or older
        (f"  {OK}  ", OK),
    ],
)
def test_add_recipient_should_accept_10_and_12_digits_with_or_without_separator(staff: Staff, typed, expected):
    row = staff.add(staff.start_draft(), typed).json["row"]
    assert row["pnr"] == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", BAD_FORMAT),
        ("12345", f"{BAD_FORMAT} (12345)"),
        ("abcdefghijkl", f"{BAD_FORMAT} (abcdefghijkl)"),
        (f"{OK[:8]}--{OK[8:]}", BAD_FORMAT),
        (f"{OK}0", BAD_FORMAT),
        (with_broken_check_digit(OK), f"{BAD_CHECK_DIGIT} ({with_broken_check_digit(OK)})"),
        (with_broken_check_digit(MODERN)[2:], BAD_CHECK_DIGIT),
        (_date_changed(OK, month="13"), BAD_DATE),
        (_date_changed(OK, day="32"), BAD_DATE),
        (_date_changed(MODERN, day="00")[2:], BAD_DATE),
        (_date_changed(MODERN, day="92"), BAD_DATE),  # samordningsnummer day 92: 32 + 60
        ("20" + NINETIES[2:], FUTURE_DATE),  # a 1990s test number moved a century on: valid digits, future date
        (f"{OK[:8]}-T{OK[9:]}", RESERV),
        (f"{OK[2:8]}R{OK[9:]}", RESERV),
    ],
)
def test_add_recipient_should_refuse_bad_input_without_a_row(staff: Staff, typed, message):
    draft = staff.start_draft()
    response = staff.add(draft, typed)
    assert response.status_code == 400
    assert response.json["error"].startswith(message)
    assert response.json["error"].startswith("Ogiltigt personnummer") or message == RESERV
    assert staff.rows(draft) == []


def _typed_forms(pnr12: str) -> list[str]:
    """Every way a person may type the number: 12 digits with or without "-", 10 with the right separator."""
    hundred = dt.date.today().year - int(pnr12[:4]) >= 100
    short = ["+"] if hundred else ["-", ""]
    return [pnr12, f"{pnr12[:8]}-{pnr12[8:]}", *(f"{pnr12[2:8]}{sep}{pnr12[8:]}" for sep in short)]


@given(st.sampled_from(NUMBERS))
def test_parse_should_read_every_test_number_in_every_typed_form(pnr12):
    for typed in _typed_forms(pnr12):
        assert parse(typed).digits == pnr12
    assert parse(samordningsnummer_from(pnr12)).is_samordningsnummer
    with pytest.raises(ValueError, match=BAD_CHECK_DIGIT):
        parse(with_broken_check_digit(pnr12))


@pytest.mark.parametrize("pnr12", [OK, MODERN])
def test_add_recipient_should_refuse_a_duplicate_in_any_format(staff: Staff, pnr12):
    draft = staff.start_draft()
    staff.add(draft, pnr12)
    for typed in _typed_forms(pnr12):
        response = staff.add(draft, typed)
        assert response.status_code == 400
        assert response.json["error"] == f"{pnr12[:8]}-{pnr12[8:]} finns redan i listan"
    assert len(staff.rows(draft)) == 1


def test_add_recipient_should_refuse_the_251st(staff: Staff):
    draft = staff.start_draft()
    for number in NUMBERS[:250]:
        assert staff.add(draft, number).status_code == 201
    response = staff.add(draft, NUMBERS[250])
    assert response.status_code == 400
    assert "högst 250 mottagare" in response.json["error"]
    assert len(staff.rows(draft)) == 250


def test_recipient_check_should_show_a_spinner_until_the_delay_has_passed(make_app, clock):
    from tests.mock.mock_kit import Staff as Person

    person = Person(make_app(CHECK_DELAY_MS=300).test_client())
    person.login()
    draft = person.start_draft()
    row = person.add(draft, OK).json["row"]
    assert row["status"] == "pending"
    assert "Kontrollerar…" in row["html"]
    assert 'aria-busy="true"' in row["html"]
    clock.advance(0.2)
    assert person.rows(draft)[0]["status"] == "pending"
    clock.advance(0.2)
    done = person.rows(draft)[0]
    assert done["status"] == "ok"
    assert "Aktiv inloggning" in done["html"]
    assert "Kontrollerar…" not in done["html"]


def test_recipient_check_should_use_the_state_when_the_delay_ends(make_app, clock):
    from tests.mock.mock_kit import Staff as Person

    app = make_app(CHECK_DELAY_MS=300)
    person = Person(app.test_client())
    person.login()
    draft = person.start_draft()
    person.add(draft, OK)
    person.client.put(f"/__qa__/citizens/{OK}", json={"login": "locked"})
    clock.advance(1)
    assert person.rows(draft)[0]["texts"] == [ERRORS["locked"]]


def test_recipient_row_should_have_the_pnr_and_a_ta_bort_button(staff: Staff):
    html = staff.add(staff.start_draft(), OK).json["row"]["html"]
    assert f'<span class="pnr">{OK[:8]}-{OK[8:]}</span>' in html
    assert '<button type="button" class="remove"' in html
    assert ">Ta bort</button>" in html


def test_ta_bort_should_remove_the_row(staff: Staff):
    draft = staff.start_draft()
    staff.add(draft, OK)
    staff.add(draft, pnr_in_state("locked"))
    response = staff.api("DELETE", f"/api/enhet/vc-centrum/utkast/{draft}/mottagare/{pnr_in_state('locked')}")
    assert response.status_code == 200
    assert [r["pnr"] for r in staff.rows(draft)] == [OK]
    missing = staff.api("DELETE", f"/api/enhet/vc-centrum/utkast/{draft}/mottagare/{pnr_in_state('locked')}")
    assert missing.status_code == 404


def test_step2_page_should_have_the_labelled_controls(staff: Staff):
    page = staff.client.get(staff.u(f"/utkast/{staff.start_draft()}/mottagare")).text
    assert '<label for="pnr">Personnummer</label>' in page
    assert '<button type="submit" disabled>Lägg till</button>' in page  # enabled by recipients.js when ready
    assert 'aria-label="Mottagare"' in page
    assert ">Nästa</button>" in page


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("empty", "Lägg till minst en mottagare innan du går vidare"),
        ("error_row", "Ta bort mottagare som inte kan ta emot ärenden innan du går vidare"),
        ("pending", "Vänta tills kontrollen av alla mottagare är klar"),
    ],
)
def test_nasta_should_refuse_until_the_list_is_ready(make_app, setup, message):
    from tests.mock.mock_kit import Staff as Person

    person = Person(make_app(CHECK_DELAY_MS=300 if setup == "pending" else 0).test_client())
    person.login()
    draft = person.start_draft()
    if setup == "error_row":
        person.add(draft, OK)
        person.add(draft, pnr_in_state("locked"))
    if setup == "pending":
        person.add(draft, OK)
    response = person.post(person.u(f"/utkast/{draft}/mottagare"))
    assert response.status_code == 200
    assert f'role="alert">{message}</p>' in response.text


def test_nasta_should_open_step3_when_every_row_is_ok(staff: Staff):
    draft = staff.start_draft()
    staff.add(draft, OK)
    response = staff.post(staff.u(f"/utkast/{draft}/mottagare"))
    assert response.status_code == 302
    assert response.location.endswith(f"/utkast/{draft}/meddelande")


def test_recipient_api_should_refuse_another_users_draft(staff: Staff, app):
    from tests.mock.mock_kit import LARS
    from tests.mock.mock_kit import Staff as Person

    draft = staff.start_draft()
    other = Person(app.test_client())
    other.login(LARS)
    assert other.add(draft, OK).status_code == 404
