"""The case handler's window (`utskick ui`) in a real browser against the live mock: the whole path from campaign to
follow-up, approval required and voided by a changed text, Stoppa and resume, the page closed mid-run, downloads
only with the session, no personnummer in any address, and axe-core on every screen.

Set UTSKICK_UI_DOCS=1 to write the README's screenshots (docs/ui/*.png) while the whole path runs.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from bot.config import load_campaign
from fixtures.build_deliveries import broken_check_digit, write_7z
from tests.helpers import BOTH_SKINS_SPA_LONG, PASSWORD, PROJECT, wait_until, write_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ARCHIVE_PASSWORD = "ui-losenord-7z"
DOCS = PROJECT / "docs" / "ui"
AXE = Axe()
LONG_WAIT_MS = 120_000


class Window:
    """`utskick ui` started as a person starts it, with its one-time address."""

    def __init__(self, folder: Path, *args: str, env: dict | None = None, stdin=subprocess.DEVNULL) -> None:
        base_env = {k: v for k, v in os.environ.items() if k not in ("UTSKICK_PASSWORD", "UTSKICK_7Z_PASSWORD")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.commands.cli", "ui", "--campaigns", str(folder), *(args or ("--no-browser",))],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=stdin,
            text=True,
            env={**base_env, **(env or {})},
        )
        self.read_link()
        self.host = self.start_url.split("/")[2]
        self.base = f"http://{self.host}"
        self.direct = f"http://127.0.0.1:{self.host.rsplit(':', 1)[1]}"

    def read_link(self) -> str:
        """The one-time address the window wrote on its terminal (the first, or the next after Enter)."""
        line = self.process.stdout.readline()
        found = re.search(r"http://utskick-[0-9a-f]+\.localhost:\d+/start/\S+", line)
        assert found, f"utskick ui skrev inte ut sin adress: {line!r} {self.process.stderr.read() if not line else ''}"
        self.start_url = found.group(0)
        return self.start_url

    def get(self, url: str, cookie: str = "") -> requests.Response:
        """GET from another program on this computer (requests does not resolve *.localhost here: Host header)."""
        headers = {"Host": self.host, **({"Cookie": cookie} if cookie else {})}
        return requests.get(url.replace(self.base, self.direct), headers=headers, timeout=10, allow_redirects=False)

    def stop(self) -> str:
        """Stop the window as Ctrl-C does; return what it wrote on stderr."""
        self.process.terminate()
        _, err = self.process.communicate(timeout=60)
        return err


def accessible(page: Page, name: str) -> None:
    """Zero serious or critical axe-core violations on the screen; with UTSKICK_UI_DOCS, its screenshot too."""
    violations = [v for v in AXE.run(page).response["violations"] if v["impact"] in ("serious", "critical")]
    assert not violations, [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in violations]
    if os.environ.get("UTSKICK_UI_DOCS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)


def _setup(tmp_path: Path, live_mock, qa, count: int, skin: str = "classic"):
    folder = tmp_path / "kampanjer"
    pnrs = qa.citizens("ok", count)
    setup = write_campaign(folder, live_mock.url, pnrs, extra="Hälsningar från mottagningen.", skin=skin)
    setup.campaign.write_text(setup.campaign.read_text(encoding="utf-8") + "\n[approval]\nrequired = true\n")
    rows = [*pnrs, broken_check_digit(pnrs[0])]
    archive = tmp_path / "leverans.7z"
    write_7z(archive, {"leverans.txt": ("\n".join(rows) + "\n").encode()}, ARCHIVE_PASSWORD)
    setup.delivery.unlink()  # the window gets the archive, nothing else
    return setup, archive


@pytest.fixture
def window(tmp_path):
    started: list[Window] = []

    def start(folder: Path, *args: str, **kwargs) -> Window:
        started.append(Window(folder, *args, **kwargs))
        return started[-1]

    yield start
    for w in started:
        if w.process.poll() is None:
            w.stop()


def _urls(page: Page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def _upload_dirs(pid: int) -> list[Path]:
    """The upload folders of the window with process id `pid` (other windows on the computer have their own)."""
    return list(Path(tempfile.gettempdir()).glob(f"utskick-leverans-{pid}-*"))


def _choose_delivery(page: Page, archive: Path, password: str) -> None:
    page.get_by_label("Sökväg till leveransen på den här datorn").fill(str(archive))
    page.get_by_label("Arkivets lösenord (för 7z)").fill(password)
    page.get_by_role("button", name="Kontrollera leveransen").click()


def _approve(page: Page, name: str, hsa_id: str) -> None:
    page.get_by_label("Godkännarens namn").fill(name)
    page.get_by_label("Godkännarens HSA-id").fill(hsa_id)
    page.get_by_label("Jag har granskat meddelandet och leveransen").check()
    page.get_by_label("Jag har gått igenom riktlinjens punkter").check()
    page.get_by_role("button", name="Godkänn").click()


def _wait_for_run_end(page: Page) -> None:
    expect(page.locator("#sammanfattning")).to_be_visible(timeout=LONG_WAIT_MS)


def _send_refused(page: Page, before: str, after: str) -> None:
    """Skicka says before the click why it will refuse (`before`), and the run refuses with `after`."""
    page.get_by_role("link", name="4. Skicka").click()
    expect(page.locator("#godkannande-rad")).to_contain_text(before)
    page.get_by_role("button", name="Skicka").click()
    _wait_for_run_end(page)
    expect(page.locator("#sammanfattning")).to_contain_text(after)


@BOTH_SKINS_SPA_LONG
def test_window_should_take_a_case_handler_from_campaign_to_follow_up(page, tmp_path, live_mock, qa, window, mock_skin):
    setup, archive = _setup(tmp_path, live_mock, qa, 5, skin=mock_skin)
    ui = window(setup.folder)
    urls = _urls(page)

    page.goto(ui.start_url)
    expect(page.get_by_role("heading", name="Kampanjer", level=1)).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Inte körd"))).to_be_visible()
    accessible(page, "kampanjer")
    assert ui.get(f"{ui.base}/").status_code == 403  # another browser: no session
    assert ui.get(ui.start_url).status_code == 403  # the token works once

    page.get_by_role("link", name=f"Test {setup.folder.name}").click()
    _choose_delivery(page, archive, "fel-losenord")
    expect(page.get_by_role("alert")).to_contain_text("lösenord")
    page.get_by_label("eller ladda upp leveransen").set_input_files(str(archive))
    page.get_by_label("Arkivets lösenord (för 7z)").fill(ARCHIVE_PASSWORD)
    page.get_by_role("button", name="Kontrollera leveransen").click()
    expect(page.get_by_role("status")).to_contain_text("Leveransen är kontrollerad")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("Godkända personnummer")
    expect(page.get_by_role("table", name="Avvisade rader")).to_contain_text("leverans.txt")
    expect(page.get_by_role("table", name="Avvisade rader")).to_contain_text("kontrollsiffra")
    accessible(page, "leverans")

    page.get_by_role("link", name="Vidare till förhandsgranskning").click()
    page.get_by_label(re.compile("Lösenord till Personalverktyget")).fill(PASSWORD)
    page.get_by_role("button", name="Gör förhandsgranskning").click()
    expect(page.locator("pre.message")).to_contain_text("Hälsningar från mottagningen.", timeout=LONG_WAIT_MS)
    expect(page.get_by_role("img", name=re.compile("steg 3"))).to_be_visible()
    accessible(page, "forhandsgranskning")
    assert qa.sent() == []

    _send_refused(page, "kräver godkännande av en andra person", "Inget godkännande finns")
    assert qa.sent() == []

    page.get_by_role("link", name="3. Godkännande").click()
    _approve(page, "Anna Ärendehanterare", "SE2321000016-A001")  # the sender herself
    expect(page.get_by_role("alert")).to_contain_text("en annan person")
    _approve(page, "Bengt Granskare", "SE2321000016-A002")
    expect(page.locator("#godkannande-status")).to_have_text("Godkänt för den valda leveransen.")
    accessible(page, "godkannande")

    text = setup.campaign.read_text(encoding="utf-8")
    setup.campaign.write_text(text.replace("Hälsningar från mottagningen.", "Hälsningar från vårdcentralen."))
    _send_refused(page, "gäller ett annat meddelande", "godkännandet gäller inte längre")
    assert qa.sent() == []
    setup.campaign.write_text(text)  # the approved text again: the approval holds again

    page.get_by_role("link", name="4. Skicka").click()
    expect(page.locator("#godkannande-rad")).to_contain_text("Godkänt: godkänd av Bengt Granskare")
    qa.faults(latency_ms=[250, 350], seed=3)  # a slow tool: citizens are left when Stoppa is pressed
    page.get_by_role("button", name="Skicka").click()
    expect(page.get_by_role("button", name="Stoppa")).to_be_visible(timeout=LONG_WAIT_MS)
    assert wait_until(lambda: len(qa.sent()) >= 1, 120)
    page.get_by_role("button", name="Stoppa").click()
    _wait_for_run_end(page)
    expect(page.locator("#sammanfattning")).to_contain_text("Avbruten efter pågående invånare")
    stopped_at = len(qa.sent())
    assert 1 <= stopped_at < 5

    page.get_by_role("button", name="Skicka").click()  # resume: the citizens are in the ledger now
    expect(page.get_by_role("button", name="Stoppa")).to_be_visible(timeout=LONG_WAIT_MS)
    page.close()  # the run belongs to the server, not the tab
    again = page.context.new_page()
    urls_again = _urls(again)
    again.goto(f"{ui.base}/kampanj/kampanj/skicka")
    expect(again.get_by_role("button", name="Stoppa")).to_be_visible(timeout=30_000)  # still going, no tab
    expect(again.locator("#live-counts")).to_contain_text("skickade")
    accessible(again, "skicka")
    qa.faults()
    _wait_for_run_end(again)
    expect(again.locator("#sammanfattning")).to_contain_text("Skickade i denna körning")
    assert sorted(s["pnr"] for s in qa.sent()) == sorted(setup.pnrs)

    again.get_by_role("link", name="Till resultatet").click()
    links = again.locator("#rapporter a")
    expect(links).to_have_count(3)
    accessible(again, "resultat")
    for i in range(3):
        with again.expect_download() as download:
            links.nth(i).click()
        assert Path(download.value.path()).stat().st_size > 0
    report_url = f"{ui.base}{links.first.get_attribute('href')}"
    assert ui.get(report_url).status_code == 403  # only to the token's session

    qa.read(qa.sent()[0]["arende_id"])
    again.get_by_label(re.compile("Lösenord till Personalverktyget")).fill(PASSWORD)
    again.get_by_role("button", name="Följ upp").click()
    expect(again.locator("#uppfoljning")).to_contain_text("Lästa av invånaren: 1", timeout=LONG_WAIT_MS)

    assert all(url.startswith(ui.base) for url in urls + urls_again)  # offline: nothing from anywhere else
    for url in urls + urls_again:
        for pnr in setup.pnrs:
            assert pnr not in url and pnr[2:] not in url and pnr[:8] not in url
    assert "utskick ui har stängts" in ui.stop()
    assert _upload_dirs(ui.process.pid) == []  # the upload's 0700 folder went with the run


def test_new_campaign_form_should_refuse_what_the_cli_refuses_and_write_a_file_the_cli_reads(
    page, tmp_path, live_mock, window
):
    folder = tmp_path / "kampanjer"
    folder.mkdir()
    (folder / "information.pdf").write_bytes((PROJECT / "fixtures" / "demo" / "information.pdf").read_bytes())
    ui = window(folder)
    page.goto(ui.start_url)
    expect(page.get_by_text("Mappen har inga kampanjfiler ännu")).to_be_visible()
    page.get_by_role("link", name="Ny kampanj").click()
    values = {
        "Filnamn": "provsvar-december",
        "Kampanjens namn": "Provsvar december",
        "Beställare": "Verksamhetschefen",
        "Ansvarig avsändare: namn": "Anna Ärendehanterare",
        "Mottagning": "Vårdcentralen Centrum",
        "Mall (som i Välj mall)": "Meddelande om provsvar",
        "Malltexter att infoga": "Provsvar klart\nKontakt",
        "Bilagor": "saknas.pdf",
        "Personalverktygets adress": live_mock.url,
        "Ditt HSA-id": "SE2321000016-A001",
    }
    for label, value in values.items():
        page.get_by_label(re.compile("^" + re.escape(label))).fill(value)
    page.get_by_label("Kräv godkännande av en andra person innan något skickas").check()
    accessible(page, "ny-kampanj")
    page.get_by_role("button", name="Spara kampanjen").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("provsvar-december.toml: bilagan")
    expect(alert).to_contain_text("'message.attachments'")
    assert not (folder / "provsvar-december.toml").exists()

    page.get_by_label(re.compile("^Bilagor")).fill("information.pdf")
    page.get_by_label("Kräv godkännande av en andra person innan något skickas").check()
    page.get_by_role("button", name="Spara kampanjen").click()
    expect(page.get_by_role("status")).to_contain_text("provsvar-december.toml är sparad och kontrollerad")
    expect(page.get_by_role("heading", name="Leverans", level=1)).to_be_visible()
    written = load_campaign(folder / "provsvar-december.toml")
    assert (written.name, written.texts, written.approval_required) == (
        "Provsvar december",
        ("Provsvar klart", "Kontakt"),
        True,
    )
    assert [a.name for a in written.attachments] == ["information.pdf"]


FAKE_BROWSER = """import json, sys
from pathlib import Path
Path(sys.argv[1]).write_text(json.dumps(sys.argv))
"""


def _cmdlines_holding(secret: str) -> list[int]:
    """The processes of this computer whose arguments hold `secret` (what another local user can read)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if secret.encode() in entry.read_bytes():
                found.append(int(entry.parent.name))
        except OSError:
            continue
    return found


