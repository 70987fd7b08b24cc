"""Login, unit choice, navigation, permissions, CSRF, the inactivity timeout and the error pages."""

from __future__ import annotations

import re

import pytest

from mock_personalverktyg import create_app
from tests.mock.mock_kit import ANNA, LARS, PASSWORD, PER, Staff, pnr_in_state


def test_start_page_should_send_a_stranger_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_login_page_should_have_the_labelled_fields(client):
    page = client.get("/login").text
    assert '<label for="hsa_id">HSA-id</label>' in page
    assert '<label for="password">Lösenord</label>' in page
    assert ">Logga in</button>" in page


@pytest.mark.parametrize(
    ("hsa_id", "password"),
    [(ANNA, "fel"), ("SE2321000016-X999", "utskick-demo"), ("", ""), (ANNA.lower(), "utskick-demo")],
)
def test_login_should_fail_with_an_alert(client, hsa_id, password):
    response = Staff(client).login(hsa_id, password)
    assert response.status_code == 200
    assert '<p class="error" role="alert">Inloggningen misslyckades</p>' in response.text
    assert client.get("/valj-mottagning").status_code == 302


def test_login_should_open_valj_mottagning_with_one_button_per_permitted_unit(client):
    response = Staff(client).login(ANNA)
    assert response.location == "/valj-mottagning"
    page = client.get("/valj-mottagning").text
    assert "<h1>Välj mottagning</h1>" in page
    assert 'value="vc-centrum" class="unit-button">Vårdcentralen Centrum</button>' in page
    assert 'value="bm-norr" class="unit-button">Barnmottagningen Norr</button>' in page


def test_valj_mottagning_should_show_only_permitted_units(client):
    Staff(client).login(PER)
    page = client.get("/valj-mottagning").text
    assert "Vårdcentralen Centrum</button>" in page
    assert "Barnmottagningen Norr" not in page


def test_login_should_follow_next(client):
    response = Staff(client).login(ANNA, next_url="/enhet/bm-norr/mina-arenden")
    assert response.location == "/enhet/bm-norr/mina-arenden"


def test_login_should_ignore_an_external_next(client):
    response = Staff(client).login(ANNA, next_url="//example.org/x")
    assert response.location == "/valj-mottagning"


def test_a_page_should_redirect_to_login_with_next(client):
    response = client.get("/enhet/vc-centrum/mina-arenden")
    assert response.location == "/login?next=/enhet/vc-centrum/mina-arenden"


def test_choosing_a_unit_should_show_it_in_the_header_and_open_mina_arenden(staff: Staff):
    response = staff.post("/valj-mottagning", {"unit": "bm-norr"})
    assert response.location == "/enhet/bm-norr/mina-arenden"
    page = staff.client.get(response.location).text
    assert "Mottagning: <strong>Barnmottagningen Norr</strong>" in page


@pytest.mark.parametrize(
    ("hsa_id", "links"),
    [
        (ANNA, ["Mina ärenden", "Mottagningens ärenden"]),
        (LARS, ["Mina ärenden", "Mottagningens ärenden", "Mallar för invånarärenden"]),
    ],
)
def test_navigation_should_offer_mallar_only_to_a_local_admin(client, hsa_id, links):
    Staff(client).login(hsa_id)
    page = client.get("/enhet/vc-centrum/mina-arenden").text
    nav = page.split('aria-label="Huvudmeny">')[1].split("</nav>")[0]
    for link in ["Mina ärenden", "Mottagningens ärenden", "Mallar för invånarärenden"]:
        assert (f">{link}</a>" in nav) == (link in links)
    assert 'href="/installningar"' in page


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/enhet/bm-norr/mina-arenden"),
        ("GET", "/enhet/bm-norr/skicka-arende"),
        ("GET", "/enhet/bm-norr/mottagningens-arenden/alla"),
        ("GET", "/enhet/bm-norr/utkast/x/mottagare"),
        ("GET", "/enhet/bm-norr/utkast/x/meddelande"),
        ("GET", "/enhet/bm-norr/mallar/"),
        ("GET", "/api/enhet/bm-norr/utkast/x/mottagare"),
        ("POST", "/valj-mottagning"),
        ("POST", "/enhet/bm-norr/skicka-arende"),
    ],
)
def test_a_unit_without_permission_should_answer_403(client, method, path):
    person = Staff(client)
    person.login(PER)
    response = client.get(path) if method == "GET" else person.post(path, {"unit": "bm-norr", "mall": "bm-norr-m1"})
    assert response.status_code == 403
    if not path.startswith("/api/"):
        assert "<h1>Behörighet saknas</h1>" in response.text


