"""bot.report: ledgers built with the Ledger API → xlsx (read back with pandas), HTML summary, journal CSV."""

from __future__ import annotations

import io
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from bot.commands.cli import main
from bot.config import load_campaign
from bot.ledger import Ledger, campaign_key
from bot.locators import Selectors
from bot.report import build_frames, read_input, render_html, write_reports, write_reports_for_campaign
from tests.helpers import official_test_numbers, write_campaign

NOW = datetime(2024, 5, 3, 12, 0, tzinfo=UTC)
FACTS = {
    "name": "Provsvar maj",
    "unit": "Vårdcentralen Centrum",
    "template": "Meddelande om provsvar",
    "texts": ["Provsvar klart", "Kontakt"],
    "extra_text": "",
    "attachments": [{"name": "information.pdf", "sha256": "ab" * 32}],
    "bestallare": "Region Exempel, smittskydd",
    "ansvarig_avsandare": {"name": "Anna Ärendehanterare", "title": "Sjuksköterska", "unit": "VC Centrum"},
    "contact_unreachable_otherwise": True,
    "mode": "single",
}
PNR_LIKE = re.compile(r"(?<!\d)(\d{10}|\d{12})(?!\d)|(?<!\d)\d{8}-\d{4}(?!\d)|(?<!\d)\d{6}[-+]\d{4}(?!\d)")


@dataclass
class Book:
    """A ledger with one campaign whose items are the official test numbers `pnrs`."""

    ledger: Ledger
    key: str
    pnrs: list[str]
    ids: list[int]
    folder: Path

    def write(self) -> list[Path]:
        return write_reports(self.ledger, self.key, self.folder / "rapporter", now=NOW)

    def sheets(self) -> dict[str, pd.DataFrame]:
        return pd.read_excel(self.write()[0], sheet_name=None)

    def summary(self) -> dict[str, object]:
        frame = self.sheets()["Sammanfattning"].dropna(subset=["Uppgift"])
        return dict(zip(frame["Uppgift"].str.strip(), frame["Värde"], strict=True))


def dash(pnr: str) -> str:
    return f"{pnr[:8]}-{pnr[8:]}"


def make_book(tmp_path: Path, count: int, start: int = 300, rejected: int = 0, facts: dict | None = None) -> Book:
    facts = facts or FACTS
    ledger = Ledger.open(tmp_path / "ledger.sqlite", actor="SE2321000016-A001", run_id="20240501T080000Z-0001")
    key = campaign_key(facts)
    ledger.ensure_campaign(key, facts["name"], facts)
    pnrs = official_test_numbers(start, count)
    if count or rejected:
        bad = [("lista.txt", 100 + n, "19000101-0000", "bad_checksum", "Fel kontrollsiffra") for n in range(rejected)]
        citizens = [(p, "leverans.7z", "lista.txt", n) for n, p in enumerate(pnrs, start=1)]
        ledger.add_delivery(key, "fp-1", "leverans.7z", citizens, bad)
    return Book(ledger, key, pnrs, [i.id for i in ledger.items(key)], tmp_path)


@pytest.fixture
def mixed(tmp_path: Path) -> Iterator[Book]:
    """3 sent (read, unread, not followed up), 2 not reachable, 1 failed, 1 in doubt, 1 pending, 1 invalid."""
    book = make_book(tmp_path, 9, rejected=2)
    led, ids = book.ledger, book.ids
    led.mark_sending(ids[:3])
    led.mark_sent(ids[0], "A-1001", "2024-05-01T08:00:00.000000Z")
    led.mark_sent(ids[1], "A-1002", "2024-05-01T08:01:00.000000Z")
    led.mark_sent(ids[2], "A-1003", "2024-05-01T08:02:00.000000Z")
    led.set_read(ids[0], "Läst av invånare", "2024-05-02T07:30:00.000000Z")
    led.set_read(ids[1], "Oläst av invånare")
    led.mark_not_reachable(ids[3], "login_locked", "Inloggningen är spärrad")
    led.mark_not_reachable(ids[4], "never_logged_in", "")
    led.mark_failed(ids[5], "StaffToolTimeout", "Personalverktyget svarade inte")
    led.mark_sending([ids[6]])
    led.mark_in_doubt(ids[6], "saknas på kvittot")
    led.mark_invalid(ids[8], "invalid_pnr", "Ogiltigt personnummer")
    yield book
    led.close()


