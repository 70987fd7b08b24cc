"""Helpers for the mock's own tests: test numbers by seeded state, a fake clock, a staff client."""

from __future__ import annotations

import functools
import io
import re

from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from mock_personalverktyg.citizens import seeded_kind
from mock_personalverktyg.seed import NUMBERS_FILE

NUMBERS = tuple(NUMBERS_FILE.read_text(encoding="ascii").split())
ANNA, LARS, PER = "SE2321000016-A001", "SE2321000016-A002", "SE2321000016-A003"
PASSWORD = "utskick-demo"


def image_bytes(fmt: str) -> bytes:
    """A real, tiny file made with Pillow: "PNG", "JPEG" or "PDF"."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


PDF, PNG, JPEG = image_bytes("PDF"), image_bytes("PNG"), image_bytes("JPEG")


@functools.cache
def _numbers_in_state(kind: str) -> tuple[str, ...]:
    return tuple(n for n in NUMBERS if seeded_kind(n) == kind)


def pnr_in_state(kind: str, index: int = 0) -> str:
    """The `index`-th test personnummer whose seeded state is `kind`."""
    return _numbers_in_state(kind)[index]


class FakeClock:
    """A clock the tests move by hand."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01 00:00 UTC
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


def token_in(html: str, name: str = "csrf_token") -> str:
    """The value of a hidden input in a page."""
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match, f"no {name} in page"
    return match.group(1)


class Staff:
    """A staff member's browser, reduced to the test client and the steps of the routine."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.unit = "vc-centrum"

    def csrf(self) -> str:
        """The session's CSRF token (from the session cookie, as a page would render it)."""
        with self.client.session_transaction() as sess:
            return sess["csrf"]

    def login(self, hsa_id: str = ANNA, password: str = PASSWORD, next_url: str | None = None):
        """Open the login page and submit it."""
        page = self.client.get("/login")
        data = {"hsa_id": hsa_id, "password": password, "csrf_token": token_in(page.text)}
        if next_url:
            data["next"] = next_url
        return self.client.post("/login", data=data)

    def post(self, url: str, data: dict | None = None, **kwargs):
        """POST a form with the CSRF token."""
        return self.client.post(url, data={"csrf_token": self.csrf(), **(data or {})}, **kwargs)

    def api(self, method: str, url: str, **kwargs):
        """Call the JSON API as the page's fetch does."""
        return self.client.open(url, method=method, headers={"X-CSRFToken": self.csrf()}, **kwargs)

    def u(self, path: str) -> str:
        """A path inside the chosen unit."""
        return f"/enhet/{self.unit}{path}"

    def start_draft(self, template_id: str | None = None) -> str:
        """Skicka ärende → Välj mall → Gå vidare; returns the draft id."""
        response = self.post(self.u("/skicka-arende"), {"mall": template_id or f"{self.unit}-m1"})
        assert response.status_code == 302, response.text
        return response.location.split("/utkast/")[1].split("/")[0]

    def add(self, draft: str, pnr: str):
        """Lägg till."""
        return self.api("POST", f"/api/enhet/{self.unit}/utkast/{draft}/mottagare", json={"pnr": pnr})

    def rows(self, draft: str) -> list[dict]:
        """The recipient rows as the page's poll sees them."""
        return self.client.get(f"/api/enhet/{self.unit}/utkast/{draft}/mottagare").json["rows"]

    def attach(self, draft: str, name: str, content: bytes):
        """Bifoga fil (body encoded in memory: the test client spools large ones to a file it never closes)."""
        boundary, body = encode_multipart(MultiDict({"fil": FileStorage(io.BytesIO(content), name)}))
        return self.client.post(
            f"/api/enhet/{self.unit}/utkast/{draft}/bilagor",
            data=body,
            headers={"X-CSRFToken": self.csrf()},
            content_type=f"multipart/form-data; boundary={boundary}",
        )

    def form_token(self, draft: str) -> str:
        """The one-time form token of step 3."""
        return token_in(self.client.get(self.u(f"/utkast/{draft}/meddelande")).text, "form_token")

    def send(self, draft: str, text: str = "Hej! Meddelande från Vårdcentralen Centrum.", **extra):
        """Skicka from step 3."""
        data = {"rubrik": "Meddelande till invånare", "meddelande": text, "action": "skicka"}
        data["form_token"] = self.form_token(draft)
        data.update(extra)
        return self.post(self.u(f"/utkast/{draft}/meddelande"), data)

    def send_to(self, *pnrs: str, text: str = "Hej!") -> str:
        """The whole routine for some reachable citizens; returns the draft id."""
        draft = self.start_draft()
        for pnr in pnrs:
            assert self.add(draft, pnr).status_code == 201
        assert self.send(draft, text=text).status_code == 303
        return draft
