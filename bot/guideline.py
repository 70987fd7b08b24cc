"""The region's guideline for omvänt ärendeflöde as a checklist of one composed message: the sending unit,
purpose, replies and questions stated in the text, the campaign's kind, and accessible attachments.

The text checked is the message as Personalverktyget composed it (the preview); without it (validate reads
no browser) the text points are marked as checked in the preview, never as met.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from bot.config import Campaign
from bot.errors import ConfigError

# The guideline's own wording, quoted in each point's explanation.
RULE_SV = "Meddelandet ska tydligt ange vilken mottagning/vårdenhet som skickar det"
PURPOSE_SV = "vad meddelandet gäller"
REPLIES_SV = "hur eventuella svar kommer att användas"
QUESTIONS_SV = "vart invånaren vänder sig med frågor"
ATTACHMENT_SV = "Bifogade dokument ska vara tillgänglighetsanpassade"
IMAGE_SV = "Bilagor gör meddelanden svårare att läsa; text i meddelandet är bättre än en bild"

MET, NOT_MET, UNCHECKED = "met", "not_met", "unchecked"
STATUS_SV = {MET: "uppfylld", NOT_MET: "inte uppfylld", UNCHECKED: "kontrolleras i förhandsgranskningen"}


@dataclass(frozen=True)
class Point:
    """One point of the checklist: what it checks, its outcome and a Swedish explanation."""

    key: str
    title: str
    status: str
    explanation: str
    blocking: bool = False  # unmet stops the send whatever the strictness (region_info without Inera's approval)


@dataclass(frozen=True)
class Checklist:
    """The guideline checklist of one message, with the region's strictness."""

    points: tuple[Point, ...]
    required: bool

    def unmet(self) -> list[Point]:
        """The points not met."""
        return [p for p in self.points if p.status == NOT_MET]

    def refusal(self) -> str | None:
        """The Swedish input error when the message may not be sent, naming each unmet point; else None."""
        stopping = [p for p in self.unmet() if self.required or p.blocking]
        if not stopping:
            return None
        lines = "\n".join(f"- {p.title}: {p.explanation}" for p in stopping)
        return f"Meddelandet uppfyller inte riktlinjen för omvänt ärendeflöde; inget har skickats.\n{lines}"

    def to_dict(self) -> dict:
        """The JSON form the --json outputs, the approval and the report carry."""
        return {"required": self.required, "points": [asdict(p) for p in self.points]}

    def describe(self) -> str:
        """The checklist as Swedish lines for the terminal."""
        mode = "krav" if self.required else "varningar"
        lines = [f"Riktlinje för omvänt ärendeflöde ({mode}):"]
        marks = {MET: "[x]", NOT_MET: "[ ]", UNCHECKED: "[?]"}
        lines += [f"  {marks[p.status]} {p.title}: {p.explanation}" for p in self.points]
        return "\n".join(lines)


def check(campaign: Campaign, text: str | None) -> Checklist:
    """The checklist of the campaign's message; `text` is the composed message, None when not yet read."""
    points = [_unit(campaign, text)]
    for key, title, phrase, wording, toml_key in (
        ("purpose", "Syfte", campaign.guideline_purpose, PURPOSE_SV, "message.guideline.purpose"),
        ("replies", "Svar", campaign.guideline_replies, REPLIES_SV, "message.guideline.replies"),
        ("questions", "Frågor", campaign.guideline_questions, QUESTIONS_SV, "message.guideline.questions"),
    ):
        points.append(_declared(key, title, phrase, wording, toml_key, text))
    points.append(_kind(campaign))
    points += [check_attachment(path) for path in campaign.attachments]
    return Checklist(tuple(points), campaign.guideline_required)


def _contains(text: str, phrase: str) -> bool:
    return " ".join(phrase.casefold().split()) in " ".join(text.casefold().split())


def _unit(campaign: Campaign, text: str | None) -> Point:
    names = [n for n in dict.fromkeys((campaign.unit, campaign.sender_unit)) if n]
    rule = f"«{RULE_SV}.»"
    if text is None:
        return Point("unit", "Avsändande enhet", UNCHECKED, f"{rule} Texten läses i förhandsgranskningen.")
    found = next((n for n in names if _contains(text, n)), None)
    if found:
        return Point("unit", "Avsändande enhet", MET, f"{rule} Texten nämner «{found}».")
    wanted = " eller ".join(f"«{n}»" for n in names)
    return Point("unit", "Avsändande enhet", NOT_MET, f"{rule} Texten nämner inte {wanted} (message.unit).")


