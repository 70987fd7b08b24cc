"""The two ledger schemas (`bot.ledger.schema`, `bot.ledger.pg_schema`) define the same ledger: the same tables,
columns (name, type, NOT NULL), unique keys, foreign keys, CHECK constraints, indexes and append-only triggers,
apart from what only several runners need, listed here. Read from a fresh SQLite file and a fresh PostgreSQL
database, not from the DDL text.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.ledger import Ledger, campaign_key
from bot.ledger.target import PostgresTarget
from tests.unit.test_ledger import FACTS, citizens, official_pnrs

# Only PostgreSQL: what several runners share, and the version row (SQLite keeps it in PRAGMA user_version).
PG_ONLY_TABLES = {"schema_version", "runners", "pacing", "campaign_stops", "preflights"}
PG_ONLY_COLUMNS = {("campaigns", "rowid"), ("items", "runner_id")}  # SQLite's rowid is implicit
PG_ONLY_INDEXES = {"items_by_runner", "runners_by_campaign"}
PG_ONLY_FOREIGN_KEYS = {("items", ("runner_id",), "runners")}
TYPES = {"TEXT": "text", "INTEGER": "integer", "BIGINT": "integer", "BOOLEAN": "boolean", "BIGSERIAL": "integer"}


def sqlite_shape(path: Path) -> dict[str, Any]:
    """Tables → columns, unique keys, foreign keys and CHECK count; and the index names."""
    Ledger.open(path, actor="x", run_id="x").close()
    conn = sqlite3.connect(path)
    try:
        tables = {
            name: sql
            for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
            if not name.startswith("sqlite_")
        }
        shape: dict[str, Any] = {"tables": {}, "indexes": set()}
        for table, sql in tables.items():
            columns = {
                (name, TYPES[kind.upper()], bool(notnull) or bool(pk))
                for _, name, kind, notnull, _, pk in conn.execute(f"PRAGMA table_info({table})")
            }
            uniques = set()
            for _, index, unique, origin, _ in conn.execute(f"PRAGMA index_list({table})"):
                if unique and origin == "u":
                    uniques.add(tuple(sorted(row[2] for row in conn.execute(f"PRAGMA index_info({index})"))))
            fks: dict[int, tuple[list[str], str]] = {}
            for fk_id, _, ref, col, *_ in conn.execute(f"PRAGMA foreign_key_list({table})"):
                fks.setdefault(fk_id, ([], ref))[0].append(col)
            foreign = {(table, tuple(sorted(cols)), ref) for cols, ref in fks.values()}
            checks = len(re.findall(r"\bCHECK\s*\(", sql))
            shape["tables"][table] = {"columns": columns, "uniques": uniques, "foreign": foreign, "checks": checks}
        shape["indexes"] = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        shape["indexes"] = {n for n in shape["indexes"] if not n.startswith("sqlite_autoindex")}
        return shape
    finally:
        conn.close()


def pg_shape(target: PostgresTarget) -> dict[str, Any]:
    """The same shape read from PostgreSQL's catalog."""
    Ledger.open(target, actor="x", run_id="x").close()
    with psycopg.connect(target.url, password=target.password()) as conn:
        tables = [t for (t,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        shape: dict[str, Any] = {"tables": {}, "indexes": set()}
        for table in tables:
            columns = {
                (name, TYPES.get(kind.upper(), kind), nullable == "NO")
                for name, kind, nullable in conn.execute(
                    "SELECT column_name, data_type, is_nullable FROM information_schema.columns"
                    " WHERE table_schema = 'public' AND table_name = %s",
                    (table,),
                )
            }
            constraints = conn.execute(
                "SELECT c.contype, (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a"
                " WHERE a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)), c.confrelid::regclass::text"
                " FROM pg_constraint c WHERE c.conrelid = %s::regclass",
                (table,),
            ).fetchall()
            uniques = {tuple(cols) for kind, cols, _ in constraints if kind == "u"}
            foreign = {(table, tuple(cols), ref) for kind, cols, ref in constraints if kind == "f"}
            checks = sum(kind == "c" for kind, _, _ in constraints)
            shape["tables"][table] = {"columns": columns, "uniques": uniques, "foreign": foreign, "checks": checks}
        shape["indexes"] = {
            name
            for (name,) in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
            if not name.endswith(("_pkey", "_key"))
        }
        return shape


def test_both_backends_should_define_the_same_ledger_schema(tmp_path: Path, pg_server: Any) -> None:
    lite = sqlite_shape(tmp_path / "ledger.sqlite")
    pg = pg_shape(pg_server.new_database())
    assert set(pg["tables"]) - PG_ONLY_TABLES == set(lite["tables"])
    assert pg["indexes"] - PG_ONLY_INDEXES == lite["indexes"]
    for table, facts in lite["tables"].items():
        theirs = pg["tables"][table]
        columns = {c for c in theirs["columns"] if (table, c[0]) not in PG_ONLY_COLUMNS}
        assert columns == facts["columns"], table
        assert {u for u in theirs["uniques"] if (table, u[0]) not in PG_ONLY_COLUMNS} == facts["uniques"], table
        assert theirs["foreign"] - PG_ONLY_FOREIGN_KEYS == facts["foreign"], table
        assert theirs["checks"] == facts["checks"], table


REFUSED = [
    ("UPDATE events SET detail = 'x'", "append-only"),
    ("DELETE FROM events", "append-only"),
    ("DELETE FROM items", "never deleted"),
    ("UPDATE approvals SET source = 'x'", "append-only"),
    ("DELETE FROM approvals", "append-only"),
]


@pytest.mark.parametrize(("statement", "why"), REFUSED)
def test_both_backends_should_refuse_the_same_changes_by_trigger(
    ledger_target: Path | PostgresTarget, statement: str, why: str
) -> None:
    key = campaign_key(FACTS)
    with Ledger.open(ledger_target, actor="x", run_id="x") as led:
        led.ensure_campaign(key, "Provsvar", FACTS)
        led.add_delivery(key, "fp-1", "leverans1.7z", citizens(official_pnrs(2)))
        led.record_approval(
            key, "Provsvar", "fp-1", "leverans1.7z", approver_name="A. Person", approver_hsa_id="SE-1", facts=FACTS
        )
        conn = led.connection()
        raw = getattr(conn, "raw", conn)
        with pytest.raises((sqlite3.IntegrityError, psycopg.errors.IntegrityConstraintViolation), match=why):
            raw.execute(statement)
