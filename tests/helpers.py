"""Helpers the tests share: the mock served over HTTP and its QA API, Skatteverket's test numbers, campaign files
and deliveries for the real `utskick` command line, and the checks several end-to-end tests make.

Test modules import these from here, never from a conftest or from each other; fixtures live in the conftests.
"""

from __future__ import annotations

import io
import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from bot.retention import DAY_S
from bot.run.doctor_propose import toml_key, toml_value

PROJECT = Path(__file__).resolve().parents[1]
TEST_LIST = PROJECT / "mock_personalverktyg" / "seed" / "testpersonnummer.txt"
DEMO_PDF = PROJECT / "fixtures" / "demo" / "information.pdf"
DEMO_CAMPAIGN = PROJECT / "fixtures" / "demo" / "campaign.toml"
SPA_OVERRIDE = PROJECT / "selectors" / "variants" / "spa.toml"
MODERN_OVERRIDE = PROJECT / "selectors" / "variants" / "modern.toml"
# The shipped override a campaign names for each of the mock's skins (classic needs none).
SKIN_OVERRIDES = {"spa": SPA_OVERRIDE, "modern": MODERN_OVERRIDE}
PASSWORD = "utskick-demo"


# Tests that drive the bot on the classic and spa skins; the campaign names selectors/variants/spa.toml for spa.
BOTH_SKINS = pytest.mark.parametrize("mock_skin", ["classic", "spa"], indirect=True)
# The same, with the spa row left to `make test-long` where one row of its kind already runs on spa in `make test`.
BOTH_SKINS_SPA_LONG = pytest.mark.parametrize(
    "mock_skin", ["classic", pytest.param("spa", marks=pytest.mark.long)], indirect=True
)
# The modern skin's row of a test, in `make test-long`: one representative row of it (a batch send with an
# unreachable citizen and an attachment, in test_send_run.py) stays in `make test`.
MODERN_LONG = pytest.param("modern", marks=pytest.mark.long)
# Tests that drive the bot on every skin; the campaign names the skin's override (selectors/variants/<skin>.toml).
ALL_SKINS = pytest.mark.parametrize("mock_skin", ["classic", "spa", MODERN_LONG], indirect=True)
# The same, with the spa row in `make test-long` as well (BOTH_SKINS_SPA_LONG plus modern).
ALL_SKINS_SPA_LONG = pytest.mark.parametrize(
    "mock_skin", ["classic", pytest.param("spa", marks=pytest.mark.long), MODERN_LONG], indirect=True
)