def test_mallar_should_answer_403_for_an_arendehanterare(staff: Staff):
    response = staff.client.get("/enhet/vc-centrum/mallar/")
    assert response.status_code == 403
    assert "Behörighet saknas" in response.text


def test_an_unknown_unit_or_page_should_answer_a_swedish_404(staff: Staff):
    for path in ("/enhet/okand/mina-arenden", "/finns-inte", "/enhet/vc-centrum/utkast/okand/mottagare"):
        response = staff.client.get(path)
        assert response.status_code == 404
        assert "<h1>Sidan finns inte</h1>" in response.text


@pytest.mark.parametrize("token", [None, "fel-token"])
def test_a_post_without_the_right_csrf_token_should_answer_400(staff: Staff, token):
    data = {"mall": "vc-centrum-m1"} | ({"csrf_token": token} if token else {})
    response = staff.client.post("/enhet/vc-centrum/skicka-arende", data=data)
    assert response.status_code == 400
    assert "<h1>Ogiltig begäran</h1>" in response.text


def test_a_fetch_without_the_csrf_header_should_answer_400(staff: Staff):
    draft = staff.start_draft()
    response = staff.client.post(f"/api/enhet/vc-centrum/utkast/{draft}/mottagare", json={"pnr": "x"})
    assert response.status_code == 400
    assert staff.rows(draft) == []


def _unsafe_routes() -> list[tuple[str, str]]:
    app = create_app({"TESTING": True, "SECRET_KEY": "test"})
    return sorted(
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"})
    )


@pytest.mark.parametrize(("rule", "method"), _unsafe_routes())
def test_every_unsafe_route_should_refuse_a_request_without_the_csrf_token(client, rule, method):
    person = Staff(client)
    person.login(LARS)
    draft = person.start_draft()
    person.add(draft, pnr_in_state("ok"))
    values = {"unit_id": "vc-centrum", "draft_id": draft, "pnr12": pnr_in_state("ok")}
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "x"), rule)
    data = {"hsa_id": LARS, "password": PASSWORD, "unit": "vc-centrum", "mall": "vc-centrum-m1", "pnr": "x"}
    for token in (None, "fel-token"):
        response = client.open(url, method=method, data=data | ({"csrf_token": token} if token else {}))
        assert response.status_code == 400, (url, token)
    assert [r["pnr"] for r in person.rows(draft)] == [pnr_in_state("ok")]
    assert client.get("/__qa__/sent").json == []


def test_login_without_csrf_should_answer_400(client):
    response = client.post("/login", data={"hsa_id": ANNA, "password": "utskick-demo"})
    assert response.status_code == 400


def test_every_post_form_should_carry_a_csrf_token(client):
    person = Staff(client)
    person.login(LARS)
    draft = person.start_draft()
    person.add(draft, pnr_in_state("ok"))
    for path in (
        "/login",
        "/valj-mottagning",
        "/installningar",
        "/enhet/vc-centrum/skicka-arende",
        f"/enhet/vc-centrum/utkast/{draft}/mottagare",
        f"/enhet/vc-centrum/utkast/{draft}/meddelande",
        "/enhet/vc-centrum/mina-arenden",
        "/enhet/vc-centrum/mottagningens-arenden/alla",
        "/enhet/vc-centrum/mallar/",
        "/enhet/vc-centrum/mallar/ny",
        "/enhet/vc-centrum/mallar/vc-centrum-m1",
        "/enhet/vc-centrum/mallar/nationella",
    ):
        page = client.get(path).text
        assert page.count('method="post"') <= page.count('name="csrf_token"'), path
        assert '<meta name="csrf-token"' in page


