"""The single-page skin (SKIN="spa"): its shell, its JSON API over the same store, QA API and faults."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import urllib.request

import pytest
from flask.testing import FlaskClient

from mock_personalverktyg import create_app
from mock_personalverktyg.arenden import EMPTY_LIST, HAS_ERRORS, NO_RECIPIENTS, NO_SUBJECT, NO_TEXT, PENDING
from mock_personalverktyg.attachments import WRONG_TYPE
from mock_personalverktyg.citizens import ERRORS
from mock_personalverktyg.pnr import BAD_CHECK_DIGIT, BAD_FORMAT, samordningsnummer_from, with_broken_check_digit
from mock_personalverktyg.store import FULL
from tests.mock.mock_kit import ANNA, NUMBERS, PDF, PER, Staff, pnr_in_state

OK, OK2, LOCKED = pnr_in_state("ok"), pnr_in_state("ok", 1), pnr_in_state("locked")


def _display(pnr12: str) -> str:
    return f"{pnr12[:8]}-{pnr12[8:]}"


class SpaStaff(Staff):
    """A staff member in the single-page skin: the same login form, then JSON with the CSRF header."""

    def call(self, method: str, path: str, **kwargs):
        """Call `/api/spa<path>` as the page's fetch does."""
        return self.api(method, f"/api/spa{path}", **kwargs)

    def csrf_header(self) -> dict:
        """The header the page's fetch sends with every write."""
        return {"X-CSRFToken": self.csrf()}

    def unit_path(self, path: str) -> str:
        """An API path inside the chosen unit."""
        return f"/enhet/{self.unit}{path}"

    def new_draft(self, template: str = "vc-centrum-m1") -> str:
        """Skicka ärende → Välj mall → Gå vidare; the draft id."""
        response = self.call("POST", self.unit_path("/utkast"), json={"mall": template})
        assert response.status_code == 201, response.json
        return response.json["id"]

    def add_pnr(self, draft: str, pnr: str):
        """Lägg till."""
        return self.call("POST", self.unit_path(f"/utkast/{draft}/mottagare"), json={"pnr": pnr})

    def rows(self, draft: str) -> list[dict]:
        """The recipient rows as the page's poll sees them."""
        return self.call("GET", self.unit_path(f"/utkast/{draft}/mottagare")).json["rows"]

    def skicka(self, draft: str, subject: str = "Provsvar", text: str = "Hej!", token: str | None = None):
        """The dialog's Skicka."""
        if token is None:
            token = self.call("GET", self.unit_path(f"/utkast/{draft}")).json["form_token"]
        body = {"rubrik": subject, "meddelande": text, "form_token": token}
        return self.call("POST", self.unit_path(f"/utkast/{draft}/skicka"), json=body)


@pytest.fixture
def spa_app(make_app):
    return make_app(SKIN="spa")


@pytest.fixture
def spa(spa_app) -> SpaStaff:
    person = SpaStaff(spa_app.test_client())
    person.login()
    return person


def _person(app, hsa_id: str = ANNA) -> SpaStaff:
    person = SpaStaff(app.test_client())
    person.login(hsa_id)
    return person


def test_create_app_should_refuse_an_unknown_skin():
    with pytest.raises(ValueError, match="SKIN"):
        create_app({"SKIN": "retro"})


def test_spa_login_should_be_a_server_form_that_lands_on_the_single_page(spa_app):
    client = spa_app.test_client()
    assert client.get("/").location == "/login?next=/"
    assert '<label for="hsa_id">HSA-id</label>' in client.get("/login").text
    response = SpaStaff(client).login()
    assert response.location == "/app/"
    shell = client.get("/app/").text
    assert '<main id="view"' in shell
    assert re.findall(r'<script src="(/static/spa/[a-z]+\.js)">', shell) == [
        f"/static/spa/{name}.js" for name in ("core", "widgets", "wizard", "message", "cases", "app")
    ]
    assert re.findall(r'(?:src|href)="(?:https?:)?//', shell) == []
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', shell):
        with client.get(asset) as served:
            assert served.status_code == 200
            assert b"http://" not in served.data and b"https://" not in served.data


