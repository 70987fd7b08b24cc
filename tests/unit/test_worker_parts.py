"""The run-wide parts the workers share: the circuit breaker, the counts, the Swedish summary."""

from __future__ import annotations

import pytest

from bot.errors import EXIT_INTERRUPTED, BrowserClosed, CircuitOpen, StaffToolServerError, StaffToolTimeout
from bot.run.tally import CircuitBreaker, Tally
from bot.run.worker import uncertain_message
from bot.summary import RunSummary, format_summary


def test_circuit_breaker_should_open_after_n_consecutive_failures_and_exit_resumable():
    breaker = CircuitBreaker(limit=3)
    breaker.record(ok=False)
    breaker.record(ok=False)
    with pytest.raises(CircuitOpen) as error:
        breaker.record(ok=False)
    assert error.value.exit_code == EXIT_INTERRUPTED
    assert "3 sändningar i rad" in str(error.value)


def test_circuit_breaker_should_reset_on_a_success():
    breaker = CircuitBreaker(limit=2)
    for _ in range(5):
        breaker.record(ok=False)
        breaker.record(ok=True)


def test_tally_should_count_outcomes_and_advance_progress_per_final_answer():
    progress: list[int] = []
    tally = Tally(on_progress=progress.append)
    tally.add(sent=3)
    tally.add(reason="login_locked")
    tally.add(reason="login_locked")
    tally.add(in_doubt=2)
    assert (tally.sent, tally.not_reachable, tally.in_doubt) == (3, {"login_locked": 2}, 2)
    assert progress == [3, 1, 1]


def test_summary_should_be_swedish_and_list_unreachable_by_reason(tmp_path):
    text = format_summary(
        RunSummary(
            campaign="Provsvar",
            counts={"sent": 4, "not_reachable": 2, "pending": 0},
            sent_this_run=4,
            not_reachable={"login_locked": 1, "no_notification": 1},
            seconds=12.5,
            log_file=tmp_path / "utskick.jsonl",
        )
    )
    assert "Skickade i denna körning: 4" in text
    assert "spärrad inloggning: 1" in text
    assert "saknar avisering (SMS eller e-post): 1" in text
    assert "väntar" not in text  # zero counts are left out
    assert "Logg:" in text


def test_uncertain_message_should_name_ledger_rows_and_cap_the_list():
    text = uncertain_message(
        {i: f"ärende A-{i:06d}, tiden '3 dec. 2026 14:05' går inte att läsa" for i in range(1, 26)}
    )
    assert text.startswith("Osäkert om 25 invånare redan fått ärendet (rad 1 i liggaren: ärende A-000001")
    assert "rad 10 i liggaren" in text and "rad 11 i liggaren" not in text
    assert "och 15 rader till" in text and "sent_at_format" in text


def test_circuit_breaker_should_name_the_last_error_when_it_opens():
    breaker = CircuitBreaker(limit=1)
    with pytest.raises(CircuitOpen, match="Senaste felet: Personalverktyget svarade inte"):
        breaker.record(ok=False, error=StaffToolTimeout("Personalverktyget svarade inte (steget recipients.add)."))


@pytest.mark.parametrize(
    ("errors", "unanswered"),
    [
        ([StaffToolTimeout("Personalverktyget svarade inte (steget x).")], 1),
        ([StaffToolServerError("Personalverktyget svarade med fel 503."), StaffToolTimeout("t")], 2),
        ([BrowserClosed("Sidan stängdes under steget x.")], 0),
    ],
)
def test_summary_should_say_in_words_that_the_staff_tool_did_not_answer(errors, unanswered):
    tally = Tally()
    for error in errors:
        tally.note_system_error(error)
    summary = RunSummary(
        campaign="K", staff_tool_unanswered=tally.unanswered, last_system_error=tally.last_system_error
    )

    text = format_summary(summary)

    assert tally.unanswered == unanswered
    assert ("Personalverktyget svarade inte:" in text) is bool(unanswered)
    if unanswered:
        assert f"{unanswered} sändningar gavs upp" in text and str(errors[-1]).rstrip(".") in text
