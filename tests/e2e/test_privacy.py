"""What a run leaves behind: kept traces with no password and no cookie, no secret in the environment of the
browser's processes, and (the privacy e2e) every file of a failing, retried run under umask 000 scanned for the
password, cookie values and personnummer, with its file and folder modes checked."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psutil
import pytest

from bot.run.chromium import LAUNCH_ARGS
from tests.helpers import (
    PASSWORD,
    QA,
    LiveMock,
    Setup,
    aged_file,
    official_test_numbers,
    serve_mock,
    wait_until,
    write_campaign,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


class CookieRecorder:
    """WSGI middleware around the mock: remembers every cookie value the mock hands out."""

    def __init__(self, app) -> None:
        self.app = app
        self.values: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        def recording_start_response(status, headers, exc_info=None):
            for name, value in headers:
                if name.lower() == "set-cookie":
                    cookie_value = value.split(";", 1)[0].split("=", 1)[1]
                    if cookie_value:
                        with self._lock:
                            self.values.add(cookie_value)
            return start_response(status, headers, exc_info)

        return self.app(environ, recording_start_response)


@pytest.fixture(scope="module")
def recording_mock() -> Iterator[tuple[LiveMock, CookieRecorder]]:
    """A mock of its own whose every Set-Cookie value is recorded."""
    server = serve_mock({"CHECK_DELAY_MS": 50})
    recorder = CookieRecorder(server.app.wsgi_app)
    server.app.wsgi_app = recorder
    yield server, recorder
    server.stop()


@pytest.fixture
def recording_qa(recording_mock) -> Iterator[QA]:
    """The recording mock's QA API, reset; faults cleared afterwards."""
    client = QA(recording_mock[0].url)
    client.reset()
    yield client
    client.faults()


def unpacked_files(folder: Path, skip: tuple[Path, ...] = ()) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every file under `folder` but `skip`, the members of every zip (traces, xlsx) one by one."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p not in skip):
        data = path.read_bytes()
        yield str(path.relative_to(folder)), data
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    yield f"{path.relative_to(folder)}!{member}", archive.read(member)


def holders(folder: Path, needles: set[str], skip: tuple[Path, ...] = ()) -> dict[str, list[str]]:
    """Which files (traces unpacked) hold which needle."""
    found: dict[str, list[str]] = {}
    encoded = {n: n.encode() for n in needles}
    for name, data in unpacked_files(folder, skip):
        hits = [n for n, b in encoded.items() if b in data]
        if hits:
            found[name] = hits
    return found


def failing_campaign(folder: Path, url: str, qa: QA, pnrs: list[str], **kwargs) -> Setup:
    """A campaign that fails some sends after retries: server errors, and a session that expires between sends."""
    qa.reachable(*pnrs)
    qa.faults(session_timeout_s=1)
    return write_campaign(
        folder,
        url,
        pnrs,
        max_retries=2,
        sending='trace = "on-failure"\nmessages_per_minute = 40\ncircuit_breaker = 50',
        **kwargs,
    )


def start_run(setup: Setup, umask: int | None = None, env: dict | None = None) -> subprocess.Popen:
    """Start `utskick run --yes` on `setup`, optionally under another umask."""
    return subprocess.Popen(
        setup.command("--yes"),
        env=setup.env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        preexec_fn=None if umask is None else (lambda: os.umask(umask)),
    )


def run_with_faults_after_preflight(
    setup: Setup, qa: QA, umask: int | None = None, faults: dict | None = None
) -> tuple[int, str]:
    """Start the run, let the preflight pass, then turn on server errors; return the exit code and the output."""
    process = start_run(setup, umask)
    try:
        assert wait_until(lambda: "preflight_ok" in setup.log_text(), 120), "the preflight passed"
        qa.faults(**(faults or {"error_rate": 0.1, "session_timeout_s": 1, "seed": 16}))
        out, err = process.communicate(timeout=600)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return process.returncode, out + err