def test_xlsx_should_have_the_sheets_the_bestallare_expects(mixed: Book) -> None:
    assert list(mixed.sheets()) == [
        "Sammanfattning",
        "Skickade",
        "Ej nåbara",
        "Ej skickade",
        "Ogiltiga i leveransen",
        "Körningar",
    ]


def test_xlsx_summary_should_hold_the_campaign_facts_and_the_counts(mixed: Book) -> None:
    summary = mixed.summary()
    assert summary["Kampanj"] == "Provsvar maj"
    assert summary["Beställare"] == "Region Exempel, smittskydd"
    assert summary["Ansvarig avsändare"] == "Anna Ärendehanterare, Sjuksköterska"
    assert summary["Sändande mottagning"] == "Vårdcentralen Centrum"
    assert summary["Mall (ärendets rubrik)"] == "Meddelande om provsvar"
    assert summary["Texter i ordning"] == "Provsvar klart, Kontakt"
    assert summary["Bilagor"] == "information.pdf"
    assert summary["Körd av"] == "SE2321000016-A001"
    assert summary["Tidszon"] == "Alla tider är svensk tid (Europe/Stockholm)."
    assert summary["Botversion"]
    expected = {
        "Invånare i kampanjen": 9,
        "Skickade": 3,
        "varav lästa": 1,
        "varav olästa": 1,
        "varav ännu inte uppföljda": 1,
        "Ej nåbara (kontakta på annat sätt)": 2,
        "Ej skickade (misslyckade, osäkra eller väntande)": 3,
        "Ogiltiga i leveransen": 3,
        "Ej nåbara: spärrad inloggning": 1,
        "Ej nåbara: har aldrig loggat in på 1177": 1,
    }
    assert {k: int(summary[k]) for k in expected} == expected
    assert summary["Andel lästa av skickade"] == "33 %"


def test_xlsx_sent_sheet_should_hold_one_row_per_arende_with_read_status(mixed: Book) -> None:
    sent = mixed.sheets()["Skickade"]
    p = mixed.pnrs
    assert list(sent["Personnummer"]) == [dash(p[0]), dash(p[1]), dash(p[2])]
    assert list(sent["Ärende-id"]) == ["A-1001", "A-1002", "A-1003"]
    assert list(sent["Läst"]) == ["Läst", "Oläst", "Ej uppföljt"]
    assert sent["Skickat (svensk tid)"][0] == pd.Timestamp("2024-05-01 10:00:00")
    assert sent["Först sedd läst (svensk tid)"][0] == pd.Timestamp("2024-05-02 09:30:00")
    assert pd.isna(sent["Först sedd läst (svensk tid)"][1])


def test_xlsx_should_list_unreachable_unsent_and_invalid_citizens_with_reasons(mixed: Book) -> None:
    sheets = mixed.sheets()
    p = mixed.pnrs
    unreachable = sheets["Ej nåbara"]
    assert list(unreachable["Personnummer"]) == [dash(p[3]), dash(p[4])]
    assert list(unreachable["Orsak"]) == ["spärrad inloggning", "har aldrig loggat in på 1177"]
    not_sent = sheets["Ej skickade"]
    assert list(not_sent["Personnummer"]) == [dash(p[5]), dash(p[6]), dash(p[7])]
    assert list(not_sent["Läge"]) == ["misslyckade (systemfel)", "osäkra (kontrolleras vid nästa körning)", "väntar"]
    assert not_sent["Nästa steg"].str.len().min() > 0
    invalid = sheets["Ogiltiga i leveransen"]
    assert list(invalid["Rad"]) == [100, 101, 9]
    assert list(invalid["Värde (maskerat)"])[-1] == f"{p[8][:8]}-****"
    assert invalid["Orsak"][0] == "Fel kontrollsiffra"


