"""Every use case through both interfaces on both ledger backends, end to end against the mock (issue 28 item 3).

One small campaign (two citizens: one reachable, one whose login is locked, approval required, an alert command
that keeps every alert document) per row. The command line runs as a process; the window's rows call what the
window's buttons call (`bot.ui.operations`), in this process, with the real runner, browser and ledger. A row the
window does not have (settle, status, doctor) runs on the command line only.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import pytest

from bot.app.documents import SCHEMA_FILE
from bot.config import load_campaign
from bot.ledger import Ledger
from bot.ledger.target import PostgresTarget
from bot.ui import operations
from bot.ui.jobs import Job
from bot.ui.workspace import Workspace
from tests.e2e.test_operations import utskick, validated
from tests.helpers import PASSWORD, Setup, in_own_thread, write_campaign
from tests.pg_server import PASSWORD_ENV

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
APPROVER = ("Bengt Granskare", "SE2321000016-A002")
# `make test` runs every use case through each interface once, the command line on SQLite and the window on
# PostgreSQL (a use case the window lacks: on one backend, taking turns); the other backend of each row is in
# `make test-long` (the ledger's own tests run every write on both backends in `make test`).
BOTH = pytest.mark.parametrize(
    ("ledger_backend", "interface"),
    [
        pytest.param("sqlite", "cli", id="sqlite-cli"),
        pytest.param("sqlite", "window", id="sqlite-window", marks=pytest.mark.long),
        pytest.param("postgres", "cli", id="postgres-cli", marks=pytest.mark.long),
        pytest.param("postgres", "window", id="postgres-window"),
    ],
)


def backends(in_make_test: str):
    """Both ledger backends for a command-line-only use case; the other than `in_make_test` only in test-long."""
    rows = [
        pytest.param(b, id=b, marks=[] if b == in_make_test else [pytest.mark.long]) for b in ("sqlite", "postgres")
    ]
    return pytest.mark.parametrize("ledger_backend", rows)


@dataclass
class Case:
    """The campaign of one row, its ledger, and where its alerts land."""

    setup: Setup
    target: Path | PostgresTarget
    alerts: Path
    reachable: str
    locked: str
    windows: list[Workspace] = field(default_factory=list)

    def alert_documents(self) -> list[dict]:
        """Every alert the campaign's notify command received, each checked against the published schema."""
        if not self.alerts.exists():
            return []
        documents = [json.loads(line) for line in self.alerts.read_text(encoding="utf-8").splitlines() if line]
        for document in documents:
            jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())
        return documents

    def key(self) -> str:
        """The campaign's key."""
        return load_campaign(self.setup.campaign).key()

    def counts(self) -> dict[str, int]:
        """The campaign's citizens by state, from its ledger."""
        with Ledger.open(self.target, actor="test", run_id="test") as book:
            return {state: n for state, n in book.counts(self.key()).items() if n}

    def approvals(self) -> list[tuple[str, str]]:
        """(name, HSA-id) of the campaign's approvals."""
        with Ledger.open(self.target, actor="test", run_id="test") as book:
            return [(a.approver_name, a.approver_hsa_id) for a in book.approvals(self.key())]

    def reports(self) -> list[Path]:
        """Every report file written under the campaign's reports folder."""
        folder = self.setup.folder / "reports"
        return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture
def case(tmp_path, live_mock, qa, ledger_target) -> Iterator[Case]:
    """A two-citizen campaign on the row's ledger backend."""
    reachable, locked = qa.citizens("ok", 2)
    qa.set_citizen(locked, login="locked")
    setup = write_campaign(tmp_path / "matris", live_mock.url, [reachable, locked])
    alerts = tmp_path / "larm.jsonl"
    keep = f"import sys; open({str(alerts)!r}, 'a').write(sys.stdin.read() + '\\n')"
    text = setup.campaign.read_text(encoding="utf-8")
    if isinstance(ledger_target, PostgresTarget):
        text = text.replace(
            'ledger = "ledger.sqlite"', f'ledger = "{ledger_target.url}"\nledger_password_env = "{PASSWORD_ENV}"'
        )
    text += "\n[approval]\nrequired = true\n"
    command = json.dumps([sys.executable, "-c", keep])
    text += f'\n[notify]\non = ["finish", "exit2", "exit3", "exit4"]\ncommand = {command}\n'
    setup.campaign.write_text(text, encoding="utf-8")
    target = ledger_target if isinstance(ledger_target, PostgresTarget) else setup.ledger
    case = Case(setup, target, alerts, reachable, locked)
    yield case
    for ws in case.windows:
        ws.close()


def _window(case: Case) -> Workspace:
    """The window's workspace for the campaign, with the delivery chosen and the staff-tool password given."""
    ws = Workspace(case.setup.campaign)
    case.windows.append(ws)
    operations.choose_delivery(ws, case.setup.delivery, "")
    ws.staff_password = PASSWORD
    return ws


