"""The QA API (/__qa__/) and every fault it can inject."""

from __future__ import annotations

import re

import pytest

from mock_personalverktyg.pnr import samordningsnummer_from
from tests.mock.mock_kit import Staff, pnr_in_state

OK = pnr_in_state("ok")


def test_qa_api_should_be_absent_when_disabled(make_app):
    client = make_app(QA_ENABLED=False).test_client()
    assert client.post("/__qa__/reset").status_code == 404
    assert client.get("/__qa__/sent").status_code == 404


def test_get_citizen_should_show_state_and_check(client):
    locked = pnr_in_state("locked")
    body = client.get(f"/__qa__/citizens/{locked[:8]}-{locked[8:]}").json
    assert body["pnr"] == locked
    assert body["login"] == "locked"
    assert body["listed"] is True
    assert body["check"]["texts"] == ["Invånarens inloggning är spärrad"]


def test_get_citizen_should_know_a_samordningsnummer(client):
    body = client.get(f"/__qa__/citizens/{samordningsnummer_from(OK)}").json
    assert body["samordningsnummer"] is True
    assert body["check"]["code"] == "samordningsnummer"


def test_find_citizens_should_list_numbers_in_a_seeded_state(client):
    body = client.get("/__qa__/citizens?state=locked&limit=3").json
    assert body["pnr"] == [pnr_in_state("locked", i) for i in range(3)]
    assert client.get("/__qa__/citizens?state=nonsense").status_code == 400


def test_put_citizen_should_allow_partial_updates(client):
    client.put(f"/__qa__/citizens/{OK}", json={"notify": ["email"]})
    body = client.put(f"/__qa__/citizens/{OK}", json={"protected": True}).json
    assert (body["login"], body["notify"], body["protected"]) == ("active", ["email"], True)
    assert body["check"]["texts"] == ["Aktiv inloggning", "Avisering: E-post", "Skyddad identitet"]


@pytest.mark.parametrize(
    "body",
    [{"login": "sleeping"}, {"notify": ["fax"]}, {"notify": "sms"}, {"protected": "ja"}, {"colour": "blue"}, []],
)
def test_put_citizen_should_refuse_a_bad_body(client, body):
    assert client.put(f"/__qa__/citizens/{OK}", json=body).status_code == 400


def test_put_citizen_should_refuse_an_invalid_number(client):
    assert client.put("/__qa__/citizens/12345", json={"login": "locked"}).status_code == 400


def test_read_should_mark_the_arende_read_everywhere(staff: Staff, client, clock):
    staff.send_to(OK)
    arende_id = client.get("/__qa__/sent").json[0]["arende_id"]
    clock.advance(600)
    body = client.post(f"/__qa__/read/{arende_id}").json
    assert body["status"] == "Läst av invånare"
    assert body["read_at"] is not None
    assert client.get("/__qa__/sent").json[0]["status"] == "Läst av invånare"
    page = client.get("/enhet/vc-centrum/mottagningens-arenden/alla?arendetyp=varden").text
    assert "<td>Läst av invånare</td>" in page
    assert client.post("/__qa__/read/A-999999").status_code == 404


def test_reset_should_go_back_to_the_seed(staff: Staff, client):
    staff.send_to(OK)
    client.put(f"/__qa__/citizens/{OK}", json={"login": "deceased"})
    client.put("/__qa__/faults", json={"latency_ms": [0, 0]})
    draft = staff.start_draft()
    assert client.post("/__qa__/reset").json == {"ok": True}
    assert client.get("/__qa__/sent").json == []
    assert client.get(f"/__qa__/citizens/{OK}").json["login"] == "active"
    assert client.get("/__qa__/faults").json == {}
    assert client.get(f"/enhet/vc-centrum/utkast/{draft}/mottagare").status_code == 404


def test_sent_should_list_only_staff_arenden_in_order(staff: Staff, client):
    staff.send_to(OK, pnr_in_state("ok", 1))
    sent = client.get("/__qa__/sent").json
    assert [a["pnr"] for a in sent] == [OK, pnr_in_state("ok", 1)]
    assert set(sent[0]) >= {
        "arende_id",
        "pnr",
        "unit",
        "template",
        "subject",
        "text",
        "attachments",
        "sent_at",
        "sent_by",
        "status",
    }


