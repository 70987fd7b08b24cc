"""Step 2 of Skicka ärende: add the recipients, read their checks, and remove rows that will not be sent.

Lägg till is clicked for every number without waiting: the checks run while the next number is typed. A number
whose add failed (no row because the request failed, a row showing a server error, a check that never
finishes) is added again on its own, up to `attempts` rounds, as a person would, without starting the batch
over. A number that still fails is removed from the list and reported as not added, so the rest of the batch
can be sent.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bot.errors import SelectorError, UnknownCheckResult
from bot.pnr import scrub
from flows.actions import run_action
from flows.field_candidates import explain_hidden, hidden_texts
from flows.readiness import page_changes, wait_page_change
from flows.screen import Screen
from flows.waits import wait_count

ADD_ATTEMPTS = 3
NOT_ADDED = "Lägg till misslyckades: Personalverktyget svarade inte eller svarade med serverfel"
CHECK_STUCK = "Kontrollen av mottagaren blev aldrig klar"
CHECK_SERVER_ERROR = "Kontrollen av mottagaren visade ett serverfel"
# A check text no pattern knows, unchanged this long with no spinner, is the tool's answer: stop and show it.
SETTLED_MS = 1000
# How long a wait for the page to change lasts at most before the texts are read again anyway.
_VALUE_LOOK_MS = 1000.0

# (reason, pattern) in the order they are tried, as `Selectors.check_results` gives them
CheckPatterns = Sequence[tuple[str, re.Pattern[str]]]


@dataclass
class Recipients:
    """The list as step 2 left it: a check result per added citizen, and why each of the others is not added."""

    checked: dict[str, tuple[str, str]] = field(default_factory=dict)
    not_added: dict[str, str] = field(default_factory=dict)
    markers: dict[str, tuple[str, ...]] = field(default_factory=dict)  # [check_results_markers] a row shows


def prepare_recipients(screen: Screen, pnrs: Sequence[str], attempts: int = ADD_ATTEMPTS) -> Recipients:
    """Add every number and read its check; numbers that fail are retried on their own, then given up."""
    result = Recipients()
    todo = list(pnrs)
    why: dict[str, str] = {}
    for round_no in range(1, attempts + 1):
        screen.begin_step("step2.add" if round_no == 1 else f"step2.add (omgång {round_no})")
        rows_before = len(_shown_rows(screen)) if round_no > 1 else 0
        type_numbers(screen, todo, rows_before)
        present = _rows_after_adds(screen, todo, rows_before)
        for pnr in todo:
            if pnr not in present:
                why[pnr] = NOT_ADDED
        checks, stuck = _read_checks(screen, [p for p in todo if p in present], result.markers)
        for pnr, reason in stuck.items():
            why[pnr] = reason
            remove_recipient(screen, pnr)
        result.checked.update(checks)
        todo = [p for p in todo if p not in checks]
        if not todo:
            break
    result.not_added = {pnr: why[pnr] for pnr in todo}
    return result


def type_numbers(screen: Screen, pnrs: Sequence[str], rows_before: int = 0) -> None:
    """Add the personnummer with `[actions] add_number`, one or `step2.numbers_at_once` at a time; without
    `step2.ready` in the data the checks run while the next number is typed, with it the tool is waited for
    between adds (one more row per number added)."""
    expected = rows_before
    at_once = numbers_at_once(screen)
    separator = screen.selectors.value("step2.numbers_separator", "\n")
    for start in range(0, len(pnrs), at_once):
        group = pnrs[start : start + at_once]
        run_action(screen, "add_number", pnr=separator.join(screen.display_pnr(pnr) for pnr in group))
        if screen.wait_ready("step2.ready", count=expected + len(group), unless="step2.refused"):
            expected += len(group)
        elif not screen.server_failed():
            raise _refusal(screen)
        # else the tool failed this add: no row, and `prepare_recipients` adds the number again on its own


def numbers_at_once(screen: Screen) -> int:
    """How many personnummer one add_number adds (`step2.numbers_at_once`, 1 by default)."""
    return int(screen.selectors.value("step2.numbers_at_once", 1))


def _refusal(screen: Screen) -> SelectorError:
    """The tool answered a valid number with a refusal under Personnummer: a person must look."""
    refused = scrub(screen.el("step2.refused").first.inner_text())
    return SelectorError("step2.refused", f"Personalverktyget nekade ett giltigt personnummer: {refused}")


def _shown_rows(screen: Screen) -> list[str]:
    with screen.step("step2.rows"):
        return screen.el("step2.rows").all_inner_texts()


def _rows_after_adds(screen: Screen, pnrs: Sequence[str], rows_before: int) -> set[str]:
    """Wait for the tool to answer every add, then for a row per accepted add; return the numbers with a row."""
    answered = screen.wait_writes_answered()
    accepted = sum(1 for status in screen.write_answers() if 200 <= status < 300)
    if numbers_at_once(screen) > 1 and accepted == len(screen.write_answers()):
        accepted = len(pnrs)  # one answer may add several rows: expect them all when no add failed
    try:  # a row is drawn just after its answer; wait for them, but a tool that draws differently is no error
        wait_count(screen.el("step2.rows"), rows_before + accepted, screen.timeout_ms)
    except PlaywrightTimeout:
        pass
    except PlaywrightError as e:
        raise screen.diagnose("step2.rows") from e
    texts = _shown_rows(screen)
    present = {p for p in pnrs if any(screen.display_pnr(p) in t for t in texts)}
    if len(present) < len(pnrs) and answered and not screen.server_failed():
        _stop_on_refusal_or_drift(screen)
    return present


def _stop_on_refusal_or_drift(screen: Screen) -> None:
    """Numbers are missing although the tool answered every add without a fault: it refused them, or the rows
    are no longer where the selectors say. Both need a person."""
    if any(400 <= status < 500 for status in screen.write_answers()) and _refusal_shown(screen):
        raise _refusal(screen)
    raise screen.diagnose("step2.rows")


def _refusal_shown(screen: Screen) -> bool:
    """The tool answered an add with 4xx: wait for it to draw its refusal (a busy page draws it late)."""
    try:
        screen.el("step2.refused").first.wait_for(state="visible", timeout=screen.timeout_ms)
    except PlaywrightTimeout:
        return False
    return True


def _read_checks(
    screen: Screen, pnrs: Sequence[str], markers: dict[str, tuple[str, ...]]
) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """Wait for the checks of these rows; return the results, and the rows to try again (stuck or server error).
    The facts of `[check_results_markers]` a row shows (skyddad identitet) go into `markers`."""
    if not pnrs:
        return {}, {}
    patterns = screen.selectors.check_results()
    has_markers = bool(screen.selectors.value("check_results_markers"))
    marker_patterns = screen.selectors.patterns("check_results_markers") if has_markers else {}
    spinner = screen.selectors.patterns("check_results_pending")["spinner"]
    server_error = screen.selectors.patterns("page_states")["server_error"]
    by_pnr = _checks_done(screen, pnrs, spinner)
    results: dict[str, tuple[str, str]] = {}
    again: dict[str, str] = {}
    for pnr in pnrs:
        text = by_pnr.get(pnr, "")
        if spinner.search(text):
            again[pnr] = CHECK_STUCK
        elif not any(p.search(text) for _, p in patterns) and server_error.search(text):
            again[pnr] = CHECK_SERVER_ERROR
        else:
            text = _known_result(screen, pnr, text, patterns)
            results[pnr] = classify_check(text, patterns)
            if shown := tuple(name for name, pattern in marker_patterns.items() if pattern.search(text)):
                markers[pnr] = shown
    return results, again


def _checks_done(screen: Screen, pnrs: Sequence[str], spinner: re.Pattern[str]) -> dict[str, str]:
    """The check texts once no row's result matches the spinner pattern any more (the rows still checking when the
    step's time is up are taken care of one by one). The result field is what counts, wherever the data reads it
    from: a spinner may be an icon named "Kontrollerar" with no text at all."""
    deadline = time.monotonic() + screen.timeout_ms / 1000
    while True:
        with screen.step("step2.list"):
            mark = page_changes(screen.page)
        texts = _check_texts(screen, pnrs)
        if not any(spinner.search(texts.get(pnr, "")) for pnr in pnrs) or time.monotonic() >= deadline:
            return texts
        _wait_page_change(screen, mark, deadline)


def _wait_page_change(screen: Screen, mark: int, deadline: float) -> None:
    """Wait for the page to change after `mark`, at most until `deadline`, for at most a second: a value the page
    sets without changing the document is seen at the latest then."""
    left_ms = min((deadline - time.monotonic()) * 1000, _VALUE_LOOK_MS)
    if left_ms <= 0:
        return
    with screen.step("step2.list"), suppress(PlaywrightTimeout):
        wait_page_change(screen.page, mark, left_ms)


def _check_texts(screen: Screen, pnrs: Sequence[str]) -> dict[str, str]:
    """The check result text per personnummer, from the recipient records."""
    shown = {screen.display_pnr(pnr): pnr for pnr in pnrs}
    return {
        shown[row["pnr"]]: row.get("result", "")
        for row in screen.read_records("step2.recipients")
        if row.get("pnr") in shown
    }


def _known_result(screen: Screen, pnr: str, text: str, patterns: CheckPatterns) -> str:
    """The row's check text; a text the patterns do not know is read again on every change of the page until it is
    known, or has stayed the same for SETTLED_MS with no spinner: then that text, not the row, is what a person
    must see."""
    spinner = screen.selectors.patterns("check_results_pending")["spinner"]
    shown = _settled_text(screen, pnr, " ".join(text.split()), patterns, spinner)
    if _is_known(shown, patterns):
        return shown
    found = hidden_texts(screen.el("step2.row", pnr=screen.display_pnr(pnr)))
    hint = explain_hidden("step2.recipients", "result", found) if found else ""
    if shown and not spinner.search(shown):
        raise UnknownCheckResult(scrub(shown), hint)
    if hint:
        raise SelectorError("step2.recipients", f"Raden visar inget kontrollresultat som text. {hint}")
    raise screen.diagnose("step2.row")


def _settled_text(screen: Screen, pnr: str, shown: str, patterns: CheckPatterns, spinner: re.Pattern[str]) -> str:
    """Read the row's check text until a pattern knows it, it stays the same for SETTLED_MS (no spinner), or the
    step's time is up."""
    deadline = time.monotonic() + screen.timeout_ms / 1000
    same_since = time.monotonic()
    while not _is_known(shown, patterns):
        pending = bool(spinner.search(shown))
        now = time.monotonic()
        if now >= deadline or (not pending and now - same_since >= SETTLED_MS / 1000):
            break
        with screen.step("step2.row"):
            mark = page_changes(screen.page)
        _wait_page_change(screen, mark, deadline if pending else min(deadline, same_since + SETTLED_MS / 1000))
        again = " ".join(_check_texts(screen, [pnr]).get(pnr, "").split())
        if again != shown:
            shown, same_since = again, time.monotonic()
    return shown


