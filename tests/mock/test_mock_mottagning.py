"""Mottagningens ärenden: Nya ärenden, Alla ärenden with filters, paging and unit scoping."""

from __future__ import annotations

import re

import pytest

from tests.mock.mock_kit import Staff, pnr_in_state

ALL = "/enhet/vc-centrum/mottagningens-arenden/alla"


def _ids(html: str) -> list[str]:
    table = html.split('<table aria-label="Ärenden">')[1].split("</table>")[0]
    return re.findall(r"<td>(A-\d{6})</td>", table)


def _rows(html: str) -> list[list[str]]:
    table = html.split('<table aria-label="Ärenden">')[1].split("</table>")[0]
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", table)[1:]]


@pytest.fixture
def sent(staff: Staff, client, clock) -> list[dict]:
    """Three staff ärenden on three days, the first read; plus the seeded citizen ärenden (older)."""
    for index in range(3):
        staff.send_to(pnr_in_state("ok", index))
        clock.advance(86400)
        staff.login()  # a day without activity ends the session
    arenden = client.get("/__qa__/sent").json
    client.post(f"/__qa__/read/{arenden[0]['arende_id']}")
    return client.get("/__qa__/sent").json


def test_mottagningens_arenden_should_have_the_tabs_and_filters(staff: Staff):
    page = staff.client.get(ALL).text
    assert "<h1>Mottagningens ärenden</h1>" in page
    assert (
        'role="tab" href="/enhet/vc-centrum/mottagningens-arenden/alla" aria-selected="true">Alla ärenden</a>' in page
    )
    for label, field in [("Ärendetyp", "arendetyp"), ("Status", "status"), ("Personnummer", "personnummer")]:
        assert f'<label for="{field}">{label}</label>' in page
    assert '<input id="fran" name="fran" type="date"' in page
    assert '<input id="till" name="till" type="date"' in page
    assert ">Sök</button>" in page
    assert re.findall(r'<option value="\w+"(?: selected)?>([^<]+)</option>', page) == [
        "Alla",
        "Skickat av vården",
        "Skickat av invånare",
        "Alla",
        "Oläst av invånare",
        "Läst av invånare",
    ]


def test_nya_arenden_should_show_what_citizens_sent(staff: Staff):
    page = staff.client.get("/enhet/vc-centrum/mottagningens-arenden/").text
    assert "Fråga om receptförnyelse" in page
    assert 'aria-selected="true">Nya ärenden</a>' in page


def test_alla_arenden_should_show_the_columns(staff: Staff, sent):
    page = staff.client.get(ALL, query_string={"arendetyp": "varden"}).text
    assert '<th scope="col">Ärende-id</th><th scope="col">Personnummer</th><th scope="col">Rubrik</th>' in page
    newest = _rows(page)[0]
    pnr = sent[-1]["pnr"]
    assert newest[:3] == [sent[-1]["arende_id"], f"{pnr[:8]}-{pnr[8:]}", "Meddelande till invånare"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", newest[3])
    assert newest[4:] == ["Anna Ärendehanterare", "Oläst av invånare"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, "all"),
        ({"arendetyp": "varden"}, "staff"),
        ({"arendetyp": "invanare"}, "citizen"),
        ({"arendetyp": "varden", "status": "olast"}, "unread"),
        ({"status": "last"}, "read"),
    ],
)
def test_alla_arenden_should_filter_on_type_and_status(staff: Staff, sent, query, expected):
    citizen = ["A-000001", "A-000002", "A-000003"]  # the seed's vc-centrum citizen ärenden, newest first
    staff_ids = [a["arende_id"] for a in reversed(sent)]
    wanted = {
        "all": staff_ids + citizen,
        "staff": staff_ids,
        "citizen": citizen,
        "unread": staff_ids[:2],
        "read": staff_ids[2:],
    }[expected]
    assert _ids(staff.client.get(ALL, query_string=query).text) == wanted


def test_alla_arenden_should_filter_on_personnummer_in_any_format(staff: Staff, sent):
    pnr = sent[1]["pnr"]
    for typed in (pnr, f"{pnr[:8]}-{pnr[8:]}", f"{pnr[2:8]}+{pnr[8:]}"):
        page = staff.client.get(ALL, query_string={"arendetyp": "varden", "personnummer": typed}).text
        assert _ids(page) == [sent[1]["arende_id"]]


def test_alla_arenden_should_refuse_an_invalid_personnummer(staff: Staff, sent):
    page = staff.client.get(ALL, query_string={"personnummer": "1234"}).text
    assert 'role="alert">Ogiltigt personnummer: ange 10 eller 12 siffror, t.ex. ÅÅÅÅMMDD-NNNN (1234)</p>' in page
    assert '<table aria-label="Ärenden">' not in page


@pytest.mark.parametrize(
    ("fran", "till", "arendetyp", "expected"),
    [
        (0, 0, "varden", [0]),
        (1, 1, "varden", [1]),
        (1, None, "varden", [2, 1]),
        (None, 1, "varden", [1, 0]),
        (0, 2, "varden", [2, 1, 0]),
        (None, 0, "alla", [0, "A-000001", "A-000002", "A-000003"]),  # the seed's citizen ärenden are older
        (2, 0, "varden", []),
    ],
)
def test_alla_arenden_should_filter_on_a_date_range(staff: Staff, sent, fran, till, arendetyp, expected):
    days = [a["sent_at"][:10] for a in sent]
    assert len(set(days)) == 3
    query = {
        "arendetyp": arendetyp,
        "fran": "" if fran is None else days[fran],
        "till": "" if till is None else days[till],
    }
    page = staff.client.get(ALL, query_string=query).text
    assert _ids(page) == [sent[e]["arende_id"] if isinstance(e, int) else e for e in expected]
    assert ("Inga ärenden matchar sökningen." in page) == (not expected)


@pytest.mark.parametrize("field", ["fran", "till"])
def test_alla_arenden_should_refuse_an_invalid_date(staff: Staff, field):
    page = staff.client.get(ALL, query_string={field: "igår"}).text
    label = {"fran": "Från", "till": "Till"}[field]
    assert f'role="alert">Ogiltigt datum i {label}: igår</p>' in page
    assert '<table aria-label="Ärenden">' not in page


def test_alla_arenden_should_page_with_page_size_rows(make_app):
    person = Staff(make_app(PAGE_SIZE=2).test_client())
    person.login()
    person.send_to(*(pnr_in_state("ok", i) for i in range(5)))
    seen: list[str] = []
    page = person.client.get(ALL, query_string={"arendetyp": "varden"}).text
    assert "Föregående sida" not in page
    while True:
        seen += _ids(page)
        assert len(_ids(page)) <= 2
        match = re.search(r'<a href="([^"]+)">Nästa sida</a>', page)
        if not match:
            break
        assert "arendetyp=varden" in match.group(1)
        page = person.client.get(match.group(1).replace("&amp;", "&")).text
        assert ">Föregående sida</a>" in page
    assert len(seen) == len(set(seen)) == 5


def test_alla_arenden_should_show_only_the_chosen_units_arenden(staff: Staff, sent, client):
    page = client.get("/enhet/bm-norr/mottagningens-arenden/alla").text
    assert set(_ids(page)).isdisjoint(a["arende_id"] for a in sent)
    assert "Fråga om vaccination" in page
