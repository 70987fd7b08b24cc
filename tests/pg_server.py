"""A real PostgreSQL 15 for tests and the bench, in a temporary folder, with Debian's initdb and pg_ctl.

PostgreSQL refuses to run as root: as root the server runs as the `postgres` system user (`runuser`), in a folder
that user owns. It listens on 127.0.0.1 on a free port and takes a password (scram-sha-256), so the ledger's
password path is tested for real. Each test gets a database of its own (`new_database`).
"""

from __future__ import annotations

import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from bot.ledger.target import PostgresTarget

PG_BIN = Path(os.environ.get("UTSKICK_PG_BIN", "/usr/lib/postgresql/15/bin"))
USER = "utskick"
PASSWORD_ENV = "UTSKICK_TEST_LEDGER_PASSWORD"


def available() -> str | None:
    """None when a server can be started here, else why not."""
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL saknas ({PG_BIN}/initdb): kör make setup (apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "användaren postgres saknas (apt-get install postgresql skapar den)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """One throw-away PostgreSQL cluster; `stop` removes it."""

    def __init__(self, *, durable: bool = False) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="utskick-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.password = secrets.token_urlsafe(16)
        self.durable = durable
        self._names = itertools.count(1)
        self._as_postgres = os.geteuid() == 0
        self._options = ""

    def _run(self, *args: str, timeout: float = 120) -> None:
        command = [str(a) for a in args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")

    def start(self) -> PgServer:
        """initdb and pg_ctl start; returns self."""
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        os.chmod(self.root, 0o700)
        if self._as_postgres:
            entry = pwd.getpwnam("postgres")
            for path in (self.root, pwfile):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self._run(
            PG_BIN / "initdb", "-D", self.data, "-U", USER, "--auth=scram-sha-256", f"--pwfile={pwfile}",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        pwfile.unlink()
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._options = options
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.root / "log", "-o", options, "-w", "start")
        os.environ[PASSWORD_ENV] = self.password
        return self

    def pause(self) -> None:
        """Stop the server (fast: every connection cut), keeping its data for `resume`."""
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "60", "stop", timeout=90)

    def resume(self) -> None:
        """Start the paused server again with its options; `-l` keeps its output off this process's pipes (with
        them, pg_ctl's caller would wait for the server to close them: for ever)."""
        self._run(
            PG_BIN / "pg_ctl", "-D", self.data, "-l", self.root / "log", "-o", self._options, "-w", "-t", "60", "start",
            timeout=90,
        )  # fmt: skip

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        try:
            self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """The server's URL for `database`, without the password."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> PostgresTarget:
        """A fresh, empty database, as a ledger target whose password is in PASSWORD_ENV."""
        import psycopg

        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), password=self.password, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return PostgresTarget(self.url(name), PASSWORD_ENV)

    def drop_database(self, target: PostgresTarget) -> None:
        """Drop a database `new_database` made (closing what is still connected to it)."""
        import psycopg

        name = target.url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), password=self.password, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
