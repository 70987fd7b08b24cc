"""Step 1, step 3 (texts, attachments, signature), Skicka, the receipt and exactly-once per form token."""

from __future__ import annotations

import hashlib
import re

import pytest

from tests.mock.mock_kit import JPEG, PDF, PNG, Staff, pnr_in_state

OK, OK2 = pnr_in_state("ok"), pnr_in_state("ok", 1)


def _display(pnr12: str) -> str:
    return f"{pnr12[:8]}-{pnr12[8:]}"


def test_step1_should_offer_only_the_units_active_templates(staff: Staff):
    page = staff.client.get(staff.u("/skicka-arende")).text
    assert '<label for="mall">Välj mall</label>' in page
    assert re.findall(r'<option value="[^"]+">([^<]+)</option>', page) == [
        "Meddelande om provsvar",
        "Meddelande till invånare",
    ]
    assert "RS-virus information" not in page
    assert ">Gå vidare</button>" in page


def test_step1_should_refuse_an_inactive_or_foreign_template(staff: Staff):
    for template in ("vc-centrum-m3", "bm-norr-m1", "nope"):
        response = staff.post(staff.u("/skicka-arende"), {"mall": template})
        assert response.status_code == 200
        assert 'role="alert">Välj en mall</p>' in response.text


def test_step1_should_create_a_draft_with_its_id_in_the_url(staff: Staff):
    response = staff.post(staff.u("/skicka-arende"), {"mall": "vc-centrum-m1"})
    assert re.fullmatch(r"/enhet/vc-centrum/utkast/[0-9a-f]{12}/mottagare", response.location)


def test_step3_should_prefill_rubrik_and_offer_one_bubble_per_text(staff: Staff):
    draft = staff.start_draft()
    staff.add(draft, OK)
    page = staff.client.get(staff.u(f"/utkast/{draft}/meddelande")).text
    assert '<input id="rubrik" name="rubrik" value="Meddelande till invånare">' in page
    assert '<label for="meddelande">Meddelande</label>' in page
    for name in ("Inledning", "Information", "Avslutning"):
        assert f'aria-label="Infoga text: {name}"' in page
    assert "Vårdcentralen Centrum" in page  # texts name the sending unit
    assert '<label for="bifoga" class="button">Bifoga fil</label>' in page
    assert "Anna Ärendehanterare, sjuksköterska, Vårdcentralen Centrum" in page
    assert ">Tillbaka</button>" in page
    assert ">Skicka</button>" in page
    assert 'name="form_token"' in page


@pytest.mark.parametrize(
    ("name", "content"),
    [("brev.pdf", PDF), ("bild.png", PNG), ("foto.jpg", JPEG), ("FOTO.JPEG", JPEG)],
)
def test_bifoga_fil_should_accept_pdf_png_and_jpeg_by_content(staff: Staff, name, content):
    draft = staff.start_draft()
    response = staff.attach(draft, name, content)
    assert response.status_code == 201
    attachment = response.json["attachment"]
    assert attachment["name"] == name
    assert attachment["size"] == len(content)
    assert attachment["sha256"] == hashlib.sha256(content).hexdigest()
    assert ">Ta bort</button>" in attachment["html"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("brev.pdf", "Det här är bara text, ingen pdf.\n".encode(), "endast pdf, jpg och png"),
        ("bild.png", PDF, "endast pdf, jpg och png"),
        ("brev.docx", b"PK\x03\x04word", "endast pdf, jpg och png"),
        ("skript.pdf.exe", PDF, "endast pdf, jpg och png"),
        ("tom.pdf", b"", "Filen är tom"),
    ],
)
def test_bifoga_fil_should_refuse_other_content(staff: Staff, name, content, message):
    draft = staff.start_draft()
    response = staff.attach(draft, name, content)
    assert response.status_code == 400
    assert message in response.json["error"]
    assert "attachment" not in response.json


def test_bifoga_fil_should_refuse_a_file_above_the_limit(make_app):
    from tests.mock.mock_kit import Staff as Person

    person = Person(make_app(MAX_ATTACHMENT_BYTES=2000).test_client())
    person.login()
    draft = person.start_draft()
    assert person.attach(draft, "liten.pdf", PDF[:1999]).status_code == 201
    response = person.attach(draft, "stor.pdf", PDF + b"0" * 2000)
    assert response.status_code == 400
    assert response.json["error"].startswith("Filen är för stor")
    huge = person.attach(draft, "enorm.pdf", PDF + b"0" * (2 * 1024 * 1024))
    assert huge.status_code == 413
    assert huge.json["error"].startswith("Filen är för stor")