@pytest.mark.parametrize(
    ("sent_at", "local"),
    [
        ("2024-05-01T08:00:00.000000Z", "2024-05-01 10:00"),  # summer time, UTC+2
        ("2024-01-15T23:30:00.000000Z", "2024-01-16 00:30"),  # winter time, UTC+1, past midnight
        ("2024-03-31T00:59:00+00:00", "2024-03-31 01:59"),  # the minute before the clocks go forward
    ],
)
def test_journal_export_should_date_each_send_in_swedish_local_time(tmp_path: Path, sent_at: str, local: str) -> None:
    book = make_book(tmp_path, 1)
    book.ledger.mark_sending(book.ids)
    book.ledger.mark_sent(book.ids[0], "A-7", sent_at)

    journal = pd.read_csv(book.write()[2], sep=";", encoding="utf-8-sig", dtype=str)

    assert list(journal.columns) == [
        "Personnummer",
        "Datum (svensk tid)",
        "Mottagning",
        "Mall",
        "Rubrik",
        "Ärende-id",
        "Avsändare",
        "Skickat av (HSA-id)",
        "Inloggad avsändare (Personalverktyget)",
    ]
    row = journal.iloc[0]
    assert row["Datum (svensk tid)"] == local
    assert (row["Personnummer"], row["Ärende-id"]) == (dash(book.pnrs[0]), "A-7")
    assert row["Mottagning"] == "Vårdcentralen Centrum"
    assert row["Rubrik"] == "Meddelande om provsvar"
    assert row["Avsändare"] == "Anna Ärendehanterare, Sjuksköterska, VC Centrum"
    assert row["Skickat av (HSA-id)"] == "SE2321000016-A001"
    book.ledger.close()


def test_reports_should_be_owner_only_files_in_an_owner_only_folder(mixed: Book) -> None:
    folder = mixed.folder / "rapporter"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)

    paths = mixed.write()

    assert [p.suffix for p in paths] == [".xlsx", ".html", ".csv"]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in paths)
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in paths)
    assert not any(PNR_LIKE.search(p.name) for p in paths)


def test_html_summary_should_hold_the_counts_and_no_personnummer(mixed: Book) -> None:
    html = mixed.write()[1].read_text(encoding="utf-8")

    assert not PNR_LIKE.search(html)
    for pnr in mixed.pnrs:
        assert pnr not in html and pnr[2:] not in html and dash(pnr) not in html
    assert "<svg" in html and "<metadata>" not in html
    assert not re.search(r"(src|href)=\"(https?:|//)|url\((?!#)|@import|<script|<link", html)
    text = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
    assert re.search(r"Skickade</th><td class=\"n\">3<", text)
    assert re.search(r"Ej nåbara \(kontakta på annat sätt\)</th><td class=\"n\">2<", text)
    assert "Europe/Stockholm" in text


def test_html_summary_should_drop_a_personnummer_in_campaign_texts_even_masked(tmp_path: Path) -> None:
    pnr = official_test_numbers(400, 1)[0]
    facts = {
        **FACTS,
        "name": f"Uppföljning {pnr}",
        "bestallare": f"Fråga {pnr[2:8]}-{pnr[8:]}",
        "extra_text": f"Gäller {pnr[:8]}-****",
    }
    book = make_book(tmp_path, 0, facts=facts)
    data = read_input(book.ledger, book.key, now=NOW)

    html = render_html(data, build_frames(data))

    text = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)  # path data is digits that mean nothing
    assert not PNR_LIKE.search(html)
    assert pnr[2:8] not in text
    assert "Uppföljning [personnummer borttaget]" in html
    assert "Gäller [personnummer borttaget]" in html
    book.ledger.close()