@pytest.mark.long  # the privacy e2e below makes the same scan (and more) in `make test`
def test_kept_traces_should_hold_neither_the_password_nor_any_cookie_value(tmp_path, recording_mock, recording_qa):
    mock, cookies = recording_mock
    pnrs = official_test_numbers(4600, 8)
    setup = failing_campaign(tmp_path, mock.url, recording_qa, pnrs)

    code, output = run_with_faults_after_preflight(setup, recording_qa)

    assert code in (0, 4), output
    traces = sorted((tmp_path / "artifacts").glob("*.trace.zip"))
    assert traces, "the faults made some send fail, so a trace was kept: " + output
    assert cookies.values, "the mock handed out session cookies"
    found = holders(tmp_path / "artifacts", {PASSWORD, *cookies.values})
    assert found == {}


SEVEN_ZIP_SECRET = "arkiv-hemlighet-16"


def test_driver_and_browser_processes_should_not_inherit_the_passwords(tmp_path, live_mock, qa):
    pnrs = official_test_numbers(4700, 3)
    qa.reachable(*pnrs)
    setup = write_campaign(tmp_path, live_mock.url, pnrs, sending="messages_per_minute = 6")
    process = start_run(setup, env={"UTSKICK_7Z_PASSWORD": SEVEN_ZIP_SECRET})
    environments: dict[str, str] = {}
    try:
        assert wait_until(lambda: "preflight_ok" in setup.log_text(), 120), "the browser is up and logged in"
        for child in psutil.Process(process.pid).children(recursive=True):
            try:
                environments[f"{child.pid} {child.name()}"] = "\n".join(f"{k}={v}" for k, v in child.environ().items())
            except psutil.NoSuchProcess:
                continue
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=120)
    assert any("node" in name for name in environments), environments.keys()
    assert any("chrom" in name for name in environments), environments.keys()
    leaks = [name for name, text in environments.items() if PASSWORD in text or SEVEN_ZIP_SECRET in text]
    assert leaks == []


