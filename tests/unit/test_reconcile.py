"""Reconciliation fails closed: only an exact row or a clear absence settles an in-doubt citizen."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.run.reconcile import classify, similar_subject
from flows.unit_cases import STOCKHOLM, CaseRow, CaseTable
from tests.helpers import official_test_numbers

PNR, OTHER = official_test_numbers(10, 2)
SUBJECT = "Meddelande om provsvar"
CLAIM = datetime(2026, 12, 3, 14, 5, tzinfo=STOCKHOLM) - timedelta(seconds=120)


def row(subject: str = SUBJECT, at: datetime | None = CLAIM + timedelta(minutes=3), pnr: str = PNR) -> CaseRow:
    shown = at.strftime("%Y-%m-%d %H:%M:%S") if at else "3 dec. 2026 14:08"
    return CaseRow("A-000001", pnr, subject, at, "Oläst av invånare", sent_text=shown, sent_by="Anna")


@pytest.mark.parametrize(
    ("rows", "complete", "verdict"),
    [
        ([row()], True, "found"),
        ([], True, "absent"),
        ([row(pnr=OTHER)], True, "absent"),
        ([row(at=CLAIM - timedelta(days=1))], True, "absent"),
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
        "before-claim",
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
    assert classify(PNR, CaseTable(rows, complete), SUBJECT, CLAIM)[0] == verdict


def test_classify_should_explain_a_look_alike_without_the_personnummer():
    _, found, why = classify(PNR, CaseTable([row(subject="Meddelande om provs…", at=None)]), SUBJECT, CLAIM)
    assert found is not None and "A-000001" in why and "3 dec. 2026 14:08" in why and "sent_at_format" in why
    assert PNR not in why and PNR[:8] not in why


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