def test_spa_login_should_follow_a_next_with_a_hash_route(spa_app):
    person = SpaStaff(spa_app.test_client())
    target = "/app/#/enhet/vc-centrum/mottagningens-arenden"
    assert person.login(next_url=target).location == target


@pytest.mark.parametrize(
    "path", ["/valj-mottagning", "/enhet/vc-centrum/mina-arenden", "/api/enhet/vc-centrum/utkast/x/mottagare"]
)
def test_spa_skin_should_not_serve_the_classic_pages(spa: SpaStaff, path):
    assert spa.client.get(path).status_code == 404


def test_spa_session_should_name_the_user_and_only_the_permitted_units(spa_app):
    per = _person(spa_app, PER).call("GET", "/session").json
    assert per["user"]["name"] == "Per Begränsad"
    assert per["units"] == [{"id": "vc-centrum", "name": "Vårdcentralen Centrum"}]
    anna = _person(spa_app).call("GET", "/session").json
    assert [u["id"] for u in anna["units"]] == ["vc-centrum", "bm-norr"]
    assert anna["csrf"]


def test_spa_api_should_refuse_a_unit_without_permission(spa_app):
    per = _person(spa_app, PER)
    per.unit = "bm-norr"
    assert per.call("GET", per.unit_path("/mina-arenden")).status_code == 403
    assert per.call("POST", per.unit_path("/utkast"), json={"mall": "bm-norr-m1"}).status_code == 403


@pytest.mark.parametrize("header", [None, "fel-token"])
def test_spa_api_should_refuse_a_write_without_the_right_csrf_header(spa: SpaStaff, header):
    headers = {"X-CSRFToken": header} if header else {}
    response = spa.client.post("/api/spa/enhet/vc-centrum/utkast", json={"mall": "vc-centrum-m1"}, headers=headers)
    assert response.status_code == 400
    assert response.json["error"] == "Ogiltig begäran"
    assert spa.client.get("/__qa__/sent").json == []


def test_spa_api_should_answer_401_json_when_the_session_has_expired(make_app, clock):
    person = _person(make_app(SKIN="spa", SESSION_TIMEOUT_S=60))
    draft = person.new_draft()
    clock.advance(61)
    response = person.add_pnr(draft, OK)
    assert response.status_code == 401
    assert response.json == {"error": "session_expired"}
    assert person.client.get("/app/").location == "/login?next=/app/"
    assert "Din session har gått ut. Logga in igen." in person.client.get("/login").text


def test_spa_api_should_answer_401_json_to_a_stranger(spa_app):
    response = spa_app.test_client().get("/api/spa/session")
    assert (response.status_code, response.json) == (401, {"error": "not_logged_in"})


def test_spa_step1_should_offer_the_active_templates_and_refuse_others(spa: SpaStaff):
    names = [t["name"] for t in spa.call("GET", spa.unit_path("/mallar")).json["mallar"]]
    assert names == ["Meddelande om provsvar", "Meddelande till invånare"]
    for template in ("vc-centrum-m3", "bm-norr-m1", ""):
        response = spa.call("POST", spa.unit_path("/utkast"), json={"mall": template})
        assert (response.status_code, response.json) == (400, {"error": "Välj en mall", "field": "mall"})


@pytest.mark.parametrize(
    ("pnr", "code", "texts"),
    [
        (OK, "ok", None),
        (pnr_in_state("protected"), "ok", None),
        (pnr_in_state("no_notification"), "no_notification", [ERRORS["no_notification"]]),
        (pnr_in_state("never"), "never", [ERRORS["never"]]),
        (LOCKED, "locked", [ERRORS["locked"]]),
        (pnr_in_state("deceased"), "deceased", [ERRORS["deceased"]]),
        (samordningsnummer_from(OK), "samordningsnummer", [ERRORS["samordningsnummer"]]),
    ],
)
def test_spa_check_should_finish_after_the_delay_with_the_citizens_result(make_app, clock, pnr, code, texts):
    person = _person(make_app(SKIN="spa", CHECK_DELAY_MS=800))
    draft = person.new_draft()
    added = person.add_pnr(draft, pnr)
    assert added.status_code == 201
    assert added.json["row"]["status"] == "pending"
    assert person.rows(draft)[0]["status"] == "pending"
    clock.advance(0.8)
    row = person.rows(draft)[0]
    assert (row["display"], row["code"]) == (_display(pnr), code)
    expected = texts or person.client.get(f"/__qa__/citizens/{pnr}").json["check"]["texts"]
    assert row["texts"] == expected
    assert row["status"] == ("ok" if code == "ok" else "error")