def test_window_should_open_the_browser_without_the_token_in_any_command_line(page, tmp_path, window):
    folder = tmp_path / "kampanjer"
    folder.mkdir()
    script, seen = tmp_path / "webblasare.py", tmp_path / "argv.json"
    script.write_text(FAKE_BROWSER)
    ui = window(folder, "--port", "0", env={"BROWSER": f"{sys.executable} {script} {seen} %s"})
    token = ui.start_url.split("/start/")[1]
    assert wait_until(seen.exists, 30)
    argv = json.loads(seen.read_text())
    assert token not in " ".join(argv)
    assert _cmdlines_holding(token) == []
    opener = Path(urlsplit(argv[-1]).path)
    assert stat.S_IMODE(opener.stat().st_mode) == 0o600 and stat.S_IMODE(opener.parent.stat().st_mode) == 0o700
    assert ui.start_url in opener.read_text()
    page.goto(argv[-1])  # what the browser does with the file: on to the window
    expect(page.get_by_role("heading", name="Kampanjer", level=1)).to_be_visible()


def test_taken_link_should_say_so_and_enter_should_let_the_case_handler_back_in(page, tmp_path, window):
    folder = tmp_path / "kampanjer"
    folder.mkdir()
    ui = window(folder, stdin=subprocess.PIPE)
    taken = ui.get(ui.start_url)  # another local user got the link first
    assert taken.status_code == 200
    thief = taken.headers["Set-Cookie"].split(";")[0]
    assert ui.get(f"{ui.base}/", cookie=thief).status_code == 200

    page.goto(ui.start_url)
    expect(page.get_by_role("alert")).to_contain_text("Länken har redan öppnats i en annan webbläsare")
    expect(page.get_by_role("alert")).to_contain_text("Tryck Enter i terminalen")
    ui.process.stdin.write("\n")
    ui.process.stdin.flush()
    fresh = ui.read_link()
    assert fresh != taken.url
    page.goto(fresh)
    expect(page.get_by_role("heading", name="Kampanjer", level=1)).to_be_visible()
    assert ui.get(f"{ui.base}/", cookie=thief).status_code == 403  # the new link ended the other session


