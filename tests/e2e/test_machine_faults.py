"""Faults of the machine around the bot (issue 27): Chromium killed under the run (as the OOM killer would), a
disk that is too full before the run or fills up mid-run, and the staff tool going away for good. Each ends 0 or
4 (never 1), and a rerun leaves every reachable citizen with exactly one ärende in the mock's sent list."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tests.helpers import QA, Setup, assert_exactly_once, official_test_numbers, serve_mock, wait_until, write_campaign

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# (mode, citizens, batch_size): the batch row sends in several batches so that a kill lands inside one of them.
ROWS = [
    pytest.param("single", 24, 250, id="single-24"),
    pytest.param("batch", 30, 10, id="batch-30"),
    pytest.param("batch", 150, 50, id="batch-150", marks=pytest.mark.long),
]
MODES = ["single", "batch"]
# The dying browser, the full disk and the tool gone mid-run: the batch row in `make test`, the single-mode row
# (slower: each citizen its own send) in `make test-long`.
BATCH_IN_MAKE_TEST = [pytest.param("single", marks=pytest.mark.long), "batch"]


def _kill_chromium(bot: subprocess.Popen) -> int:
    """SIGKILL every Chromium process under the bot (as the OOM killer would); return how many were killed."""
    try:
        children = psutil.Process(bot.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    killed = 0
    for child in children:
        try:
            if "chrom" in child.name().lower():
                child.send_signal(signal.SIGKILL)
                killed += 1
        except psutil.NoSuchProcess:
            continue
    return killed


def _campaign(folder: Path, url: str, mode: str, pnrs: list[str], batch_size: int = 250) -> Setup:
    return write_campaign(folder, url, pnrs, mode=mode, sending=f"batch_size = {batch_size}")


def _rerun_until_done(setup: Setup) -> subprocess.CompletedProcess:
    result = setup.run("--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _no_traceback(result_text: str) -> None:
    assert "Traceback" not in result_text and "Logging error" not in result_text, result_text
    assert "Internt fel" not in result_text, result_text


@pytest.mark.parametrize(("mode", "count", "batch_size"), ROWS)
def test_chromium_killed_mid_run_should_relaunch_and_send_everyone_exactly_once(
    tmp_path, live_mock, qa, mode, count, batch_size
):
    pnrs = official_test_numbers(6000 + 200 * MODES.index(mode), count)
    qa.reachable(*pnrs)
    setup = _campaign(tmp_path, live_mock.url, mode, pnrs, batch_size)
    process = setup.start("--yes")
    try:
        # `sending` is committed right before Skicka: the browser dies with a send on its way.
        assert wait_until(lambda: setup.count_state("sent") >= 2 and setup.count_state("sending") > 0, 120)
        assert _kill_chromium(process) > 0
    finally:
        out, err = process.communicate(timeout=600)

    assert process.returncode == 0, out + err
    _no_traceback(out + err)
    log = setup.log_text()
    assert "browser_died" in log and "browser_relaunched" in log
    assert_exactly_once(setup, qa.sent(), pnrs)
    assert "Inget att skicka" in _rerun_until_done(setup).stdout
    assert len(qa.sent()) == count


@pytest.mark.parametrize("mode", BATCH_IN_MAKE_TEST)
def test_chromium_dying_again_and_again_should_stop_with_exit_4_and_a_swedish_line(tmp_path, live_mock, qa, mode):
    # Enough citizens that the run is still going when the kills begin, however fast a loaded machine sends.
    pnrs = official_test_numbers(6500 + 40 * MODES.index(mode), 40)
    qa.reachable(*pnrs)
    setup = _campaign(tmp_path, live_mock.url, mode, pnrs, batch_size=2)
    process = setup.start("--yes")
    try:
        assert wait_until(lambda: setup.count_state("sent") >= 2, 120)
        while process.poll() is None:  # every browser the bot launches from now on dies, as under memory pressure
            _kill_chromium(process)
            time.sleep(0.1)  # the test polls; the bot itself never sleeps
    finally:
        out, err = process.communicate(timeout=300)

    assert process.returncode == 4, out + err
    _no_traceback(out + err)
    assert "Webbläsaren (Chromium) dog 3 gånger i rad" in out
    assert "sending.workers" in out and "minne" in out
    _rerun_until_done(setup)
    assert_exactly_once(setup, qa.sent(), pnrs)


@pytest.fixture
def small_disk(tmp_path) -> Path:
    """A 100 MB tmpfs mounted for the test (root only), unmounted afterwards."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs for a full disk needs root and mount(8)")
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=100m", "tmpfs", str(mount_point)], check=False)
    if mounted.returncode != 0:
        pytest.skip("mount -t tmpfs failed here (no CAP_SYS_ADMIN in this container)")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(disk: Path, leave_bytes: int = 0) -> Path:
    """Write zeros into `disk` until only `leave_bytes` are free (or the disk is full); return the filler."""
    filler = disk / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for size in (1024 * 1024, 4096, 1):
            try:
                while shutil.disk_usage(disk).free > leave_bytes + size or not leave_bytes:
                    os.write(fd, b"\0" * size)
            except OSError:  # ENOSPC: full at this block size, go on with a smaller one
                continue
    finally:
        os.close(fd)
    return filler