def test_report_of_an_empty_campaign_should_show_zeros_and_empty_sheets(tmp_path: Path) -> None:
    book = make_book(tmp_path, 0)

    sheets = book.sheets()
    summary = book.summary()

    assert int(summary["Invånare i kampanjen"]) == 0
    assert int(summary["Skickade"]) == 0
    assert summary["Andel lästa av skickade"] == "–"
    assert all(sheets[name].empty for name in ("Skickade", "Ej nåbara", "Ej skickade", "Ogiltiga i leveransen"))
    assert "Personnummer" in sheets["Skickade"].columns
    html = (tmp_path / "rapporter").glob("*.html").__next__().read_text(encoding="utf-8")
    assert "Inga ärenden har skickats ännu" in html
    journal = pd.read_csv(next((tmp_path / "rapporter").glob("*.csv")), sep=";", encoding="utf-8-sig")
    assert journal.empty and "Ärende-id" in journal.columns
    book.ledger.close()


def test_report_of_only_unreachable_citizens_should_list_them_for_contact_by_other_means(tmp_path: Path) -> None:
    book = make_book(tmp_path, 3)
    reasons = ["login_locked", "no_notification", "cannot_log_in"]
    for item_id, reason in zip(book.ids, reasons, strict=True):
        book.ledger.mark_not_reachable(item_id, reason, "")

    sheets = book.sheets()
    summary = book.summary()

    assert int(summary["Ej nåbara (kontakta på annat sätt)"]) == 3
    assert int(summary["Skickade"]) == 0
    assert sorted(sheets["Ej nåbara"]["Personnummer"]) == sorted(dash(p) for p in book.pnrs)
    assert set(sheets["Ej nåbara"]["Orsak"]) == {
        "spärrad inloggning",
        "saknar avisering (SMS eller e-post)",
        "samordnings- eller reservnummer (kan inte logga in)",
    }
    assert sheets["Skickade"].empty
    book.ledger.close()


def test_report_of_an_interrupted_run_should_count_claimed_citizens_as_not_sent(tmp_path: Path) -> None:
    book = make_book(tmp_path, 5)
    book.ledger.mark_sending(book.ids[:2])
    book.ledger.mark_sent(book.ids[0], "A-1")
    book.ledger.mark_sending([book.ids[2]])  # killed after the claim: the row stays `sending`

    summary = book.summary()
    not_sent = book.sheets()["Ej skickade"]

    assert int(summary["Skickade"]) == 1
    assert int(summary["Ej skickade (misslyckade, osäkra eller väntande)"]) == 4
    assert list(not_sent["Personnummer"]) == [dash(p) for p in book.pnrs[1:]]
    claimed = not_sent[not_sent["Läge"] == "skickas"]
    assert len(claimed) == 2
    assert claimed["Nästa steg"].str.contains("Alla ärenden").all()
    book.ledger.close()


def test_report_should_list_runs_and_follow_ups_from_the_audit_trail(mixed: Book) -> None:
    follow_up = Ledger.open(mixed.ledger.path, actor="SE2321000016-A002", run_id="20240502T073000Z-0002")
    follow_up.set_read(mixed.ids[2], "Läst av invånare", "2024-05-02T08:00:00Z")
    follow_up.close()

    runs = mixed.sheets()["Körningar"]

    assert list(runs["Typ"]) == ["utskick", "uppföljning"]
    assert list(runs["Utförd av"]) == ["SE2321000016-A001", "SE2321000016-A002"]
    assert list(runs["Skickade"]) == [3, 0]
    summary = mixed.summary()
    assert int(summary["varav lästa"]) == 2
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", summary["Senaste uppföljning med nytt läsläge (svensk tid)"])


def test_read_curve_should_rise_with_each_first_seen_read(mixed: Book) -> None:
    data = read_input(mixed.ledger, mixed.key, now=NOW)

    curve = build_frames(data).read_curve

    assert [round(share, 3) for _, share in curve] == [0.0, 0.333, 0.333]
    assert curve[0][0].utcoffset().total_seconds() == 7200


