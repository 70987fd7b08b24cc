"""The confirmation prompt through a real pseudo-terminal: Ctrl-C, Ctrl-D and SIGTERM at "Skicka nu?" end the run
with nothing sent and exit 4; "ja" sends. The terminal is the process's controlling tty, so Ctrl-C reaches it the
way a case handler's keyboard does (the line discipline sends SIGINT to the foreground process group)."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import subprocess
import termios
import threading
from pathlib import Path

import pytest

from tests.helpers import Setup, official_test_numbers, wait_until, write_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PROMPT = "Skicka nu? [j/N]"
ABORTED = "Avbrutet – inget skickades."


def _make_controlling_tty() -> None:  # runs in the child between fork and exec
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """`utskick run` on a pseudo-terminal: everything it prints is collected, keys are typed into it."""

    def __init__(self, setup: Setup, *args: str) -> None:
        self.master, slave = os.openpty()
        self.process = subprocess.Popen(
            setup.command(*args),
            env={**setup.env(), "TERM": "dumb", "COLUMNS": "120"},
            stdin=slave,
            stdout=slave,
            stderr=slave,
            preexec_fn=_make_controlling_tty,  # noqa: PLW1509 - the test needs the child to own the terminal
            close_fds=True,
        )
        os.close(slave)
        self._chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if not ready:
                if self.process.poll() is not None:
                    return
                continue
            try:
                data = os.read(self.master, 4096)
            except OSError:  # EIO once the child has closed the terminal
                return
            if not data:
                return
            self._chunks.append(data)

    @property
    def output(self) -> str:
        """Everything printed so far."""
        return b"".join(self._chunks).decode("utf-8", errors="replace")

    def wait_for(self, text: str, limit_s: float = 180) -> None:
        """Wait until `text` has been printed."""
        assert wait_until(lambda: text in self.output, limit_s), f"{text!r} never came:\n{self.output}"

    def type(self, keys: str) -> None:
        """Type on the keyboard."""
        os.write(self.master, keys.encode())

    def finish(self, limit_s: float = 180) -> int:
        """Wait for the process to end; its exit code."""
        try:
            return self.process.wait(timeout=limit_s)
        finally:
            self._reader.join(timeout=10)
            os.close(self.master)


@pytest.fixture
def terminal_setup(tmp_path: Path, live_mock, qa):
    """A campaign of three reachable citizens, made for one mode."""

    def make(mode: str, start: int) -> Setup:
        pnrs = official_test_numbers(start, 3)
        qa.reachable(*pnrs)
        return write_campaign(tmp_path / mode, live_mock.url, pnrs, mode=mode)

    return make


@pytest.mark.parametrize(("mode", "start"), [("single", 5600), ("batch", 5610)])
@pytest.mark.parametrize(("keys", "how"), [("\x03", "Ctrl-C"), ("\x04", "Ctrl-D")])
def test_ctrl_c_or_ctrl_d_at_the_prompt_should_send_nothing_and_exit_4(terminal_setup, qa, mode, start, keys, how):
    setup = terminal_setup(mode, start)
    terminal = Terminal(setup)
    terminal.wait_for(PROMPT)

    terminal.type(keys)
    code = terminal.finish()

    assert code == 4, f"{how}: {terminal.output}"
    assert ABORTED in terminal.output
    assert "Aborted" not in terminal.output and "Traceback" not in terminal.output
    assert qa.sent() == []
    assert {state for state, _ in setup.ledger_rows().values()} == {"pending"}


def test_sigterm_at_the_prompt_should_send_nothing_and_exit_4(terminal_setup, qa):
    setup = terminal_setup("single", 5620)
    terminal = Terminal(setup)
    terminal.wait_for(PROMPT)

    terminal.process.send_signal(signal.SIGTERM)
    code = terminal.finish()

    assert code == 4, terminal.output
    assert ABORTED in terminal.output
    assert qa.sent() == []


@pytest.mark.parametrize(("mode", "start"), [("single", 5630), ("batch", 5640)])
def test_ja_at_the_prompt_should_send_to_everyone_once(terminal_setup, qa, mode, start):
    setup = terminal_setup(mode, start)
    terminal = Terminal(setup)
    terminal.wait_for(PROMPT)

    terminal.type("kanske\r")
    terminal.wait_for("Svara j (ja) eller n (nej).")
    terminal.type("ja\r")
    code = terminal.finish()

    assert code == 0, terminal.output
    assert sorted(s["pnr"] for s in qa.sent()) == sorted(setup.pnrs)
    assert "Skickade i denna körning: 3" in terminal.output
    assert "Avbruten" not in terminal.output


@pytest.mark.parametrize("answer", ["n", "nej", ""])
def test_no_at_the_prompt_should_send_nothing_and_exit_4(terminal_setup, qa, answer):
    setup = terminal_setup("batch", 5650)
    terminal = Terminal(setup)
    terminal.wait_for(PROMPT)

    terminal.type(f"{answer}\r")
    code = terminal.finish()

    assert code == 4, terminal.output
    assert ABORTED in terminal.output
    assert qa.sent() == []
