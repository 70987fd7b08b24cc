"""The send benchmark (`make bench`): one mock, one machine, one run, the same citizens for every part.

    .venv/bin/python -m tests.bench.run_all            # 250 citizens, then the 1,000 / 10,000 memory part
    .venv/bin/python -m tests.bench.run_all --quick    # 20 citizens, no memory part (a few minutes)
    .venv/bin/python -m tests.bench.run_all --memory   # only the memory part
    .venv/bin/python -m tests.bench.run_all --fault-rows   # only utskick batch, fault-free and error_rate 0.03
    .venv/bin/python -m tests.bench.run_all --spa-rows # only utskick batch, classic skin and spa skin + spa.toml
    .venv/bin/python -m tests.bench.run_all --careful-row  # only utskick batch on the spa skin + spa.toml
    .venv/bin/python -m tests.bench.run_all --postgres-rows  # single mode: SQLite × 1 runner, PostgreSQL × 1/2/3

Part one, against one `python -m mock_personalverktyg --port 0` (faults off, its default check delay), each part
in its own subprocess whose whole process tree (Python, Playwright's driver, every Chromium process) is sampled
for RSS and CPU every 100 ms:
  1. raw HTTP: the flow's requests with `requests.Session` (tests/bench/raw_http.py), single and batch;
  2. bare browser: a minimal Playwright script with the flow's clicks (tests/bench/bare_browser.py);
  3. utskick single (workers 1 and 2) and 4. utskick batch (workers 1): the real CLI, `--yes`, fresh ledger;
  5. utskick batch under faults: the mock answers 3% of the requests with 500 (`error_rate` 0.03, seeded), and
     the row is compared with the fault-free batch row (target ≤ 1.5×).
Before every part the mock is reset and the citizens made reachable; after it `/__qa__/sent` must hold exactly
one ärende per citizen, or the part is marked FAILED (and the command exits 1).

The careful path (part one's last row, or `--spa-rows` with its classic baseline): utskick batch against a second
mock with `--skin spa` and the campaign's selectors_override = selectors/variants/spa.toml. That build clears the
Personnummer field only when a check is done, so the bot waits for readiness (field empty, Lägg till enabled)
before each number instead of typing the next one while the previous check runs; the ratio to the classic batch
row is that wait's cost. The row "careful path: batch of 250 on spa, bot vs 250 × check delay" divides its ms per
citizen (e2e and send phase) by the mock's check delay: the tool's own checking time, which no bot can go under
when it must wait for each check (target ≤ 1.5×).

Part two (`--memory`; by default unless `--quick`): batch campaigns of 1,000 and 10,000 citizens through the
real CLI; both peaks and their ratio (target ≤ 1.2).

Columns, so nothing is excluded silently:
  e2e        process start to exit, divided by the citizens (utskick: imports, intake, ledger, the preflight's
             own browser, login and dry pass over one citizen, the sends, the reports);
  send phase one browser launch + login + every send (raw HTTP: login + sends). utskick: from `preflight_ok` to
             the last `sent` event in its log (the worker's own launch and login included), so utskick's
             process start, intake, ledger set-up, preflight and reports are left out;
  steady     single mode only: first to last receipt / (citizens − 1): no launch, no login, no preflight.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psutil

from tests.bench.browser_relaunch import measure as measure_relaunch
from tests.bench.common import (
    QA,
    ROOT,
    Measured,
    MockProcess,
    default_check_delay_ms,
    machine,
    official_numbers,
    run_measured,
)
from tests.bench.shared_ledger import format_postgres_rows, part_postgres_rows
from tests.bench.utskick_cli import run_utskick

DOC = ROOT / "docs" / "bench-latest.md"
FULL_CITIZENS = 250
QUICK_CITIZENS = 20
PROFILE_CITIZENS = 50
# The steps of tests/bench/bare_browser.py that load a new page (a click on a link or a form's submit button).
PAGE_LOAD_STEPS = ("open_wizard", "choose_template", "next_to_message", "send_and_receipt")
MEMORY_SIZES = (1000, 10000)
MEMORY_OFFSET = 1000  # part two's numbers start here in the test list, after part one's
MIB = 2**20
CPU_KINDS = ("python", "playwright driver", "browser", "renderer", "gpu", "utility", "other")
TARGETS = {
    "ratio": 1.10,
    "batch_250_s": 30.0,
    "single_ms": 400.0,
    "memory_ratio": 1.2,
    "faults_ratio": 1.5,
    "careful_ratio": 1.5,
}
FAULTS = {"error_rate": 0.03, "seed": 14}
FAULTS_NAME = "utskick, error_rate 0.03"
SPA_OVERRIDE = ROOT / "selectors" / "variants" / "spa.toml"
SPA_NAME = "utskick, spa skin + spa.toml"


@dataclass
class Row:
    """One measured part."""

    name: str
    mode: str
    citizens: int
    measured: Measured
    send_phase_s: float | None
    steady_ms: float | None
    verified: bool
    verdict: str
    load: float
    notes: list[str] = field(default_factory=list)

    @property
    def e2e_ms(self) -> float:
        return self.measured.wall_s * 1000 / self.citizens

    @property
    def send_ms(self) -> float | None:
        return None if self.send_phase_s is None else self.send_phase_s * 1000 / self.citizens


def _steady(ends: list[float]) -> float | None:
    return (ends[-1] - ends[0]) * 1000 / (len(ends) - 1) if len(ends) > 1 else None


def _part_cmd(module: str, url: str, mode: str, pnr_file: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", module, "--url", url, "--mode", mode, "--pnrs", str(pnr_file), *extra]


def run_part(
    name: str, mode: str, qa: QA, pnrs: list[str], run: Callable, *, log: Callable = print, faults: dict | None = None
) -> Row:
    """Reset the mock, make `pnrs` reachable, inject `faults` (if any), run the part, check /__qa__/sent."""
    qa.reset()
    if qa.faults().get("error_rate", 0) or any(v for v in qa.faults().values() if isinstance(v, int | float)):
        raise SystemExit(f"faults are on in the mock: {qa.faults()}")
    qa.reachable(pnrs)
    if faults:
        qa.set_faults(faults)
    load = psutil.getloadavg()[0]
    log(f"  {name} ({mode}, {len(pnrs)} citizens{', faults ' + str(faults) if faults else ''}) …")
    measured, send_phase_s, steady_ms, notes = run()
    qa.set_faults({})
    ok, verdict = qa.verify_sent(pnrs)
    if measured.returncode != 0:
        ok = False
        verdict = f"exit {measured.returncode}; {verdict}"
        tail = (measured.stderr or measured.stdout).strip().splitlines()[-3:]
        notes.append("stderr: " + " | ".join(tail))
    log(
        f"    {'ok' if ok else 'FAILED'}: {verdict}; "
        f"wall {measured.wall_s:.1f} s, peak {measured.peak_rss / MIB:.0f} MiB"
    )
    return Row(name, mode, len(pnrs), measured, send_phase_s, steady_ms, ok, verdict, load, notes)


def part_script(module: str, url: str, mode: str, pnr_file: Path, *extra: str):
    """A raw HTTP or bare browser part: its own timings come back as a JSON line."""

    def run():
        m = run_measured(_part_cmd(module, url, mode, pnr_file, *extra), timeout=7200)
        r = m.result
        send_phase = (r["setup_s"] + r["send_s"]) if r else None
        steady = _steady(r.get("send_ends", [])) if r and mode == "single" else None
        notes = []
        if r.get("receipts") is not None and r["receipts"] != r.get("citizens"):
            notes.append(f"receipts showed {r['receipts']} ärende-ids for {r['citizens']} citizens")
        return m, send_phase, steady, notes

    return run


def part_utskick(
    folder: Path, url: str, pnrs: list[str], mode: str, workers: int, trace: str, selectors_override: Path | None = None
):
    """The real CLI; its milestones come from its JSON log."""

    def run():
        m = run_utskick(
            folder, url, pnrs, mode=mode, workers=workers, trace=trace, selectors_override=selectors_override
        )
        r = m.result
        sent_at = r.get("sent_at", [])
        send_phase = (sent_at[-1] - r["preflight_ok"]) if sent_at and "preflight_ok" in r else None
        steady = _steady(sent_at) if mode == "single" else None
        notes = []
        if r.get("retries"):
            notes.append(f"{r['retries']} retries in the log")
        if r.get("errors"):
            notes.append(f"errors in the log: {', '.join(sorted(set(r['errors'])))}")
        if "preflight_ok" in r:
            notes.append(
                f"start-up before the sends: process start → preflight_ok {r['preflight_ok']:.1f} s "
                f"(imports, intake, ledger, preflight browser + login + dry pass); after the last sent: "
                f"{m.wall_s - (sent_at[-1] if sent_at else m.wall_s):.1f} s (summary, reports, exit)"
            )
        return m, send_phase, steady, notes

    return run


# The table -------------------------------------------------------------------------------------------------


def _f(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}".replace(",", " ")


def _ratio(a: float | None, b: float | None) -> str:
    return "–" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def format_tables(rows: list[Row], info: dict, memory: list[Row], check_delay: int, command: str) -> str:
    lines = [
        f"Command: `{command}`  ",
        f"Date: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}  ",
        f"Machine: {info['cores_logical']} logical cores ({info['cores_physical']} physical, {info['cpu']}), "
        f"{info['memory_gib']} GiB, {info['os']}, Python {info['python']}  ",
        f"Chromium: {info['chromium']} ({info['chromium_path']}), headless  ",
        f"Mock: `python -m mock_personalverktyg --port 0`, faults off, recipient check delay {check_delay} ms "
        "(its default)  ",
        f"Load average (1 min) at the start of each part: {', '.join(f'{r.load:.1f}' for r in rows + memory)}",
        "",
    ]
    if rows:
        lines += [
            "| part | mode | citizens | wall s | e2e ms/citizen | send phase s | send phase ms/citizen "
            "| steady ms/citizen | CPU ms/citizen | peak MiB | sent ok |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in rows:
            lines.append(
                f"| {r.name} | {r.mode} | {r.citizens} | {_f(r.measured.wall_s, 1)} | {_f(r.e2e_ms)} "
                f"| {_f(r.send_phase_s, 1)} | {_f(r.send_ms)} | {_f(r.steady_ms)} "
                f"| {_f(r.measured.cpu_s * 1000 / r.citizens)} | {_f(r.measured.peak_rss / MIB)} "
                f"| {'yes' if r.verified else 'FAILED: ' + r.verdict} |"
            )
        by = {(r.name, r.mode): r for r in rows}
        if any(("utskick", mode) in by for mode in ("single", "batch")):
            lines += ["", "Ratios (target utskick / bare browser ≤ 1.10):", ""]
            lines += ["| mode | measure | utskick / bare browser | utskick / raw HTTP | bare browser / raw HTTP |"]
            lines += ["|---|---|---:|---:|---:|"]
        for mode in ("single", "batch"):
            u, b, h = by.get(("utskick", mode)), by.get(("bare browser", mode)), by.get(("raw HTTP", mode))
            if not u:
                continue
            measures = [("e2e", lambda r: r.e2e_ms), ("send phase", lambda r: r.send_ms)]
            if mode == "single":
                measures.append(("steady", lambda r: r.steady_ms))
            for label, get in measures:
                uv, bv, hv = get(u), get(b) if b else None, get(h) if h else None
                lines.append(f"| {mode} | {label} | {_ratio(uv, bv)} | {_ratio(uv, hv)} | {_ratio(bv, hv)} |")
        lines += careful_path_table(by.get((SPA_NAME, "batch")), check_delay)
        lines += [
            "",
            "CPU ms per citizen by process (where the time goes; 2 cores give at most 2,000 CPU ms a second):",
            "",
        ]
        lines += ["| part | mode | " + " | ".join(CPU_KINDS) + " | total | Chromium share |"]
        lines += ["|---|---|" + "---:|" * (len(CPU_KINDS) + 2)]
        for r in rows:
            kinds = r.measured.cpu_by_kind
            total = sum(kinds.values())
            chromium = sum(v for k, v in kinds.items() if k not in ("python", "playwright driver", "other"))
            cells = [_f(kinds.get(k, 0.0) * 1000 / r.citizens) for k in CPU_KINDS]
            share = f"{chromium / total:.0%}" if total else "–"
            lines.append(f"| {r.name} | {r.mode} | {' | '.join(cells)} | {_f(total * 1000 / r.citizens)} | {share} |")
        lines += step_profile_table(rows)
        lines += ["", "Targets (2 cores):", ""]
        batch = by.get(("utskick", "batch"))
        if batch:
            lines.append(
                f"- batch of {batch.citizens}: wall {batch.measured.wall_s:.1f} s end to end, send phase "
                f"{_f(batch.send_phase_s, 1)} s (target {TARGETS['batch_250_s']:.0f} s for 250)"
            )
        faulty = by.get((FAULTS_NAME, "batch"))
        if batch and faulty:
            lines.append(
                f"- batch under error_rate 0.03: {_f(faulty.e2e_ms)} ms/citizen e2e against {_f(batch.e2e_ms)} "
                f"fault-free: {_ratio(faulty.e2e_ms, batch.e2e_ms)}× (send phase "
                f"{_ratio(faulty.send_ms, batch.send_ms)}×; target ≤ {TARGETS['faults_ratio']}×)"
            )
        spa = by.get((SPA_NAME, "batch"))
        if spa and check_delay:
            lines.append(
                f"- careful path: batch of {spa.citizens} on spa, {_f(spa.e2e_ms)} ms/citizen e2e against the mock's "
                f"check delay of {check_delay} ms: {_ratio(spa.e2e_ms, check_delay)}× (send phase "
                f"{_ratio(spa.send_ms, check_delay)}×; target ≤ {TARGETS['careful_ratio']}×)"
            )
        if batch and spa:
            lines.append(
                f"- careful path (spa skin, readiness waits between numbers): {_f(spa.e2e_ms)} ms/citizen e2e "
                f"against {_f(batch.e2e_ms)} for the classic batch: {_ratio(spa.e2e_ms, batch.e2e_ms)}× (send "
                f"phase {_f(spa.send_phase_s, 1)} s against {_f(batch.send_phase_s, 1)} s: "
                f"{_ratio(spa.send_ms, batch.send_ms)}×)"
            )
        for r in rows:
            if r.name.startswith("utskick") and r.mode == "single":
                lines.append(
                    f"- {r.name} single: steady {_f(r.steady_ms)} ms/citizen, e2e {_f(r.e2e_ms)} ms/citizen "
                    f"(target {TARGETS['single_ms']:.0f} ms with parallel contexts)"
                )
        notes = [(r, n) for r in rows for n in r.notes]
        if notes:
            lines += ["", "Notes:", ""] + [f"- {r.name} {r.mode}: {n}" for r, n in notes]
    if memory:
        lines += [
            "",
            "Memory (utskick batch, workers 1, real CLI):",
            "",
            "| citizens | wall s | peak MiB | processes at peak | peak MiB by citizens sent | sent ok |",
            "|---:|---:|---:|---:|---|---|",
        ]
        for r in memory:
            lines.append(
                f"| {r.citizens} | {_f(r.measured.wall_s, 1)} | {_f(r.measured.peak_rss / MIB)} "
                f"| {r.measured.peak_processes} | {r.notes[0] if r.notes else '–'} "
                f"| {'yes' if r.verified else 'FAILED: ' + r.verdict} |"
            )
        if len(memory) == 2 and not all(r.verified for r in memory):
            lines += ["", "Peak ratio: not computed, a memory run did not send to every citizen (see the table)."]
        elif len(memory) == 2 and memory[0].measured.peak_rss:
            ratio = memory[1].measured.peak_rss / memory[0].measured.peak_rss
            lines.append("")
            lines.append(
                f"Peak ratio {memory[1].citizens} / {memory[0].citizens}: {ratio:.2f} "
                f"(target ≤ {TARGETS['memory_ratio']})"
            )
    lines += [
        "",
        "e2e = process start to exit / citizens. send phase = one browser launch + login + all sends (utskick: "
        "preflight_ok → last `sent` in its log; raw HTTP: login + sends). steady = first to last receipt / "
        "(citizens − 1), single mode only. Peak = largest sum of RSS over the part's process and all its children "
        "(Playwright driver, Chromium), sampled every 100 ms; shared pages count once per process. CPU = user + "
        "system seconds of that tree. The machine may be shared: compare CPU ms as well as wall time.",
    ]
    return "\n".join(lines)


def careful_path_table(spa: Row | None, check_delay: int) -> list[str]:
    """The careful path against the tool's own checking time: the batch on the spa skin, where the bot waits for the
    tool between numbers, per citizen divided by the mock's check delay (target ≤ 1.5×)."""
    if spa is None or not check_delay:
        return []
    return [
        "",
        f"Careful path (target bot / (citizens × check delay) ≤ {TARGETS['careful_ratio']}):",
        "",
        "| row | citizens | check delay ms | e2e ms/citizen | e2e / check delay | send phase ms/citizen "
        "| send phase / check delay |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| careful path: batch of {spa.citizens} on spa, bot vs {spa.citizens} × check delay | {spa.citizens} "
        f"| {check_delay} | {_f(spa.e2e_ms)} | {_ratio(spa.e2e_ms, check_delay)} | {_f(spa.send_ms)} "
        f"| {_ratio(spa.send_ms, check_delay)} |",
    ]


