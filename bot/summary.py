"""The Swedish words for outcomes, and the summary a case handler reads at the end of a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

REASONS_SV = {
    "no_notification": "saknar avisering (SMS eller e-post)",
    "never_logged_in": "har aldrig loggat in på 1177",
    "login_locked": "spärrad inloggning",
    "deceased": "avliden eller avregistrerad",
    "cannot_log_in": "samordnings- eller reservnummer (kan inte logga in)",
    "rejected_at_send": "nekades när ärendet skickades",
}

STATES_SV = {
    "pending": "väntar",
    "sending": "skickas",
    "sent": "skickade",
    "not_reachable": "ej nåbara",
    "invalid": "ogiltiga",
    "failed": "misslyckade (systemfel)",
    "in_doubt": "osäkra (kontrolleras vid nästa körning)",
}


def reason_sv(code: str) -> str:
    """The Swedish text for a not-reachable reason code."""
    return REASONS_SV.get(code, code)


@dataclass
class RunSummary:
    """What a run did and where its files are."""

    campaign: str
    exit_code: int = 0
    message: str = ""
    dry_run: bool = False
    declined: bool = False  # the case handler said no, or pressed Ctrl-C/Ctrl-D, at the prompt: nothing sent
    counts: dict[str, int] = field(default_factory=dict)
    sent_this_run: int = 0
    would_send: int = 0
    not_reachable: dict[str, int] = field(default_factory=dict)
    rejected_in_delivery: int = 0
    already_received_earlier: int = 0  # reached by the campaign this one continues: not sent again
    seconds: float = 0.0
    log_file: Path | None = None
    artifacts: Path | None = None
    reports: list[Path] = field(default_factory=list)
    preview_text: str = ""
    sender: str = ""  # who the staff tool showed as signed in (empty: not read)
    staff_tool_unanswered: int = 0  # sends given up because Personalverktyget did not answer
    last_system_error: str = ""  # the Swedish text of the last system error a send was given up for
    guideline: dict | None = None  # the guideline checklist of the composed message (bot.guideline)
    guideline_text: str = ""


def format_summary(s: RunSummary) -> str:
    """The end-of-run summary in Swedish."""
    lines = [f"Sammanfattning för kampanjen '{s.campaign}'" + (" (provkörning, inget skickades)" if s.dry_run else "")]
    if s.dry_run:
        lines.append(f"  Skulle skickas: {s.would_send}")
    else:
        lines.append(f"  Skickade i denna körning: {s.sent_this_run}")
    if s.sender:
        lines.append(f"  Inloggad i Personalverktyget (avsändare): {s.sender}")
    if s.counts:
        lines.append("  Hela kampanjen: " + ", ".join(f"{STATES_SV.get(k, k)} {v}" for k, v in s.counts.items() if v))
    if s.staff_tool_unanswered:
        lines.append(
            f"  Personalverktyget svarade inte: {s.staff_tool_unanswered} sändningar gavs upp efter alla försök "
            f"(senaste felet: {s.last_system_error.rstrip('.')}). Kontrollera att Personalverktyget är uppe."
        )
    if s.not_reachable:
        lines.append("  Kunde inte nås (kontakta på annat sätt):")
        lines.extend(f"    {reason_sv(code)}: {n}" for code, n in sorted(s.not_reachable.items()))
    if s.already_received_earlier:
        lines.append(
            f"  Har redan fått meddelandet i kampanjen som fortsätts (får inget nytt): {s.already_received_earlier}"
        )
    if s.rejected_in_delivery:
        lines.append(f"  Ogiltiga rader i leveransen: {s.rejected_in_delivery}")
    lines.append(f"  Tid: {s.seconds:.1f} s")
    if s.log_file:
        lines.append(f"  Logg: {s.log_file}")
    if s.artifacts and s.artifacts.exists() and any(s.artifacts.iterdir()):
        lines.append(f"  Skärmbilder och spår från fel: {s.artifacts}")
    for report in s.reports:
        lines.append(f"  Rapport: {report}")
    if s.message:
        lines.append("")
        lines.append(s.message)
    return "\n".join(lines)