def test_bifoga_fil_should_default_to_a_10_mb_limit(staff: Staff):
    limit = 10 * 1024 * 1024
    draft = staff.start_draft()
    assert staff.attach(draft, "precis.pdf", PDF + b"0" * (limit - len(PDF))).status_code == 201
    response = staff.attach(draft, "over.pdf", PDF + b"0" * (limit + 1 - len(PDF)))
    assert response.status_code == 400
    assert response.json["error"] == "Filen är för stor: högst 10 MB"


def test_skicka_should_carry_several_attachments_to_every_arende(staff: Staff, client):
    files = [("brev.pdf", PDF), ("bild.png", PNG), ("foto.jpg", JPEG)]
    draft = staff.start_draft()
    staff.add(draft, OK)
    staff.add(draft, OK2)
    for name, content in files:
        assert staff.attach(draft, name, content).status_code == 201
    step3 = staff.client.get(staff.u(f"/utkast/{draft}/meddelande")).text
    listed = step3.split('aria-label="Bifogade filer">')[1].split("</ul>")[0]
    assert re.findall(r'<span class="file-name">([^<]+)</span>', listed) == [name for name, _ in files]
    staff.send(draft)
    expected = [{"name": n, "size": len(c), "sha256": hashlib.sha256(c).hexdigest()} for n, c in files]
    assert [a["attachments"] for a in client.get("/__qa__/sent").json] == [expected, expected]


def test_ta_bort_should_remove_an_attachment(staff: Staff):
    draft = staff.start_draft()
    first = staff.attach(draft, "a.pdf", PDF).json["attachment"]["id"]
    staff.attach(draft, "b.png", PNG)
    assert staff.api("DELETE", f"/api/enhet/vc-centrum/utkast/{draft}/bilagor/{first}").status_code == 200
    page = staff.client.get(staff.u(f"/utkast/{draft}/meddelande")).text
    assert "b.png" in page
    assert "a.pdf" not in page


def test_skicka_should_create_one_arende_per_recipient_and_show_the_receipt(staff: Staff, client):
    draft = staff.start_draft()
    staff.add(draft, OK)
    staff.add(draft, OK2)
    staff.attach(draft, "information.pdf", PDF)
    response = staff.send(draft, text="Inledning\n\nAvslutning")
    assert response.status_code == 303
    assert response.location.endswith(f"/utkast/{draft}/kvitto")
    receipt = client.get(response.location).text
    assert "<h1>Ärendet har skickats</h1>" in receipt
    assert 'aria-label="Skickade ärenden"' in receipt
    sent = client.get("/__qa__/sent").json
    assert [a["pnr"] for a in sent] == [OK, OK2]
    for arende in sent:
        assert re.fullmatch(r"A-\d{6}", arende["arende_id"])
        assert f"<td>{_display(arende['pnr'])}</td><td>{arende['arende_id']}</td>" in receipt
        assert arende["status"] == "Oläst av invånare"
        assert arende["text"] == "Inledning\n\nAvslutning"
        assert arende["template"] == arende["subject"] == "Meddelande till invånare"
        assert arende["sent_by"] == "SE2321000016-A001"
        assert arende["unit"] == "vc-centrum"
        assert arende["attachments"] == [
            {"name": "information.pdf", "size": len(PDF), "sha256": hashlib.sha256(PDF).hexdigest()}
        ]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", arende["sent_at"])
    assert len({a["arende_id"] for a in sent}) == 2


@pytest.mark.parametrize("outcome", ["sent", "nothing_sent"])
def test_receipt_should_link_back_to_mina_arenden_and_skicka_arende(staff: Staff, client, outcome):
    draft = staff.start_draft()
    staff.add(draft, OK)
    if outcome == "nothing_sent":
        client.put(f"/__qa__/citizens/{OK}", json={"login": "locked"})
    receipt = client.get(staff.send(draft).location).text
    main = receipt.split("<main>")[1].split("</main>")[0]  # the receipt itself, not the navigation
    assert '<a href="/enhet/vc-centrum/mina-arenden" class="button">Till Mina ärenden</a>' in main
    assert '<a href="/enhet/vc-centrum/skicka-arende" class="button primary">Skicka ärende</a>' in main
    assert client.get("/enhet/vc-centrum/mina-arenden").status_code == 200
    assert client.get("/enhet/vc-centrum/skicka-arende").status_code == 200


