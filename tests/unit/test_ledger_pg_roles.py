"""Two PostgreSQL roles (issue 24, finding 10): the owner migrates the schema and grants a runner role only what a
run needs; that role does a whole run's writes but cannot change the audit trail, and never runs DDL. Against the
real PostgreSQL the session starts, with a login role of its own per test."""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator

import psycopg
import pytest

from bot.errors import EXIT_NEEDS_HUMAN
from bot.ledger import SENT, Ledger, LedgerError, campaign_key, pg_schema
from bot.ledger.pg_roles import check_role_name, grant_runner
from bot.ledger.target import PostgresTarget
from tests.pg_server import USER, PgServer
from tests.unit.test_ledger import FACTS, citizens, official_pnrs

RUNNER_PASSWORD_ENV = "UTSKICK_TEST_RUNNER_PASSWORD"
_roles = itertools.count(1)


def owner_connection(target: PostgresTarget, pg_server: PgServer) -> psycopg.Connection:
    return psycopg.connect(target.url, password=pg_server.password, autocommit=True)


@pytest.fixture
def owner(pg_server: PgServer) -> PostgresTarget:
    """A fresh database whose schema the owner (the server's first role) created."""
    target = pg_server.new_database()
    with Ledger.open(target, actor="owner", run_id="migrate"):
        pass
    return target


