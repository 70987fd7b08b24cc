"""The guideline checklist (issue 26): each point met and not met, PDFs built with pikepdf to fail each check,
and the region's strictness."""

from __future__ import annotations

import shutil
from pathlib import Path

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String

from bot.config import load_campaign
from bot.errors import ConfigError
from bot.guideline import MET, NOT_MET, UNCHECKED, check, check_attachment, pdf_problems

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "fixtures" / "demo"
# As Personalverktyget composes the demo's texts (mock seed: Provsvar klart + Kontakt).
COMPOSED = (
    "Hej! Vårdcentralen Centrum meddelar att ditt provsvar är klart. Svar på det här meddelandet läses av "
    "vårdpersonal på Vårdcentralen Centrum och kan journalföras. Har du frågor om provsvaret kan du kontakta "
    "Vårdcentralen Centrum via 1177."
)


def _campaign(tmp_path: Path, *, replace: tuple[str, str] = ("", ""), append: str = "") -> Path:
    shutil.copy(DEMO / "information.pdf", tmp_path / "information.pdf")
    text = (DEMO / "campaign.toml").read_text(encoding="utf-8")
    if replace[0]:
        assert replace[0] in text
        text = text.replace(replace[0], replace[1])
    (tmp_path / "campaign.toml").write_text(text + append, encoding="utf-8")
    return tmp_path / "campaign.toml"


def _status(checklist, key: str) -> str:
    return next(p.status for p in checklist.points if p.key == key)


def _pdf(path: Path, *, tagged=True, lang=True, title=True, shown=True, text=True) -> Path:
    """A one-page PDF that is accessible except for the points switched off."""
    pdf = pikepdf.new()
    page = pdf.add_blank_page()
    if text:
        page.obj.Resources = Dictionary(
            Font=Dictionary(F1=Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))
        )
        page.obj.Contents = pdf.make_stream(b"/P <</MCID 0>> BDC BT /F1 12 Tf 72 720 Td (Provsvar) Tj ET EMC")
    else:
        page.obj.Contents = pdf.make_stream(b"q 100 0 0 100 72 600 cm 0 0 1 rg 0 0 1 1 re f Q")
    if tagged:
        tree = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
        tree.K = Array([pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, P=tree))])
        pdf.Root.StructTreeRoot = tree
        pdf.Root.MarkInfo = Dictionary(Marked=True)
    if lang:
        pdf.Root.Lang = String("sv-SE")
    if title:
        pdf.docinfo["/Title"] = "Information om provsvar"
    if shown:
        pdf.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    pdf.save(path)
    return path


def test_guideline_should_meet_every_point_for_the_demo_message(tmp_path: Path):
    checklist = check(load_campaign(_campaign(tmp_path)), COMPOSED)
    assert [p.status for p in checklist.points] == [MET] * len(checklist.points)
    assert {p.key for p in checklist.points} == {
        "unit",
        "purpose",
        "replies",
        "questions",
        "kind",
        "attachment:information.pdf",
    }
    assert checklist.refusal() is None


@pytest.mark.parametrize(
    ("key", "composed"),
    [
        ("unit", COMPOSED.replace("Vårdcentralen Centrum", "mottagningen")),
        ("purpose", COMPOSED.replace("ditt provsvar är klart", "det finns nytt")),
        ("replies", COMPOSED.replace("läses av vårdpersonal", "sparas")),
        ("questions", COMPOSED.replace("Har du frågor", "Undrar du något")),
    ],
)
def test_guideline_should_flag_a_text_point_missing_from_the_composed_message(tmp_path: Path, key, composed):
    checklist = check(load_campaign(_campaign(tmp_path)), composed)
    assert _status(checklist, key) == NOT_MET
    assert [p.key for p in checklist.unmet()] == [key]
    assert checklist.refusal() is None  # warnings only without [guideline] required


