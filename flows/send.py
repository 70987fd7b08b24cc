"""Send one ärende to one or more citizens (mode single: one; mode batch: up to 250), through the documented
clicks: Skicka ärende → Välj mall → Gå vidare → Personnummer → Lägg till → check → Nästa → Infoga text →
Bifoga fil → Skicka → receipt.

`before_send` is called with the personnummer about to be sent right before the click on Skicka: the runner
commits them as `sending` there. Whatever fails after that call is in doubt, never retried on a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import PreflightFailed, SelectorError
from flows.actions import run_action
from flows.recipients import ADD_ATTEMPTS, classify_check, prepare_recipients, remove_recipient
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
    add_attempts: int = ADD_ATTEMPTS  # rounds of Lägg till for a number whose add fails


@dataclass
class SendOutcome:
    """What the tool said: ärende-ids per sent citizen, reasons per unreachable one, the citizens that could not
    be added to the list (why, in Swedish; they were not part of this send), and the composed text."""

    sent: dict[str, str] = field(default_factory=dict)
    not_reachable: dict[str, tuple[str, str]] = field(default_factory=dict)
    not_added: dict[str, str] = field(default_factory=dict)
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
    screen.begin_step("open_wizard")
    open_wizard(screen)
    screen.begin_step("step1")
    choose_template(screen, request.message.template, verify=request.verify)
    recipients = prepare_recipients(screen, request.pnrs, request.add_attempts)
    outcome.not_added = recipients.not_added
    outcome.markers.update(recipients.markers)
    reachable = [p for p in request.pnrs if recipients.checked.get(p, ("",))[0] == "ok"]
    screen.begin_step("step2.remove")
    for pnr, result in recipients.checked.items():
        if result[0] != "ok":
            outcome.not_reachable[pnr] = result
            remove_recipient(screen, pnr)
    if not reachable:
        return outcome
    screen.begin_step("step2.next")
    screen.click_through("step2.next", "step3.message")
    screen.begin_step("step3")
    outcome.composed_text = compose(screen, request.message, verify=request.verify)
    screen.begin_step("before_send")
    run_action(screen, "before_send")
    if request.dry_run:
        outcome.would_send = reachable
        return outcome
    request.before_send(reachable)
    outcome.clicked_send = True
    screen.begin_step("step3.send")
    run_action(screen, "send")
    shown = screen.wait_first("receipt.heading", "receipt.nothing_sent")
    read_receipt(screen, reachable, outcome, anything_sent=shown == "receipt.heading")
    screen.at_receipt = True
    return outcome


def open_wizard(screen: Screen) -> None:
    """Reach step 1: from a receipt take its Skicka ärende link, as a person would, else go via Mina ärenden."""
    if screen.at_receipt or screen.is_visible("receipt.send_another"):
        screen.at_receipt = False
        screen.click_through("receipt.send_another", "step1.template")
        return
    if not screen.is_visible("my_cases.send_case"):
        screen.click_through("nav.my_cases", "my_cases.send_case")
    screen.click_through("my_cases.send_case", "step1.template")


def choose_template(screen: Screen, template: str, verify: bool = True) -> None:
    """Välj mall, then Gå vidare; a template the unit does not offer stops the run before anything is sent."""
    options = screen.options("step1.template") if verify else [template]
    if template not in options:
        raise PreflightFailed(
            f"Mallen '{template}' finns inte bland mottagningens aktiva mallar ({', '.join(options) or 'inga'}). "
            "Be lokal administratör att aktivera den."
        )
    run_action(screen, "choose_template", template=template)
    screen.click_through(
        "step1.next", "step2.pnr", fill_form=lambda: run_action(screen, "choose_template", template=template)
    )


def compose(screen: Screen, message: Message, verify: bool = True) -> str:
    """Insert the template texts in order, append the extra text, attach the files; return the message text."""
    verify_texts = verify and _clicks(screen, "insert_text", "step3.insert_text")
    for name in message.texts:
        if verify_texts and screen.el("step3.insert_text", text_name=name).count() == 0:
            if screen.el("step3.any_insert_text").count() > 0:
                prefix = str(screen.selectors.entry("step3.any_insert_text").get("name", ""))
                texts = shown_names(screen, "step3.any_insert_text", prefix=prefix)
                raise PreflightFailed(
                    f"Mallen saknar texten '{name}'. Mallens texter: {', '.join(texts)}. "
                    "Rätta message.texts i kampanjfilen."
                )
            raise SelectorError(screen.selectors.describe("step3.insert_text"))
        run_action(screen, "insert_text", text_name=name)
    if message.extra_text:
        with screen.step("step3.message"):
            field_ = screen.el("step3.message")
            current = field_.input_value()
            field_.fill(f"{current}\n\n{message.extra_text}" if current else message.extra_text)
    for attachment in message.attachments:
        attach_file(screen, attachment)
    if not verify:
        return ""  # the composed text is only read for the preview, which the preflight makes
    with screen.step("step3.message"):
        return screen.el("step3.message").input_value()


def _clicks(screen: Screen, action: str, key: str) -> bool:
    """True when the action clicks `key` itself: the texts it may insert can then be looked for by name up front
    (a text behind a menu shows only once the menu is open)."""
    return any(step.get("click") == key for step in screen.selectors.action(action))


def read_receipt(screen: Screen, pnrs: Sequence[str], outcome: SendOutcome, anything_sent: bool = True) -> None:
    """Fill `outcome` from the receipt: ärende-id per sent citizen, the re-check's refusals, the rest unconfirmed."""
    by_display = {screen.display_pnr(p): p for p in pnrs}
    for row in screen.read_records("receipt.sent") if anything_sent else []:
        pnr = by_display.get(row.get("pnr", ""))
        if pnr and row.get("arende_id"):
            outcome.sent[pnr] = row["arende_id"]
    refusals_shown = screen.selectors.has("receipt.refused") and screen.is_visible("receipt.not_sent")
    if len(outcome.sent) < len(pnrs) and refusals_shown:
        patterns = screen.selectors.check_results()
        for row in screen.read_records("receipt.refused"):
            pnr = by_display.get(row.get("pnr", ""))
            if pnr and pnr not in outcome.sent:
                text = row.get("reason", "")
                reason = classify_check(text, patterns)
                outcome.not_reachable[pnr] = reason if reason[0] != "ok" else ("rejected_at_send", text)
    outcome.unconfirmed = [p for p in pnrs if p not in outcome.sent and p not in outcome.not_reachable]


def attach_file(screen: Screen, attachment: Path, attempts: int = ADD_ATTEMPTS) -> None:
    """Bifoga fil until the file is listed; an upload the tool failed to answer is tried again on its own."""
    for attempt in range(1, attempts + 1):
        screen.begin_step(f"step3.attach ({attachment.name}, försök {attempt})")
        run_action(screen, "attach_file", files=[attachment], file_name=attachment.name)
        shown = screen.wait_first("step3.attached", "step3.attachment_error", fmt={"file_name": attachment.name})
        if shown == "step3.attached":
            return
        if not screen.server_failed():
            error = screen.el("step3.attachment_error").first.inner_text()
            raise PreflightFailed(f"Personalverktyget nekade bilagan {attachment.name}: {error}")
    raise screen.diagnose("step3.attach")
