"""A ledger written by an older utskick opens with the current one: migrated in place, no row lost."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.ledger import SCHEMA_VERSION, Ledger

V1_LEDGER = Path(__file__).resolve().parents[1] / "data" / "ledgers" / "ledger-schema-v1.sqlite"
V1_KEY = "83a779c280873a84fd783569eb642213978b321bbe02a27490a741ff1cc9e15e"
V2_LEDGER = V1_LEDGER.with_name("ledger-schema-v2.sqlite")
V2_KEY = "fcda34e03d4aa6150d30ec68e0c02f097650616de2ea1264bc42eeb815734b61"


def _copy(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.sqlite"
    shutil.copy(V1_LEDGER, path)
    return path


def test_schema_v1_ledger_should_migrate_to_the_current_version_keeping_every_row(tmp_path):
    path = _copy(tmp_path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        before = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("items", "events", "campaigns")}

    with Ledger.open(path, actor="test", run_id="migration") as ledger:
        campaign = ledger.campaign(V1_KEY)
        counts = ledger.counts(V1_KEY)

    assert campaign is not None and campaign.name == "Provsvar v1"
    assert campaign.continues_key is None and campaign.new_message_for_all is False
    assert (counts["sent"], counts["not_reachable"], counts["pending"]) == (2, 1, 1)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
        after = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("items", "events", "campaigns")}
        columns = {row[1] for row in conn.execute("PRAGMA table_info(campaigns)")}
    assert after == before
    assert {"continues_key", "new_message_for_all"} <= columns


def test_migrated_ledger_should_take_a_continuing_campaign_and_keep_its_triggers(tmp_path):
    path = _copy(tmp_path)
    with Ledger.open(path, actor="test", run_id="migration") as ledger:
        ledger.ensure_campaign("b" * 64, "Provsvar v1", {"name": "Provsvar v1"}, continues_key=V1_KEY)
        continuing = ledger.campaign("b" * 64)
    assert continuing.continues_key == V1_KEY
    with sqlite3.connect(path) as conn, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM events")


def test_migrated_ledger_should_open_again_without_migrating_twice(tmp_path):
    path = _copy(tmp_path)
    for _ in range(2):
        with Ledger.open(path, actor="test", run_id="migration") as ledger:
            assert ledger.counts(V1_KEY)["sent"] == 2


def test_schema_v2_ledger_should_migrate_to_take_approvals_keeping_every_row(tmp_path):
    path = tmp_path / "ledger.sqlite"
    shutil.copy(V2_LEDGER, path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        before = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("items", "events", "campaigns")}

    with Ledger.open(path, actor="test", run_id="migration") as ledger:
        assert ledger.counts(V2_KEY)["sent"] == 2 and ledger.approvals() == []
        approval = ledger.record_approval(
            V2_KEY, "Provsvar v2", "f" * 64, "leverans.txt", approver_name="Bengt", approver_hsa_id="SE2321000016-A002",
            facts={"name": "Provsvar v2"},
        )  # fmt: skip
        assert ledger.approvals(V2_KEY) == [approval]

    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        after = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("items", "campaigns")}
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE approvals SET approver_name = 'Någon annan'")
    assert after == {t: before[t] for t in ("items", "campaigns")}


# -- PostgreSQL: the first release of its schema is this one; the next one migrates it in place ----------------


def test_pg_ledger_of_this_release_should_migrate_to_a_next_schema_version_keeping_every_row(
    pg_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.ledger import campaign_key, pg_schema

    target = pg_server.new_database()
    facts = {"name": "Provsvar pg"}
    key = campaign_key(facts)
    with Ledger.open(target, actor="test", run_id="v1") as ledger:
        ledger.ensure_campaign(key, "Provsvar pg", facts)
        ledger.add_delivery(
            key, "fp", "l.7z", [("189001019802", "l.7z", "l.txt", 1), ("189001029819", "l.7z", "l.txt", 2)]
        )
        ledger.mark_sending([1])
        ledger.mark_sent(1, "A-1")
    # A next release adds a table: one step in MIGRATIONS, the version one up.
    step = (
        "CREATE TABLE next_release (id BIGSERIAL PRIMARY KEY, campaign_key TEXT NOT NULL REFERENCES campaigns(key))",
    )
    monkeypatch.setattr(pg_schema, "SCHEMA_VERSION", pg_schema.SCHEMA_VERSION + 1)
    monkeypatch.setitem(pg_schema.MIGRATIONS, pg_schema.SCHEMA_VERSION - 1, step)
    for run in ("v2", "v2-again"):
        with Ledger.open(target, actor="test", run_id=run) as ledger:
            assert ledger.counts(key)["sent"] == 1 and ledger.counts(key)["pending"] == 1
            conn = ledger.connection()
            assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == pg_schema.SCHEMA_VERSION
            assert conn.execute("SELECT count(*) FROM next_release").fetchone()[0] == 0
            assert len(list(ledger.events(key))) == 6  # created, delivery, 2 added, claimed, sent
