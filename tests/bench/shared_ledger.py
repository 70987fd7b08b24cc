"""The PostgreSQL ledger in the send benchmark (`python -m tests.bench.run_all --postgres-rows`).

Two measurements, each against a real PostgreSQL 15 the bench starts in a temporary folder (durable: fsync on, as
a site's server would be):
  1. end to end: the same citizens in single mode, 1 worker per runner: utskick on SQLite with one runner, then on
     PostgreSQL with 1, 2 and 3 runner processes (each its own browser and login) on one campaign;
  2. the ledger's own cost per citizen: the ledger calls the runner makes for one single-mode citizen (claim,
     re-read, the check for another runner's stop, `sending` before Skicka, `sent` with its ärende-id, a heartbeat;
     no pace, as the bench's campaign has none), with no browser, on each backend; on PostgreSQL also
     with 3 runner processes at once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tests.bench.common import PASSWORD, QA, ROOT, official_numbers
from tests.bench.utskick_cli import log_timings, run_command, write_campaign

LEDGER_CITIZENS = 250


@dataclass
class RunnersRow:
    """One end-to-end row: a backend and a number of runner processes."""

    name: str
    runners: int
    citizens: int
    wall_s: float
    steady_ms: float | None
    verified: bool
    verdict: str
    exit_codes: list[int]

    @property
    def e2e_ms(self) -> float:
        return self.wall_s * 1000 / self.citizens


def _pg_campaign(campaign: Path, target) -> None:
    text = campaign.read_text(encoding="utf-8").replace(
        'ledger = "ledger.sqlite"', f'ledger = "{target.url}"\nledger_password_env = "{target.password_env}"'
    )
    campaign.write_text(text, encoding="utf-8")


def run_runners(folder: Path, url: str, qa: QA, pnrs: list[str], runners: int, target=None) -> RunnersRow:
    """Reset the mock, start `runners` processes of `utskick run --yes` on one campaign, wait for all, verify."""
    qa.reset()
    qa.reachable(pnrs)
    campaign = write_campaign(folder, url, pnrs, mode="single", workers=1)
    if target is not None:
        _pg_campaign(campaign, target)
    cmd = [*run_command(campaign, folder), "--yes"]
    env = {**os.environ, "UTSKICK_PASSWORD": PASSWORD}
    started = time.time()
    processes = [
        subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(runners)
    ]
    codes = []
    for process in processes:
        process.communicate(timeout=7200)
        codes.append(process.returncode)
    wall = time.time() - started
    timings = log_timings(folder / "logs", started)
    sent_at = sorted(timings["sent_at"])
    steady = (sent_at[-1] - sent_at[0]) * 1000 / (len(sent_at) - 1) if len(sent_at) > 1 else None
    ok, verdict = qa.verify_sent(pnrs)
    name = f"utskick single, {'PostgreSQL' if target is not None else 'SQLite'}, {runners} runner(s) × 1 worker"
    return RunnersRow(name, runners, len(pnrs), wall, steady, ok and codes == [0] * runners, verdict, codes)


LEDGER_LOOP = """
import json, sys, time
from pathlib import Path
from bot.ledger import Ledger, campaign_key
from bot.ledger.target import PostgresTarget
kind, where, key, n, runner = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
target = Path(where) if kind == "sqlite" else PostgresTarget(where, "UTSKICK_BENCH_LEDGER_PASSWORD")
ledger = Ledger.open(target, actor="bench", run_id=runner)


def claimed_work():  # runner._claimed_work with several runners, runner._work_from_ledger with one
    if not ledger.shared_runners:
        yield from ledger.items(key, states=["pending"])
        return
    while claimed := ledger.claim_open(key, 1):
        yield claimed[0]


done = 0
with ledger.acquire_run_lock(key, runner, lease_s=60) as lease:
    started = time.perf_counter()
    for claimed in claimed_work():
        if done >= n:
            break
        item = ledger.item(claimed.id)  # Worker.process re-reads the unit
        if ledger.shared_runners:
            ledger.stop_seen()  # runner._wait_turn: another runner's circuit breaker
        ledger.mark_sending([item.id])  # Worker._send, before Skicka
        ledger.mark_many_sent([(item.id, f"A-{item.id}")])  # Worker._record
        lease.heartbeat(done=done)  # runner._progressed (written at most once a second)
        done += 1
    seconds = time.perf_counter() - started
