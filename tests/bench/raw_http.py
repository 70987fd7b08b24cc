"""Part 1 of the send benchmark, raw HTTP: the requests the browser makes for the flow in `flows/send.py`, sent
with `requests.Session` and no browser. The floor the staff tool itself sets (round trips and the recipient
check's delay).

What is sent, as the pages and their scripts send it (mock_personalverktyg/templates, static/*.js):
login form (csrf_token) → Välj mottagning form → per send: GET Skicka ärende → POST Välj mall → GET
Mottagare → per citizen POST the JSON API (X-CSRFToken) → poll the list every data-poll-ms until no check is
pending → POST Nästa → GET Meddelande → POST the attachment (multipart `fil`) → POST Skicka (form_token,
rubrik, meddelande = the inserted texts joined by a blank line, action=skicka) → GET the receipt.
Static files (css, js) are not fetched: a browser caches them after the first page.

    python -m tests.bench.raw_http --url URL --mode single|batch --pnrs FILE
"""

from __future__ import annotations

import argparse
import html
import re
import time
from collections import defaultdict
from pathlib import Path

import requests

from tests.bench.common import DEMO_PDF, HSA_ID, PASSWORD, TEMPLATE, TEXTS, UNIT_NAME, check_loopback, display, emit

TIMEOUT = 30
MAX_POLLS = 2000