@pytest.mark.parametrize("mode", MODES)
def test_too_little_free_space_should_refuse_the_run_with_exit_4_and_send_nothing(small_disk, live_mock, qa, mode):
    pnrs = official_test_numbers(6600 + 10 * MODES.index(mode), 3)
    qa.reachable(*pnrs)
    setup = _campaign(small_disk / "kampanj", live_mock.url, mode, pnrs)
    _fill(small_disk, leave_bytes=30 * 1024 * 1024)

    result = setup.run("--yes")

    assert result.returncode == 4, result.stdout + result.stderr
    _no_traceback(result.stdout + result.stderr)
    assert "För lite ledigt diskutrymme" in result.stderr and "minst 60 MB behövs" in result.stderr
    assert qa.sent() == []
    assert not setup.ledger.exists()


@pytest.mark.parametrize("mode", BATCH_IN_MAKE_TEST)
def test_disk_filling_up_mid_run_should_stop_with_exit_4_and_resume_exactly_once(small_disk, live_mock, qa, mode):
    pnrs = official_test_numbers(6700 + 20 * MODES.index(mode), 12)
    qa.reachable(*pnrs)
    setup = _campaign(small_disk / "kampanj", live_mock.url, mode, pnrs, batch_size=2)
    process = setup.start("--yes")
    try:
        assert wait_until(lambda: setup.count_state("sent") >= 2, 120)
        filler = _fill(small_disk)
    finally:
        out, err = process.communicate(timeout=300)

    assert process.returncode == 4, out + err + setup.log_text()[-3000:]
    _no_traceback(out + err)
    assert "Disken är full för" in out and "ledigt" in out
    assert len(qa.sent()) < len(pnrs), "the run stopped before the end"
    filler.unlink()
    _rerun_until_done(setup)
    assert_exactly_once(setup, qa.sent(), pnrs)


@pytest.mark.parametrize("mode", BATCH_IN_MAKE_TEST)
def test_staff_tool_gone_mid_run_should_say_in_words_that_it_did_not_answer(tmp_path, mode):
    pnrs = official_test_numbers(6800 + 10 * MODES.index(mode), 6)
    mock = serve_mock({"CHECK_DELAY_MS": 50})
    try:
        qa = QA(mock.url)
        qa.reachable(*pnrs)
        setup = write_campaign(tmp_path, mock.url, pnrs, mode=mode, max_retries=2, sending="batch_size = 2")
        process = setup.start("--yes")
        try:
            assert wait_until(lambda: setup.count_state("sent") >= 2, 120)
        finally:
            mock.stop()
            out, err = process.communicate(timeout=300)
    finally:
        mock.stop()

    assert process.returncode == 4, out + err
    _no_traceback(out + err)
    assert "Personalverktyget svarade inte" in out