def test_faults_should_round_trip_and_clear(client):
    faults = {"error_rate": 0.05, "latency_ms": [50, 2000], "session_timeout_s": 30, "drop_after_send_rate": 0.1}
    assert client.put("/__qa__/faults", json=faults).json == faults
    assert client.get("/__qa__/faults").json == faults
    assert client.put("/__qa__/faults", json={}).json == {}


@pytest.mark.parametrize(
    "body",
    [
        {"error_rate": 2},
        {"error_rate": "hög"},
        {"latency_ms": [10]},
        {"latency_ms": [200, 100]},
        {"session_timeout_s": 0},
        {"drop_after_send_rate": -0.1},
        {"seed": "x"},
        {"unknown": 1},
        {"spike_rate": 0.1},
        {"spike_rate": 0.1, "spike_ms": -5},
        {"spike_rate": 1.5, "spike_ms": 100},
    ],
)
def test_faults_should_refuse_bad_values(client, body):
    assert client.put("/__qa__/faults", json=body).status_code == 400
    assert client.get("/__qa__/faults").json == {}


def test_error_rate_should_answer_500_pages_but_spare_qa_and_static(staff: Staff, client):
    client.put("/__qa__/faults", json={"error_rate": 1.0})
    page = client.get("/enhet/vc-centrum/mina-arenden")
    assert page.status_code == 500
    assert "<h1>Tekniskt fel</h1>" in page.text
    assert client.get("/api/enhet/vc-centrum/utkast/x/mottagare").status_code == 500
    with client.get("/static/style.css") as css:
        assert css.status_code == 200
    assert client.get("/__qa__/faults").status_code == 200


def test_error_rate_on_skicka_should_answer_500_and_send_nothing(staff: Staff, client):
    draft = staff.start_draft()
    staff.add(draft, OK)
    token = staff.form_token(draft)
    client.put("/__qa__/faults", json={"error_rate": 1.0})
    data = {"rubrik": "R", "meddelande": "Hej", "action": "skicka", "form_token": token}
    response = staff.post(staff.u(f"/utkast/{draft}/meddelande"), data)
    assert response.status_code == 500
    assert "<h1>Tekniskt fel</h1>" in response.text
    assert client.get("/__qa__/sent").json == []
    client.put("/__qa__/faults", json={})
    assert staff.post(staff.u(f"/utkast/{draft}/meddelande"), data).status_code == 303
    assert [a["pnr"] for a in client.get("/__qa__/sent").json] == [OK]


def test_error_rate_should_be_reproducible_with_a_seed(make_app):
    def outcomes() -> list[int]:
        client = make_app().test_client()
        client.put("/__qa__/faults", json={"error_rate": 0.5, "seed": 7})
        return [client.get("/login").status_code for _ in range(20)]

    first = outcomes()
    assert first == outcomes()
    assert {200, 500} == set(first)


def test_latency_should_sleep_within_the_range(make_app):
    slept: list[float] = []
    client = make_app(SLEEP=slept.append).test_client()
    client.put("/__qa__/faults", json={"latency_ms": [50, 2000]})
    for _ in range(10):
        client.get("/login")
    assert len(slept) == 10
    assert all(0.05 <= s <= 2.0 for s in slept)


def test_latency_spikes_should_add_the_spike_to_a_seeded_share_of_requests(make_app):
    def sleeps() -> list[float]:
        slept: list[float] = []
        client = make_app(SLEEP=slept.append).test_client()
        client.put("/__qa__/faults", json={"latency_ms": [0, 10], "spike_rate": 0.25, "spike_ms": 1500, "seed": 3})
        for _ in range(40):
            client.get("/login")
        return slept

    first = sleeps()
    spikes = [s for s in first if s >= 1.5]
    assert 0 < len(spikes) < 40
    assert all(s <= 0.01 for s in first if s < 1.5)
    assert sleeps() == first