def step_profile_table(rows: list[Row]) -> list[str]:
    """Where a citizen's CPU goes in single mode, step by step (the bare browser's profile part)."""
    profiled = next((r for r in rows if r.measured.result.get("step_cpu")), None)
    if not profiled:
        return []
    wall, cpu, n = profiled.measured.result["steps"], profiled.measured.result["step_cpu"], profiled.citizens
    total = sum(cpu.values())
    lines = [
        "",
        f"Bare browser, single mode, by step ({n} citizens; CPU = this script, Playwright's driver and every "
        "Chromium process):",
        "",
        "| step | loads a page | wall ms/citizen | CPU ms/citizen | share of CPU |",
        "|---|---|---:|---:|---:|",
    ]
    for step, seconds in cpu.items():
        loads = "yes" if step in PAGE_LOAD_STEPS else ""
        lines.append(
            f"| {step} | {loads} | {_f(wall.get(step, 0) * 1000 / n)} | {_f(seconds * 1000 / n)} "
            f"| {seconds / total:.0%} |"
        )
    loads = sum(cpu.get(step, 0.0) for step in PAGE_LOAD_STEPS)
    floor = total * 1000 / n / 2
    lines += [
        f"| total | | {_f(sum(wall.values()) * 1000 / n)} | {_f(total * 1000 / n)} | 100% |",
        "",
        f"The {len(PAGE_LOAD_STEPS)} page loads per citizen take {loads / total:.0%} of its CPU. At "
        f"{_f(total * 1000 / n)} CPU ms per citizen, 2 cores cannot send faster than {_f(floor)} ms per citizen "
        "with any number of workers.",
    ]
    return lines


