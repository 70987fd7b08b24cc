"""Alla ärenden as other builds list it (issue 25 item 3), end to end against the mock's classic skin: a "Visa
fler" button, an endless scroll (the table aria-busy while rows load) and a Mottagningens ärenden without tabs,
each described only by a selectors override. With more than two pages' worth of ärenden, every row is read
(the bot's own ärenden are the oldest, so they come last), reconciliation finds the sends on the last page and
sends the absent once, follow-up reads them, and a read the page limit stops says it is incomplete."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.locators import Selectors
from flows.login import Credentials, LoginRequest, open_staff_tool
from flows.screen import Screen
from flows.unit_cases import CaseQuery, read_sent_cases
from tests.helpers import (
    PASSWORD,
    PROJECT,
    QA,
    LiveMock,
    Setup,
    official_test_numbers,
    serve_mock,
    today_weekday,
    write_campaign,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SUBJECT = "Meddelande om provsvar"
PAGE_SIZE = 25
OTHERS = 62  # ärenden of other citizens, newer than the bot's: more than two pages' worth before them
# How each build lists Alla ärenden: the mock's settings, and the site's selectors override for it.
LISTS = {
    "load_more": (
        {"CASES_PAGING": "load_more"},
        '[unit_cases]\npaging = "load_more"\nnext_page = { role = "button", name = "Visa fler" }\n',
    ),
    "scroll": (
        {"CASES_PAGING": "scroll"},
        '[page]\nbusy = { css = "[aria-busy=true]" }\n\n[unit_cases]\npaging = "scroll"\n',
    ),
    "no_tabs": ({"CASES_TABS": False}, "[unit_cases]\nall_tab = false\n"),
}


@dataclass
class Listing:
    """A mock whose Alla ärenden lists one way, its QA API, and the override that describes it."""

    name: str
    mock: LiveMock
    qa: QA
    override_text: str

    def override(self, folder: Path) -> Path:
        """The site's selectors override, written into `folder`."""
        path = folder / f"{self.name}.toml"
        path.write_text(self.override_text, encoding="utf-8")
        return path

    def campaign(self, folder: Path, pnrs: list[str], **options: str) -> Setup:
        """A campaign for `pnrs` that names the override."""
        staff_tool = f'selectors_override = "{self.override(folder)}"\n'
        return write_campaign(folder, self.mock.url, pnrs, staff_tool=staff_tool, **options)

    def others(self, count: int = OTHERS) -> list[str]:
        """`count` newer ärenden of other citizens (same subject); their ids."""
        return [self.qa.add_arende(pnr, SUBJECT)["arende_id"] for pnr in official_test_numbers(9400, count)]


@pytest.fixture(scope="module")
def listing_mock(request: pytest.FixtureRequest) -> Iterator[tuple[str, LiveMock]]:
    """One mock per way of listing (the test's `listing` parameter), PAGE_SIZE rows at a time."""
    name = request.param
    server = serve_mock({"CHECK_DELAY_MS": 50, "PAGE_SIZE": PAGE_SIZE, **LISTS[name][0]})
    yield name, server
    server.stop()


@pytest.fixture
def listing(listing_mock: tuple[str, LiveMock]) -> Iterator[Listing]:
    """The row's mock, reset to the seed."""
    name, server = listing_mock
    qa = QA(server.url)
    qa.reset()
    yield Listing(name, server, qa, LISTS[name][1])
    qa.faults()


def each(*long: str):
    """Parametrize over the ways of listing; those named in `long` only in `make test-long`."""
    rows = [pytest.param(name, id=name, marks=[pytest.mark.long] if name in long else []) for name in LISTS]
    return pytest.mark.parametrize("listing_mock", rows, indirect=True)


def logged_in_screen(browser, listing: Listing, folder: Path) -> Screen:
    """A screen logged in to the listing's mock with its override."""
    page = browser.new_context(base_url=listing.mock.url).new_page()
    selectors = Selectors.load(PROJECT / "selectors" / "personalverktyg.toml", listing.override(folder))
    screen = Screen(page, selectors, 8000)
    open_staff_tool(screen, LoginRequest("Vårdcentralen Centrum", Credentials("SE2321000016-A001", PASSWORD)))
    return screen


@each()
def test_alla_arenden_should_be_read_to_the_last_row_and_a_read_the_limit_stops_should_say_incomplete(
    tmp_path, listing, browser
):
    seeded = listing.others()
    screen = logged_in_screen(browser, listing, tmp_path)

    everything = read_sent_cases(screen, CaseQuery())
    limited = read_sent_cases(screen, CaseQuery(max_pages=1))
    screen.page.context.close()

    assert Counter(row.arende_id for row in everything.rows) == Counter(seeded)  # each row once, none missing
    assert everything.complete
    assert not limited.complete, "the limit stopped it before the last row"
    assert 0 < len(limited.rows) < len(seeded)


@each("scroll", "no_tabs")
def test_reconciliation_should_find_sends_on_the_last_page_and_send_the_absent_once(tmp_path, listing):
    pnrs = official_test_numbers(9300, 6)  # more than reconcile searches one by one: it reads the whole list
    found, absent = pnrs[:3], pnrs[3:]
    listing.qa.reachable(*pnrs)
    # Record the delivery without sending: outside the send window with --no-wait.
    other_days = [d for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun") if d != today_weekday()]
    closed = f'window = {{ days = {other_days!r}, start = "08:00", end = "18:00" }}'.replace("'", '"')
    assert listing.campaign(tmp_path, pnrs, sending=closed).run("--yes", "--no-wait").returncode == 4
    # As a crash right after the click on Skicka leaves them: claimed, no receipt seen.
    with sqlite3.connect(tmp_path / "ledger.sqlite") as conn:
        conn.execute("UPDATE items SET state = 'sending', claimed_at = ?", (datetime.now(UTC).isoformat(),))
    arende_of = {pnr: listing.qa.add_arende(pnr, SUBJECT)["arende_id"] for pnr in found}
    listing.others()
    setup = listing.campaign(tmp_path, pnrs)

    result = setup.run("--yes")

    assert result.returncode == 0, result.stdout + result.stderr
    rows = setup.ledger_rows()
    assert {pnr: rows[pnr] for pnr in found} == {pnr: ("sent", arende_of[pnr]) for pnr in found}
    assert all(rows[pnr][0] == "sent" for pnr in absent)
    sent = Counter(s["pnr"] for s in listing.qa.sent() if s["pnr"] in pnrs)
    assert sent == dict.fromkeys(pnrs, 1), "nothing sent twice, nothing missing"


@each("scroll", "no_tabs")
def test_follow_up_should_read_the_status_of_sends_listed_after_two_pages_of_others(tmp_path, listing):
    pnrs = official_test_numbers(9320, 4)
    listing.qa.reachable(*pnrs)
    setup = listing.campaign(tmp_path, pnrs, mode="batch")
    run = setup.run("--yes")
    assert run.returncode == 0, run.stdout + run.stderr
    sent = {s["pnr"]: s["arende_id"] for s in listing.qa.sent()}
    listing.others()
    for pnr in pnrs[:2]:
        listing.qa.read(sent[pnr])

    result = setup.utskick("follow-up")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Lästa av invånaren: 2 (nya sedan förra uppföljningen: 2)" in result.stdout
    assert "Olästa: 2" in result.stdout
    with sqlite3.connect(setup.ledger) as conn:
        statuses = dict(conn.execute("SELECT pnr, read_status FROM items"))
    assert sorted(p for p, status in statuses.items() if status) == sorted(pnrs)
