"""Waits on element conditions that `Locator.wait_for` has no state for (enabled, a value, a count, a text).

Each one waits inside the browser (`wait_for` on a narrowed locator, or `wait_for_function`) and raises
Playwright's `TimeoutError` when the condition does not hold in time, as `wait_for` does; Playwright's `expect`
is an assertion for tests, not a wait for the product.
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import Locator
from playwright.sync_api import TimeoutError as PlaywrightTimeout

# Playwright calls an element enabled unless it is a disabled form control or marked aria-disabled.
_ENABLED = ":not(:disabled):not([aria-disabled='true'])"
_VALUE_IS = "([el, value]) => !el.isConnected || el.value === value"


def wait_enabled(loc: Locator, timeout_ms: float) -> None:
    """Wait until the element is there and enabled."""
    loc.and_(loc.page.locator(_ENABLED)).wait_for(state="attached", timeout=playwright_ms(timeout_ms))


def wait_text(loc: Locator, pattern: re.Pattern[str] | str, timeout_ms: float) -> None:
    """Wait until the element's text contains `pattern` (a string is matched as is, case and all)."""
    loc.filter(has_text=_regex(pattern)).wait_for(state="attached", timeout=playwright_ms(timeout_ms))


def wait_no_text(loc: Locator, pattern: re.Pattern[str] | str, timeout_ms: float) -> None:
    """Wait until no element `loc` finds contains `pattern`."""
    loc.filter(has_text=_regex(pattern)).first.wait_for(state="detached", timeout=playwright_ms(timeout_ms))


def wait_none_visible(loc: Locator, timeout_ms: float) -> None:
    """Wait until no element `loc` finds is visible (hidden ones may stay in the page)."""
    loc.filter(visible=True).first.wait_for(state="detached", timeout=playwright_ms(timeout_ms))


def wait_count(loc: Locator, count: int, timeout_ms: float) -> None:
    """Wait until `loc` finds exactly `count` elements."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        if count > 0:
            loc.nth(count - 1).wait_for(state="attached", timeout=ms_left(deadline))
        loc.nth(count).wait_for(state="detached", timeout=ms_left(deadline))
        if loc.count() == count:  # rows may come and go between the two waits
            return
        if time.monotonic() >= deadline:
            raise PlaywrightTimeout(f"Timeout {timeout_ms:.0f}ms exceeded waiting for {count} elements")


def wait_value(loc: Locator, value: str, timeout_ms: float) -> None:
    """Wait until the field's value is `value` (a field the page renders anew is found again)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        handle = loc.element_handle(timeout=ms_left(deadline))
        try:
            loc.page.wait_for_function(_VALUE_IS, arg=[handle, value], timeout=ms_left(deadline))
            if handle.evaluate("el => el.isConnected"):
                return
        finally:
            handle.dispose()


def _regex(pattern: re.Pattern[str] | str) -> re.Pattern[str]:
    # Playwright matches a plain string case-insensitively; the flows' texts mean exactly what they say.
    return pattern if isinstance(pattern, re.Pattern) else re.compile(re.escape(pattern))


def playwright_ms(timeout_ms: float) -> float:
    """A timeout as Playwright takes it: at least 1 ms (Playwright reads 0 as \"wait for ever\")."""
    return max(1.0, timeout_ms)


def ms_left(deadline: float) -> float:
    """Milliseconds until `deadline` (time.monotonic); Playwright's TimeoutError once it has passed."""
    left_ms = (deadline - time.monotonic()) * 1000
    if left_ms <= 0:
        raise PlaywrightTimeout("Timeout exceeded")
    return left_ms
