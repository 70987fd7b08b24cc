"""`utskick follow-up` and `utskick report` end to end: the real CLI, headless Chromium, the mock over HTTP."""

from __future__ import annotations

import re
import signal
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from bot.locators import Selectors
from flows.follow_up import READ, UNREAD, FollowUpRequest, read_statuses
from flows.login import Credentials, LoginRequest, open_staff_tool
from flows.screen import Screen
from tests.helpers import (
    ALL_SKINS,
    ALL_SKINS_SPA_LONG,
    PASSWORD,
    PROJECT,
    QA,
    SKIN_OVERRIDES,
    LiveMock,
    Setup,
    official_test_numbers,
    serve_mock,
    wait_until,
    write_campaign,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PNR_LIKE = re.compile(r"(?<!\d)(\d{10}|\d{12})(?!\d)|(?<!\d)\d{8}-\d{4}(?!\d)|(?<!\d)\d{6}[-+]\d{4}(?!\d)")


PAGE_SIZE = 3  # Alla ärenden shows this many rows a page in this module's mock, so every follow-up pages


@pytest.fixture(scope="module")
def paged_mock(mock_skin: str) -> Iterator[LiveMock]:
    """A mock of its own (in the test's skin) whose Alla ärenden pages after PAGE_SIZE rows."""
    server = serve_mock({"CHECK_DELAY_MS": 50, "PAGE_SIZE": PAGE_SIZE}, skin=mock_skin)
    yield server
    server.stop()


@pytest.fixture
def paged_qa(paged_mock: LiveMock) -> Iterator[QA]:
    """The paged mock's QA API, reset to the seed."""
    client = QA(paged_mock.url)
    client.reset()
    yield client
    client.faults()


def utskick(setup: Setup, *args: str) -> subprocess.CompletedProcess:
    """Run an `utskick` command (its name first in `args`) on this setup's campaign file."""
    return setup.utskick(*args)


def report_paths(output: str) -> list[Path]:
    return [Path(line.split(": ", 1)[1]) for line in output.splitlines() if line.strip().startswith("Rapport:")]


def sent_sheet(xlsx: Path) -> dict[str, tuple[str, str, bool]]:
    """Personnummer (12 digits) -> (ärende-id, Läst/Oläst, first seen read is set)."""
    frame = pd.read_excel(xlsx, sheet_name="Skickade")
    return {
        p.replace("-", ""): (a, r, pd.notna(t))
        for p, a, r, t in zip(
            frame["Personnummer"], frame["Ärende-id"], frame["Läst"], frame["Först sedd läst (svensk tid)"], strict=True
        )
    }


def summary_sheet(xlsx: Path) -> dict[str, object]:
    frame = pd.read_excel(xlsx, sheet_name="Sammanfattning").dropna(subset=["Uppgift"])
    return dict(zip(frame["Uppgift"].str.strip(), frame["Värde"], strict=True))


@ALL_SKINS
def test_follow_up_should_record_reads_from_the_staff_tool_and_only_add_information(
    tmp_path, mock_skin, paged_mock, paged_qa
):
    qa = paged_qa
    pnrs = official_test_numbers(2600, 5)
    qa.reachable(*pnrs)
    qa.set_citizen(pnrs[4], login="never")
    setup = write_campaign(tmp_path, paged_mock.url, pnrs, mode="batch", skin=mock_skin)
    run = setup.run("--yes")
    assert run.returncode == 0, run.stderr + run.stdout
    written = report_paths(run.stdout)
    assert [p.suffix for p in written] == [".xlsx", ".html", ".csv"]
    sent = {s["pnr"]: s["arende_id"] for s in qa.sent()}
    assert sorted(sent) == sorted(pnrs[:4])
    assert len(sent) > PAGE_SIZE  # Alla ärenden holds them on more than one page

    qa.read(sent[pnrs[0]])
    first = utskick(setup, "follow-up")

    assert first.returncode == 0, first.stderr + first.stdout
    assert "Lästa av invånaren: 1 (nya sedan förra uppföljningen: 1)" in first.stdout
    assert "Olästa: 3" in first.stdout
    assert not PNR_LIKE.search(first.stdout + first.stderr + setup.log_text())
    xlsx = report_paths(first.stdout)[0]
    rows = sent_sheet(xlsx)
    assert {p: a for p, (a, _, _) in rows.items()} == sent
    assert {p for p, (_, r, seen) in rows.items() if r == "Läst" and seen} == {pnrs[0]}
    seen_first = pd.read_excel(xlsx, sheet_name="Skickade")["Först sedd läst (svensk tid)"].dropna().tolist()

    for pnr in pnrs[1:3]:
        qa.read(sent[pnr])
    second = utskick(setup, "follow-up")

    assert second.returncode == 0, second.stderr + second.stdout
    assert "Lästa av invånaren: 3 (nya sedan förra uppföljningen: 2)" in second.stdout
    rows = sent_sheet(xlsx)
    mock_read = {s["pnr"] for s in qa.sent() if s["status"] == "Läst av invånare"}
    assert {p for p, (_, r, _) in rows.items() if r == "Läst"} == mock_read == set(pnrs[:3])
    assert {p for p, (_, r, _) in rows.items() if r == "Oläst"} == {pnrs[3]}
    frame = pd.read_excel(xlsx, sheet_name="Skickade").set_index("Personnummer")
    kept = frame.loc[f"{pnrs[0][:8]}-{pnrs[0][8:]}", "Först sedd läst (svensk tid)"]
    assert [kept] == seen_first  # a later follow-up never moves the first time it was seen read
    mock_sent_at = {
        f"{s['pnr'][:8]}-{s['pnr'][8:]}": pd.Timestamp(s["sent_at"]).tz_convert("Europe/Stockholm").tz_localize(None)
        for s in qa.sent()
    }
    gaps = (frame["Skickat (svensk tid)"] - pd.Series(mock_sent_at)).abs()
    assert len(gaps) == 4 and gaps.max() < pd.Timedelta(minutes=1)  # Swedish local time, as the mock shows it
    summary = summary_sheet(xlsx)
    assert (int(summary["Skickade"]), int(summary["varav lästa"]), int(summary["varav olästa"])) == (4, 3, 1)
    assert int(summary["Ej nåbara (kontakta på annat sätt)"]) == 1
    unreachable = pd.read_excel(xlsx, sheet_name="Ej nåbara")
    assert list(unreachable["Personnummer"]) == [f"{pnrs[4][:8]}-{pnrs[4][8:]}"]
    assert stat.S_IMODE(xlsx.stat().st_mode) == 0o600
    assert stat.S_IMODE(xlsx.parent.stat().st_mode) == 0o700


@ALL_SKINS_SPA_LONG
def test_report_command_should_write_journal_matching_the_mock(tmp_path, mock_skin, live_mock, qa):
    pnrs = official_test_numbers(2700, 2)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs, skin=mock_skin)
    assert setup.run("--yes").returncode == 0
    out = tmp_path / "till-bestallaren"

    result = utskick(setup, "report", "--out", str(out))

    assert result.returncode == 0, result.stderr + result.stdout
    journal = pd.read_csv(next(out.glob("*.csv")), sep=";", encoding="utf-8-sig", dtype=str)
    mock = {s["pnr"]: s for s in qa.sent()}
    assert {p.replace("-", ""): a for p, a in zip(journal["Personnummer"], journal["Ärende-id"], strict=True)} == {
        p: s["arende_id"] for p, s in mock.items()
    }
    assert set(journal["Rubrik"]) == {"Meddelande om provsvar"}
    html = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert not PNR_LIKE.search(html)
    assert re.search(rf'Skickade</th><td class="n">{len(mock)}<', html)