@pytest.mark.parametrize(
    ("typed", "message"),
    [("12345", BAD_FORMAT), (with_broken_check_digit(OK), BAD_CHECK_DIGIT), (_display(OK), "finns redan i listan")],
)
def test_spa_lagg_till_should_refuse_invalid_and_duplicate_input_with_the_field(spa: SpaStaff, typed, message):
    draft = spa.new_draft()
    spa.add_pnr(draft, OK)
    response = spa.add_pnr(draft, typed)
    assert response.status_code == 400
    assert message in response.json["error"]
    assert response.json["field"] == "pnr"
    assert len(spa.rows(draft)) == 1


def test_spa_lagg_till_should_refuse_the_251st_recipient(spa: SpaStaff):
    draft = spa.new_draft()
    for number in NUMBERS[:250]:
        assert spa.add_pnr(draft, number).status_code == 201
    response = spa.add_pnr(draft, NUMBERS[250])
    assert (response.status_code, response.json["error"]) == (400, FULL)
    assert spa.call("GET", spa.unit_path(f"/utkast/{draft}")).json["max_recipients"] == 250


def test_spa_nasta_should_wait_for_every_check_and_every_row_to_be_reachable(make_app, clock):
    person = _person(make_app(SKIN="spa", CHECK_DELAY_MS=500))
    draft = person.new_draft()
    nasta = person.unit_path(f"/utkast/{draft}/nasta")
    assert person.call("POST", nasta).json["error"] == EMPTY_LIST
    person.add_pnr(draft, OK)
    person.add_pnr(draft, LOCKED)
    assert person.call("POST", nasta).json["error"] == PENDING
    clock.advance(0.5)
    listed = person.call("GET", person.unit_path(f"/utkast/{draft}/mottagare")).json
    assert (listed["pending"], listed["problem"]) == (0, HAS_ERRORS)
    response = person.call("POST", nasta)
    assert (response.status_code, response.json["error"]) == (400, HAS_ERRORS)
    assert person.call("DELETE", person.unit_path(f"/utkast/{draft}/mottagare/{LOCKED}")).status_code == 200
    assert person.call("POST", nasta).status_code == 200
    assert person.call("GET", person.unit_path(f"/utkast/{draft}")).json["problem"] is None


def test_spa_bifoga_fil_should_check_the_content_and_remove_on_request(spa: SpaStaff):
    draft = spa.new_draft()
    url = f"/api/spa/enhet/vc-centrum/utkast/{draft}/bilagor"
    fake = spa.client.post(url, data={"fil": (io.BytesIO(b"bara text"), "falsk.pdf")}, headers=spa.csrf_header())
    assert (fake.status_code, fake.json["error"]) == (400, WRONG_TYPE)
    real = spa.client.post(url, data={"fil": (io.BytesIO(PDF), "brev.pdf")}, headers=spa.csrf_header())
    assert real.status_code == 201
    assert real.json["attachment"]["name"] == "brev.pdf"
    attached = spa.call("GET", spa.unit_path(f"/utkast/{draft}")).json["attachments"]
    assert [a["name"] for a in attached] == ["brev.pdf"]
    assert spa.call("DELETE", f"/enhet/vc-centrum/utkast/{draft}/bilagor/{attached[0]['id']}").status_code == 200
    assert spa.call("GET", spa.unit_path(f"/utkast/{draft}")).json["attachments"] == []


