"""The question before an interactive run sends: what will be sent (campaign, unit, template, texts,
attachments, how many citizens, the composed message) and the case handler's answer. Unattended runs and dry
runs are not asked."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Campaign

ABORTED_AT_PROMPT = "Avbrutet – inget skickades."


def confirmation_text(campaign: Campaign, total: int, preview: str) -> str:
    """The Swedish text shown before the question."""
    c = campaign
    lines = [
        f"Kampanj: {c.name}",
        f"Mottagning: {c.unit}    Mall: {c.template}    Läge: {c.mode}",
        f"Texter i ordning: {', '.join(c.texts) or '(inga)'}",
        f"Bilagor: {', '.join(p.name for p in c.attachments) or '(inga)'}",
        f"Invånare att skicka till nu: {total}",
        "",
        "Förhandsvisning av meddelandet:",
        "  " + (preview or "(kunde inte visas)").replace("\n", "\n  "),
    ]
    return "\n".join(lines)


def ask(confirm: Callable[[str], bool] | None, campaign: Campaign, total: int, preview: str, *, dry_run: bool) -> bool:
    """True to send: no one to ask (unattended), a dry run, or a yes; Ctrl-C and Ctrl-D reach the caller."""
    if not confirm or dry_run:
        return True
    return confirm(confirmation_text(campaign, total, preview))