@pytest.fixture
def person_with_tabs(chromium_path: str, tmp_path: Path, playwright, live_mock) -> Iterator[tuple[str, list[str]]]:
    """A person's Chromium with remote debugging, logged in, with two tabs of their own open: (cdp_url, tab urls)."""
    profile = tmp_path / "person-profile"
    process = subprocess.Popen(
        [chromium_path, *LAUNCH_ARGS, "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        assert wait_until(lambda: port_file.exists() and port_file.read_text().strip(), 30)
        cdp_url = f"http://127.0.0.1:{port_file.read_text().split()[0]}"
        browser = playwright.chromium.connect_over_cdp(cdp_url)
        try:
            page = browser.contexts[0].pages[0]
            page.goto(live_mock.url)
            page.get_by_label("HSA-id", exact=True).fill("SE2321000016-A001")
            page.get_by_label("Lösenord", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Logga in", exact=True).click()
            page.get_by_role("heading", name="Välj mottagning").wait_for()
            other = browser.contexts[0].new_page()
            other.goto(f"{live_mock.url}/installningar")
            tabs = [p.url for p in browser.contexts[0].pages]
        finally:
            browser.close()
        yield cdp_url, tabs
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def open_tabs(playwright, cdp_url: str) -> list[str]:
    """The URLs of the tabs open in the person's browser right now."""
    browser = playwright.chromium.connect_over_cdp(cdp_url)
    try:
        return [p.url for c in browser.contexts for p in c.pages]
    finally:
        browser.close()


def test_cdp_run_should_trace_nothing_and_leave_the_persons_tabs_alone(
    tmp_path, live_mock, qa, person_with_tabs, playwright
):
    cdp_url, tabs = person_with_tabs
    pnrs = official_test_numbers(4800, 3)
    qa.reachable(*pnrs)
    setup = write_campaign(
        tmp_path,
        live_mock.url,
        pnrs,
        max_retries=2,
        sending='trace = "on-failure"\ncircuit_breaker = 50',
        staff_tool=f'session = "cdp"\ncdp_url = "{cdp_url}"',
    )

    code, output = run_with_faults_after_preflight(setup, qa, faults={"error_rate": 0.5, "seed": 3})

    assert code in (0, 4), output
    artifacts = sorted(p.name for p in (tmp_path / "artifacts").iterdir()) if (tmp_path / "artifacts").exists() else []
    assert any(name.endswith(".png") for name in artifacts), "some send failed: " + output
    assert [name for name in artifacts if "trace" in name] == []
    assert sorted(open_tabs(playwright, cdp_url)) == sorted(tabs), (
        "the person's tabs are as they were; the bot's own tab is closed"
    )


def personnummer_forms(pnr: str) -> set[str]:
    """Every way a personnummer can be written: 12 or 10 digits, with or without the dash."""
    return {pnr, pnr[2:], f"{pnr[:8]}-{pnr[8:]}", f"{pnr[2:8]}-{pnr[8:]}"}


def test_privacy_of_everything_a_failing_run_writes_under_umask_000(tmp_path, recording_mock, recording_qa):
    mock, cookies = recording_mock
    pnrs = official_test_numbers(4900, 6)
    setup = failing_campaign(tmp_path, mock.url, recording_qa, pnrs)
    expired = [
        aged_file(tmp_path / "logs" / "utskick-20200101T000000Z-0ld0.jsonl", days=31),
        aged_file(tmp_path / "artifacts" / "20200101T000000Z-0ld0-rad1.png", days=31),
    ]
    nested = tmp_path / "liggare" / "2026" / "ledger.sqlite"
    setup.campaign.write_text(
        setup.campaign.read_text(encoding="utf-8")
        .replace('ledger = "ledger.sqlite"', 'ledger = "liggare/2026/ledger.sqlite"')
        .replace('reports = "reports"', 'reports = "utdata/rapporter"'),
        encoding="utf-8",
    )
    setup = replace(setup, ledger=nested)
    inputs = (setup.campaign, setup.delivery, tmp_path / "information.pdf")

    code, output = run_with_faults_after_preflight(setup, recording_qa, umask=0)

    assert code in (0, 4), output
    assert list((tmp_path / "artifacts").glob("*.trace.zip")), "a failed send kept a trace: " + output
    assert [p for p in expired if p.exists()] == [], "the run applied paths.keep_days (30)"
    written = [p for p in tmp_path.rglob("*") if p not in inputs]
    folders = [p for p in written if p.is_dir()]
    files = [p for p in written if p.is_file()]
    assert {tmp_path / "liggare", tmp_path / "liggare" / "2026", tmp_path / "utdata"} <= set(folders)
    assert {
        str(p.relative_to(tmp_path)): oct(p.stat().st_mode & 0o777) for p in folders if p.stat().st_mode & 0o077
    } == {}
    assert {
        str(p.relative_to(tmp_path)): oct(p.stat().st_mode & 0o777) for p in files if p.stat().st_mode & 0o077
    } == {}

    must_hold = (nested, nested.with_name("ledger.sqlite-wal"), nested.with_name("ledger.sqlite-shm"))
    may_hold_personnummer = tuple(
        p for p in files if p in must_hold or p.suffix == ".xlsx" or p.name.endswith("journalexport.csv")
    )
    secrets = {PASSWORD, *cookies.values}
    everyone = {form for pnr in pnrs for form in personnummer_forms(pnr)}
    assert holders(tmp_path, secrets, skip=inputs) == {}
    assert holders(tmp_path, everyone, skip=inputs + may_hold_personnummer) == {}
    assert holders(tmp_path, everyone, skip=inputs), "the ledger and the reports do hold them (the scan can see)"