def _job(ws: Workspace, kind: str) -> Job:
    return Job(kind, ws.slug)


def approve(case: Case, interface: str) -> None:
    """A second person approves the campaign for its delivery."""
    if interface == "window":
        operations.approve(_window(case), *APPROVER)
        return
    name, hsa_id = APPROVER
    result = case.setup.utskick(
        "approve", "--delivery", str(case.setup.delivery), "--approver-name", name, "--approver-hsa-id", hsa_id,
        "--yes", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert validated(result.stdout)["approval"]["approver_hsa_id"] == hsa_id


def send(case: Case, interface: str) -> None:
    """The campaign's run, unattended."""
    if interface == "window":
        ws = _window(case)
        job = _job(ws, "run")
        in_own_thread(operations.send, job, ws)
        assert job.exit_code == 0, job.message
        return
    result = case.setup.run("--yes", "--json")
    assert result.returncode == 0, result.stderr
    validated(result.stdout)


def sent_campaign(case: Case, qa) -> None:
    """Approved and run on the command line: one citizen sent, one not reachable."""
    approve(case, "cli")
    send(case, "cli")
    assert [s["pnr"] for s in qa.sent()] == [case.reachable]


@BOTH
def test_approve_should_record_the_approval_on_every_ledger(case, interface):
    approve(case, interface)

    assert case.approvals() == [APPROVER]


@BOTH
def test_run_should_send_write_the_reports_and_send_one_schema_valid_alert(case, qa, interface):
    approve(case, "cli")

    send(case, interface)

    assert [s["pnr"] for s in qa.sent()] == [case.reachable]
    assert case.counts() == {"sent": 1, "not_reachable": 1}
    (alert,) = case.alert_documents()
    assert (alert["command"], alert["outcome"], alert["exit_code"]) == ("run", "finished", 0)
    assert alert["not_reachable"] == {"login_locked": 1} and alert["counts"]["sent"] == 1
    assert len(case.reports()) == 3 and [str(p) for p in case.reports()] == sorted(alert["reports"])


@BOTH
def test_dry_run_should_send_nothing_write_no_report_and_send_no_alert(case, qa, interface):
    if interface == "window":
        ws = _window(case)
        in_own_thread(operations.preview, _job(ws, "preview"), ws)
        assert ws.preview is not None and "provsvar är klart" in ws.preview.text
    else:
        result = case.setup.run("--dry-run", "--json")
        assert result.returncode == 0, result.stderr
        assert validated(result.stdout)["dry_run"] is True

    assert qa.sent() == [] and case.reports() == [] and case.alert_documents() == []


@BOTH
def test_follow_up_should_record_what_the_citizen_read(case, qa, interface):
    sent_campaign(case, qa)
    qa.read(qa.sent()[0]["arende_id"])

    if interface == "window":
        ws = _window(case)
        job = _job(ws, "follow_up")
        in_own_thread(operations.follow_up, job, ws)
        read = job.result.read
    else:
        result = case.setup.utskick("follow-up", "--json")
        assert result.returncode == 0, result.stderr
        read = validated(result.stdout)["read"]

    assert read == 1


@BOTH
def test_report_should_write_the_three_reports(case, qa, interface):
    sent_campaign(case, qa)
    for path in case.reports():
        path.unlink()

    if interface == "window":
        written = operations.report(_window(case))
    else:
        result = case.setup.utskick("report", "--json")
        assert result.returncode == 0, result.stderr
        written = [Path(p) for p in validated(result.stdout)["reports"]]

    assert sorted(written) == case.reports() and len(written) == 3


@BOTH
def test_validate_should_count_the_delivery_against_the_ledger(case, qa, interface):
    sent_campaign(case, qa)

    if interface == "window":
        ws = _window(case)
        comparison = ws.comparison
    else:
        result = utskick("validate", str(case.setup.delivery), "--campaign", str(case.setup.campaign), "--json")
        assert result.returncode == 0, result.stderr
        comparison = json.loads(result.stdout)["campaign"]

    assert (comparison["already_in_campaign"], comparison["to_send_next_run"]) == (2, 0)


@backends("postgres")
def test_status_should_show_the_campaign_counts(case, qa):
    sent_campaign(case, qa)

    result = case.setup.utskick("status", "--json")

    assert result.returncode == 0, result.stderr
    counts = validated(result.stdout)["counts"]
    assert (counts["sent"], counts["not_reachable"]) == (1, 1)


@backends("sqlite")
def test_settle_should_list_no_in_doubt_citizen_after_a_clean_run(case, qa):
    sent_campaign(case, qa)

    result = case.setup.utskick("settle", "--json")

    assert result.returncode == 0, result.stderr
    assert validated(result.stdout)["command"] == "settle"


@backends("postgres")
def test_doctor_should_find_every_selector(case):
    result = case.setup.utskick("doctor", "--pnr", case.reachable, "--out", str(case.setup.folder / "doktor"))

    assert result.returncode == 0, result.stdout + result.stderr