def test_session_should_expire_after_inactivity(make_app, clock):
    person = Staff(make_app(SESSION_TIMEOUT_S=60).test_client())
    person.login()
    clock.advance(59)
    assert person.client.get("/enhet/vc-centrum/mina-arenden").status_code == 200
    clock.advance(59)  # activity moved the deadline
    assert person.client.get("/enhet/vc-centrum/mina-arenden").status_code == 200
    clock.advance(61)
    response = person.client.get("/enhet/vc-centrum/mina-arenden")
    assert response.location == "/login?next=/enhet/vc-centrum/mina-arenden"
    page = person.client.get(response.location).text
    assert "Din session har gått ut. Logga in igen." in page


def test_skicka_after_the_session_expired_should_lead_to_login_and_send_nothing(make_app, clock):
    person = Staff(make_app(SESSION_TIMEOUT_S=60).test_client())
    person.login()
    draft = person.start_draft()
    assert person.add(draft, pnr_in_state("ok")).status_code == 201
    token = person.form_token(draft)
    clock.advance(61)
    data = {"rubrik": "R", "meddelande": "Hej", "action": "skicka", "form_token": token}
    response = person.post(person.u(f"/utkast/{draft}/meddelande"), data)
    assert response.status_code == 302
    assert response.location == "/login"
    assert "Din session har gått ut. Logga in igen." in person.client.get(response.location).text
    assert person.client.get("/__qa__/sent").json == []


def test_api_should_answer_401_session_expired(make_app, clock):
    person = Staff(make_app(SESSION_TIMEOUT_S=60).test_client())
    person.login()
    draft = person.start_draft()
    clock.advance(61)
    response = person.add(draft, pnr_in_state("ok"))
    assert response.status_code == 401
    assert response.json == {"error": "session_expired"}


def test_login_after_expiry_should_return_to_the_page(make_app, clock):
    person = Staff(make_app(SESSION_TIMEOUT_S=60).test_client())
    person.login()
    clock.advance(61)
    target = person.client.get("/enhet/bm-norr/mina-arenden").location.split("next=")[1]
    assert person.login(next_url=target).location == "/enhet/bm-norr/mina-arenden"


def test_logout_should_end_the_session(staff: Staff):
    staff.post("/logout")
    assert staff.client.get("/enhet/vc-centrum/mina-arenden").status_code == 302


def test_personliga_installningar_should_change_the_signature_in_step3(staff: Staff):
    page = staff.client.get("/installningar").text
    assert "<h1>Personliga inställningar</h1>" in page
    assert '<label for="signature">Signatur</label>' in page
    staff.post("/installningar", {"signature": "Anna Ä, distriktssköterska"})
    draft = staff.start_draft()
    assert "Anna Ä, distriktssköterska" in staff.client.get(staff.u(f"/utkast/{draft}/meddelande")).text


def test_user_name_should_link_to_personliga_installningar(staff: Staff):
    page = staff.client.get("/valj-mottagning").text
    assert 'href="/installningar" class="user" title="Personliga inställningar">Anna Ärendehanterare</a>' in page


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/valj-mottagning",
        "/installningar",
        "/enhet/vc-centrum/mina-arenden",
        "/enhet/vc-centrum/skicka-arende",
        "/enhet/vc-centrum/mottagningens-arenden/alla",
        "/enhet/vc-centrum/mallar/",
        "/finns-inte",
    ],
)
def test_every_page_should_use_only_the_mocks_own_stylesheet_and_scripts(client, path):
    Staff(client).login(LARS)
    page = client.get(path).text
    assert '<link rel="stylesheet" href="/static/style.css">' in page
    assert re.findall(r'(?:src|href)="(?:https?:)?//', page) == []
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
        with client.get(asset) as response:
            assert response.status_code == 200
            assert b"http://" not in response.data and b"https://" not in response.data


@pytest.mark.parametrize(("hsa_id", "name"), [(ANNA, "Anna Ärendehanterare"), (LARS, "Lars Lokaladmin")])
def test_header_should_show_the_signed_in_user_under_the_title_personliga_installningar(client, hsa_id, name):
    Staff(client).login(hsa_id)
    header = client.get("/enhet/vc-centrum/mina-arenden").text.split('<header class="topbar">')[1].split("</header>")[0]
    assert re.search(rf'title="Personliga inställningar"[^>]*>{name}</a>', header)
