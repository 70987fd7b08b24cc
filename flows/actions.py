"""Run one of the bot's actions (`[actions]` in the selectors data) step by step on the page.

An action is a list of steps, each with one verb: click, choose, fill, press, check, set_files, wait. Every step
runs inside `Screen.step`, so a missing element, an expired session or a server error is diagnosed as for any
other click. A step whose element is switched off (`key = false`) is skipped; an `optional` step is skipped when
its element is not on the page at that moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.selectors_schema import STEP_VERBS
from flows.screen import Screen


def run_action(screen: Screen, name: str, files: Sequence[Path] = (), **placeholders: str) -> None:
    """Run the steps of the action `name`, filling its {placeholders}; `files` are what set_files attaches."""
    for step in screen.selectors.action(name):
        _run_step(screen, name, step, list(files), placeholders)


def run_action_replacing(screen: Screen, name: str, replaced_key: str) -> None:
    """Run the action, then wait until the element `replaced_key` has been rendered anew (e.g. the next page).

    The old element is marked first, so neither a full page load nor a client-side re-render can be mistaken for
    the old content.
    """
    with screen.step(replaced_key):
        old = screen.el(replaced_key).first
        if old.count():
            old.evaluate("el => el.setAttribute('data-utskick-stale', '1')")
    run_action(screen, name)
    with screen.step(replaced_key):
        fresh = screen.el(replaced_key).and_(screen.page.locator(":not([data-utskick-stale])"))
        fresh.first.wait_for(state="visible")


def _run_step(screen: Screen, name: str, step: dict[str, Any], files: list[Path], placeholders: dict[str, str]) -> None:
    verb = next(verb for verb in STEP_VERBS if verb in step)
    target = step[verb]
    if verb == "wait":
        _wait(screen, name, target)
        return
    if not screen.selectors.has(target):
        return  # switched off: the tool has no such step
    if step.get("optional") and not screen.present(target, **placeholders):
        return
    text = {a: str(step[a]).format_map(placeholders) for a in ("option", "value", "keys") if a in step}
    if verb == "click":
        screen.click(target, **placeholders)
    elif verb == "choose":
        screen.choose(target, text["option"], **placeholders)
    elif verb == "fill":
        screen.fill(target, text["value"], **placeholders)
    elif verb == "press":
        with screen.step(target):
            screen.el(target, **placeholders).press(text["keys"])
    elif verb == "check":
        with screen.step(target):
            screen.el(target, **placeholders).check()
    elif verb == "set_files":
        screen.attach(target, files)


def _wait(screen: Screen, name: str, target: str | dict[str, Any]) -> None:
    if isinstance(target, str):
        screen.wait_ready(target)
        return
    conditions = {
        condition: [key for key in ([keys] if isinstance(keys, str) else keys) if screen.selectors.has(key)]
        for condition, keys in target.items()
    }
    screen.wait_conditions(f"actions.{name}", {condition: keys for condition, keys in conditions.items() if keys})
