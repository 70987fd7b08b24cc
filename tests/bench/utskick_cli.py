"""Parts 3 and 4 of the send benchmark: the real `utskick run` CLI as a subprocess, unattended (`--yes`), with a
fresh ledger, campaign file and plain-text delivery in a temporary folder. Timings inside the run come from the
JSON log the bot writes (run_started, preflight_ok, each `sent` event, run_finished).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

from tests.bench.common import DEMO_PDF, HSA_ID, PASSWORD, TEMPLATE, TEXTS, UNIT_NAME, Measured, run_measured


def write_campaign(
    folder: Path,
    url: str,
    pnrs: list[str],
    *,
    mode: str,
    workers: int,
    trace: str = "",
    selectors_override: Path | None = None,
) -> Path:
    """Campaign file, delivery and attachment as `tests/e2e/conftest.write_campaign` writes them; returns the
    campaign file. `trace` empty keeps the bot's default (on-failure); `selectors_override` is named under
    [staff_tool] (e.g. selectors/variants/spa.toml for the mock's spa skin)."""
    override_line = f'selectors_override = "{selectors_override}"' if selectors_override else ""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "leverans.txt").write_text("\n".join(pnrs) + "\n", encoding="ascii")
    (folder / "information.pdf").write_bytes(DEMO_PDF.read_bytes())
    texts = ", ".join(f'"{t}"' for t in TEXTS)
    trace_line = f'trace = "{trace}"' if trace else ""
    campaign = folder / "kampanj.toml"
    campaign.write_text(
        f"""
[campaign]
name = "Bench {folder.name}"
bestallare = "Bench"
[campaign.ansvarig_avsandare]
name = "Anna Ärendehanterare"
title = "Sjuksköterska"
unit = "{UNIT_NAME}"
[message]
unit = "{UNIT_NAME}"
template = "{TEMPLATE}"
texts = [{texts}]
extra_text = ""
attachments = ["information.pdf"]
[sending]
mode = "{mode}"
workers = {workers}
messages_per_minute = 0
{trace_line}
[staff_tool]
url = "{url}"
hsa_id = "{HSA_ID}"
password_env = "UTSKICK_PASSWORD"
{override_line}
[paths]
ledger = "ledger.sqlite"
logs = "logs"
artifacts = "artifacts"
reports = "reports"
""",
        encoding="utf-8",
    )
    return campaign


def run_command(campaign: Path, folder: Path) -> list[str]:
    """`utskick run CAMPAIGN --delivery FOLDER/leverans.txt` as a command line for this interpreter."""
    return [sys.executable, "-m", "bot.commands.cli", "run", str(campaign), "--delivery", str(folder / "leverans.txt")]


def run_utskick(
    folder: Path, url: str, pnrs: list[str], *, mode: str, workers: int, timeout: float = 7200, **options
) -> Measured:
    """`utskick run CAMPAIGN --delivery … --base-url … --ledger … --mode … --workers … --yes`, measured; `options`
    (trace, selectors_override) go into the campaign file."""
    campaign = write_campaign(folder, url, pnrs, mode=mode, workers=workers, **options)
    cmd = [
        *run_command(campaign, folder),
        "--base-url",
        url,
        "--ledger",
        str(folder / "ledger.sqlite"),
        "--mode",
        mode,
        "--workers",
        str(workers),
        "--yes",
    ]
    measured = run_measured(cmd, env={"UTSKICK_PASSWORD": PASSWORD}, timeout=timeout)
    measured.result = log_timings(folder / "logs", measured.started_at)
    return measured


def log_timings(logs: Path, process_started: float) -> dict:
    """Seconds from the process start to each milestone of the run, from the bot's JSON log."""
    events = []
    for path in sorted(logs.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                continue

    def at(event: dict) -> float:
        return datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp() - process_started

    out: dict = {"sent_at": [], "sent_counts": [], "retries": 0, "warnings": 0, "errors": []}
    for e in events:
        name = e.get("event")
        if name in ("run_started", "preflight_ok", "run_finished"):
            out[name] = at(e)
        elif name == "sent":
            out["sent_at"].append(at(e))
            out["sent_counts"].append(int(e.get("count", 0)))
        elif name in ("send_retry", "preflight_retry"):
            out["retries"] += 1
        if e.get("level") == "warning":
            out["warnings"] += 1
        if e.get("level") in ("error", "critical"):
            out["errors"].append(str(e.get("event")))
    out["sent"] = sum(out["sent_counts"])
    return out
