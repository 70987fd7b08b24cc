"""Readiness: every condition of a readiness entry (or an action's wait step) in one wait, and the page's changes.

`Locator.wait_for` polls from Playwright's driver with a back-off (0, 20, 50, 100, 100, 500, 500 … ms), so a
condition that turns true after 300 ms is seen after 770. `wait_all` looks in the page instead, after every change
to it and on every animation frame: the elements are found with Playwright's locators (their role, label and name
rules), and one in-page predicate judges all conditions and the refusal together. A change that may add or swap
elements ends the in-page wait; then the locators are resolved again, and a verdict on a set of elements (gone,
count) reached on elements found before a change is confirmed once on elements found after it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from flows.waits import ms_left, playwright_ms

CONDITIONS = ("empty", "enabled", "visible", "gone", "count")


@dataclass(frozen=True)
class Condition:
    """One condition of a readiness wait: `kind` (one of CONDITIONS) on the elements `locator` finds."""

    kind: str
    locator: Locator
    count: int | None = None  # for "count"
    label: str = ""  # how messages name it, e.g. "enabled step2.add"


class ReadinessTimeout(PlaywrightTimeout):
    """`wait_all` ran out of time; `condition` is the first one that did not hold at the end."""

    def __init__(self, message: str, condition: Condition | None) -> None:
        super().__init__(message)
        self.condition = condition


# The in-page side. Playwright's rules: enabled = not a disabled form control (a disabled fieldset counts) and
# no aria-disabled="true" on it or an ancestor; visible = a non-empty box and visibility "visible"; the single
# conditions look at the first element found, as `Locator.first` does.
_STATE_JS = r"""
  const visible = el => {
    if (!el || !el.isConnected) return false;
    const style = getComputedStyle(el);
    if (style.display === 'contents') return [...el.children].some(visible);
    if (style.visibility !== 'visible' || (el.checkVisibility && !el.checkVisibility())) return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  };
  const enabled = el => !!el && el.isConnected && !el.matches(':disabled') && !el.closest('[aria-disabled="true"]');
  const holds = c => ({
    empty: () => !!c.els[0] && c.els[0].isConnected && c.els[0].value === '',
    enabled: () => enabled(c.els[0]),
    visible: () => visible(c.els[0]),
    gone: () => !c.els.some(visible),
    count: () => c.els.filter(el => el.isConnected).length === c.count,
  })[c.kind]();
"""

# Counts the page's changes (one MutationObserver per document) and names the frame's document, once.
_WATCH_JS = r"""
  const watch = () => {
    let seen = window[Symbol.for('utskick.mutations')];
    if (!seen) {
      seen = window[Symbol.for('utskick.mutations')] = { count: 0, frame: Math.random().toString(36).slice(2) };
      new MutationObserver(() => { seen.count += 1; }).observe(document,
        { subtree: true, childList: true, attributes: true, characterData: true });
    }
    return seen;
  };
