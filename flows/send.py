"""Send one ärende to one or more citizens (mode single: one; mode batch: up to 250), through the documented
clicks: Skicka ärende → Välj mall → Gå vidare → Personnummer → Lägg till → check → Nästa → Infoga text →
Bifoga fil → Skicka → receipt.

`before_send` is called with the personnummer about to be sent right before the click on Skicka: the runner
commits them as `sending` there. Whatever fails after that call is in doubt, never retried on a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import expect

from bot.errors import PreflightFailed, SelectorError, UtskickError
from bot.pnr import scrub
from flows.screen import Screen, shown_names

MAX_RECIPIENTS = 250


@dataclass(frozen=True)
class Message:
    """What the campaign sends: the template, the texts to insert in order, extra text and attachments."""

    template: str
    texts: tuple[str, ...]
    extra_text: str = ""
    attachments: tuple[Path, ...] = ()


@dataclass(frozen=True)
class SendRequest:
    """One send: 1 (single) to 250 (batch) citizens, 12-digit personnummer."""

    pnrs: tuple[str, ...]
    message: Message
    before_send: Callable[[list[str]], None]
    dry_run: bool = False
    verify: bool = True  # check template and texts by name first (the preflight does; later sends may skip it)


@dataclass
class SendOutcome:
    """What the tool said: ärende-ids per sent citizen, reasons per unreachable one, and the composed text."""

    sent: dict[str, str] = field(default_factory=dict)
    not_reachable: dict[str, tuple[str, str]] = field(default_factory=dict)
    unconfirmed: list[str] = field(default_factory=list)
    would_send: list[str] = field(default_factory=list)
    composed_text: str = ""
    clicked_send: bool = False
    markers: dict[str, tuple[str, ...]] = field(default_factory=dict)  # e.g. protected_identity, per citizen


def send_case(screen: Screen, request: SendRequest) -> SendOutcome:
    """Drive one send through the wizard and read the outcome per citizen from the receipt."""
    if not 1 <= len(request.pnrs) <= MAX_RECIPIENTS:
        raise ValueError(f"en sändning har 1 till {MAX_RECIPIENTS} mottagare")
    outcome = SendOutcome()
    open_wizard(screen)
    choose_template(screen, request.message.template, verify=request.verify)
    add_recipients(screen, request.pnrs)
    checked = read_check_results(screen, request.pnrs, outcome.markers)
    reachable = [p for p in request.pnrs if checked[p][0] == "ok"]
    for pnr in request.pnrs:
        if checked[pnr][0] != "ok":
            outcome.not_reachable[pnr] = checked[pnr]
            remove_recipient(screen, pnr)
    if not reachable:
        return outcome
    screen.click("step2.next")
    screen.wait_visible("step3.message")
    outcome.composed_text = compose(screen, request.message, verify=request.verify)
    if request.dry_run:
        outcome.would_send = reachable
        return outcome
    request.before_send(reachable)
    outcome.clicked_send = True
    screen.click("step3.send")
    if screen.selectors.has("step3.confirm"):
        screen.click("step3.confirm")
    shown = screen.wait_first("receipt.heading", "receipt.nothing_sent")
    read_receipt(screen, reachable, outcome, anything_sent=shown == "receipt.heading")
    screen.at_receipt = True
    return outcome


def open_wizard(screen: Screen) -> None:
    """Reach step 1: from a receipt take its Skicka ärende link, as a person would, else go via Mina ärenden."""
    if screen.at_receipt or screen.is_visible("receipt.send_another"):
        screen.at_receipt = False
        screen.click("receipt.send_another")
    else:
        if not screen.is_visible("my_cases.send_case"):
            screen.click("nav.my_cases")
        screen.click("my_cases.send_case")
    screen.wait_visible("step1.template")


def choose_template(screen: Screen, template: str, verify: bool = True) -> None:
    """Välj mall, then Gå vidare; a template the unit does not offer stops the run before anything is sent."""
    options = screen.options("step1.template") if verify else [template]
    if template not in options:
        raise PreflightFailed(
            f"Mallen '{template}' finns inte bland mottagningens aktiva mallar ({', '.join(options) or 'inga'}). "
            "Be lokal administratör att aktivera den."
        )
    screen.choose("step1.template", template)
    screen.click("step1.next")
    screen.wait_visible("step2.pnr")


def add_recipients(screen: Screen, pnrs: Sequence[str]) -> None:
    """Type each personnummer and click Lägg till; without `step2.ready` in the data, the checks run while the
    next one is typed, with it the tool is waited for between numbers."""
    for added, pnr in enumerate(pnrs, start=1):
        screen.fill("step2.pnr", screen.display_pnr(pnr))
        screen.click("step2.add")
        if not screen.wait_ready("step2.ready", count=added, unless="step2.refused"):
            raise _refusal(screen)
    try:
        with screen.step("step2.rows"):
            expect(screen.el("step2.rows")).to_have_count(len(pnrs), timeout=screen.timeout_ms)
    except SelectorError:
        if screen.is_visible("step2.refused"):
            raise _refusal(screen) from None
        raise


def _refusal(screen: Screen) -> UtskickError:
    """What the text under Personnummer means: the tool failed (a 5xx since the click), or it refused the number."""
    if screen.server_failed():
        return screen.diagnose("step2.add")
    refused = scrub(screen.el("step2.refused").first.inner_text())
    return SelectorError("step2.refused", f"Personalverktyget nekade ett giltigt personnummer: {refused}")


def read_check_results(
    screen: Screen, pnrs: Sequence[str], markers: dict[str, tuple[str, ...]] | None = None
) -> dict[str, tuple[str, str]]:
    """Wait for every row's check result and classify it: ("ok", "") or (reason code, the tool's text).

    When `markers` is given, the facts of `[check_results_markers]` a row shows (skyddad identitet) go into it.
    """
    patterns = screen.selectors.patterns("check_results")
    has_markers = bool(screen.selectors.value("check_results_markers"))
    marker_patterns = screen.selectors.patterns("check_results_markers") if has_markers else {}
    spinner = screen.selectors.patterns("check_results_pending")["spinner"]
    with screen.step("step2.list"):
        expect(screen.el("step2.list")).not_to_contain_text(spinner, timeout=screen.timeout_ms)
    by_pnr = _check_texts(screen, pnrs)
    results: dict[str, tuple[str, str]] = {}
    for pnr in pnrs:
        text = by_pnr.get(pnr, "")
        if not any(p.search(text) for p in patterns.values()):
            # No spinner, yet no known result: wait for this row before calling it a UI change.
            any_result = re.compile("|".join(f"(?:{p.pattern})" for p in patterns.values()), re.IGNORECASE)
            screen.expect_text("step2.row", any_result, pnr=screen.display_pnr(pnr))
            text = _check_texts(screen, [pnr]).get(pnr, "")
        results[pnr] = classify_check(text, patterns)
        shown = tuple(name for name, pattern in marker_patterns.items() if pattern.search(text))
        if markers is not None and shown:
            markers[pnr] = shown
    return results


def _check_texts(screen: Screen, pnrs: Sequence[str]) -> dict[str, str]:
    """The check result text per personnummer, from the recipient records."""
    shown = {screen.display_pnr(pnr): pnr for pnr in pnrs}
    return {
        shown[row["pnr"]]: row.get("result", "")
        for row in screen.read_records("step2.recipients")
        if row.get("pnr") in shown
    }


def classify_check(text: str, patterns: dict[str, re.Pattern[str]]) -> tuple[str, str]:
    """Map a check text to a reason code; errors win over "ok" (a row may show both a login and an error)."""
    for reason, pattern in patterns.items():
        if reason != "ok" and pattern.search(text):
            return reason, " ".join(text.split())
    return "ok", ""


def remove_recipient(screen: Screen, pnr: str) -> None:
    """Ta bort on one row, and wait until the row is gone."""
    shown = screen.display_pnr(pnr)
    screen.click("step2.remove", pnr=shown)
    with screen.step("step2.row"):
        screen.el("step2.row", pnr=shown).first.wait_for(state="detached")


def compose(screen: Screen, message: Message, verify: bool = True) -> str:
    """Insert the template texts in order, append the extra text, attach the files; return the message text."""
    for name in message.texts:
        if verify and screen.el("step3.insert_text", text_name=name).count() == 0:
            if screen.el("step3.any_insert_text").count() > 0:
                prefix = str(screen.selectors.entry("step3.any_insert_text").get("name", ""))
                texts = shown_names(screen, "step3.any_insert_text", prefix=prefix)
                raise PreflightFailed(
                    f"Mallen saknar texten '{name}'. Mallens texter: {', '.join(texts)}. "
                    "Rätta message.texts i kampanjfilen."
                )
            raise SelectorError(screen.selectors.describe("step3.insert_text"))
        screen.click("step3.insert_text", text_name=name)
    if message.extra_text:
        with screen.step("step3.message"):
            field_ = screen.el("step3.message")
            current = field_.input_value()
            field_.fill(f"{current}\n\n{message.extra_text}" if current else message.extra_text)
    for attachment in message.attachments:
        screen.attach("step3.attach", [attachment])
        if screen.wait_first("step3.attached", "step3.attachment_error", fmt={"file_name": attachment.name}) != (
            "step3.attached"
        ):
            if screen.server_failed():
                raise screen.diagnose("step3.attach")
            error = screen.el("step3.attachment_error").first.inner_text()
            raise PreflightFailed(f"Personalverktyget nekade bilagan {attachment.name}: {error}")
    if not verify:
        return ""  # the composed text is only read for the preview, which the preflight makes
    with screen.step("step3.message"):
        return screen.el("step3.message").input_value()


def read_receipt(screen: Screen, pnrs: Sequence[str], outcome: SendOutcome, anything_sent: bool = True) -> None:
    """Fill `outcome` from the receipt: ärende-id per sent citizen, the re-check's refusals, the rest unconfirmed."""
    by_display = {screen.display_pnr(p): p for p in pnrs}
    for row in screen.read_records("receipt.sent") if anything_sent else []:
        pnr = by_display.get(row.get("pnr", ""))
        if pnr and row.get("arende_id"):
            outcome.sent[pnr] = row["arende_id"]
    refusals_shown = screen.selectors.has("receipt.refused") and screen.is_visible("receipt.not_sent")
    if len(outcome.sent) < len(pnrs) and refusals_shown:
        patterns = screen.selectors.patterns("check_results")
        for row in screen.read_records("receipt.refused"):
            pnr = by_display.get(row.get("pnr", ""))
            if pnr and pnr not in outcome.sent:
                text = row.get("reason", "")
                reason = classify_check(text, patterns)
                outcome.not_reachable[pnr] = reason if reason[0] != "ok" else ("rejected_at_send", text)
    outcome.unconfirmed = [p for p in pnrs if p not in outcome.sent and p not in outcome.not_reachable]