def test_skicka_twice_with_the_same_form_token_should_send_once(staff: Staff, client):
    draft = staff.start_draft()
    staff.add(draft, OK)
    token = staff.form_token(draft)
    data = {"rubrik": "R", "meddelande": "Hej", "action": "skicka", "form_token": token}
    first = staff.post(staff.u(f"/utkast/{draft}/meddelande"), data)
    second = staff.post(staff.u(f"/utkast/{draft}/meddelande"), data)
    assert first.status_code == 303
    assert second.status_code == 303
    assert second.location == first.location
    assert len(client.get("/__qa__/sent").json) == 1


def test_skicka_with_a_wrong_form_token_should_answer_400(staff: Staff, client):
    draft = staff.start_draft()
    staff.add(draft, OK)
    response = staff.post(
        staff.u(f"/utkast/{draft}/meddelande"), {"rubrik": "R", "meddelande": "Hej", "form_token": "fel"}
    )
    assert response.status_code == 400
    assert client.get("/__qa__/sent").json == []


def test_skicka_should_recheck_each_recipient_against_the_current_state(staff: Staff, client):
    draft = staff.start_draft()
    staff.add(draft, OK)
    staff.add(draft, OK2)
    client.put(f"/__qa__/citizens/{OK2}", json={"login": "locked"})
    receipt = client.get(staff.send(draft).location).text
    assert [a["pnr"] for a in client.get("/__qa__/sent").json] == [OK]
    assert "<h2>Ej skickat</h2>" in receipt
    assert f"<td>{_display(OK2)}</td><td>Invånarens inloggning är spärrad</td>" in receipt


def test_skicka_should_report_nothing_sent_when_every_recipient_fails_the_recheck(staff: Staff, client):
    draft = staff.start_draft()
    staff.add(draft, OK)
    client.put(f"/__qa__/citizens/{OK}", json={"notify": []})
    receipt = client.get(staff.send(draft).location).text
    assert "<h1>Inget ärende har skickats</h1>" in receipt
    assert client.get("/__qa__/sent").json == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"meddelande": "   "}, "Skriv ett meddelande innan du skickar"),
        ({"rubrik": ""}, "Ange en rubrik"),
    ],
)
def test_skicka_should_refuse_an_empty_message_or_subject(staff: Staff, client, data, message):
    draft = staff.start_draft()
    staff.add(draft, OK)
    response = staff.send(draft, **data)
    assert response.status_code == 400
    assert f'role="alert">{message}</p>' in response.text
    assert client.get("/__qa__/sent").json == []


def test_skicka_should_refuse_a_draft_without_recipients(staff: Staff, client):
    response = staff.send(staff.start_draft())
    assert response.status_code == 400
    assert "Utskicket har inga mottagare" in response.text
    assert client.get("/__qa__/sent").json == []


def test_tillbaka_should_keep_the_typed_message(staff: Staff):
    draft = staff.start_draft()
    staff.add(draft, OK)
    response = staff.send(draft, text="Mitt utkast", action="tillbaka")
    assert response.location.endswith(f"/utkast/{draft}/mottagare")
    assert ">Mitt utkast</textarea>" in staff.client.get(staff.u(f"/utkast/{draft}/meddelande")).text


def test_a_sent_draft_should_lead_to_its_receipt(staff: Staff):
    draft = staff.send_to(OK)
    for step in ("mottagare", "meddelande"):
        response = staff.client.get(staff.u(f"/utkast/{draft}/{step}"))
        assert response.location.endswith(f"/utkast/{draft}/kvitto")
    assert staff.add(draft, OK2).status_code == 409


def test_mina_arenden_should_list_the_users_sent_arenden(staff: Staff, client):
    staff.send_to(OK)
    page = client.get(staff.u("/mina-arenden")).text
    assert "<h1>Mina ärenden</h1>" in page
    assert ">Skicka ärende</a>" in page
    assert _display(OK) in page
    assert client.get("/__qa__/sent").json[0]["arende_id"] in page
