"""Each run's start and end in the audit trail: who ran it where, and how it ended (outcome and exit code).

Two campaign-level events per run, `run_started` and `run_finished` (and `sender_signed_in`, who the staff tool
showed as signed in after each login); the events table stays append-only, so a
run that was killed simply has no `run_finished`. The report's Körningar sheet and `utskick status` read them.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass

from bot.ledger.base import LedgerBase, detail_json

RUN_STARTED = "run_started"
RUN_FINISHED = "run_finished"
# Who the staff tool showed as signed in after a login of the run (the sender of what it sends).
SENDER_SIGNED_IN = "sender_signed_in"
RUN_EVENTS = (RUN_STARTED, RUN_FINISHED)
# How a run ended, as recorded; a run with no `run_finished` was ended by the system (killed, power loss).
OUTCOMES = ("finished", "declined", "interrupted", "stopped", "crashed")


@dataclass(frozen=True)
class RunEnd:
    """How one run ended."""

    outcome: str
    exit_code: int
    at: str


class RunRecords(LedgerBase):
    """Writes a run's start and end as campaign events, and reads them back."""

    def record_run_started(self, campaign_key: str) -> None:
        """This run starts on this host and process."""
        with self._write() as conn:
            detail = detail_json(host=socket.gethostname(), pid=os.getpid())
            self._event(conn, self._now(conn), campaign_key, None, RUN_STARTED, detail=detail)

    def record_run_finished(
        self, campaign_key: str, *, outcome: str, exit_code: int, sent: int, guideline: dict | None = None
    ) -> None:
        """This run ended with `outcome` (one of OUTCOMES) and `exit_code`, with the guideline checklist it showed."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown run outcome {outcome!r}")
        with self._write() as conn:
            detail = detail_json(outcome=outcome, exit_code=exit_code, sent=sent, guideline=guideline)
            self._event(conn, self._now(conn), campaign_key, None, RUN_FINISHED, detail=detail)

    def record_sender(self, campaign_key: str, name: str) -> None:
        """The staff tool showed `name` as the signed-in user after this run logged in."""
        with self._write() as conn:
            detail = detail_json(name=name)
            self._event(conn, self._now(conn), campaign_key, None, SENDER_SIGNED_IN, detail=detail)

    def senders(self, campaign_key: str) -> list[str]:
        """Every signed-in user the campaign's runs recorded as sender, first seen first."""
        sql = "SELECT detail FROM events WHERE campaign_key = ? AND event = ? ORDER BY id"
        rows = self.connection().execute(sql, (campaign_key, SENDER_SIGNED_IN))
        return list(dict.fromkeys(json.loads(detail or "{}").get("name", "") for (detail,) in rows))

    def run_ends(self, campaign_key: str) -> dict[str, RunEnd]:
        """run_id -> how it ended, for every run that recorded its end."""
        rows = self.connection().execute(
            "SELECT run_id, at, detail FROM events WHERE campaign_key = ? AND event = ? ORDER BY id",
            (campaign_key, RUN_FINISHED),
        )
        ends = {}
        for run_id, at, detail in rows:
            facts = json.loads(detail or "{}")
            ends[run_id] = RunEnd(outcome=facts.get("outcome", ""), exit_code=int(facts.get("exit_code", -1)), at=at)
        return ends


def last_run(ledger: RunRecords, campaign_key: str, *, running: str | None = None) -> dict | None:
    """The latest run that is not `running`: its outcome and exit code, or "killed" when it never recorded an end."""
    starts = [
        run_id
        for (run_id,) in ledger.connection().execute(
            "SELECT run_id FROM events WHERE campaign_key = ? AND event = ? ORDER BY id", (campaign_key, RUN_STARTED)
        )
        if run_id != running
    ]
    if not starts:
        return None
    run_id = starts[-1]
    end = ledger.run_ends(campaign_key).get(run_id)
    if end is None:
        return {"run_id": run_id, "outcome": "killed", "exit_code": None, "ended_at": None}
    return {"run_id": run_id, "outcome": end.outcome, "exit_code": end.exit_code, "ended_at": end.at}