class LiveMock:
    """A mock staff tool served by werkzeug in a background thread."""

    def __init__(self, app) -> None:
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LiveMock:
        """Start serving."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.shutdown()
        self._thread.join(timeout=10)


def serve_mock(config: dict | None = None, skin: str = "classic") -> LiveMock:
    """Create a mock app with `config` in `skin` ("classic", "spa" or "modern") and serve it on a free loopback port."""
    from mock_personalverktyg import create_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns test output
    return LiveMock(create_app({"TESTING": True, "QA_ENABLED": True, "SKIN": skin, **(config or {})})).start()


def official_test_numbers(start: int, count: int) -> list[str]:
    """`count` of Skatteverket's test personnummer from the mock's seed copy, from line `start`."""
    with TEST_LIST.open() as f:
        numbers = [line.strip() for line in f if line.strip()]
    return numbers[start : start + count]


class QA:
    """The mock's QA API."""

    def __init__(self, url: str) -> None:
        self.url = url

    def reset(self) -> None:
        """Back to the seed."""
        requests.post(f"{self.url}/__qa__/reset", timeout=10).raise_for_status()

    def set_citizen(self, pnr: str, **state: object) -> None:
        """Set a citizen's login/notify/protected state."""
        requests.put(f"{self.url}/__qa__/citizens/{pnr}", json=state, timeout=10).raise_for_status()

    def reachable(self, *pnrs: str) -> None:
        """Make citizens active with SMS notification."""
        for pnr in pnrs:
            self.set_citizen(pnr, login="active", notify=["sms"], protected=False)

    def citizens(self, state: str, count: int = 1) -> list[str]:
        """`count` listed citizens whose seeded state is `state` (ok, locked, never, …)."""
        response = requests.get(f"{self.url}/__qa__/citizens", params={"state": state, "limit": count}, timeout=10)
        response.raise_for_status()
        return response.json()["pnr"]

    def sent(self) -> list[dict]:
        """Every ärende the mock has sent."""
        return requests.get(f"{self.url}/__qa__/sent", timeout=10).json()

    def faults(self, **faults: object) -> None:
        """Inject faults (empty clears)."""
        requests.put(f"{self.url}/__qa__/faults", json=faults, timeout=10).raise_for_status()

    def expire_sessions(self) -> None:
        """Log every session logged in so far out, as the tool's timeout would."""
        requests.post(f"{self.url}/__qa__/sessions/expire", timeout=10).raise_for_status()

    def add_arende(self, pnr: str, subject: str, sent_at: str | None = None) -> dict:
        """Seed an ärende in Vårdcentralen Centrum as if Anna had sent it (e.g. a row that looks like the bot's)."""
        body = {"pnr": pnr, "unit": "vc-centrum", "subject": subject, "sent_by": "SE2321000016-A001"}
        if sent_at:
            body["sent_at"] = sent_at
        response = requests.post(f"{self.url}/__qa__/arenden", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def read(self, arende_id: str) -> None:
        """The citizen reads an ärende."""
        requests.post(f"{self.url}/__qa__/read/{arende_id}", timeout=10).raise_for_status()


def small_file(folder: Path, name: str = "information.pdf", fmt: str = "PDF") -> Path:
    """A real, small PDF/PNG/JPEG made with Pillow, written into `folder`."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (26, 90, 150)).save(buffer, format=fmt)
    path = folder / name
    path.write_bytes(buffer.getvalue())
    return path


@dataclass
class Setup:
    """A campaign file, a delivery and a ledger in a temporary folder."""

    folder: Path
    campaign: Path
    delivery: Path
    ledger: Path
    pnrs: list[str]

    def run(self, *args: str, timeout: float = 600, env: dict | None = None) -> subprocess.CompletedProcess:
        """Run `utskick run` on this setup and wait for it."""
        return subprocess.run(
            self.command(*args),
            env=self.env(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def start(self, *args: str) -> subprocess.Popen:
        """Start `utskick run` on this setup without waiting (for kills and concurrent runs)."""
        return subprocess.Popen(
            self.command(*args),
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )

    def utskick(self, command: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """Run `utskick COMMAND <this setup's campaign file> ARGS…` and wait for it."""
        return subprocess.run(
            [sys.executable, "-m", "bot.commands.cli", command, str(self.campaign), *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def command(self, *args: str) -> list[str]:
        """The command line of `utskick run` for this setup."""
        return [
            sys.executable,
            "-m",
            "bot.commands.cli",
            "run",
            str(self.campaign),
            "--delivery",
            str(self.delivery),
            *args,
        ]

    def env(self, extra: dict | None = None) -> dict:
        """The environment with the staff-tool password set."""
        return {**os.environ, "UTSKICK_PASSWORD": PASSWORD, **(extra or {})}

    def ledger_rows(self) -> dict[str, tuple[str, str | None]]:
        """pnr -> (state, ärende-id) straight from the SQLite file."""
        with sqlite3.connect(self.ledger) as conn:
            return {
                pnr: (state, arende) for pnr, state, arende in conn.execute("SELECT pnr, state, arende_id FROM items")
            }

    def count_state(self, state: str) -> int:
        """Rows in `state` right now, read without disturbing a run that writes (0 before the ledger exists)."""
        if not self.ledger.exists():
            return 0
        try:
            with sqlite3.connect(f"file:{self.ledger}?mode=ro", uri=True, timeout=1) as conn:
                return conn.execute("SELECT count(*) FROM items WHERE state = ?", (state,)).fetchone()[0]
        except sqlite3.OperationalError:
            return 0

    def log_text(self) -> str:
        """Everything the runs logged."""
        return "\n".join(p.read_text() for p in sorted((self.folder / "logs").glob("*.jsonl")))


def wait_until(condition, limit_s: float = 60) -> bool:
    """Poll `condition` until it holds or `limit_s` passes (the test polls; the bot itself never sleeps)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def write_campaign(
    folder: Path,
    url: str,
    pnrs: list[str],
    *,
    mode: str = "single",
    extra: str = "",
    sending: str = "",
    staff_tool: str = "",
    max_retries: int = 6,
    skin: str = "classic",
) -> Setup:
    """Write a campaign file and a plain-text delivery for `pnrs` into `folder`; for the mock's spa and modern skins
    the campaign names the shipped override, as a site with such a build would."""
    if skin in SKIN_OVERRIDES:
        staff_tool = f'selectors_override = "{SKIN_OVERRIDES[skin]}"\n{staff_tool}'
    folder.mkdir(parents=True, exist_ok=True)
    delivery = folder / "leverans.txt"
    delivery.write_text("\n".join(pnrs) + "\n")
    (folder / "information.pdf").write_bytes(DEMO_PDF.read_bytes())
    campaign = folder / "kampanj.toml"
    campaign.write_text(
        f'''
[campaign]
name = "Test {folder.name}"
bestallare = "QA"
[campaign.ansvarig_avsandare]
name = "Anna Ärendehanterare"
title = "Sjuksköterska"
unit = "Vårdcentralen Centrum"
[message]
unit = "Vårdcentralen Centrum"
template = "Meddelande om provsvar"
texts = ["Provsvar klart", "Kontakt"]
extra_text = "{extra}"
attachments = ["information.pdf"]
[sending]
mode = "{mode}"
workers = 1
max_retries = {max_retries}
{sending}
[staff_tool]
url = "{url}"
hsa_id = "SE2321000016-A001"
password_env = "UTSKICK_PASSWORD"
timeout_ms = 8000
{staff_tool}
[paths]
ledger = "ledger.sqlite"
logs = "logs"
artifacts = "artifacts"
reports = "reports"
''',
        encoding="utf-8",
    )
    return Setup(folder, campaign, delivery, folder / "ledger.sqlite", pnrs)


def kill_when(process: subprocess.Popen, condition, limit_s: float, grace_s: float = 0.0) -> bool:
    """SIGKILL the process `grace_s` after `condition()` holds; False if it ended or the limit passed first."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline and process.poll() is None:
        if condition():
            time.sleep(grace_s)
            if process.poll() is not None:
                return False
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=30)
            return True
        time.sleep(0.01)  # the test polls; the bot itself never sleeps
    return False


def assert_exactly_once(setup: Setup, sent: list[dict], reachable: list[str]) -> None:
    """Every reachable citizen got the message once, nobody twice, and the ledger records each ärende-id."""
    per_citizen = Counter(s["pnr"] for s in sent)
    assert [p for p, n in per_citizen.items() if n > 1] == [], "nobody gets the message twice"
    assert sorted(per_citizen) == sorted(reachable), "every reachable citizen got it"
    rows = setup.ledger_rows()
    assert {p: rows[p] for p in reachable} == {s["pnr"]: ("sent", s["arende_id"]) for s in sent}


def assert_no_personnummer(text: str, pnrs: list[str]) -> None:
    """None of `pnrs` shows in `text`, in the 12-digit or the staff tool's form."""
    assert not any(p in text or f"{p[:8]}-{p[8:]}" in text for p in pnrs)


def ledger_ids(setup: Setup) -> dict[str, int]:
    """pnr -> the ledger row's id, straight from the SQLite file."""
    with sqlite3.connect(setup.ledger) as conn:
        return dict(conn.execute("SELECT pnr, id FROM items"))


def today_weekday() -> str:
    """Today as a campaign file's send window names days (mon … sun)."""
    return ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[date.today().weekday()]


def demo_campaign(tmp_path: Path, staff_tool: str) -> Path:
    """The demo campaign copied into `tmp_path` with `staff_tool` lines added (its own session line dropped)."""
    (tmp_path / "information.pdf").write_bytes(DEMO_CAMPAIGN.with_name("information.pdf").read_bytes())
    text = DEMO_CAMPAIGN.read_text(encoding="utf-8").replace("[staff_tool]", f"[staff_tool]\n{staff_tool}")
    text = re.sub(r'(?m)^session = "login".*$', "", text).replace("../../var/demo", "var")
    path = tmp_path / "kampanj.toml"
    path.write_text(text, encoding="utf-8")
    return path


def aged_file(path: Path, days: float) -> Path:
    """A small file at `path` whose modification time is `days` ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    then = time.time() - days * DAY_S
    os.utime(path, (then, then))
    return path


def merged_selectors(out: Path, *files: Path) -> Path:
    """Write the selectors files `files` as one override at `out` (a later file's entry wins; a records table is
    replaced whole), as a site would paste a doctor's proposal and its own entries into one file."""
    import tomllib

    data: dict = {}
    for path in files:
        _merge_into(data, tomllib.loads(path.read_text(encoding="utf-8")))
    lines: list[str] = []
    for section, body in data.items():
        lines += [f"[{toml_key(section)}]", *(f"{toml_key(k)} = {toml_value(v)}" for k, v in body.items()), ""]
    out.write_text("\n".join(lines), encoding="utf-8")
    return out


def _merge_into(into: dict, more: dict) -> None:
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict) and "records" not in value:
            _merge_into(into[key], value)
        else:
            into[key] = value


