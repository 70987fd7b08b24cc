"""`utskick run` end to end: the real CLI, a real headless Chromium, the real mock over HTTP, a real SQLite ledger."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers import ALL_SKINS, DEMO_PDF, official_test_numbers, write_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PDF_SHA256 = hashlib.sha256(DEMO_PDF.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("mock_skin", "mode"),
    [
        ("classic", "single"),
        ("classic", "batch"),
        ("spa", "single"),
        ("spa", "batch"),
        pytest.param("modern", "single", marks=pytest.mark.long),
        ("modern", "batch"),  # the modern skin's one row in `make test`
    ],
    indirect=["mock_skin"],
)
def test_run_should_send_one_arende_per_reachable_citizen_and_record_the_rest(tmp_path, mock_skin, live_mock, qa, mode):
    pnrs = official_test_numbers(2000, 6)
    qa.reachable(*pnrs)
    qa.set_citizen(pnrs[1], login="locked")
    qa.set_citizen(pnrs[4], login="active", notify=[])
    setup = write_campaign(tmp_path / mode, live_mock.url, pnrs, mode=mode, extra="Hälsningar från QA.", skin=mock_skin)

    result = setup.run("--yes")

    assert result.returncode == 0, result.stderr + result.stdout
    sent = qa.sent()
    reachable = [p for i, p in enumerate(pnrs) if i not in (1, 4)]
    assert sorted(s["pnr"] for s in sent) == sorted(reachable)
    for arende in sent:
        assert arende["subject"] == "Meddelande om provsvar"
        assert arende["unit"] in ("vc-centrum", "Vårdcentralen Centrum")
        assert [a["sha256"] for a in arende["attachments"]] == [PDF_SHA256]
        assert arende["text"].rstrip().endswith("Hälsningar från QA.")
    rows = setup.ledger_rows()
    assert rows[pnrs[1]][0] == "not_reachable"
    assert rows[pnrs[4]][0] == "not_reachable"
    assert {s["pnr"]: s["arende_id"] for s in sent} == {p: rows[p][1] for p in reachable}
    assert all(rows[p][0] == "sent" for p in reachable)
    assert "Skickade i denna körning: 4" in result.stdout
    assert "spärrad inloggning: 1" in result.stdout


def test_run_should_insert_template_texts_in_campaign_order(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(2100, 1)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs)
    setup.campaign.write_text(
        setup.campaign.read_text().replace('["Provsvar klart", "Kontakt"]', '["Kontakt", "Provsvar klart"]')
    )

    assert setup.run("--yes").returncode == 0
    (first,) = qa.sent()

    setup2 = write_campaign(tmp_path / "andra", live_mock.url, pnrs)
    assert setup2.run("--yes").returncode == 0
    second = [s for s in qa.sent() if s["arende_id"] != first["arende_id"]][0]
    parts_first = [p for p in first["text"].split("\n\n") if p.strip()]
    parts_second = [p for p in second["text"].split("\n\n") if p.strip()]
    assert parts_first == list(reversed(parts_second))


def test_rerun_should_send_nothing_twice_and_a_new_delivery_only_to_new_citizens(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(2200, 5)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs[:3], mode="batch")
    assert setup.run("--yes").returncode == 0
    assert setup.run("--yes").returncode == 0
    assert len(qa.sent()) == 3

    setup.delivery.write_text("\n".join(pnrs) + "\n")
    result = setup.run("--yes")

    assert result.returncode == 0, result.stderr
    assert sorted(s["pnr"] for s in qa.sent()) == sorted(pnrs)


@ALL_SKINS
def test_dry_run_should_drive_the_flow_and_send_nothing(tmp_path, mock_skin, live_mock, qa):
    pnrs = official_test_numbers(2300, 3)
    qa.reachable(*pnrs)
    qa.set_citizen(pnrs[2], login="never")
    setup = write_campaign(tmp_path, live_mock.url, pnrs, skin=mock_skin)

    result = setup.run("--dry-run")

    assert result.returncode == 0, result.stderr
    assert qa.sent() == []
    assert "Skulle skickas: 2" in result.stdout
    assert "aldrig loggat in" in result.stdout
    assert "Förhandsvisning av meddelandet" in result.stdout
    assert not setup.ledger.exists() or all(state == "pending" for state, _ in setup.ledger_rows().values())


def test_declined_confirmation_should_send_nothing_after_showing_counts_and_preview(
    tmp_path, live_mock, qa, monkeypatch
):
    from bot.config import load_campaign
    from bot.run.runner import Run, RunOptions

    pnrs = official_test_numbers(2350, 3)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs)
    monkeypatch.setenv("UTSKICK_PASSWORD", "utskick-demo")
    shown: list[str] = []

    def decline(text: str) -> bool:
        shown.append(text)
        return False

    options = RunOptions(delivery=setup.delivery, confirm=decline)
    run = Run(load_campaign(setup.campaign), options, run_id="test-decline")
    # Playwright's sync API refuses a thread where pytest-playwright already runs an event loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        summary = pool.submit(run.execute).result(timeout=300)

    assert summary.exit_code == 4
    assert summary.declined
    assert summary.message == "Avbrutet – inget skickades."
    assert qa.sent() == []
    assert "Invånare att skicka till nu: 3" in shown[0]
    assert "Provsvar" in shown[0] or "provsvar" in shown[0]
    assert all(state == "pending" for state, _ in setup.ledger_rows().values())


def test_changed_label_should_stop_with_exit_3_and_name_the_selector(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(2400, 2)
    qa.reachable(*pnrs)
    override = tmp_path / "site.toml"
    override.write_text('[step2]\nadd = { role = "button", name = "Lägg till mottagare" }\n', encoding="utf-8")
    setup = write_campaign(tmp_path, live_mock.url, pnrs, staff_tool=f'selectors_override = "{override}"')

    result = setup.run("--yes")

    assert result.returncode == 3, result.stderr + result.stdout
    assert "step2.add" in result.stdout + result.stderr
    assert "Lägg till mottagare" in result.stdout + result.stderr
    candidates = "Hittar inte knappen 'Lägg till mottagare'. På sidan finns: knapp 'Lägg till'"
    assert candidates in result.stdout + result.stderr
    assert qa.sent() == []
    assert list((tmp_path / "artifacts").glob("*.png")), "a screenshot of the failure is kept"
    names = " ".join(p.name for p in (tmp_path / "artifacts").iterdir())
    assert not re.search(r"\d{10}", names)
    assert not any(pnr[:8] in names or pnr[2:] in names for pnr in pnrs)


def test_log_file_should_contain_no_personnummer(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(2500, 4)
    qa.reachable(*pnrs)
    qa.set_citizen(pnrs[0], login="deceased")
    setup = write_campaign(tmp_path, live_mock.url, pnrs, mode="batch")

    assert setup.run("--yes", "-v").returncode == 0

    log = setup.log_text()
    assert "run_finished" in log
    assert not re.search(r"(?<!\d)\d{10}(?!\d)|(?<!\d)\d{12}(?!\d)|\d{6,8}[-+]\d{4}", log)


def test_limit_should_send_to_at_most_n_and_status_should_show_the_rest_waiting(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(2600, 3)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs, mode="batch")

    result = setup.run("--yes", "--limit", "2")

    assert result.returncode == 4, result.stdout + result.stderr
    assert len(qa.sent()) == 2
    assert "väntar" in result.stdout
    status = subprocess.run(
        [sys.executable, "-m", "bot.commands.cli", "status", str(setup.campaign)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert status.returncode == 0, status.stderr
    assert "skickade: 2" in status.stdout
    assert "väntar: 1" in status.stdout


def test_two_workers_recycling_their_contexts_should_send_each_citizen_once(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(2800, 8)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs, sending="workers = 2\nrecycle_every = 2")
    setup.campaign.write_text(setup.campaign.read_text().replace("workers = 1\n", ""), encoding="utf-8")

    result = setup.run("--yes")

    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(s["pnr"] for s in qa.sent()) == sorted(pnrs), "each citizen exactly once"
    events = [json.loads(line) for line in setup.log_text().splitlines()]
    senders = {e.get("worker") for e in events if e["event"] == "sent"}
    assert senders == {0, 1}, "both workers sent"
    assert sum(1 for e in events if e["event"] == "context_recycled") >= 2, "fresh contexts every 2 citizens"