def send_batch(
    tmp_path: Path, mock: LiveMock, qa: QA, pnrs: list[str], skin: str = "classic"
) -> tuple[dict[str, dict], date]:
    """Send to `pnrs` in one batch run; the mock's sent ärenden by id, and the Swedish day they were sent."""
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, mock.url, pnrs, mode="batch", skin=skin)
    assert setup.run("--yes").returncode == 0
    sent = {s["arende_id"]: s for s in qa.sent()}
    return sent, pd.Timestamp(next(iter(sent.values()))["sent_at"]).tz_convert("Europe/Stockholm").date()


def logged_in_screen(context, override: Path | None = None) -> tuple[Screen, list[dict[str, list[str]]]]:
    """A logged-in screen in `context`, and the queries of every Alla ärenden request it makes."""
    page = context.new_page()
    listed: list[dict[str, list[str]]] = []
    page.on(
        "request",
        lambda r: ("/alla" in r.url or "vy=alla" in r.url) and listed.append(parse_qs(urlparse(r.url).query)),
    )
    screen = Screen(page, Selectors.load(PROJECT / "selectors" / "personalverktyg.toml", override), 8000)
    open_staff_tool(screen, LoginRequest("Vårdcentralen Centrum", Credentials("SE2321000016-A001", PASSWORD)))
    return screen, listed


