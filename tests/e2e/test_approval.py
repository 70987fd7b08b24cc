"""A second person's approval through the real CLI against the live mock: `run` refuses without one (nothing
sent), `approve` records one for the exact message and delivery, a changed text or another delivery voids it."""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e.test_operations import utskick, validated
from tests.helpers import write_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

APPROVER = ("--approver-name", "Bengt Granskare", "--approver-hsa-id", "SE2321000016-A002")


def _require_approval(setup) -> None:
    setup.campaign.write_text(setup.campaign.read_text(encoding="utf-8") + "\n[approval]\nrequired = true\n")


def _approve(setup, *extra: str):
    return utskick("approve", str(setup.campaign), "--delivery", str(setup.delivery), *APPROVER, "--yes", *extra)


@pytest.mark.parametrize(
    ("mode", "count"), [("single", 3), pytest.param("batch", 150, marks=pytest.mark.long)], ids=["single", "batch"]
)
def test_run_should_send_only_the_approved_message_to_the_approved_delivery(tmp_path, live_mock, qa, mode, count):
    setup = write_campaign(tmp_path / "godk", live_mock.url, qa.citizens("ok", count), mode=mode)
    _require_approval(setup)

    refused = setup.run("--yes")
    assert refused.returncode == 2, refused.stderr
    assert "kräver godkännande av en andra person" in refused.stderr
    assert "Inget godkännande finns" in refused.stderr and "utskick approve kampanj.toml" in refused.stderr
    assert qa.sent() == [] and setup.count_state("pending") == 0

    own = utskick(
        "approve", str(setup.campaign), "--delivery", str(setup.delivery), "--approver-name", "Anna",
        "--approver-hsa-id", "SE2321000016-A001", "--yes",
    )  # fmt: skip
    assert own.returncode == 2 and "en annan person" in own.stderr

    given = _approve(setup, "--json")
    assert given.returncode == 0, given.stderr
    document = validated(given.stdout)
    assert document["command"] == "approve" and document["approval"]["approver_hsa_id"] == "SE2321000016-A002"
    assert "Godkänt: kampanjen" in given.stderr and "Bengt Granskare" in given.stderr

    sent = setup.run("--yes")
    assert sent.returncode == 0, sent.stderr
    assert sorted(s["pnr"] for s in qa.sent()) == sorted(setup.pnrs)
    with sqlite3.connect(setup.ledger) as conn:
        audit = conn.execute("SELECT detail FROM events WHERE event = 'approval_given'").fetchall()
        approvals = conn.execute("SELECT approver_name, approver_hsa_id FROM approvals").fetchall()
    assert len(audit) == 1 and "SE2321000016-A002" in audit[0][0]
    assert approvals == [("Bengt Granskare", "SE2321000016-A002")]

    other = setup.delivery.with_name("annan.txt")
    other.write_text("\n".join(qa.citizens("ok", count + 2)[count:]) + "\n")
    new_delivery = utskick("run", str(setup.campaign), "--delivery", str(other), "--yes")
    assert new_delivery.returncode == 2 and "godkänt för en annan leverans" in new_delivery.stderr
    assert len(qa.sent()) == count


def test_changed_text_should_void_the_approval_and_send_nothing(tmp_path, live_mock, qa):
    setup = write_campaign(tmp_path / "andrad", live_mock.url, qa.citizens("ok", 2), extra="Välkommen.")
    _require_approval(setup)
    assert _approve(setup).returncode == 0

    text = setup.campaign.read_text(encoding="utf-8")
    setup.campaign.write_text(text.replace('extra_text = "Välkommen."', 'extra_text = "Välkommen!"'))
    changed = setup.run("--yes")

    assert changed.returncode == 2, changed.stderr
    assert "gäller ett annat meddelande" in changed.stderr
    assert 'extra text: "Välkommen." → "Välkommen!"' in changed.stderr
    assert qa.sent() == []