class Flow:
    """One logged-in session of the staff tool over plain HTTP, timing every step."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.csrf = ""
        self.unit_id = ""
        self.steps: dict[str, float] = defaultdict(float)
        self.requests = 0

    def _get(self, path: str) -> requests.Response:
        resp = self.http.get(self._abs(path), timeout=TIMEOUT)
        return self._ok(resp)

    def _post(self, path: str, **kwargs) -> requests.Response:
        resp = self.http.post(self._abs(path), timeout=TIMEOUT, **kwargs)
        return self._ok(resp)

    def _abs(self, path: str) -> str:
        return path if path.startswith("http") else self.url + path

    def _ok(self, resp: requests.Response) -> requests.Response:
        self.requests += 1 + len(resp.history)
        resp.raise_for_status()
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', resp.text)
        if token:
            self.csrf = html.unescape(token.group(1))
        return resp

    def _api_headers(self, json: bool) -> dict[str, str]:
        headers = {"X-CSRFToken": self.csrf, "Accept": "application/json"}
        if json:
            headers["Content-Type"] = "application/json"
        return headers

    def login(self) -> None:
        """Log in and choose the unit (the browser's two form posts)."""
        self._get("/login")
        page = self._post("/login", data={"csrf_token": self.csrf, "hsa_id": HSA_ID, "password": PASSWORD})
        unit = re.search(r'name="unit" value="([^"]+)"[^>]*>\s*' + re.escape(html.escape(UNIT_NAME)), page.text)
        if not unit:
            unit = re.search(r'name="unit" value="([^"]+)"[^>]*>\s*' + re.escape(UNIT_NAME), page.text)
        if not unit:
            raise SystemExit("Välj mottagning: the unit is not offered")
        self.unit_id = html.unescape(unit.group(1))
        page = self._post("/valj-mottagning", data={"csrf_token": self.csrf, "unit": self.unit_id})
        if "Mina ärenden" not in page.text:
            raise SystemExit("the login did not reach Mina ärenden")

    def send(self, pnrs: list[str]) -> int:
        """One pass through the wizard for `pnrs`; returns the number of ärende-ids on the receipt."""
        t = time.perf_counter()
        wizard = f"/enhet/{self.unit_id}/skicka-arende"
        page = self._get(wizard)
        t = self._lap("open_wizard", t)
        option = re.search(r'<option value="([^"]+)">' + re.escape(html.escape(TEMPLATE, quote=False)), page.text)
        if not option:
            raise SystemExit("Välj mall: the template is not offered")
        step2 = self._post(wizard, data={"csrf_token": self.csrf, "mall": html.unescape(option.group(1))})
        api = self.url + html.unescape(re.search(r'data-api="([^"]+)"', step2.text).group(1))
        poll_ms = int(re.search(r'data-poll-ms="(\d+)"', step2.text).group(1))
        t = self._lap("choose_template", t)
        for pnr in pnrs:
            resp = self.http.post(api, json={"pnr": display(pnr)}, headers=self._api_headers(True), timeout=TIMEOUT)
            self.requests += 1
            if resp.status_code != 201:
                raise SystemExit(f"Lägg till refused: HTTP {resp.status_code}")
        t = self._lap("add_recipients", t)
        for _ in range(MAX_POLLS):
            time.sleep(poll_ms / 1000)
            rows = self.http.get(api, headers=self._api_headers(False), timeout=TIMEOUT)
            self.requests += 1
            data = rows.json()
            if data["pending"] == 0:
                break
        else:
            raise SystemExit("the recipient check never finished")
        refused = [r for r in data["rows"] if r["status"] != "ok"]
        if refused:
            raise SystemExit(f"{len(refused)} recipients not reachable: the bench makes every citizen reachable first")
        t = self._lap("wait_checks", t)
        step3 = self._post(step2.url, data={"csrf_token": self.csrf})
        if 'id="message-form"' not in step3.text:
            raise SystemExit("Nästa did not lead to step 3")
        form_token = html.unescape(re.search(r'name="form_token" value="([^"]*)"', step3.text).group(1))
        subject = html.unescape(re.search(r'id="rubrik" name="rubrik" value="([^"]*)"', step3.text).group(1))
        inserts = {
            html.unescape(name): html.unescape(text)
            for name, text in re.findall(r'aria-label="Infoga text: ([^"]+)" data-insert="([^"]*)"', step3.text)
        }
        upload_api = self.url + html.unescape(re.search(r'data-api="([^"]+)"', step3.text).group(1))
        t = self._lap("next_to_message", t)
        message = "\n\n".join(inserts[name] for name in TEXTS)
        t = self._lap("insert_texts", t)
        with DEMO_PDF.open("rb") as f:
            files = {"fil": (DEMO_PDF.name, f, "application/pdf")}
            resp = self.http.post(upload_api, files=files, headers=self._api_headers(False), timeout=TIMEOUT)
        self.requests += 1
        if resp.status_code != 201:
            raise SystemExit(f"the attachment was refused: HTTP {resp.status_code}")
        t = self._lap("attach", t)
        form = {
            "csrf_token": self.csrf,
            "form_token": form_token,
            "rubrik": subject,
            "meddelande": message.replace("\n", "\r\n"),
            "action": "skicka",
        }
        receipt = self._post(step3.url, data=form)
        self._lap("send_and_receipt", t)
        if "Ärendet har skickats" not in receipt.text:
            raise SystemExit("no receipt")
        return len(re.findall(r"<td>A-\d+</td>", receipt.text))

    def _lap(self, step: str, since: float) -> float:
        now = time.perf_counter()
        self.steps[step] += now - since
        return now


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--mode", choices=("single", "batch"), required=True)
    parser.add_argument("--pnrs", type=Path, required=True, help="a file with one personnummer per line")
    args = parser.parse_args(argv)
    pnrs = args.pnrs.read_text(encoding="ascii").split()
    started = time.perf_counter()
    flow = Flow(check_loopback(args.url))
    flow.login()
    setup_s = time.perf_counter() - started
    size = 1 if args.mode == "single" else 250
    ends: list[float] = []
    receipts = 0
    send_started = time.perf_counter()
    for i in range(0, len(pnrs), size):
        receipts += flow.send(pnrs[i : i + size])
        ends.append(time.perf_counter() - send_started)
    emit(
        {
            "part": f"raw_{args.mode}",
            "citizens": len(pnrs),
            "receipts": receipts,
            "setup_s": setup_s,
            "send_s": ends[-1] if ends else 0.0,
            "send_ends": ends,
            "steps": dict(flow.steps),
            "requests": flow.requests,
        }
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