def test_read_statuses_should_filter_sent_by_care_and_the_dates_and_read_every_page(
    tmp_path, paged_mock, paged_qa, browser
):
    sent, day = send_batch(tmp_path, paged_mock, paged_qa, official_test_numbers(2800, 7))
    read_ids = sorted(sent)[:2] + sorted(sent)[-1:]  # oldest and newest: first and last page
    for arende_id in read_ids:
        paged_qa.read(arende_id)
    asked = frozenset(sent) | {"A-finns-inte"}
    context = browser.new_context(base_url=paged_mock.url)
    screen, listed = logged_in_screen(context)

    outcome = read_statuses(screen, FollowUpRequest(asked, day, day))
    context.close()

    searches = [q for q in listed if "arendetyp" in q]
    assert searches and all(q["arendetyp"] == ["varden"] for q in searches)
    assert all((q["fran"], q["till"]) == ([day.isoformat()], [day.isoformat()]) for q in searches)
    assert sorted(q.get("sida", ["1"])[0] for q in searches) == ["1", "2", "3"]  # 7 rows, 3 a page
    assert {a: s.state for a, s in outcome.statuses.items()} == {a: READ if a in read_ids else UNREAD for a in sent}
    assert outcome.missing == {"A-finns-inte"}
    assert outcome.read == len(read_ids)


@ALL_SKINS_SPA_LONG
def test_read_statuses_without_date_filters_should_read_every_page_and_keep_the_dates_itself(
    tmp_path, mock_skin, paged_mock, paged_qa, browser
):
    sent, day = send_batch(tmp_path, paged_mock, paged_qa, official_test_numbers(2810, 4), skin=mock_skin)
    override = tmp_path / "utan-datum.toml"
    override.write_text("[unit_cases]\ndate_from = false\ndate_to = false\n", encoding="utf-8")
    if mock_skin in SKIN_OVERRIDES:  # the spa and modern builds have no date filters; their overrides say so
        override = SKIN_OVERRIDES[mock_skin]
    context = browser.new_context(base_url=paged_mock.url)
    screen, listed = logged_in_screen(context, override)

    that_day = read_statuses(screen, FollowUpRequest(frozenset(sent), day, day))
    day_before = read_statuses(
        screen, FollowUpRequest(frozenset(sent), day - timedelta(days=2), day - timedelta(days=1))
    )
    context.close()

    searches = [q for q in listed if "arendetyp" in q]
    assert searches and not any("fran" in q or "till" in q for q in searches)
    assert {q.get("sida", ["1"])[0] for q in searches} == {"1", "2"}  # 4 rows, 3 a page: every page read
    assert set(that_day.statuses) == set(sent) and not that_day.missing
    assert not day_before.statuses and day_before.missing == frozenset(sent)


