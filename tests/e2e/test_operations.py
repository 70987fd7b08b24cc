"""What the automation team and QA run every night: `--json` documents valid against the published schema,
`status` while a run waits or after it was killed, alerts to a local webhook and command, the log file, the send
window's Swedish waiting line and Ctrl-C, and `--headed` refused where no window can be shown."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from bot.app.documents import SCHEMA_FILE
from tests.helpers import official_test_numbers, wait_until, write_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
DAYS_SV = ("mån", "tis", "ons", "tor", "fre", "lör", "sön")
EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def validated(stdout: str) -> dict:
    """stdout is exactly one JSON document, valid against docs/schema/utskick-output.schema.json."""
    document = json.loads(stdout)
    jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())
    return document


def assert_no_personnummer(text: str, pnrs: list[str]) -> None:
    for pnr in pnrs:
        assert pnr not in text and f"{pnr[:8]}-{pnr[8:]}" not in text and pnr[2:] not in text


def utskick(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run an `utskick` command other than `run` and wait for it."""
    return subprocess.run(
        [sys.executable, "-m", "bot.commands.cli", *args],
        env={**os.environ, "UTSKICK_PASSWORD": "utskick-demo", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def closed_window_today() -> str:
    """A send window on every day but today, with Swedish day names: a run started now waits."""
    today = datetime.now().astimezone().weekday()
    days = ", ".join(f'"{d}"' for i, d in enumerate(DAYS_SV) if i != today)
    return f'window = {{ days = [{days}], start = "08:00", end = "18:00" }}'


def status_json(setup) -> dict:
    result = utskick("status", str(setup.campaign), "--json")
    assert result.returncode == 0, result.stderr
    return validated(result.stdout)


def test_ctrl_c_while_waiting_for_the_send_window_should_end_cleanly_with_exit_4(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(3700, 3)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs, sending=closed_window_today())
    process = subprocess.Popen(
        setup.command("--yes", "--json"),
        env=setup.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        assert wait_until(lambda: "waiting_for_send_window" in setup.log_text(), limit_s=120), setup.log_text()
        running = status_json(setup)["running"]
        assert running["pid"] == process.pid and not running["stale"]
        assert (running["done"], running["total"]) == (0, 3)
        human = utskick("status", str(setup.campaign)).stdout
        assert f"Pågående körning: {running['run_id']} på " in human and "klara: 0 av 3" in human
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group: bot, driver, browser
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    assert process.returncode == 4, out + err
    opens = re.search(r"Väntar på sändningsfönstret – öppnar (mån|tis|ons|tor|fre|lör|sön) 08:00", err)
    assert opens, err
    for noise in ("Future exception was never retrieved", "Traceback", "Connection closed"):
        assert noise not in err + out
    document = validated(out)
    assert document["outcome"] == "interrupted" and document["sent_this_run"] == 0
    assert qa.sent() == []
    assert status_json(setup)["last_run"]["outcome"] == "interrupted"


@pytest.mark.parametrize("mode", [pytest.param("single", marks=pytest.mark.long), "batch"])  # single: make test-long
def test_json_documents_should_match_the_schema_and_hold_no_personnummer(tmp_path, live_mock, qa, mode):
    pnrs = official_test_numbers(4200 if mode == "batch" else 3720, 20 if mode == "batch" else 4)
    qa.reachable(*pnrs)
    qa.set_citizen(pnrs[2], login="locked")
    setup = write_campaign(tmp_path, live_mock.url, pnrs, mode=mode)

    result = setup.run("--yes", "--json")

    assert result.returncode == 0, result.stderr
    run = validated(result.stdout)
    assert (run["command"], run["outcome"], run["exit_code"], run["dry_run"]) == ("run", "finished", 0, False)
    assert run["sent_this_run"] == len(pnrs) - 1 and run["not_reachable_this_run"] == {"login_locked": 1}
    assert run["counts"]["sent"] == len(pnrs) - 1 and run["counts"]["not_reachable"] == 1
    assert run["not_reachable"] == {"login_locked": 1}, "the whole campaign's reasons, not only this run's"
    assert Path(run["log_file"]).is_file() and run["log_file"].endswith(f"utskick-{run['run_id']}.jsonl")
    assert [Path(p).suffix for p in run["reports"]] == [".xlsx", ".html", ".csv"]
    assert "Sammanfattning för kampanjen" in result.stderr, "the Swedish summary goes to stderr"

    status = status_json(setup)
    assert status["counts"] == run["counts"] and status["not_reachable"] == {"login_locked": 1}
    assert status["running"] is None
    assert status["last_run"] == {**status["last_run"], "run_id": run["run_id"], "outcome": "finished", "exit_code": 0}

    report = utskick("report", str(setup.campaign), "--json")
    assert report.returncode == 0, report.stderr
    assert validated(report.stdout)["reports"] == run["reports"]

    follow = utskick("follow-up", str(setup.campaign), "--json", "--no-report")
    assert follow.returncode == 0, follow.stderr
    follow_up = validated(follow.stdout)
    assert (follow_up["sent"], follow_up["read"] + follow_up["unread"]) == (len(pnrs) - 1, len(pnrs) - 1)

    for text in (result.stdout, result.stderr, status, report.stdout, follow.stdout):
        assert_no_personnummer(json.dumps(text, ensure_ascii=False), pnrs)


def test_run_log_file_should_hold_only_product_events(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(3740, 2)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs)

    result = setup.run("--yes", "--json", "--slowmo", "5")  # QA's slow motion reaches a real launch

    assert result.returncode == 0, result.stderr
    lines = Path(json.loads(result.stdout)["log_file"]).read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 4
    events = [json.loads(line) for line in lines]
    for event in events:
        assert EVENT_NAME.match(event["event"]), event  # no `findfont: …` or other third-party text
        assert event["level"] in ("debug", "info", "warning", "error", "critical")
        assert event["timestamp"]
    names = [e["event"] for e in events]
    assert names[0] == "run_started" and "run_finished" in names
    assert_no_personnummer("\n".join(lines), pnrs)


def test_json_should_report_a_refused_run_with_its_exit_code(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(3750, 1)
    setup = write_campaign(tmp_path, live_mock.url, pnrs)

    result = setup.run("--json")  # no terminal and no --yes

    assert result.returncode == 2
    document = validated(result.stdout)
    assert (document["outcome"], document["exit_code"], document["error"]) == ("refused", 2, "_UsageError")
    assert "--yes" in document["message"] and "--yes" in result.stderr


def test_workers_option_out_of_range_should_name_the_option_not_the_campaign_file(tmp_path, live_mock):
    setup = write_campaign(tmp_path, live_mock.url, official_test_numbers(3760, 1))

    result = setup.run("--yes", "--workers", "9")

    assert result.returncode == 2
    assert "--workers" in result.stderr and "kampanj.toml" not in result.stderr


class Webhook:
    """A local HTTP server (loopback only) that records every POST it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, dict]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), json.loads(body)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/larm"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.close()


def test_notify_should_post_the_finish_and_the_exit_3_summaries_and_run_the_command(tmp_path, live_mock, qa, webhook):
    pnrs = official_test_numbers(3780, 3)
    qa.reachable(*pnrs)
    received_by_command = tmp_path / "larm.jsonl"
    command = [
        sys.executable,
        "-c",
        f"import os,sys; open({str(received_by_command)!r},'a').write("
        "os.environ['UTSKICK_EVENT'] + ' ' + sys.stdin.read() + '\\n')",
    ]
    notify = f"""
[notify]
on = ["finish", "exit3", "exit4"]
webhook_env = "UTSKICK_TEST_WEBHOOK"
token_env = "UTSKICK_TEST_WEBHOOK_TOKEN"
command = {json.dumps(command)}
"""
    setup = write_campaign(tmp_path, live_mock.url, pnrs[:2])
    setup.campaign.write_text(setup.campaign.read_text(encoding="utf-8") + notify, encoding="utf-8")
    env = {"UTSKICK_TEST_WEBHOOK": webhook.url, "UTSKICK_TEST_WEBHOOK_TOKEN": "hemlig-token"}

    finished = setup.run("--yes", env=env)
    setup.delivery.write_text("\n".join(pnrs) + "\n")  # a new citizen, so the next run must log in
    stopped = setup.run("--yes", env={**env, "UTSKICK_PASSWORD": "fel-lösenord"})

    assert (finished.returncode, stopped.returncode) == (0, 3), finished.stderr + stopped.stderr
    assert [h["X-Utskick-Event"] for h, _ in webhook.received] == ["finish", "exit3"]
    assert all(h["Authorization"] == "Bearer hemlig-token" for h, _ in webhook.received)
    (_, finish), (_, exit3) = webhook.received
    for document in (finish, exit3):
        jsonschema.validate(document, SCHEMA)
    assert (finish["exit_code"], finish["counts"]["sent"], finish["sent_this_run"]) == (0, 2, 2)
    assert (exit3["exit_code"], exit3["outcome"]) == (3, "stopped") and "inlogg" in exit3["message"].lower()
    by_command = [line.split(" ", 1) for line in received_by_command.read_text(encoding="utf-8").splitlines()]
    assert [(event, json.loads(body)["exit_code"]) for event, body in by_command] == [("finish", 0), ("exit3", 3)]
    assert_no_personnummer(json.dumps([d for _, d in webhook.received]) + received_by_command.read_text(), pnrs)


def test_notify_that_cannot_be_delivered_should_warn_and_keep_the_exit_code(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(3790, 1)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs)
    closed = Webhook()
    closed.close()  # nobody answers on this port any more
    setup.campaign.write_text(
        setup.campaign.read_text(encoding="utf-8") + f'\n[notify]\nwebhook = "{closed.url}"\n', encoding="utf-8"
    )

    result = setup.run("--yes")

    assert result.returncode == 0, result.stderr
    assert "Varning: Larmet kunde inte skickas till 127.0.0.1" in result.stderr


def test_status_should_report_a_killed_run_as_stale_and_the_next_run_should_take_over(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(3800, 3)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs, sending=closed_window_today())
    process = setup.start("--yes")
    try:
        assert wait_until(lambda: "waiting_for_send_window" in setup.log_text(), limit_s=120), setup.log_text()
    finally:
        process.kill()
        process.communicate(timeout=60)
    killed_run = re.search(r'"run_id": "([^"]+)"', setup.log_text())[1]

    stale = status_json(setup)
    human = utskick("status", str(setup.campaign))

    assert stale["running"]["run_id"] == killed_run and stale["running"]["stale"] is True
    assert stale["running"]["pid"] == process.pid
    assert stale["last_run"] == {"run_id": killed_run, "outcome": "killed", "exit_code": None, "ended_at": None}
    assert "Inaktuellt lås" in human.stdout and killed_run in human.stdout

    setup.campaign.write_text(setup.campaign.read_text(encoding="utf-8").replace(closed_window_today(), ""))
    again = setup.run("--yes", "--json")

    assert again.returncode == 0, again.stderr
    assert sorted(s["pnr"] for s in qa.sent()) == sorted(pnrs)
    after = status_json(setup)
    assert after["running"] is None and after["last_run"]["outcome"] == "finished"
    assert "stale_lock_taken_over" in setup.log_text()
    runs = pd.read_excel(json.loads(again.stdout)["reports"][0], sheet_name="Körningar")
    assert list(runs["Utfall"]) == ["avbröts av systemet", "klar"]


@pytest.mark.parametrize(
    ("wrong", "listed"),
    [
        (
            ('[message]\nunit = "Vårdcentralen Centrum"', '[message]\nunit = "Vårdcentralen Centrm"'),
            "Mottagningar du kan välja: Vårdcentralen",
        ),
        (('["Provsvar klart", "Kontakt"]', '["Provsvar klart", "Kontakta oss"]'), "Mallens texter: Provsvar klart, "),
    ],
)
def test_a_wrong_unit_or_text_should_list_the_valid_ones(tmp_path, live_mock, qa, wrong, listed):
    pnrs = official_test_numbers(3960, 1)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs)
    setup.campaign.write_text(setup.campaign.read_text(encoding="utf-8").replace(*wrong, 1), encoding="utf-8")

    result = setup.run("--yes")

    assert result.returncode == 3, result.stdout + result.stderr
    assert listed in result.stdout + result.stderr
    assert qa.sent() == []


@pytest.mark.parametrize("mode", ["single", "batch"])
def test_report_should_mark_the_citizens_the_tool_shows_with_skyddad_identitet(tmp_path, live_mock, qa, mode):
    pnrs = official_test_numbers(4000 if mode == "batch" else 3970, 150 if mode == "batch" else 3)
    qa.reachable(*pnrs)
    qa.set_citizen(pnrs[1], login="active", notify=["sms"], protected=True)
    setup = write_campaign(tmp_path, live_mock.url, pnrs, mode=mode)

    result = setup.run("--yes", "--json")

    assert result.returncode == 0, result.stderr
    xlsx, html, _ = json.loads(result.stdout)["reports"]
    sent = pd.read_excel(xlsx, sheet_name="Skickade", dtype=str).fillna("")
    marked = dict(zip(sent["Personnummer"], sent["Skyddad identitet"], strict=True))
    assert marked == {f"{p[:8]}-{p[8:]}": ("Ja" if p == pnrs[1] else "") for p in pnrs}
    assert re.search(r"varav med skyddad identitet</th><td class=\"n\">1<", Path(html).read_text(encoding="utf-8"))