"""

# Before the elements are looked for: [changes so far, the document's name].
_COUNT_JS = "() => {" + _WATCH_JS + " const seen = watch(); return [seen.count, seen.frame]; }"

# Keeps what one locator found for the in-page wait `id` (as element `index`); returns the document's name. An
# evaluate costs one round trip; ElementHandles cost one per element to adopt and one more to let go.
_FOUND = "window[Symbol.for('utskick.found')]"
_KEEP_JS = (
    "(els, [id, index]) => {" + _WATCH_JS + f" const found = {_FOUND} ??= {{}};"
    " (found[id] ??= {})[index] = els; return watch().frame; }"
)

# Resolves to "<verdict> <fresh> <mutations>": verdict ready, refused or changed; fresh 1 when nothing changed in
# the page since `since` (the elements were found after the last change). The conditions are judged after every
# change the MutationObserver reports (a tool's own script enables the button and empties the field in one task)
# and on every animation frame (changes no observer sees: a field's value, a style); "" when `timeoutMs` passes.
_WAIT_ALL_JS = (
    "(() => {"
    + _WATCH_JS
    + _STATE_JS
    + r"""
  return ({ id, kinds, counts, hasUnless, since, changedAfterMs, backstopMs, timeoutMs }) => new Promise(resolve => {
    const seen = watch();
    const found = (window[Symbol.for('utskick.found')] ?? {})[id] ?? {};
    const conditions = kinds.map((kind, i) => ({ kind, count: counts[i], els: found[i] ?? [] }));
    const unless = hasUnless ? found[kinds.length] ?? [] : [];
    const base = since ?? seen.count, started = performance.now();
    const judge = () => {
      const fresh = seen.count === base ? 1 : 0;
      const swapped = conditions.some(c => c.els.some(el => !el.isConnected)) || unless.some(el => !el.isConnected);
      if (!swapped && conditions.every(holds)) return `ready ${fresh} ${seen.count}`;
      if (!swapped && unless.length && visible(unless[0])) return `refused ${fresh} ${seen.count}`;
      const waited = performance.now() - started;
      if ((swapped || !fresh) && waited >= changedAfterMs) return `changed 0 ${seen.count}`;
      if (backstopMs && waited >= backstopMs) return `changed 0 ${seen.count}`;
      return '';
    };
    let done = false;
    const finish = verdict => {
      done = true;
      observer.disconnect();
      clearTimeout(timer);
      delete (window[Symbol.for('utskick.found')] ?? {})[id];
      resolve(verdict);
    };
    const look = () => { if (!done) { const verdict = judge(); if (verdict) finish(verdict); } };
    const observer = new MutationObserver(look);
    observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
    const timer = setTimeout(() => { if (!done) finish(''); }, timeoutMs);
    const frame = () => { look(); if (!done) requestAnimationFrame(frame); };
    frame();
  });
})()
"""
)

_CHANGED_JS = "since => { const seen = window[Symbol.for('utskick.mutations')]; return !seen || seen.count !== since; }"
_HOLDS_JS = "(els, c) => {" + _STATE_JS + " return holds({ ...c, els }); }"

# A page that keeps changing (a ticking clock) makes every wait end as "changed"; find the elements again at most
# this often once it does so in a row.
_CHANGED_BACKOFF_MS = (0.0, 10.0, 25.0, 50.0, 100.0)
# With frames, a change inside a frame the predicate does not run in is not observed: look again this often.
_FRAMES_BACKSTOP_MS = 250.0


def wait_all(conditions: Sequence[Condition], unless: Locator | None, timeout_ms: float) -> bool:
    """Wait until every condition holds (True), or until the first element `unless` finds is visible instead
    (False: the tool refused and will not get ready by itself); a `ReadinessTimeout` when neither comes in time."""
    try:
        return _wait_all(conditions, unless, time.monotonic() + timeout_ms / 1000)
    except PlaywrightTimeout:
        raise ReadinessTimeout(
            f"Timeout {timeout_ms:.0f}ms exceeded waiting for readiness", _first_failing(conditions)
        ) from None


def _wait_all(conditions: Sequence[Condition], unless: Locator | None, deadline: float) -> bool:
    locators = [c.locator for c in conditions] + ([unless] if unless is not None else [])
    if not locators:
        return True
    page = locators[0].page
    # "gone" and "count" judge every element the locator finds: one that came since they were found would be
    # missed, so their verdict is confirmed on a fresh look. The other conditions judge one element, still in the
    # page (a swapped one ends the wait as "changed"), and a refusal is one visible element: both stand as seen.
    sets = any(c.kind in ("gone", "count") for c in conditions)
    frames: dict[str, tuple[Frame, int]] = {}
    confirming = False
    changes_in_row = 0
    while True:
        left_ms = ms_left(deadline)
        try:
            if not frames:
                frames = _count_changes(page)  # before any element is found
            wait_id = uuid.uuid4().hex
            where = {loc.evaluate_all(_KEEP_JS, [wait_id, i]) for i, loc in enumerate(locators)}
            if len(where) > 1:  # the elements live in several frames: one condition at a time
                return all(_wait_all([c], unless if len(conditions) > 1 else None, deadline) for c in conditions)
            name = where.pop()
            if name not in frames:  # a frame (or a document) that came since: count its changes first
                frames = {}
                continue
            frame, since = frames[name]
            arg = {
                "id": wait_id,
                "kinds": [c.kind for c in conditions],
                "counts": [c.count for c in conditions],
                "hasUnless": unless is not None,
                "since": since,
                "changedAfterMs": _CHANGED_BACKOFF_MS[min(changes_in_row, len(_CHANGED_BACKOFF_MS) - 1)],
                "backstopMs": _FRAMES_BACKSTOP_MS if len(page.frames) > 1 else 0,
                "timeoutMs": left_ms + 1000,  # the in-page promise ends a moment after Playwright's own timeout
            }
            answer = str(frame.wait_for_function(_WAIT_ALL_JS, arg=arg, timeout=left_ms).json_value()).split()
        except PlaywrightTimeout:
            raise
        except PlaywrightError as e:
            if not _navigated(e):
                raise
            frames = {}  # a page or frame loaded a new document meanwhile: look again in the new one
            continue
        if not answer:
            raise PlaywrightTimeout("Timeout exceeded")
        verdict, fresh, mutations = answer
        frames[name] = (frame, int(mutations))
        if verdict != "changed" and (fresh == "1" or confirming or (verdict == "ready" and not sets)):
            return verdict == "ready"
        confirming = verdict != "changed"  # a verdict on elements found before a change: confirm it once
        changes_in_row = changes_in_row + 1 if verdict == "changed" else 0


def _navigated(error: PlaywrightError) -> bool:
    """The error says the document the wait looked at was replaced (a page load), which a wait rides out."""
    text = str(error)
    return any(sign in text for sign in _NAVIGATED)


_NAVIGATED = ("Execution context was destroyed", "Frame was detached", "Cannot find context", "navigat")


def page_changes(page: Page) -> int:
    """How many changes the page's document has seen (a mark for `wait_page_change`)."""
    return int(page.main_frame.evaluate(_COUNT_JS)[0])


def wait_page_change(page: Page, since: int, timeout_ms: float) -> None:
    """Wait until the page's document changed after the mark `since` (elements, attributes or texts)."""
    page.main_frame.wait_for_function(_CHANGED_JS, arg=since, timeout=playwright_ms(timeout_ms))


def _count_changes(page: Page) -> dict[str, tuple[Frame, int]]:
    """Per document of the page (by its name): its frame and how many changes it has seen so far."""
    counted = {}
    for frame in page.frames:
        count, name = frame.evaluate(_COUNT_JS)
        counted[name] = (frame, count)
    return counted


def _first_failing(conditions: Sequence[Condition]) -> Condition | None:
    """The first condition that does not hold now (for the message of a timeout); None when all do."""
    for condition in conditions:
        try:
            held = condition.locator.evaluate_all(_HOLDS_JS, {"kind": condition.kind, "count": condition.count})
        except PlaywrightTimeout:
            held = False
        if not held:
            return condition
    return None
