"""How a run ended, as an exit code and the Swedish line that says why: 0 finished, 3 a human is needed, 4 not
finished (run again), and for the ledger the word for it. An error that is not the project's own is raised, so
the command line reports it as internal (exit 1)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import (
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_NEEDS_HUMAN,
    EXIT_OK,
    CircuitOpen,
    MachineFault,
    NeedsHuman,
    UtskickError,
)
from bot.run.pacing import describe_window
from bot.run.prompt import ABORTED_AT_PROMPT


@dataclass
class Ending:
    """What the run knows when it ends."""

    errors: list[BaseException]
    counts: dict[str, int]
    declined: bool = False
    interrupted: bool = False
    window_closed: bool = False
    dry_run: bool = False
    limited: bool = False
    window: object = None


def exit_code(end: Ending) -> tuple[int, str]:
    """The exit code and its Swedish message ("" when there is nothing to add)."""
    if end.declined:  # anything after the answer (a browser ended by the same Ctrl-C) changes nothing
        return EXIT_INTERRUPTED, ABORTED_AT_PROMPT
    human = next((e for e in end.errors if isinstance(e, NeedsHuman)), None)
    if human:
        return human.exit_code, f"Stoppad, en människa behöver titta: {human}"
    other = next((e for e in end.errors if not isinstance(e, UtskickError)), None)
    if other:
        raise other
    fault = next((e for e in end.errors if isinstance(e, MachineFault)), None)
    if fault:
        return fault.exit_code, f"{fault} {progress_text(end.counts)}"
    breaker = next((e for e in end.errors if isinstance(e, CircuitOpen)), None)
    if breaker:
        return breaker.exit_code, f"{breaker} {progress_text(end.counts)}"
    if end.errors:
        raise end.errors[0]
    if end.interrupted:
        return EXIT_INTERRUPTED, "Avbruten efter pågående invånare. Kör samma kommando igen för att fortsätta."
    if end.window_closed:
        return EXIT_INTERRUPTED, f"Utanför sändningsfönstret ({describe_window(end.window)}). Kör igen inom fönstret."
    left = end.counts.get("failed", 0) + end.counts.get("in_doubt", 0)
    if left and not end.dry_run:
        return EXIT_INTERRUPTED, (
            f"{left} invånare fick inget utfall på grund av systemfel. Kör samma kommando igen: de misslyckade "
            "försöks igen och de osäkra kontrolleras mot Alla ärenden först."
        )
    waiting = end.counts.get("pending", 0)
    if waiting and end.limited and not end.dry_run:
        return EXIT_INTERRUPTED, f"{waiting} invånare väntar fortfarande (--limit). Kör igen för att fortsätta."
    return EXIT_OK, ""


def progress_text(counts: dict[str, int]) -> str:
    """How far the campaign got, for a run that stopped early: sent so far and left to send."""
    left = sum(counts.get(s, 0) for s in ("pending", "sending", "in_doubt", "failed"))
    return (
        f"{counts.get('sent', 0)} invånare har fått ärendet, {left} återstår. "
        "Kör samma kommando igen för att fortsätta."
    )


def outcome_of(code: int) -> str:
    """The ledger's word for how a run with exit code `code` ended."""
    return {
        EXIT_OK: "finished",
        EXIT_INTERRUPTED: "interrupted",
        EXIT_NEEDS_HUMAN: "stopped",
        EXIT_INPUT: "stopped",
    }.get(code, "crashed")