def load_with(tmp_path: Path, text: str):
    """The default selectors with `text` as the site's override."""
    from bot.config import DEFAULT_SELECTORS
    from bot.locators import Selectors

    override = tmp_path / "site.toml"
    override.write_text(text, encoding="utf-8")
    return Selectors.load(DEFAULT_SELECTORS, override)


def refused(tmp_path: Path, text: str) -> str:
    """The error message for an override that must be refused: an input error, exit code 2."""
    from bot.errors import ConfigError, InputError

    with pytest.raises(ConfigError) as caught:
        load_with(tmp_path, text)
    assert isinstance(caught.value, InputError) and caught.value.exit_code == 2
    return str(caught.value)


def in_own_thread(call, *args, timeout: float = 600):
    """`call(*args)` in a thread of its own, its result returned: a worker that ran a pytest-playwright test keeps
    that test's event loop in the main thread, where Playwright's sync API refuses to start another driver."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call, *args).result(timeout=timeout)


def selectors_check(override: Path) -> subprocess.CompletedProcess:
    """`utskick selectors check` of the default selectors with `override`, as a site administrator runs it."""
    defaults = PROJECT / "selectors" / "personalverktyg.toml"
    command = ["selectors", "check", str(defaults), "--override", str(override)]
    return subprocess.run(
        [sys.executable, "-m", "bot.commands.cli", *command], capture_output=True, text=True, timeout=60
    )