# Running ---------------------------------------------------------------------------------------------------


def part_one(url: str, qa: QA, n: int, tmp: Path, args: argparse.Namespace) -> list[Row]:
    pnrs = official_numbers(0, n)
    pnr_file = tmp / "pnrs.txt"
    pnr_file.write_text("\n".join(pnrs) + "\n", encoding="ascii")
    parts = [
        ("raw HTTP", "single", part_script("tests.bench.raw_http", url, "single", pnr_file)),
        ("raw HTTP", "batch", part_script("tests.bench.raw_http", url, "batch", pnr_file)),
        ("bare browser", "single", part_script("tests.bench.bare_browser", url, "single", pnr_file)),
        ("bare browser", "batch", part_script("tests.bench.bare_browser", url, "batch", pnr_file)),
        ("utskick", "single", part_utskick(tmp / "single-w1", url, pnrs, "single", 1, args.trace)),
        ("utskick", "batch", part_utskick(tmp / "batch-w1", url, pnrs, "batch", 1, args.trace)),
        ("utskick workers=2", "single", part_utskick(tmp / "single-w2", url, pnrs, "single", 2, args.trace)),
        ("utskick workers=3", "single", part_utskick(tmp / "single-w3", url, pnrs, "single", 3, args.trace)),
    ]
    if args.with_trace_baseline:
        parts.insert(
            4,
            (
                "bare browser + trace",
                "single",
                part_script("tests.bench.bare_browser", url, "single", pnr_file, "--trace"),
            ),
        )
    rows = [run_part(name, mode, qa, pnrs, run) for name, mode, run in parts]
    rows.append(part_faults(url, qa, pnrs, tmp, args.trace))
    profiled = pnrs[: min(PROFILE_CITIZENS, n)]
    profile_file = tmp / "pnrs-profile.txt"
    profile_file.write_text("\n".join(profiled) + "\n", encoding="ascii")
    profile = part_script("tests.bench.bare_browser", url, "single", profile_file, "--profile")
    return [*rows, run_part("bare browser, step profile", "single", qa, profiled, profile)]