class OtherServer:
    """Another local user's web server on another port: records the cookies it gets and sets its own."""

    def __init__(self) -> None:
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                received.append(self.headers.get("Cookie", ""))
                self.send_response(200)
                for name in ("utskick_sid", "utskick_session"):
                    self.send_header("Set-Cookie", f"{name}=annan-server; Path=/")
                    self.send_header("Set-Cookie", f"{name}=annan-server; Path=/; Domain=localhost")
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(b"<title>annan</title><p>annan server</p>")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_window_session_should_reach_no_other_local_server_and_survive_its_cookies(page, tmp_path, window):
    folder = tmp_path / "kampanjer"
    folder.mkdir()
    ui = window(folder)
    other = OtherServer()
    try:
        page.goto(ui.start_url)
        expect(page.get_by_role("heading", name="Kampanjer", level=1)).to_be_visible()
        session = [c["value"] for c in page.context.cookies() if c["domain"].startswith("utskick-")]
        assert session
        for address in (f"http://127.0.0.1:{other.port}/", f"http://annan.localhost:{other.port}/"):
            page.goto(address)
            expect(page.get_by_text("annan server")).to_be_visible()
        assert len(other.received) == 2 and not [c for c in other.received if session[0] in c]
        response = page.goto(f"{ui.base}/")
        assert response.status == 200
        expect(page.get_by_role("heading", name="Kampanjer", level=1)).to_be_visible()
    finally:
        other.close()