def _declared(key: str, title: str, phrase: str, wording: str, toml_key: str, text: str | None) -> Point:
    rule = f"«{RULE_SV}, {wording}.»"
    if not phrase:
        return Point(key, title, NOT_MET, f"{rule} Ange en kort fras i '{toml_key}' i kampanjfilen.")
    if text is None:
        return Point(key, title, UNCHECKED, f"{rule} Frasen «{phrase}» söks i förhandsgranskningen.")
    if _contains(text, phrase):
        return Point(key, title, MET, f"{rule} Texten innehåller «{phrase}».")
    return Point(key, title, NOT_MET, f"{rule} Texten innehåller inte «{phrase}» ('{toml_key}').")


def _kind(campaign: Campaign) -> Point:
    if campaign.kind == "kallelse":
        return Point("kind", "Typ av utskick", MET, "Kallelse till screening eller vaccination är tillåten.")
    if campaign.kind == "region_info":
        rule = (
            "«Regionövergripande hälso- eller krisinformation ska anmälas till Inera och godkännas innan den skickas.»"
        )
        if campaign.inera_approval:
            return Point("kind", "Typ av utskick", MET, f"{rule} Ineras godkännande: {campaign.inera_approval}.")
        return Point(
            "kind", "Typ av utskick", NOT_MET, f"{rule} Ange referensen i 'campaign.inera_approval'.", blocking=True
        )
    return Point(
        "kind",
        "Typ av utskick",
        MET,
        "«Meddelandet ska komma från en mottagning som invånaren har en vårdrelation med.» Utskicket gäller "
        'en pågående vårdrelation (campaign.kind = "care"); massutskick av allmän information hör inte hit.',
    )


def check_attachment(path: Path) -> Point:
    """One attachment's point: a PDF must be accessible, an image gets the advice that text is better."""
    title = f"Bilaga {path.name}"
    suffix = path.suffix.lower()
    if suffix in (".jpg", ".jpeg", ".png"):
        return Point(
            f"attachment:{path.name}", title, MET, f"«{IMAGE_SV}.» Överväg att skriva innehållet i meddelandet."
        )
    problems = pdf_problems(path)
    if problems:
        return Point(f"attachment:{path.name}", title, NOT_MET, f"«{ATTACHMENT_SV}.» " + " ".join(problems))
    return Point(
        f"attachment:{path.name}", title, MET, f"«{ATTACHMENT_SV}.» PDF:en är taggad, har språk, titel och text."
    )


def pdf_problems(path: Path) -> list[str]:
    """What keeps a PDF from being accessible, in Swedish; empty when it passes every check."""
    import pikepdf  # here: only a campaign with a PDF pays for loading it

    try:
        pdf = pikepdf.open(path)
    except (pikepdf.PdfError, OSError) as e:
        raise ConfigError(f"Bilagan {path.name} går inte att läsa som PDF.") from e
    with pdf:
        root = pdf.Root
        problems = []
        mark_info = root.get("/MarkInfo")
        if "/StructTreeRoot" not in root or mark_info is None or not bool(mark_info.get("/Marked", False)):
            problems.append("Den är inte taggad (strukturträd och MarkInfo/Marked saknas).")
        if not str(root.get("/Lang", "")).strip():
            problems.append("Dokumentets språk (/Lang) är inte angivet.")
        if not _title(pdf):
            problems.append("Dokumentet har ingen titel.")
        prefs = root.get("/ViewerPreferences")
        if prefs is None or not bool(prefs.get("/DisplayDocTitle", False)):
            problems.append("Titeln visas inte (ViewerPreferences/DisplayDocTitle saknas).")
        if not any(_has_text(page) for page in pdf.pages):
            problems.append("Den har ingen riktig text, bara bilder (en skannad sida kan inte läsas upp).")
        return problems


def _title(pdf) -> str:
    info_title = str(pdf.docinfo.get("/Title", "")).strip() if pdf.docinfo is not None else ""
    if info_title:
        return info_title
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        return str(meta.get("dc:title", "") or "").strip()


def _has_text(page) -> bool:
    import pikepdf

    fonts = page.obj.get("/Resources", {}).get("/Font") if "/Resources" in page.obj else None
    if not fonts:
        return False
    return any(str(op) in ("Tj", "TJ", "'", '"') for _, op in pikepdf.parse_content_stream(page))