def part_faults(url: str, qa: QA, pnrs: list[str], tmp: Path, trace: str) -> Row:
    """utskick batch mode while the mock answers 3% of the requests with a 500 (seeded)."""
    run = part_utskick(tmp / "batch-faults", url, pnrs, "batch", 1, trace)
    return run_part(FAULTS_NAME, "batch", qa, pnrs, run, faults=FAULTS)


def part_fault_rows(url: str, qa: QA, n: int, tmp: Path, trace: str) -> list[Row]:
    """Only the two rows the fault ratio needs: utskick batch fault-free, then under error_rate 0.03."""
    pnrs = official_numbers(0, n)
    clean = run_part("utskick", "batch", qa, pnrs, part_utskick(tmp / "batch-w1", url, pnrs, "batch", 1, trace))
    return [clean, part_faults(url, qa, pnrs, tmp, trace)]


def part_spa(n: int, tmp: Path, trace: str, check_delay_ms: int | None = None) -> list[Row]:
    """utskick batch against a mock of its own in the spa skin, with the shipped spa.toml (the careful path)."""
    pnrs = official_numbers(0, n)
    with MockProcess(check_delay_ms, skin="spa") as spa:
        run = part_utskick(tmp / "batch-spa", spa.url, pnrs, "batch", 1, trace, selectors_override=SPA_OVERRIDE)
        return [run_part(SPA_NAME, "batch", QA(spa.url), pnrs, run)]