def test_closed_terminal_should_remove_the_windows_files_and_a_start_should_sweep_a_dead_ones(
    page, tmp_path, live_mock, qa, window
):
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True).stdout)  # fmt: skip
    stale = Path(tempfile.gettempdir()) / f"utskick-leverans-{dead}-e2e"
    stale.mkdir(mode=0o700, exist_ok=True)
    (stale / "leverans.7z").write_bytes(b"7z")
    setup, archive = _setup(tmp_path, live_mock, qa, 2)
    ui = window(setup.folder)
    assert not stale.exists()  # swept before the window printed its address
    page.goto(ui.start_url)
    page.get_by_role("link", name=f"Test {setup.folder.name}").click()
    page.get_by_label("eller ladda upp leveransen").set_input_files(str(archive))
    page.get_by_label("Arkivets lösenord (för 7z)").fill(ARCHIVE_PASSWORD)
    page.get_by_role("button", name="Kontrollera leveransen").click()
    expect(page.get_by_role("status")).to_contain_text("Leveransen är kontrollerad")
    own = list(Path(tempfile.gettempdir()).glob(f"utskick-*-{ui.process.pid}-*"))
    assert {p.name.split("-")[1] for p in own} == {"ui", "leverans"}
    ui.process.send_signal(signal.SIGHUP)  # the terminal window was closed
    _, err = ui.process.communicate(timeout=60)
    assert "utskick ui har stängts" in err
    assert [p for p in own if p.exists()] == []