def _is_known(text: str, patterns: CheckPatterns) -> bool:
    return any(p.search(text) for _, p in patterns)


def classify_check(text: str, patterns: CheckPatterns) -> tuple[str, str]:
    """Map a check text to a reason code; errors win over "ok" (a row may show both a login and an error), and
    among errors the first pattern that matches decides (a site's own texts come first)."""
    for reason, pattern in patterns:
        if reason != "ok" and pattern.search(text):
            return reason, " ".join(text.split())
    return "ok", ""


def remove_recipient(screen: Screen, pnr: str, attempts: int = ADD_ATTEMPTS) -> None:
    """Ta bort on one row until the row is gone; a removal the tool failed to answer is clicked again."""
    shown = screen.display_pnr(pnr)
    row = screen.el("step2.row", pnr=shown).first
    for _ in range(attempts):
        with screen.step("step2.row"):
            if not row.count():
                return
        answered_before = len(screen.write_answers())
        screen.click("step2.remove", pnr=shown)
        screen.wait_writes_answered()
        answers = screen.write_answers()[answered_before:]
        if answers and not any(200 <= s < 300 or s == 404 for s in answers):
            continue  # the removal failed; the button is enabled again
        with screen.step("step2.row"):
            row.wait_for(state="detached")
        return
    raise screen.diagnose("step2.remove")
