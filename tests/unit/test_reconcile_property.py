"""Property: whatever the staff tool's clock shows (another zone, minutes or hours off, the year left out, the
repeated autumn hour) and whichever answers are lost after Skicka, reconciliation never calls the real ärende
absent, so a citizen is never sent a second ärende."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.clock import STOCKHOLM
from bot.run.reconcile import Window, classify
from flows.unit_cases import CaseRow, CaseTable, parse_shown
from tests.helpers import official_test_numbers

PNR = official_test_numbers(20, 1)[0]
SUBJECT = "Meddelande om provsvar"
MARGIN = timedelta(hours=24)
ZONES = [STOCKHOLM, ZoneInfo("UTC"), ZoneInfo("Europe/Helsinki"), ZoneInfo("America/New_York")]
FORMATS = ["%Y-%m-%d %H:%M:%S", "%m-%d %H:%M", "%Y-%m-%d kl. %H:%M"]
# Around the autumn change 2026-10-25, around new year and an ordinary day.
STARTS = [
    datetime(2026, 10, 24, 23, 0, tzinfo=UTC),
    datetime(2026, 12, 31, 22, 0, tzinfo=UTC),
    datetime(2026, 12, 3, 12, 0, tzinfo=UTC),
]


class Tool:
    """A fake Alla ärenden: the sent ärenden, shown with a clock `offset` off in `zone` with `fmt`."""

    def __init__(self, zone, offset: timedelta, fmt: str) -> None:
        self.zone, self.offset, self.fmt = zone, offset, fmt
        self.sent: list[tuple[str, datetime]] = []

    def send(self, at: datetime) -> str:
        arende = f"A-{len(self.sent) + 1:06d}"
        self.sent.append((arende, at))
        return arende

    def table(self, now: datetime) -> CaseTable:
        """The rows as the bot reads them: in Swedish time (it was not told the tool's zone)."""
        rows = []
        for arende, at in self.sent:
            text = (at + self.offset).astimezone(self.zone).strftime(self.fmt)
            shown = parse_shown(text, self.fmt, STOCKHOLM, now + self.offset)
            rows.append(CaseRow(arende, PNR, SUBJECT, shown, "Oläst av invånare", sent_text=text))
        return CaseTable(rows)


@settings(max_examples=400, deadline=None)
@given(
    start=st.sampled_from(STARTS),
    minutes=st.integers(0, 180),
    zone=st.sampled_from(ZONES),
    offset_s=st.integers(-6 * 3600, 6 * 3600),
    fmt=st.sampled_from(FORMATS),
    measured=st.booleans(),
    earlier_days=st.lists(st.integers(2, 400), max_size=3),
    lost=st.lists(st.booleans(), min_size=1, max_size=6),
    made=st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_reconciliation_should_never_send_a_citizen_a_second_arende(
    start, minutes, zone, offset_s, fmt, measured, earlier_days, lost, made
):
    tool = Tool(zone, timedelta(seconds=offset_s), fmt)
    first_claim = start + timedelta(minutes=minutes)
    for days in earlier_days:  # the same template sent in earlier campaigns, days before
        tool.send(first_claim - timedelta(days=days))
    earlier = len(tool.sent)
    # A measurement is as good as the shown time's resolution; the bot's own zone error is part of it.
    shown_vs_true = (datetime(2026, 1, 1, tzinfo=UTC) + tool.offset).astimezone(zone).replace(tzinfo=None) - (
        datetime(2026, 1, 1, tzinfo=UTC).astimezone(STOCKHOLM).replace(tzinfo=None)
    )
    offset = shown_vs_true if measured else timedelta(0)
    window = Window(not_before=first_claim - MARGIN, offset=offset, skew=timedelta(seconds=120))
    claim = first_claim
    for attempt, answer_lost in enumerate(lost):
        sent_now = made[attempt] or not answer_lost  # a lost answer may come after a send or before it
        if sent_now:
            tool.send(claim + timedelta(seconds=2))
        if not answer_lost:
            break
        now = claim + timedelta(minutes=1)
        verdict, _, _ = classify(PNR, tool.table(now), SUBJECT, claim, window)
        assert not (sent_now and verdict == "absent"), "the real ärende was in the table and called absent"
        if verdict != "absent":
            break  # found, or in doubt for a person: never sent again on a guess
        claim = now + timedelta(seconds=30)
    assert len(tool.sent) - earlier <= 1, "a second ärende"