def test_spa_skicka_should_recheck_and_write_to_the_same_store_as_the_qa_api(spa: SpaStaff):
    draft = spa.new_draft()
    for pnr in (OK, OK2):
        spa.add_pnr(draft, pnr)
    assert [r["status"] for r in spa.rows(draft)] == ["ok", "ok"]
    spa.client.put(f"/__qa__/citizens/{OK2}", json={"login": "locked"})  # changes between check and Skicka
    response = spa.skicka(draft, subject="Provsvar", text="Hej!\r\nVälkommen.")
    assert response.status_code == 200
    receipt = response.json
    assert receipt["refused"] == [{"pnr": OK2, "display": _display(OK2), "reason": ERRORS["locked"]}]
    sent = spa.client.get("/__qa__/sent").json
    assert [(a["pnr"], a["subject"], a["text"]) for a in sent] == [(OK, "Provsvar", "Hej!\nVälkommen.")]
    assert receipt["sent"] == [{"pnr": OK, "display": _display(OK), "arende_id": sent[0]["arende_id"]}]
    assert sent[0]["template"] == "Meddelande till invånare"
    assert spa.call("GET", spa.unit_path(f"/utkast/{draft}/kvitto")).json == receipt
    assert spa.skicka(draft).json == receipt  # a repeated Skicka answers the same receipt
    assert len(spa.client.get("/__qa__/sent").json) == 1
    assert spa.add_pnr(draft, LOCKED).json == {"error": "Utskicket är redan skickat", "sent": True}


@pytest.mark.parametrize(
    ("subject", "text", "field", "message"),
    [("", "Hej", "rubrik", NO_SUBJECT), ("Rubrik", "  ", "meddelande", NO_TEXT)],
)
def test_spa_skicka_should_name_the_field_that_is_missing(spa: SpaStaff, subject, text, field, message):
    draft = spa.new_draft()
    spa.add_pnr(draft, OK)
    response = spa.skicka(draft, subject=subject, text=text)
    assert (response.status_code, response.json) == (400, {"error": message, "field": field})
    assert spa.client.get("/__qa__/sent").json == []


def test_spa_skicka_should_refuse_an_empty_list_and_a_stale_form_token(spa: SpaStaff):
    draft = spa.new_draft()
    assert spa.skicka(draft).json == {"error": NO_RECIPIENTS, "field": ""}
    spa.add_pnr(draft, OK)
    stale = spa.skicka(draft, token="gammal")
    assert stale.status_code == 400
    assert "inte längre giltigt" in stale.json["error"]
    assert spa.client.get("/__qa__/sent").json == []


def test_spa_faults_should_apply_to_the_json_api(make_app):
    slept: list[float] = []
    person = _person(make_app(SKIN="spa", SLEEP=slept.append))
    draft = person.new_draft()
    person.add_pnr(draft, OK)
    person.client.put("/__qa__/faults", json={"latency_ms": [30, 30]})
    assert person.call("GET", person.unit_path("/mallar")).status_code == 200
    assert slept == [0.03]
    person.client.put("/__qa__/faults", json={"error_rate": 1})
    failed = person.call("GET", person.unit_path(f"/utkast/{draft}/mottagare"))
    assert (failed.status_code, failed.json["error"]) == (500, "Tekniskt fel")
    person.client.put("/__qa__/faults", json={"drop_after_send_rate": 1})
    lost = person.skicka(draft)
    assert lost.status_code == 504
    assert [a["pnr"] for a in person.client.get("/__qa__/sent").json] == [OK]  # recorded, answer lost
    retried = person.skicka(draft)
    assert retried.status_code == 200
    assert [s["pnr"] for s in retried.json["sent"]] == [OK]
    assert len(person.client.get("/__qa__/sent").json) == 1


def test_spa_session_timeout_fault_should_expire_the_api_session(make_app, clock):
    person = _person(make_app(SKIN="spa"))
    person.client.put("/__qa__/faults", json={"session_timeout_s": 5})
    clock.advance(6)
    assert person.call("GET", "/session").json == {"error": "session_expired"}