def part_spa_rows(url: str, qa: QA, n: int, tmp: Path, trace: str) -> list[Row]:
    """Only the two rows the careful path's cost needs: utskick batch on the classic skin, then on spa."""
    pnrs = official_numbers(0, n)
    clean = run_part("utskick", "batch", qa, pnrs, part_utskick(tmp / "batch-w1", url, pnrs, "batch", 1, trace))
    return [clean, *part_spa(n, tmp, trace)]


def part_workers(url: str, qa: QA, n: int, tmp: Path, counts: list[int], trace: str) -> list[Row]:
    """utskick single mode with each worker count in `counts`, over the same citizens (to choose a default)."""
    pnrs = official_numbers(0, n)
    return [
        run_part(
            f"utskick workers={w}", "single", qa, pnrs, part_utskick(tmp / f"sweep-w{w}", url, pnrs, "single", w, trace)
        )
        for w in counts
    ]


def part_two(url: str, qa: QA, tmp: Path, sizes: tuple[int, ...], args: argparse.Namespace) -> list[Row]:
    rows = []
    offset = MEMORY_OFFSET
    for size in sizes:
        pnrs = official_numbers(offset, size)
        offset += size
        run = part_utskick(tmp / f"memory-{size}", url, pnrs, "batch", 1, args.trace)

        def measured_with_processes(run=run):
            m, send_phase, steady, _ = run()
            return m, send_phase, steady, [_peak_by_sent(m)]

        rows.append(run_part("utskick memory", "batch", qa, pnrs, measured_with_processes))
    return rows


