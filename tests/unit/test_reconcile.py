"""Reconciliation fails closed: only an exact row with a time that fits, or a clear absence, settles an in-doubt
citizen; a row is set aside as an earlier ärende only when that is provable, whatever the tool's clock says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import STOCKHOLM
from bot.run.reconcile import Window, classify, similar_subject
from flows.unit_cases import CaseRow, CaseTable, parse_shown
from tests.helpers import official_test_numbers

PNR, OTHER = official_test_numbers(10, 2)
SUBJECT = "Meddelande om provsvar"
CLAIM = datetime(2026, 12, 3, 14, 5, tzinfo=STOCKHOLM)
SENT = CLAIM + timedelta(seconds=3)  # the tool's true moment of the send
WINDOW = Window(not_before=CLAIM - timedelta(hours=24))
FMT = "%Y-%m-%d %H:%M:%S"


def row(
    subject: str = SUBJECT, at: datetime | None = SENT, pnr: str = PNR, arende_id: str = "A-000001", shown: str = ""
) -> CaseRow:
    text = shown or (at.strftime(FMT) if at else "3 dec. 2026 14:08")
    return CaseRow(arende_id, pnr, subject, at, "Oläst av invånare", sent_text=text, sent_by="Anna")


def shown_as(moment: datetime, zone=STOCKHOLM, fmt: str = FMT, now: datetime | None = None) -> CaseRow:
    """The row a tool in `zone` with format `fmt` shows for a send at `moment`, parsed as the bot parses it
    (the bot reads Swedish time unless told otherwise)."""
    text = moment.astimezone(zone).strftime(fmt)
    return row(at=parse_shown(text, fmt, STOCKHOLM, now or moment), shown=text)


@pytest.mark.parametrize(
    ("rows", "complete", "verdict"),
    [
        ([row()], True, "found"),
        ([], True, "absent"),
        ([row(pnr=OTHER)], True, "absent"),
        ([row(at=CLAIM - timedelta(days=2))], True, "absent"),
        ([row(at=CLAIM - timedelta(hours=23))], True, "uncertain"),
        ([row(at=CLAIM - timedelta(minutes=10))], True, "uncertain"),
        ([row(at=CLAIM - timedelta(minutes=10), arende_id="A-000009")], True, "absent"),
        ([row(subject="Kallelse till vaccination")], True, "absent"),
        ([], False, "uncertain"),
        ([row(at=None)], True, "uncertain"),
        ([row(subject="Meddelande om provs…")], True, "uncertain"),
        ([row(subject="Meddelande  om provsvar")], True, "uncertain"),
        ([row(subject="meddelande om provsvar", at=None)], True, "uncertain"),
        ([row(subject="Meddelande om provs…", at=None), row()], True, "found"),
    ],
    ids=[
        "exact",
        "no-rows",
        "other-citizen",
        "older-than-the-margin",
        "inside-the-margin-before-the-claim",
        "minutes-before-the-claim",
        "ärende-id-the-ledger-knows",
        "other-subject",
        "table-not-read-to-the-end",
        "time-not-parsed",
        "subject-shortened",
        "subject-spaced",
        "case-and-time",
        "exact-wins-over-look-alike",
    ],
)
def test_classify_should_fail_closed(rows, complete, verdict):
    window = Window(not_before=WINDOW.not_before, known_ids=frozenset({"A-000009"}))
    assert classify(PNR, CaseTable(rows, complete), SUBJECT, CLAIM, window)[0] == verdict


@pytest.mark.parametrize(
    ("shown", "offset", "verdict"),
    [
        (shown_as(SENT, ZoneInfo("UTC")), timedelta(0), "uncertain"),
        (shown_as(SENT, ZoneInfo("UTC")), timedelta(hours=-1), "found"),
        (shown_as(SENT - timedelta(minutes=4)), timedelta(0), "uncertain"),
        (shown_as(SENT - timedelta(minutes=4)), timedelta(minutes=-4), "found"),
        (shown_as(SENT + timedelta(minutes=4)), timedelta(0), "found"),
        (shown_as(SENT + timedelta(minutes=4)), timedelta(minutes=4), "found"),
        (shown_as(SENT, fmt="%m-%d %H:%M:%S"), timedelta(0), "found"),
    ],
    ids=[
        "utc-unmeasured",
        "utc-measured",
        "behind-4-min",
        "behind-4-min-measured",
        "ahead-4-min",
        "ahead-measured",
        "no-year",
    ],
)
def test_classify_should_never_call_the_real_arende_absent_whatever_the_clock_shows(shown, offset, verdict):
    window = Window(not_before=WINDOW.not_before, offset=offset)
    assert classify(PNR, CaseTable([shown]), SUBJECT, CLAIM, window)[0] == verdict


def test_classify_should_find_a_send_in_the_second_run_of_the_repeated_autumn_hour():
    # 2026-10-25 02:30 is shown twice in Sweden; a send claimed in the second one reads as the first (an hour early).
    claim = datetime(2026, 10, 25, 2, 30, tzinfo=STOCKHOLM, fold=1)
    shown = shown_as(claim + timedelta(seconds=3))
    assert shown.sent_text == "2026-10-25 02:30:03"
    window = Window(not_before=claim - timedelta(hours=24))
    assert classify(PNR, CaseTable([shown]), SUBJECT, claim, window)[0] == "found"


@pytest.mark.parametrize(
    ("claim", "now"),
    [
        (datetime(2026, 12, 31, 23, 59, 58, tzinfo=STOCKHOLM), datetime(2027, 1, 1, 0, 1, tzinfo=UTC)),
        (datetime(2026, 12, 31, 23, 59, 58, tzinfo=STOCKHOLM), datetime(2026, 12, 31, 22, 59, 59, tzinfo=UTC)),
    ],
    ids=["read-after-new-year", "read-before-new-year-by-a-clock-ahead"],
)
def test_classify_should_find_a_send_around_midnight_and_new_year_in_a_date_without_year(claim, now):
    sent = claim + timedelta(seconds=4)  # shown as 1 January, whichever side of midnight it is read from
    shown = shown_as(sent, fmt="%m-%d %H:%M:%S", now=now)
    assert shown.sent_text == "01-01 00:00:02" and shown.sent_at.year == 2027
    window = Window(not_before=claim - timedelta(hours=24))
    assert classify(PNR, CaseTable([shown]), SUBJECT, claim, window)[0] == "found"


def test_classify_should_explain_a_look_alike_without_the_personnummer():
    _, found, why = classify(PNR, CaseTable([row(subject="Meddelande om provs…", at=None)]), SUBJECT, CLAIM, WINDOW)
    assert found is not None and "A-000001" in why and "3 dec. 2026 14:08" in why and "sent_at_format" in why
    assert PNR not in why and PNR[:8] not in why


def test_classify_should_say_when_a_row_is_before_the_send_by_the_tools_clock():
    _, _, why = classify(PNR, CaseTable([row(at=CLAIM - timedelta(minutes=10))]), SUBJECT, CLAIM, WINDOW)
    assert "före sändningen enligt verktygets klocka" in why and "unit_cases.values.zone" in why


@pytest.mark.parametrize(
    ("shown", "similar"),
    [
        (SUBJECT, True),
        ("MEDDELANDE OM PROVSVAR", True),
        ("Meddelande om...", True),
        ("", True),
        ("Meddelande om provsvar och kallelse", False),
        ("Kallelse", False),
    ],
)
def test_similar_subject_should_accept_spacing_case_and_shortening_only(shown, similar):
    assert similar_subject(shown, SUBJECT) is similar