print(json.dumps({"citizens": done, "seconds": seconds}))
"""


def ledger_cost(kind: str, where: str, n: int, runners: int, password: str = "") -> dict:
    """Run the per-citizen ledger calls for `n` citizens split over `runners` processes; ms per citizen."""
    from bot.ledger import Ledger, campaign_key
    from bot.ledger.target import PostgresTarget

    facts = {"bench": "ledger cost", "runners": runners}
    key = campaign_key(facts)
    target = Path(where) if kind == "sqlite" else PostgresTarget(where, "UTSKICK_BENCH_LEDGER_PASSWORD")
    os.environ["UTSKICK_BENCH_LEDGER_PASSWORD"] = password
    with Ledger.open(target, actor="bench", run_id="setup") as ledger:
        ledger.ensure_campaign(key, "Bench ledger", facts)
        ledger.add_delivery(key, "fp", "bench", [(p, "b", "b.txt", i) for i, p in enumerate(official_numbers(0, n))])
    env = {**os.environ, "UTSKICK_BENCH_LEDGER_PASSWORD": password}
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", LEDGER_LOOP, kind, where, key, str(n), f"bench-{r}"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in range(runners)
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=600)
        if process.returncode != 0:
            raise SystemExit(f"ledger loop failed: {err}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    wall = time.perf_counter() - started
    citizens = sum(r["citizens"] for r in results)
    busy = sum(r["seconds"] for r in results)
    return {
        "backend": kind,
        "runners": runners,
        "citizens": citizens,
        "ms_per_citizen": busy * 1000 / citizens,  # time each runner spent in ledger calls, per citizen it handled
        "wall_ms_per_citizen": wall * 1000 / citizens,
    }


def part_postgres_rows(url: str, qa: QA, n: int, tmp: Path, log=print) -> tuple[list[RunnersRow], list[dict]]:
    """Both measurements; returns the end-to-end rows and the ledger-cost rows."""
    from tests.pg_server import PgServer

    server = PgServer(durable=True).start()
    try:
        costs = [ledger_cost("sqlite", str(tmp / "cost.sqlite"), LEDGER_CITIZENS, 1)]
        for runners in (1, 3):
            db = server.new_database()
            costs.append(ledger_cost("postgres", db.url, LEDGER_CITIZENS, runners, server.password))
        for c in costs:
            log(f"  ledger cost {c['backend']} × {c['runners']}: {c['ms_per_citizen']:.2f} ms/citizen")
        pnrs = official_numbers(0, n)
        rows = [run_runners(tmp / "sqlite-1", url, qa, pnrs, 1)]
        log(f"  {rows[-1].name}: {rows[-1].e2e_ms:.0f} ms/citizen, {rows[-1].verdict}")
        for runners in (1, 2, 3):
            rows.append(run_runners(tmp / f"pg-{runners}", url, qa, pnrs, runners, server.new_database()))
            log(f"  {rows[-1].name}: {rows[-1].e2e_ms:.0f} ms/citizen, {rows[-1].verdict}")
    finally:
        server.stop()
    return rows, costs


def format_postgres_rows(rows: list[RunnersRow], costs: list[dict], load: float, command: str) -> str:
    """The two tables in Markdown."""
    lines = [
        f"Command: `{command}`  ",
        f"Date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, load average at the end {load:.1f}",
        "",
        "| part | runners | e2e ms/citizen | steady ms/citizen | exit codes | verified |",
        "|---|---:|---:|---:|---|---|",
    ]
    for r in rows:
        steady = "–" if r.steady_ms is None else f"{r.steady_ms:.0f}"
        lines.append(
            f"| {r.name} | {r.runners} | {r.e2e_ms:.0f} | {steady} | {r.exit_codes} | "
            f"{'ok' if r.verified else 'FAILED'}: {r.verdict} |"
        )
    lines += [
        "",
        "| ledger calls of one citizen (claim, re-read, stop check, sending, sent, heartbeat) | runner processes |"
        " ms/citizen in the ledger | wall ms/citizen |",
        "|---|---:|---:|---:|",
    ]
    for c in costs:
        name = "SQLite file (WAL, synchronous=FULL)" if c["backend"] == "sqlite" else "PostgreSQL 15 (fsync on)"
        lines.append(f"| {name} | {c['runners']} | {c['ms_per_citizen']:.2f} | {c['wall_ms_per_citizen']:.2f} |")
    return "\n".join(lines)
