"""Alla ärenden on the classic skin as other builds list it (CASES_PAGING, CASES_TABS): a Visa fler button or an
endless scroll that append the next page's rows, and a Mottagningens ärenden without tabs."""

from __future__ import annotations

import re

import pytest

from tests.mock.mock_kit import Staff, pnr_in_state

SEARCH = "/mottagningens-arenden/alla?arendetyp=varden"


def _seed(client, count: int) -> list[str]:
    """`count` staff-sent ärenden, one a minute; their ids, oldest first."""
    ids = []
    for minute in range(count):
        body = {
            "pnr": pnr_in_state("ok", minute % 3),
            "unit": "vc-centrum",
            "subject": "Meddelande om provsvar",
            "sent_by": "SE2321000016-A001",
            "sent_at": f"2026-12-03T14:{minute:02d}:00+01:00",
        }
        ids.append(client.post("/__qa__/arenden", json=body).json["arende_id"])
    return ids


def _ids(html: str) -> list[str]:
    return re.findall(r"<td>(A-\d{6})</td>", html)


def _more_url(html: str) -> str:
    found = re.search(r'data-more-url="([^"]*)"', html)
    return found.group(1).replace("&amp;", "&") if found else ""


def _staff(make_app, **config) -> Staff:
    person = Staff(make_app(PAGE_SIZE=2, **config).test_client())
    person.login()
    return person


@pytest.mark.parametrize("paging", ["load_more", "scroll"])
def test_more_rows_should_come_page_by_page_until_the_last_and_then_no_further(make_app, paging):
    staff = _staff(make_app, CASES_PAGING=paging)
    seeded = _seed(staff.client, 5)

    first = staff.client.get(staff.u(SEARCH)).text
    shown, url = _ids(first), _more_url(first)
    while url:
        more = staff.client.get(url)
        assert more.status_code == 200
        shown += _ids(more.text)
        url = _more_url(more.text)

    assert sorted(shown) == sorted(seeded) and len(shown) == len(set(shown)) == 5
    assert len(_ids(first)) == 2
    assert "Nästa sida" not in first and "Föregående sida" not in first
    assert ("Visa fler</button>" in first) == (paging == "load_more")
    assert f'data-paging="{paging}"' in first and "more_rows.js" in first


def test_more_rows_should_keep_the_search_filters(make_app):
    staff = _staff(make_app, CASES_PAGING="load_more")
    _seed(staff.client, 3)

    url = _more_url(staff.client.get(staff.u(SEARCH + "&fran=2026-12-03&till=2026-12-03")).text)

    assert "arendetyp=varden" in url and "fran=2026-12-03" in url and "sida=2" in url


def test_a_list_that_fits_should_offer_no_more_rows(make_app):
    staff = _staff(make_app, CASES_PAGING="load_more")
    _seed(staff.client, 2)

    page = staff.client.get(staff.u(SEARCH)).text

    assert len(_ids(page)) == 2 and not _more_url(page) and "Visa fler" not in page


def test_pages_should_stay_the_default_with_next_page_links(make_app):
    staff = _staff(make_app)
    _seed(staff.client, 3)

    page = staff.client.get(staff.u(SEARCH)).text

    assert "Nästa sida</a>" in page and not _more_url(page) and "more_rows.js" not in page


def test_without_tabs_mottagningens_arenden_should_open_on_alla_arenden(make_app):
    staff = _staff(make_app, CASES_TABS=False)

    opened = staff.client.get(staff.u("/mottagningens-arenden/"))
    page = staff.client.get(opened.headers["Location"]).text

    assert opened.status_code == 302 and opened.headers["Location"].endswith("/mottagningens-arenden/alla")
    assert 'role="tablist"' not in page and 'role="tab"' not in page and 'role="tabpanel"' not in page
    assert '<label for="arendetyp">Ärendetyp</label>' in page and "<h1>Mottagningens ärenden</h1>" in page


def test_with_tabs_nya_arenden_should_stay(make_app):
    staff = _staff(make_app)

    page = staff.client.get(staff.u("/mottagningens-arenden/")).text

    assert 'aria-selected="true">Nya ärenden</a>' in page


def test_an_unknown_paging_should_refuse_to_start(make_app):
    with pytest.raises(ValueError, match="CASES_PAGING måste vara en av"):
        make_app(CASES_PAGING="infinite")
