"""Take the README screenshot of the mock: step 2 with a few checked recipients.

Run: `.venv/bin/python -m tests.mock.make_screenshot [--skin spa] [PATH]` (not a test: it writes into docs/);
the default PATH is docs/mock-screenshot.png, or docs/mock-spa-screenshot.png for the single-page skin.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from bot.run.chromium import LAUNCH_ARGS, find_chromium
from mock_personalverktyg import create_app
from mock_personalverktyg.citizens import seeded_kind
from mock_personalverktyg.seed import NUMBERS_FILE

DOCS = Path(__file__).resolve().parents[2] / "docs"
OUT = {"classic": DOCS / "mock-screenshot.png", "spa": DOCS / "mock-spa-screenshot.png"}


def _numbers() -> list[str]:
    numbers = NUMBERS_FILE.read_text(encoding="ascii").split()
    wanted = ["ok", "ok", "protected", "locked", "no_notification"]
    picked = []
    for kind in wanted:
        picked.append(next(n for n in numbers if seeded_kind(n) == kind and n not in picked and n[:2] == "19"))
    return picked


def _open_step2(page, skin: str) -> None:
    if skin == "spa":
        page.get_by_role("link", name="Vårdcentralen Centrum").click()
        page.get_by_role("button", name="Skicka ärende").click()
        page.get_by_label("Välj mall").click()
        page.get_by_role("option", name="Meddelande till invånare").click()
    else:
        page.get_by_role("button", name="Vårdcentralen Centrum").click()
        page.get_by_role("link", name="Skicka ärende").click()
    page.get_by_role("button", name="Gå vidare").click()


def _wait_for_checks(page, skin: str, count: int) -> None:
    if skin == "spa":
        expect(page.get_by_role("table", name=f"Mottagare ({count} av högst 250)")).to_be_visible()
        expect(page.get_by_label("Personnummer")).to_have_value("")
    else:
        rows = page.get_by_role("list", name="Mottagare").get_by_role("listitem")
        expect(rows).to_have_count(count)
        expect(page.get_by_text("Kontrollerar…")).to_have_count(0)


def main(out: Path | None = None, skin: str = "classic") -> None:
    """Serve a mock in `skin`, add five recipients in Chromium and save the step-2 screenshot."""
    out = out or OUT[skin]
    app = create_app({"QA_ENABLED": True, "CHECK_DELAY_MS": 200, "SKIN": skin})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=find_chromium(), args=list(LAUNCH_ARGS))
            page = browser.new_page(base_url=base, viewport={"width": 1100, "height": 760})
            page.goto("/")
            page.get_by_label("HSA-id").fill("SE2321000016-A001")
            page.get_by_label("Lösenord").fill("utskick-demo")
            page.get_by_role("button", name="Logga in").click()
            _open_step2(page, skin)
            numbers = _numbers()
            for number in numbers:
                page.get_by_label("Personnummer").fill(number)
                page.get_by_role("button", name="Lägg till").click()
                if skin == "spa":  # the single page takes the next number only when this check is done
                    expect(page.get_by_label("Personnummer")).to_have_value("")
            _wait_for_checks(page, skin, len(numbers))
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=True)
            browser.close()
    finally:
        server.shutdown()
    print(out)


if __name__ == "__main__":
    argv = sys.argv[1:]
    chosen = "classic"
    if argv[:1] == ["--skin"]:
        chosen, argv = argv[1], argv[2:]
    main(Path(argv[0]) if argv else None, chosen)