def test_expire_sessions_should_log_out_every_session_so_far_but_not_later_ones(make_app):
    app = make_app()
    early, late = Staff(app.test_client()), Staff(app.test_client())
    early.login()
    assert early.client.get("/enhet/vc-centrum/mina-arenden").status_code == 200
    assert early.client.post("/__qa__/sessions/expire").json == {"ok": True}
    late.login()
    expired = early.client.get("/enhet/vc-centrum/mina-arenden")
    assert expired.status_code == 302 and expired.location.startswith("/login")
    assert early.client.get("/api/enhet/vc-centrum/utkast/x/mottagare").status_code == 401
    assert late.client.get("/enhet/vc-centrum/mina-arenden").status_code == 200


def test_session_timeout_fault_should_shorten_the_timeout(make_app, clock):
    person = Staff(make_app().test_client())
    person.login()
    person.client.put("/__qa__/faults", json={"session_timeout_s": 30})
    clock.advance(31)
    response = person.client.get("/enhet/vc-centrum/mina-arenden")
    assert response.location.startswith("/login")


def test_drop_after_send_should_record_the_arenden_but_answer_504(staff: Staff, client):
    client.put("/__qa__/faults", json={"drop_after_send_rate": 1.0})
    draft = staff.start_draft()
    staff.add(draft, OK)
    token = staff.form_token(draft)
    data = {"rubrik": "R", "meddelande": "Hej", "action": "skicka", "form_token": token}
    response = staff.post(staff.u(f"/utkast/{draft}/meddelande"), data)
    assert response.status_code == 504
    assert "Gateway Timeout" in response.text
    assert [a["pnr"] for a in client.get("/__qa__/sent").json] == [OK]
    again = staff.post(staff.u(f"/utkast/{draft}/meddelande"), data)
    assert again.status_code == 303
    assert len(client.get("/__qa__/sent").json) == 1


def test_faults_config_should_apply_from_start(make_app):
    client = make_app(FAULTS={"error_rate": 1.0}).test_client()
    assert client.get("/login").status_code == 500
    assert client.get("/__qa__/faults").json == {"error_rate": 1.0}


def test_arende_ids_should_be_unique_and_sequential(staff: Staff, client):
    staff.send_to(OK)
    staff.send_to(pnr_in_state("ok", 1), pnr_in_state("ok", 2))
    ids = [a["arende_id"] for a in client.get("/__qa__/sent").json]
    assert len(set(ids)) == 3
    assert all(re.fullmatch(r"A-\d{6}", i) for i in ids)
    assert ids == sorted(ids)


def test_add_arende_should_seed_a_staff_sent_row_in_alla_arenden(staff: Staff, client):
    body = {
        "pnr": OK,
        "unit": "vc-centrum",
        "subject": "Meddelande om provs…",
        "sent_by": "SE2321000016-A001",
        "sent_at": "2026-12-03T14:05:00+01:00",
    }
    created = client.post("/__qa__/arenden", json=body)
    assert created.status_code == 201
    arende = created.json
    assert (arende["pnr"], arende["subject"], arende["sent_by"]) == (OK, "Meddelande om provs…", "SE2321000016-A001")
    assert client.get("/__qa__/sent").json == [arende]
    page = client.get(staff.u("/mottagningens-arenden/alla?arendetyp=varden&fran=2026-12-03")).text
    assert "<td>Meddelande om provs…</td><td>2026-12-03 14:05:00</td><td>Anna Ärendehanterare</td>" in page


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"unit": "nowhere"}, "unit"),
        ({"sent_by": "SE2321000016-A999"}, "sent_by"),
        ({"subject": "  "}, "subject"),
        ({"sent_at": "3 dec. 2026 14:05"}, "sent_at"),
        ({"sent_at": "2026-12-03T14:05:00"}, "tidszon"),
        ({"extra": 1}, "okända fält"),
        ({"pnr": "19121212-1213"}, ""),
    ],
)
def test_add_arende_should_refuse_a_bad_body(client, change, complaint):
    body = {"pnr": OK, "unit": "vc-centrum", "subject": "Rubrik", "sent_by": "SE2321000016-A001", **change}
    refused = client.post("/__qa__/arenden", json=body)
    assert refused.status_code == 400
    assert complaint in refused.json["error"]
    assert client.get("/__qa__/sent").json == []