@pytest.fixture
def runner_role(pg_server: PgServer, owner: PostgresTarget, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A login role with nothing granted yet (roles are the cluster's: one name per test)."""
    role = f"runner_{os.getpid()}_{next(_roles)}"
    monkeypatch.setenv(RUNNER_PASSWORD_ENV, "runner-secret")
    with owner_connection(owner, pg_server) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'runner-secret'")
    yield role
    pg_server.drop_database(owner)
    with psycopg.connect(pg_server.url(), password=pg_server.password, autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {role}")


def as_runner(target: PostgresTarget, role: str) -> PostgresTarget:
    return PostgresTarget(target.url.replace(f"//{USER}@", f"//{role}@", 1), RUNNER_PASSWORD_ENV)


def granted(owner: PostgresTarget, pg_server: PgServer, role: str) -> PostgresTarget:
    with owner_connection(owner, pg_server) as conn:
        grant_runner(conn, role)
    return as_runner(owner, role)


def whole_run(target: PostgresTarget) -> str:
    """Every write a run (and approve, follow-up) makes, as the runner role; returns the campaign key."""
    key = campaign_key(FACTS)
    with Ledger.open(target, actor="SE2321000016-A001", run_id="run-r") as led:
        led.ensure_campaign(key, "Provsvar", FACTS)
        led.add_delivery(key, "fp-1", "leverans1.7z", citizens(official_pnrs(3)), duplicates=0)
        approver = {"approver_name": "Bo Ek", "approver_hsa_id": "SE2321000016-A002"}
        led.record_approval(key, "Provsvar", "fp-1", "leverans1.7z", **approver, facts={})
        with led.acquire_run_lock(key, "run-r", hsa_id="SE2321000016-A001", lease_s=30):
            led.record_run_started(key)
            led.record_sender(key, "Anna Andersson")
            led.recover_interrupted(key)
            led.shared_preflight("fp-1", lambda: "förhandsvisning", threading.Event())
            first, second, third = led.claim_open(key, 3)
            led.reserve_send(key, 0.0)
            led.mark_sending([first.id, second.id, third.id])
            led.mark_sent(first.id, "A-1")
            led.mark_not_reachable(second.id, "no_channel")
            led.mark_in_doubt(third.id)
            led.mark_pending_again(third.id, "reconciled: absent")
            led.record_markers([(first.id, ["skyddad"])])
            led.set_read(first.id, "read")
            led.record_stop("test stop")
            led.record_run_finished(key, outcome="finished", exit_code=0, sent=1)
        assert led.item(first.id).state == SENT
    return key


def test_runner_role_should_do_a_whole_runs_writes(owner, pg_server, runner_role) -> None:
    key = whole_run(granted(owner, pg_server, runner_role))
    with Ledger.open(owner, actor="owner", run_id="read") as led:
        assert led.counts(key)[SENT] == 1
        assert led.senders(key) == ["Anna Andersson"]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET detail = 'rewritten'",
        "DELETE FROM events",
        "TRUNCATE events",
        "ALTER TABLE events DISABLE TRIGGER events_append_only_update",
        "ALTER TABLE events DISABLE TRIGGER ALL",
        "UPDATE approvals SET approver_name = 'Någon annan'",
        "DELETE FROM approvals",
        "TRUNCATE approvals",
        "ALTER TABLE approvals DISABLE TRIGGER approvals_append_only",
        "TRUNCATE items",
        "DROP TABLE events",
        "ALTER TABLE items ADD COLUMN x TEXT",
    ],
)
def test_runner_role_should_not_change_the_audit_trail(owner, pg_server, runner_role, statement: str) -> None:
    runner = granted(owner, pg_server, runner_role)
    whole_run(runner)
    connected = psycopg.connect(runner.url, password="runner-secret", autocommit=True)
    with connected as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


def test_runner_role_should_refuse_an_older_schema_telling_to_migrate_as_owner(
    owner, pg_server, runner_role, monkeypatch
) -> None:
    runner = granted(owner, pg_server, runner_role)
    monkeypatch.setattr(pg_schema, "SCHEMA_VERSION", pg_schema.SCHEMA_VERSION + 1)
    monkeypatch.setitem(pg_schema.MIGRATIONS, pg_schema.SCHEMA_VERSION - 1, ("ALTER TABLE items ADD COLUMN x TEXT",))
    with pytest.raises(LedgerError, match="Låt ägarrollen migrera") as caught:
        Ledger.open(runner, actor="r", run_id="r").connection()
    assert caught.value.exit_code == EXIT_NEEDS_HUMAN
    with Ledger.open(owner, actor="owner", run_id="migrate") as led:  # the owner migrates; then the runner runs
        led.connection()
    with Ledger.open(runner, actor="r", run_id="r") as led:
        assert led.all_campaigns() == []


def test_runner_role_should_refuse_to_create_the_schema_in_an_empty_database(pg_server, runner_role, owner) -> None:
    empty = pg_server.new_database()
    try:
        with owner_connection(empty, pg_server) as conn:
            conn.execute(f"GRANT CONNECT ON DATABASE {empty.url.rsplit('/', 1)[1]} TO {runner_role}")
        with pytest.raises(LedgerError, match="ingen tabell"):
            Ledger.open(as_runner(empty, runner_role), actor="r", run_id="r").connection()
    finally:
        pg_server.drop_database(empty)


@pytest.mark.parametrize("role", ["", "Runner", "runner; DROP TABLE events", "a" * 64, "1runner"])
def test_role_name_should_be_refused_unless_plain(role: str) -> None:
    with pytest.raises(LedgerError, match="Rollnamnet"):
        check_role_name(role)


def test_grant_runner_should_refuse_a_role_that_does_not_exist(owner, pg_server) -> None:
    with owner_connection(owner, pg_server) as conn, pytest.raises(LedgerError, match="finns inte"):
        grant_runner(conn, "no_such_role_here")


def test_grant_runner_command_should_let_the_runner_role_run(owner, pg_server, runner_role, tmp_path) -> None:
    from click.testing import CliRunner

    from bot.commands.cli import main
    from tests.helpers import write_campaign
    from tests.pg_server import PASSWORD_ENV

    setup = write_campaign(tmp_path, "http://127.0.0.1:9", official_pnrs(1))
    text = setup.campaign.read_text(encoding="utf-8")
    ledger = f'ledger = "{owner.url}"\nledger_password_env = "{PASSWORD_ENV}"'
    setup.campaign.write_text(text.replace('ledger = "ledger.sqlite"', ledger), encoding="utf-8")
    done = CliRunner().invoke(main, ["ledger", "grant-runner", str(setup.campaign), runner_role])
    assert done.exit_code == 0, done.output
    assert f"rollen {runner_role}" in done.output
    whole_run(as_runner(owner, runner_role))
