"""A PostgreSQL ledger on another host without TLS is warned about once (issue 24, finding 10)."""

from __future__ import annotations

import pytest

from bot.ledger import pg_tls
from bot.ledger.target import PostgresTarget


@pytest.mark.parametrize(
    ("url", "environ", "remote"),
    [
        ("postgresql://u@db.region.se/utskick", {}, "db.region.se"),
        ("postgresql://u@db.region.se/utskick?sslmode=prefer", {}, "db.region.se"),
        ("postgresql://u@db.region.se/utskick?sslmode=disable", {"PGSSLMODE": "require"}, "db.region.se"),
        ("postgresql://u@10.1.2.3:5433/utskick", {"PGSSLMODE": "allow"}, "10.1.2.3"),
        ("postgresql://u@/utskick?host=db.region.se", {}, "db.region.se"),
        ("postgresql://u@db.region.se/utskick?sslmode=require", {}, None),
        ("postgresql://u@db.region.se/utskick?sslmode=verify-full", {}, None),
        ("postgresql://u@db.region.se/utskick?sslmode=verify-ca", {}, None),
        ("postgresql://u@db.region.se/utskick", {"PGSSLMODE": "verify-full"}, None),
        ("postgresql://u@localhost/utskick", {}, None),
        ("postgresql://u@127.0.0.1:5432/utskick", {}, None),
        ("postgresql://u@[::1]:5432/utskick", {}, None),
        ("postgresql://u@/utskick?host=/var/run/postgresql", {}, None),
    ],
)
def test_without_tls_should_name_a_remote_host_reached_without_tls(url: str, environ: dict, remote: str | None) -> None:
    assert pg_tls.without_tls(url, environ) == remote


def test_warn_without_tls_should_warn_once_in_swedish_and_log(monkeypatch, capsys) -> None:
    from structlog.testing import capture_logs

    monkeypatch.delenv("PGSSLMODE", raising=False)
    monkeypatch.setattr(pg_tls, "_warned", set())
    target = PostgresTarget("postgresql://u@db.region.se/utskick")
    with capture_logs() as logs:
        assert pg_tls.warn_without_tls(target) is True
        assert pg_tls.warn_without_tls(target) is False
    err = capsys.readouterr().err
    assert err.count("Varning: liggaren") == 1 and "utan kryptering (TLS)" in err and "sslmode=verify-full" in err
    assert [e["event"] for e in logs] == ["ledger_without_tls"]
    assert logs[0]["host"] == "db.region.se"


def test_warn_without_tls_should_stay_quiet_for_a_local_ledger(monkeypatch, capsys) -> None:
    monkeypatch.setattr(pg_tls, "_warned", set())
    assert pg_tls.warn_without_tls(PostgresTarget("postgresql://u@127.0.0.1:5432/utskick")) is False
    assert capsys.readouterr().err == ""


def test_postgres_ledger_should_warn_when_opened_on_a_remote_host_without_tls(monkeypatch, capsys) -> None:
    from bot.ledger.postgres import PostgresLedger

    monkeypatch.delenv("PGSSLMODE", raising=False)
    monkeypatch.setattr(pg_tls, "_warned", set())
    PostgresLedger(PostgresTarget("postgresql://u@db.region.se/utskick"), actor="a", run_id="r").close()
    assert "Varning: liggaren" in capsys.readouterr().err
