"""The window lends a password to the call that needs it as a value in that thread's context: never through the
process environment, so no other thread, job or child process sees it (issue 24, finding 3)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

from bot.secret_env import read_secret, take_from_environment
from bot.ui.secrets import lent_to_environment

NAME = "UTSKICK_TEST_LENT_PASSWORD"
PRINT_IT = f"import os; print(os.environ.get({NAME!r}, 'saknas'))"


def test_lent_password_should_reach_the_call_but_not_the_environment_or_a_child(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)
    with lent_to_environment({NAME: "hemligt"}):
        assert read_secret(NAME) == "hemligt"
        assert NAME not in os.environ
        child = subprocess.run([sys.executable, "-c", PRINT_IT], capture_output=True, text=True, check=True)
        assert child.stdout.strip() == "saknas"
    assert read_secret(NAME) is None


def test_two_threads_should_each_read_their_own_password_at_once(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)
    both_in = threading.Barrier(2, timeout=10)
    seen: dict[str, object] = {}

    def job(value: str) -> None:
        try:
            with lent_to_environment({NAME: value}):
                both_in.wait()
                seen[value] = read_secret(NAME)
                both_in.wait()
        except Exception as e:  # noqa: BLE001 - the test reports what the thread met
            seen[value] = e

    threads = [threading.Thread(target=job, args=(v,)) for v in ("ett", "två")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert seen == {"ett": "ett", "två": "två"}


def test_window_should_take_secrets_out_of_its_environment_and_still_use_them(monkeypatch):
    monkeypatch.setenv(NAME, "från-skalet")
    monkeypatch.setenv("UTSKICK_TEST_HARMLESS", "kvar")
    taken = take_from_environment()
    try:
        assert NAME not in os.environ and os.environ["UTSKICK_TEST_HARMLESS"] == "kvar"
        assert read_secret(NAME) == "från-skalet"  # nothing typed in the window: the shell's value is used
        with lent_to_environment({NAME: "från-fönstret"}):
            assert read_secret(NAME) == "från-fönstret"
        with lent_to_environment({NAME: ""}):
            assert read_secret(NAME) == "från-skalet"
    finally:
        os.environ.update(taken)  # the other tests' secrets (the test ledger's password) go back
        taken.clear()