def test_write_reports_for_campaign_should_write_nothing_for_a_campaign_never_run(tmp_path: Path) -> None:
    setup = write_campaign(tmp_path, "http://127.0.0.1:9", official_test_numbers(500, 1))
    assert write_reports_for_campaign(load_campaign(setup.campaign)) == []


def test_report_command_should_write_three_files_and_say_where(tmp_path: Path) -> None:
    setup = write_campaign(tmp_path, "http://127.0.0.1:9", official_test_numbers(510, 2))
    campaign = load_campaign(setup.campaign)
    key = campaign.key()
    with Ledger.open(campaign.ledger, actor="t", run_id="t") as ledger:
        ledger.ensure_campaign(key, campaign.name, campaign.facts())
        ledger.add_delivery(key, "fp", "leverans.txt", [(p, None, "leverans.txt", 1) for p in setup.pnrs[:1]])
    out = tmp_path / "ut"

    result = CliRunner().invoke(main, ["report", str(setup.campaign), "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert "Excel till beställaren" in result.output
    assert sorted(p.suffix for p in out.iterdir()) == [".csv", ".html", ".xlsx"]
    assert not PNR_LIKE.search(result.output)
    summary = pd.read_excel(next(out.glob("*.xlsx")), sheet_name="Sammanfattning").set_index("Uppgift")["Värde"]
    selectors = Selectors.load(campaign.selectors, campaign.selectors_override)
    assert summary["Selektorfil (sha256)"] == selectors.sha256  # the same hash the bot computes when it loads them


def test_report_command_should_say_when_the_campaign_has_not_run(tmp_path: Path) -> None:
    setup = write_campaign(tmp_path, "http://127.0.0.1:9", official_test_numbers(520, 1))

    result = CliRunner().invoke(main, ["report", str(setup.campaign)])

    assert result.exit_code == 0
    assert "har inte körts ännu" in result.output


def test_xlsx_bytes_should_read_back_identically_with_pandas(mixed: Book) -> None:
    from bot.report.xlsx import xlsx_bytes

    frames = build_frames(read_input(mixed.ledger, mixed.key, now=NOW))
    back = pd.read_excel(io.BytesIO(xlsx_bytes(frames)), sheet_name="Skickade")

    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        # Excel has no empty text: an empty cell reads back as missing.
        frame = frame.astype(object)
        return frame.where(frame.notna() & (frame != ""), None)

    pd.testing.assert_frame_equal(plain(back), plain(frames.sent), check_dtype=False)


def test_xlsx_should_keep_a_text_that_looks_like_a_formula_as_text(tmp_path: Path) -> None:
    import openpyxl

    book = make_book(tmp_path, 0)
    formula = '=HYPERLINK("http://example.invalid";"Klicka")'
    book.ledger.add_delivery(book.key, "fp-2", "leverans.7z", [], [(formula, 3, "****", "bad_format", "=1+1")])

    workbook = openpyxl.load_workbook(book.write()[0])

    cells = [c for row in workbook["Ogiltiga i leveransen"].iter_rows(min_row=2) for c in row]
    assert {c.value for c in cells} >= {"'" + formula, "'=1+1"}  # the apostrophe keeps Excel from running it
    assert {c.data_type for c in cells if c.value is not None} <= {"s", "n"}
    book.ledger.close()


def test_korningar_should_show_how_each_run_ended_and_its_exit_code(tmp_path: Path) -> None:
    book = make_book(tmp_path, 4)
    book.ledger.record_run_started(book.key)
    book.ledger.mark_sending(book.ids[:1])
    book.ledger.mark_sent(book.ids[0], "A-1")
    book.ledger.record_run_finished(book.key, outcome="finished", exit_code=0, sent=1)
    runs = [("declined", 0), ("interrupted", 4), ("stopped", 3), (None, None)]  # None: killed, never recorded an end
    for n, (outcome, code) in enumerate(runs, start=2):
        led = Ledger.open(book.ledger.path, actor="SE2321000016-A001", run_id=f"20240501T08000{n}Z-000{n}")
        led.record_run_started(book.key)
        if outcome:
            led.record_run_finished(book.key, outcome=outcome, exit_code=code, sent=0)
        led.close()

    sheet = book.sheets()["Körningar"]

    assert list(sheet["Utfall"]) == ["klar", "avbruten", "avbruten", "stoppad", "avbröts av systemet"]
    assert [None if pd.isna(c) else int(c) for c in sheet["Slutkod"]] == [0, 0, 4, 3, None]
    assert list(sheet["Skickade"]) == [1, 0, 0, 0, 0]
    book.ledger.close()


def test_report_should_show_the_send_period_in_swedish_time(mixed: Book) -> None:
    summary = mixed.summary()
    html = render_html(read_input(mixed.ledger, mixed.key, now=NOW), build_frames(read_input(mixed.ledger, mixed.key)))

    assert summary["Första Skicka (svensk tid)"] == "2024-05-01 10:00"  # 08:00 UTC is 10:00 in Swedish summer time
    assert summary["Sista Skicka (svensk tid)"] == "2024-05-01 10:02"
    assert "Första Skicka (svensk tid)</th><td>2024-05-01 10:00" in html
    assert "Sista Skicka (svensk tid)</th><td>2024-05-01 10:02" in html


def test_ej_nabara_should_leave_out_the_control_labels_scraped_with_the_tool_text(tmp_path: Path) -> None:
    book = make_book(tmp_path, 2)
    book.ledger.mark_not_reachable(book.ids[0], "login_locked", "Inloggningen är spärrad\nTa bort")
    book.ledger.mark_not_reachable(book.ids[1], "no_notification", "Aktiv inloggning  Ingen avisering Ta bort")

    texts = list(book.sheets()["Ej nåbara"]["Personalverktygets text"])

    assert texts == ["Inloggningen är spärrad", "Aktiv inloggning Ingen avisering"]
    book.ledger.close()


def test_reports_should_name_who_the_staff_tool_showed_signed_in_as_sender(tmp_path: Path) -> None:
    book = make_book(tmp_path, 2)
    book.ledger.record_run_started(book.key)
    book.ledger.record_sender(book.key, "Anna Ärendehanterare")
    book.ledger.mark_sending(book.ids)
    book.ledger.mark_sent(book.ids[0], "A-1", "2024-05-01T08:00:00.000000Z")
    later = Ledger.open(book.ledger.path, actor="SE2321000016-A002", run_id="20240502T080000Z-0002")
    later.record_run_started(book.key)
    later.record_sender(book.key, "Lars Lokaladmin (SE2321000016-A002)")
    later.mark_sent(book.ids[1], "A-2", "2024-05-02T08:00:00.000000Z")
    later.close()

    paths = book.write()
    sheets = pd.read_excel(paths[0], sheet_name=None)
    journal = pd.read_csv(paths[2], sep=";", encoding="utf-8-sig", dtype=str)
    summary = book.summary()
    html = paths[1].read_text(encoding="utf-8")

    runs = sheets["Körningar"]
    assert list(runs["Inloggad i Personalverktyget"]) == ["Anna Ärendehanterare", "Lars Lokaladmin (SE2321000016-A002)"]
    assert list(journal["Inloggad avsändare (Personalverktyget)"]) == [
        "Anna Ärendehanterare",
        "Lars Lokaladmin (SE2321000016-A002)",
    ]
    shown = "Anna Ärendehanterare, Lars Lokaladmin (SE2321000016-A002)"
    assert summary["Inloggad i Personalverktyget (avsändare)"] == shown
    assert "Anna Ärendehanterare, Lars Lokaladmin (HSA-id i Excel-rapporten)" in html
    assert "SE2321000016-A002" not in html
    book.ledger.close()


def test_reports_should_say_when_no_signed_in_user_was_read(mixed: Book) -> None:
    assert mixed.summary()["Inloggad i Personalverktyget (avsändare)"] == "(inte avläst)"
