"""A whole run against the mock, logged in to the PostgreSQL ledger as a runner role the owner granted with
`utskick ledger grant-runner` (issue 24, finding 10): it sends, records the signed-in sender, and never owned
the audit trail it wrote."""

from __future__ import annotations

import os

import psycopg
import pytest

from tests.e2e.test_operations import utskick
from tests.helpers import write_campaign
from tests.pg_server import PASSWORD_ENV, USER

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RUNNER_ENV = "UTSKICK_TEST_RUNNER_ROLE_PASSWORD"


def _ledger_in(campaign, url: str, password_env: str) -> None:
    text = campaign.read_text(encoding="utf-8")
    ledger = f'ledger = "{url}"\nledger_password_env = "{password_env}"'
    campaign.write_text(text.replace('ledger = "ledger.sqlite"', ledger), encoding="utf-8")


def test_run_as_runner_role_should_send_and_leave_an_audit_trail_it_cannot_change(tmp_path, live_mock, qa, pg_server):
    owner = pg_server.new_database()
    role = f"e2e_runner_{os.getpid()}"
    with psycopg.connect(owner.url, password=pg_server.password, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'runner-secret'")
    try:
        pnrs = qa.citizens("ok", 3)
        owners = write_campaign(tmp_path / "agare", live_mock.url, pnrs)
        _ledger_in(owners.campaign, owner.url, PASSWORD_ENV)
        granted = utskick("ledger", "grant-runner", str(owners.campaign), role)
        assert granted.returncode == 0, granted.stderr

        runner_url = owner.url.replace(f"//{USER}@", f"//{role}@", 1)
        setup = write_campaign(tmp_path / "korning", live_mock.url, pnrs)
        _ledger_in(setup.campaign, runner_url, RUNNER_ENV)
        result = setup.run("--yes", env={RUNNER_ENV: "runner-secret"})

        assert result.returncode == 0, result.stdout + result.stderr
        assert sorted(s["pnr"] for s in qa.sent()) == sorted(pnrs)
        with psycopg.connect(runner_url, password="runner-secret", autocommit=True) as conn:
            states = conn.execute("SELECT state, count(*) FROM items GROUP BY state").fetchall()
            senders = conn.execute("SELECT detail FROM events WHERE event = 'sender_signed_in'").fetchall()
            assert states == [("sent", 3)] and len(senders) == 1 and "Anna Ärendehanterare" in senders[0][0]
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("ALTER TABLE events DISABLE TRIGGER ALL")
    finally:
        pg_server.drop_database(owner)
        with psycopg.connect(pg_server.url(), password=pg_server.password, autocommit=True) as conn:
            conn.execute(f"DROP ROLE IF EXISTS {role}")