def _peak_by_sent(m: Measured) -> str:
    """Peak memory up to the moment 1,000 / 2,500 / 5,000 / … citizens were recorded as sent (from the log)."""
    sent_at, counts = m.result.get("sent_at", []), m.result.get("sent_counts", [])
    marks, done, out = [1000, 2500, 5000, 10000, 20000], 0, []
    for at, count in zip(sent_at, counts, strict=False):
        done += count
        while marks and done >= marks[0]:
            upto = m.started_at + at
            peak = max((rss for t, rss in m.samples if t <= upto), default=0)
            out.append(f"{marks.pop(0)}: {peak / MIB:.0f}")
    return ", ".join(out) or "–"


def write_doc(table: str) -> None:
    """docs/bench-latest.md: the latest table with its command and date."""
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text("# Send benchmark: latest run\n\n" + table + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The send benchmark (issues 4 and 6).")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_CITIZENS} citizens, no memory part")
    parser.add_argument("--memory", action="store_true", help="only the memory part (1,000 and 10,000 citizens)")
    parser.add_argument("--citizens", type=int, help="citizens in part one (default 250; 20 with --quick)")
    parser.add_argument("--memory-sizes", default=",".join(map(str, MEMORY_SIZES)), help="e.g. 1000,10000")
    parser.add_argument("--trace", choices=("", "on-failure", "off"), default="", help="campaign trace setting")
    parser.add_argument("--with-trace-baseline", action="store_true", help="also the bare browser with a trace")
    parser.add_argument(
        "--workers-sweep",
        metavar="COUNTS",
        help="only utskick single mode with these worker counts, e.g. 2,3,4 (no memory part, no doc)",
    )
    parser.add_argument(
        "--fault-rows",
        action="store_true",
        help="only utskick batch, fault-free and under error_rate 0.03 (no memory part, no doc)",
    )
    parser.add_argument("--no-doc", action="store_true", help=f"do not write {DOC.relative_to(ROOT)}")
    parser.add_argument(
        "--spa-rows",
        action="store_true",
        help="only utskick batch on the classic skin and on the spa skin with spa.toml (no memory part, no doc)",
    )
    parser.add_argument(
        "--careful-row",
        action="store_true",
        help="only utskick batch on the spa skin + spa.toml against the check delay (no memory part, no doc)",
    )
    parser.add_argument(
        "--postgres-rows",
        action="store_true",
        help="only single mode on SQLite with 1 runner and on PostgreSQL with 1/2/3 runners, and the ledger's own "
        "cost per citizen (tests/bench/shared_ledger.py; no memory part, no doc)",
    )
    parser.add_argument(
        "--relaunch-rows",
        action="store_true",
        help="only what a killed Chromium costs: relaunch and new login (tests/bench/browser_relaunch.py; no doc)",
    )
    args = parser.parse_args(argv)
    n = args.citizens or (QUICK_CITIZENS if args.quick else FULL_CITIZENS)
    if not 1 <= n <= 250:
        parser.error("--citizens must be 1 to 250 (one batch)")
    sizes = tuple(int(s) for s in args.memory_sizes.split(",") if s.strip())
    sweep = [int(w) for w in args.workers_sweep.split(",") if w.strip()] if args.workers_sweep else []
    if sweep or args.fault_rows or args.spa_rows or args.careful_row or args.postgres_rows:
        args.no_doc = True
    command = "python -m tests.bench.run_all" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    started = time.perf_counter()

    print("Machine …", flush=True)
    info = machine()
    check_delay = default_check_delay_ms()
    print(
        f"  {info['cores_logical']} cores, {info['memory_gib']} GiB, {info['chromium']}, "
        f"load {psutil.getloadavg()[0]:.1f}",
        flush=True,
    )
    rows: list[Row] = []
    memory: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="utskick-bench-") as tmp, MockProcess() as mock:
        print(f"Mock at {mock.url}, faults off, recipient check delay {check_delay} ms (its default)", flush=True)
        qa = QA(mock.url)
        if args.relaunch_rows:
            result = measure_relaunch(mock.url, rounds=5)
            print(
                f"\nA killed Chromium, median of {result['rounds']}: relaunch {result['relaunch_ms']} ms + login "
                f"{result['login_after_relaunch_ms']} ms = {result['relaunch_and_login_ms']} ms (first launch and "
                f"login {result['first_launch_and_login_ms']} ms), load {psutil.getloadavg()[0]:.1f}"
            )
            return 0
        if args.postgres_rows:
            print(f"PostgreSQL rows: {n} citizens, single mode, 1 worker per runner", flush=True)
            shared, costs = part_postgres_rows(mock.url, qa, n, Path(tmp))
            print("\n" + format_postgres_rows(shared, costs, psutil.getloadavg()[0], command))
            print(f"\nBenchmark took {time.perf_counter() - started:.0f} s.")
            return 0 if all(r.verified for r in shared) else 1
        if sweep:
            print(f"Workers sweep: {n} citizens, single mode, workers {', '.join(map(str, sweep))}", flush=True)
            rows = part_workers(mock.url, qa, n, Path(tmp), sweep, args.trace)
        elif args.fault_rows:
            print(f"Fault rows: {n} citizens, batch mode, fault-free and {FAULTS}", flush=True)
            rows = part_fault_rows(mock.url, qa, n, Path(tmp), args.trace)
        elif args.spa_rows:
            print(f"Careful path: {n} citizens, batch mode, classic skin and spa skin + spa.toml", flush=True)
            rows = part_spa_rows(mock.url, qa, n, Path(tmp), args.trace)
        elif args.careful_row:
            print(f"Careful path: {n} citizens, batch mode, spa skin + spa.toml", flush=True)
            rows = part_spa(n, Path(tmp), args.trace)
        elif not args.memory:
            print(f"Part one: {n} citizens", flush=True)
            rows = part_one(mock.url, qa, n, Path(tmp), args)
            rows += part_spa(n, Path(tmp), args.trace)
            if not args.quick:
                # Part two takes long: show (and keep) part one's table first.
                print("\n" + format_tables(rows, info, [], check_delay, command) + "\n", flush=True)
                if not args.no_doc:
                    write_doc(format_tables(rows, info, [], check_delay, command) + "\n\n(Memory part running.)")
        only_rows = sweep or args.fault_rows or args.spa_rows or args.careful_row
        if not only_rows and (args.memory or not args.quick):
            print(f"Part two: memory, batch campaigns of {', '.join(map(str, sizes))} citizens", flush=True)
            memory = part_two(mock.url, qa, Path(tmp), sizes, args)
        qa.reset()
    table = format_tables(rows, info, memory, check_delay, command)
    print()
    print(table)
    print(f"\nBenchmark took {time.perf_counter() - started:.0f} s.")
    if not args.no_doc:
        write_doc(table)
        print(f"Written to {DOC.relative_to(ROOT)}")
    return 0 if all(r.verified for r in rows + memory) else 1


if __name__ == "__main__":
    os.chdir(ROOT)
    raise SystemExit(main())