@ALL_SKINS_SPA_LONG
def test_run_stopped_mid_way_should_write_a_report_of_what_was_sent_and_what_waits(tmp_path, mock_skin, live_mock, qa):
    pnrs = official_test_numbers(2900, 5)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs, sending="messages_per_minute = 30", skin=mock_skin)
    process = setup.start("--yes")
    assert wait_until(lambda: len(qa.sent()) >= 1)

    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)

    assert process.returncode == 4, out + err
    written = report_paths(out)
    assert [p.suffix for p in written] == [".xlsx", ".html", ".csv"]
    mock = {s["pnr"]: s["arende_id"] for s in qa.sent()}
    assert 1 <= len(mock) < len(pnrs)
    rows = sent_sheet(written[0])
    assert {p: a for p, (a, _, _) in rows.items()} == mock
    waiting = pd.read_excel(written[0], sheet_name="Ej skickade")
    assert sorted(waiting["Personnummer"].str.replace("-", "")) == sorted(set(pnrs) - set(mock))
    assert set(waiting["Läge"]) == {"väntar"}
    summary = summary_sheet(written[0])
    assert (int(summary["Skickade"]), int(summary["Ej skickade (misslyckade, osäkra eller väntande)"])) == (
        len(mock),
        len(pnrs) - len(mock),
    )


@ALL_SKINS_SPA_LONG
def test_report_after_a_run_killed_during_a_send_should_show_the_claimed_citizen_as_not_yet_settled(
    tmp_path, mock_skin, live_mock, qa
):
    pnrs = official_test_numbers(2950, 4)
    qa.reachable(*pnrs)
    qa.faults(latency_ms=[300, 400], seed=3)  # time to kill while a send is on its way
    setup = write_campaign(tmp_path, live_mock.url, pnrs, skin=mock_skin)
    for _ in range(5):  # the row may settle between the look and the kill; then resume and kill again
        process = setup.start("--yes")
        assert wait_until(lambda: setup.count_state("sending") > 0)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
        if setup.count_state("sending"):
            break
    qa.faults()

    result = utskick(setup, "report")

    assert result.returncode == 0, result.stderr + result.stdout
    xlsx = next((setup.folder / "reports").glob("*/*.xlsx"))
    sheets = pd.read_excel(xlsx, sheet_name=None, dtype={"Personnummer": str})
    mock = {s["pnr"]: s["arende_id"] for s in qa.sent()}
    skickade = sheets["Skickade"]
    sent = dict(zip(skickade["Personnummer"].str.replace("-", ""), skickade["Ärende-id"], strict=True))
    claimed = sheets["Ej skickade"][sheets["Ej skickade"]["Läge"] == "skickas"]
    assert len(claimed) == 1 and claimed["Nästa steg"].str.contains("Alla ärenden").all()
    assert sent.items() <= mock.items()  # what the report calls sent, the mock has sent
    assert set(mock) <= set(sent) | set(claimed["Personnummer"].str.replace("-", ""))  # nothing sent is hidden
    assert len(sheets["Skickade"]) + len(sheets["Ej skickade"]) == len(pnrs)
    summary = summary_sheet(xlsx)
    assert int(summary["Invånare i kampanjen"]) == len(pnrs)
    html = next((setup.folder / "reports").glob("*/*.html")).read_text(encoding="utf-8")
    assert not PNR_LIKE.search(html)


@ALL_SKINS_SPA_LONG
def test_follow_up_should_stop_resumable_and_change_nothing_when_the_staff_tool_keeps_failing(
    tmp_path, mock_skin, live_mock, qa
):
    pnrs = official_test_numbers(2980, 2)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs, max_retries=2, skin=mock_skin)
    assert setup.run("--yes").returncode == 0
    for s in qa.sent():
        qa.read(s["arende_id"])
    before = setup.ledger_rows()
    qa.faults(error_rate=1.0)

    result = utskick(setup, "follow-up")

    assert result.returncode == 4, result.stderr + result.stdout
    assert "svarade inte efter 2 försök" in result.stderr
    assert "kör uppföljningen igen senare" in result.stderr
    with sqlite3.connect(setup.ledger) as conn:
        assert conn.execute("SELECT count(*) FROM items WHERE read_status IS NOT NULL").fetchone() == (0,)
    assert setup.ledger_rows() == before
    assert not PNR_LIKE.search(result.stdout + result.stderr + setup.log_text())