def test_guideline_should_name_the_key_when_a_phrase_is_not_declared(tmp_path: Path):
    checklist = check(load_campaign(_campaign(tmp_path, replace=('replies = "läses av vårdpersonal"\n', ""))), COMPOSED)
    point = next(p for p in checklist.points if p.key == "replies")
    assert point.status == NOT_MET and "message.guideline.replies" in point.explanation


def test_guideline_should_leave_text_points_to_the_preview_when_no_text_is_read(tmp_path: Path):
    checklist = check(load_campaign(_campaign(tmp_path)), None)
    assert [_status(checklist, k) for k in ("unit", "purpose", "replies", "questions")] == [UNCHECKED] * 4


def test_guideline_required_should_refuse_naming_each_unmet_point(tmp_path: Path):
    campaign = load_campaign(_campaign(tmp_path, append="\n[guideline]\nrequired = true\n"))
    refusal = check(
        campaign, COMPOSED.replace("Har du frågor", "Undrar du").replace("läses av vårdpersonal", "x")
    ).refusal()
    assert refusal is not None and "Svar:" in refusal and "Frågor:" in refusal and "Syfte" not in refusal


@pytest.mark.parametrize(
    ("kind", "approval", "status"),
    [("care", "", MET), ("kallelse", "", MET), ("region_info", "", NOT_MET), ("region_info", "INERA-2026-17", MET)],
)
def test_guideline_kind_should_need_ineras_approval_for_region_information(tmp_path: Path, kind, approval, status):
    extra = f'kind = "{kind}"\n' + (f'inera_approval = "{approval}"\n' if approval else "")
    campaign = load_campaign(_campaign(tmp_path, replace=("[campaign]\n", "[campaign]\n" + extra)))
    checklist = check(campaign, COMPOSED)
    assert _status(checklist, "kind") == status
    assert (checklist.refusal() is not None) == (status == NOT_MET)  # blocking even without required


def test_config_should_refuse_an_unknown_campaign_kind_naming_the_key(tmp_path: Path):
    with pytest.raises(ConfigError, match="campaign.kind"):
        load_campaign(_campaign(tmp_path, replace=("[campaign]\n", '[campaign]\nkind = "nyhetsbrev"\n')))


def test_config_should_refuse_an_unknown_guideline_key(tmp_path: Path):
    with pytest.raises(ConfigError, match="tone"):
        load_campaign(_campaign(tmp_path, replace=("[message.guideline]\n", '[message.guideline]\ntone = "vänlig"\n')))


def test_pdf_check_should_pass_the_demo_attachment():
    assert pdf_problems(DEMO / "information.pdf") == []


def test_pdf_check_should_pass_a_fully_accessible_pdf(tmp_path: Path):
    assert pdf_problems(_pdf(tmp_path / "ok.pdf")) == []


def test_pdf_check_should_accept_an_xmp_title(tmp_path: Path):
    path = _pdf(tmp_path / "xmp.pdf", title=False)
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        with pdf.open_metadata() as meta:
            meta["dc:title"] = "Information om provsvar"
        pdf.save(path)
    assert pdf_problems(path) == []


@pytest.mark.parametrize(
    ("missing", "words"),
    [
        ({"tagged": False}, "taggad"),
        ({"lang": False}, "/Lang"),
        ({"title": False}, "ingen titel"),
        ({"shown": False}, "DisplayDocTitle"),
        ({"text": False}, "bara bilder"),
    ],
)
def test_pdf_check_should_flag_each_missing_accessibility_point(tmp_path: Path, missing, words):
    problems = pdf_problems(_pdf(tmp_path / "bad.pdf", **missing))
    assert len(problems) == 1 and words in problems[0]
    assert check_attachment(tmp_path / "bad.pdf").status == NOT_MET


def test_image_attachment_should_get_the_advice_that_text_is_better(tmp_path: Path):
    point = check_attachment(tmp_path / "bild.png")
    assert point.status == MET and "text i meddelandet är bättre" in point.explanation
