"""`utskick settle`: after a run stops with exit 3 because Alla ärenden shows rows that only look like the ärende,
a person looks the citizens up and records what they saw; the next run then sends to the one without an ärende
and never again to the one with it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections import Counter
from datetime import UTC, datetime

import jsonschema
import pytest

from tests.helpers import (
    PROJECT,
    Setup,
    assert_no_personnummer,
    ledger_ids,
    official_test_numbers,
    today_weekday,
    write_campaign,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SCHEMA = json.loads((PROJECT / "docs" / "schema" / "utskick-output.schema.json").read_text(encoding="utf-8"))


def _settle(setup: Setup, *args: str) -> subprocess.CompletedProcess:
    return setup.utskick("settle", *args)


def _stopped_with_two_look_alikes(tmp_path, live_mock, qa) -> tuple[Setup, list[str], dict[str, str]]:
    """Two citizens claimed (as a crash after Skicka leaves them), each with a row in Alla ärenden whose subject
    is shortened: the run stops with exit 3 and both stay in doubt."""
    pnrs = official_test_numbers(6100, 2)
    qa.reachable(*pnrs)
    other_days = [d for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun") if d != today_weekday()]
    closed = f'window = {{ days = {other_days!r}, start = "08:00", end = "18:00" }}'.replace("'", '"')
    assert write_campaign(tmp_path, live_mock.url, pnrs, sending=closed).run("--yes", "--no-wait").returncode == 4
    with sqlite3.connect(tmp_path / "ledger.sqlite") as conn:
        conn.execute("UPDATE items SET state = 'sending', claimed_at = ?", (datetime.now(UTC).isoformat(),))
    arenden = {p: qa.add_arende(p, "Meddelande om provs…")["arende_id"] for p in pnrs}
    setup = write_campaign(tmp_path, live_mock.url, pnrs)
    stopped = setup.run("--yes")
    assert stopped.returncode == 3, stopped.stdout + stopped.stderr
    assert {state for state, _ in setup.ledger_rows().values()} == {"in_doubt"}
    return setup, pnrs, arenden


def test_settle_should_record_a_persons_decision_and_the_next_run_should_follow_it(tmp_path, live_mock, qa):
    setup, (has_it, lacks_it), arenden = _stopped_with_two_look_alikes(tmp_path, live_mock, qa)
    ids = ledger_ids(setup)

    listed = _settle(setup)
    listed_json = _settle(setup, "--json")
    by = ("--by", "Anna Ärendehanterare", "--yes")
    as_sent = _settle(setup, "--row", str(ids[has_it]), "--sent", arenden[has_it], *by)
    as_not_sent = _settle(setup, "--row", str(ids[lacks_it]), "--not-sent", *by)
    rerun = setup.run("--yes")

    assert listed.returncode == 0, listed.stderr
    for item_id in ids.values():
        assert f"rad {item_id}:" in listed.stdout
    document = json.loads(listed_json.stdout)
    jsonschema.validate(document, SCHEMA)
    assert sorted(r["row"] for r in document["in_doubt"]) == sorted(ids.values())
    assert as_sent.returncode == 0 and as_not_sent.returncode == 0, as_sent.stderr + as_not_sent.stderr
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    rows = setup.ledger_rows()
    assert rows[has_it] == ("sent", arenden[has_it])
    assert rows[lacks_it][0] == "sent" and rows[lacks_it][1] != arenden[lacks_it]
    assert Counter(s["pnr"] for s in qa.sent()) == {has_it: 1, lacks_it: 2}, "the look-alike and one real ärende"
    with sqlite3.connect(setup.ledger) as conn:
        events = conn.execute("SELECT event, actor FROM events WHERE event LIKE 'resolved_as_%' ORDER BY id").fetchall()
    assert events == [
        ("resolved_as_sent", "person:Anna Ärendehanterare"),
        ("resolved_as_not_sent", "person:Anna Ärendehanterare"),
    ]
    shown = listed.stdout + listed.stderr + listed_json.stdout + as_sent.stdout + as_not_sent.stdout
    assert_no_personnummer(shown + setup.log_text(), [has_it, lacks_it])


def test_settle_should_refuse_what_it_cannot_do_and_change_nothing(tmp_path, live_mock, qa):
    setup, (first, second), arenden = _stopped_with_two_look_alikes(tmp_path, live_mock, qa)
    ids = ledger_ids(setup)
    before = setup.ledger_rows()

    both = _settle(setup, "--row", str(ids[first]), "--sent", arenden[first], "--not-sent", "--yes")
    neither = _settle(setup, "--row", str(ids[first]), "--yes")
    no_row = _settle(setup, "--not-sent", "--yes")
    unknown_row = _settle(setup, "--row", "999", "--not-sent", "--yes")
    no_terminal = _settle(setup, "--row", str(ids[second]), "--not-sent")
    pnr_to_a_file = _settle(setup, "--show-pnr")
    refused_json = _settle(setup, "--row", "999", "--not-sent", "--yes", "--json")

    for result, says in [
        (both, "precis ett av --sent"),
        (neither, "precis ett av --sent"),
        (no_row, "kräver --row"),
        (unknown_row, "Rad 999 är inte en osäker invånare"),
        (no_terminal, "Ingen terminal"),
        (pnr_to_a_file, "bara i en terminal"),
    ]:
        assert result.returncode == 2 and says in result.stderr, result.stderr
    jsonschema.validate(json.loads(refused_json.stdout), SCHEMA)
    assert setup.ledger_rows() == before, "nothing changed"