def test_spa_mina_arenden_should_list_the_users_sent_arenden(spa: SpaStaff):
    draft = spa.new_draft()
    spa.add_pnr(draft, OK)
    spa.skicka(draft, subject="Provsvar")
    mine = spa.call("GET", spa.unit_path("/mina-arenden")).json
    assert mine["unit"] == {"id": "vc-centrum", "name": "Vårdcentralen Centrum"}
    assert [(a["display"], a["subject"], a["status"]) for a in mine["arenden"]] == [
        (_display(OK), "Provsvar", "Oläst av invånare")
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d kl\. \d\d:\d\d:\d\d", mine["arenden"][0]["sent_at"])


def test_spa_arenden_should_default_to_nya_and_page_alla_without_date_filters(make_app):
    person = _person(make_app(SKIN="spa", PAGE_SIZE=2))
    numbers = [pnr_in_state("ok", i) for i in range(5)]
    draft = person.new_draft()
    for pnr in numbers:
        person.add_pnr(draft, pnr)
    person.skicka(draft)
    cases = person.unit_path("/arenden")
    new = person.call("GET", cases).json
    assert {a["display"] for a in new["arenden"]} and "pages" not in new
    assert all(a["status"] == "Ny" for a in new["arenden"])
    query = {"vy": "alla", "arendetyp": "varden", "fran": "2099-01-01", "till": "2000-01-01"}
    first = person.call("GET", cases, query_string=query).json
    assert (first["total"], first["page"], first["pages"], len(first["arenden"])) == (5, 1, 3, 2)
    assert [k["text"] for k in first["kinds"]] == ["Alla", "Skickat av vården", "Skickat av invånare"]
    assert set(first["filters"]) == {"arendetyp", "status", "personnummer"}
    last = person.call("GET", cases, query_string={**query, "sida": 9}).json
    assert (last["page"], len(last["arenden"])) == (3, 1)
    one = person.call("GET", cases, query_string={**query, "personnummer": _display(numbers[2])}).json
    assert [a["pnr"] for a in one["arenden"]] == [numbers[2]]
    bad = person.call("GET", cases, query_string={**query, "personnummer": "12345"}).json
    assert bad["arenden"] == []
    assert bad["errors"] == [f"{BAD_FORMAT} (12345)"]


def test_spa_installningar_should_save_the_signature_shown_in_step3(spa: SpaStaff):
    saved = spa.call("PUT", "/installningar", json={"signature": "Anna Ä, distriktssköterska "})
    assert saved.json == {"signature": "Anna Ä, distriktssköterska", "message": "Signaturen är sparad"}
    draft = spa.new_draft()
    assert spa.call("GET", spa.unit_path(f"/utkast/{draft}")).json["signature"] == "Anna Ä, distriktssköterska"


def test_spa_text_should_be_kept_for_tillbaka(spa: SpaStaff):
    draft = spa.new_draft()
    spa.call("PUT", spa.unit_path(f"/utkast/{draft}/text"), json={"rubrik": " Ny rubrik ", "meddelande": "a\r\nb"})
    got = spa.call("GET", spa.unit_path(f"/utkast/{draft}")).json
    assert (got["subject"], got["text"]) == ("Ny rubrik", "a\nb")
    assert [t["name"] for t in got["texts"]] == ["Inledning", "Information", "Avslutning"]


def test_cli_should_take_the_skin(capsys):
    from mock_personalverktyg.__main__ import parse_args

    assert parse_args([]).skin == "classic"
    assert parse_args(["--skin", "spa"]).skin == "spa"
    with pytest.raises(SystemExit):
        parse_args(["--skin", "retro"])
    assert "invalid choice" in capsys.readouterr().err


def test_classic_skin_should_still_be_the_default(client: FlaskClient):
    assert client.get("/app/").status_code == 404
    assert client.get("/api/spa/session").status_code == 404
    Staff(client).login()
    assert client.get("/valj-mottagning").status_code == 200


@pytest.mark.slow
def test_cli_should_serve_the_spa_skin():
    command = [sys.executable, "-m", "mock_personalverktyg", "--port", "0", "--skin", "spa"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline()).group(0)
        process.stdout.readline()
        assert process.stdout.readline().startswith("Utseende: spa")
        with urllib.request.urlopen(f"{url}/app/") as response:  # a stranger is sent to the server login form
            assert response.url == f"{url}/login?next=/app/"
            assert "Logga in" in response.read().decode()
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def test_spa_header_should_show_the_signed_in_user_under_the_title_personliga_installningar(spa, spa_app):
    assert spa.call("GET", "/session").get_json()["user"]["name"] == "Anna Ärendehanterare"
    with spa_app.test_client().get("/static/spa/app.js") as served:
        script = served.data.decode("utf-8")
    assert re.search(r"title: 'Personliga inställningar',\s*onclick: [^}]+\}\s*\}, PVS\.session\.user\.name\)", script)
