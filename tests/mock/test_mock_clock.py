"""The time Mottagningens ärenden shows (faults `clock_zone`, `clock_offset_s`, `clock_no_year`), on both skins:
another zone, a clock minutes off, a date without the year; the QA API keeps the true time."""

from __future__ import annotations

import re

import pytest

from mock_personalverktyg.__main__ import main, parse_args
from tests.mock.mock_kit import Staff, pnr_in_state
from tests.mock.test_mock_spa_api import SpaStaff

OK = pnr_in_state("ok")
ALL = "/enhet/vc-centrum/mottagningens-arenden/alla?arendetyp=varden"
SENT_AT = "2026-12-03T14:05:07+01:00"  # Swedish winter time: 13:05:07 UTC


def _seed(client, sent_at: str) -> None:
    body = {"pnr": OK, "unit": "vc-centrum", "subject": "Provsvar", "sent_by": "SE2321000016-A001", "sent_at": sent_at}
    assert client.post("/__qa__/arenden", json=body).status_code == 201


def _classic_shown(client) -> str:
    staff = Staff(client)
    staff.login()
    page = staff.client.get(ALL).text
    return re.findall(r"<td>A-\d{6}</td><td>[^<]*</td><td>Provsvar</td><td>([^<]*)</td>", page)[0]


def _spa_shown(client) -> str:
    staff = SpaStaff(client)
    staff.login()
    rows = staff.call("GET", staff.unit_path("/arenden?vy=alla&arendetyp=varden")).json["arenden"]
    return next(r["sent_at"] for r in rows if r["subject"] == "Provsvar")


@pytest.mark.parametrize(
    ("shown_clock", "classic", "spa"),
    [
        ({}, "2026-12-03 14:05:07", "2026-12-03 kl. 14:05:07"),
        ({"clock_zone": "UTC"}, "2026-12-03 13:05:07", "2026-12-03 kl. 13:05:07"),
        ({"clock_offset_s": -240}, "2026-12-03 14:01:07", "2026-12-03 kl. 14:01:07"),
        ({"clock_offset_s": 240}, "2026-12-03 14:09:07", "2026-12-03 kl. 14:09:07"),
        ({"clock_no_year": True}, "12-03 14:05:07", "12-03 kl. 14:05:07"),
    ],
    ids=["swedish", "utc", "behind", "ahead", "no-year"],
)
@pytest.mark.parametrize("skin", ["classic", "spa"])
def test_alla_arenden_should_show_the_time_as_the_clock_option_says(make_app, skin, shown_clock, classic, spa):
    client = make_app(SKIN=skin).test_client()
    _seed(client, SENT_AT)
    assert client.put("/__qa__/faults", json=shown_clock).json == shown_clock

    shown = _classic_shown(client) if skin == "classic" else _spa_shown(client)

    assert shown == (classic if skin == "classic" else spa)
    assert [a["sent_at"] for a in client.get("/__qa__/sent").json] == [SENT_AT], "the QA API keeps the true time"


def test_date_filter_should_follow_the_shown_clock(make_app):
    # 00:30 Swedish time is 23:30 the day before in UTC: a tool showing UTC also filters its days in UTC.
    client = make_app().test_client()
    _seed(client, "2026-12-04T00:30:00+01:00")
    client.put("/__qa__/faults", json={"clock_zone": "UTC"})
    staff = Staff(client)
    staff.login()

    same_day = staff.client.get(ALL + "&fran=2026-12-03&till=2026-12-03").text
    next_day = staff.client.get(ALL + "&fran=2026-12-04").text

    assert "2026-12-03 23:30:00" in same_day
    assert "Provsvar" not in next_day


@pytest.mark.parametrize(
    "body",
    [{"clock_zone": "Mars/Olympus"}, {"clock_offset_s": "4 min"}, {"clock_offset_s": True}, {"clock_no_year": 1}],
)
def test_clock_faults_should_refuse_bad_values(client, body):
    assert client.put("/__qa__/faults", json=body).status_code == 400
    assert client.get("/__qa__/faults").json == {}


def test_cli_should_take_the_clock_options_into_the_faults():
    args = parse_args(["--clock-zone", "UTC", "--clock-offset-s", "-240", "--clock-no-year"])
    assert (args.clock_zone, args.clock_offset_s, args.clock_no_year) == ("UTC", -240.0, True)
    assert main(["--clock-zone", "Mars/Olympus"]) == 2
