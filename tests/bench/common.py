"""Shared parts of the send benchmark: the mock as a subprocess, its QA API, the official test numbers, the peak
memory sampler (a process and all its children), the machine, and timing results as JSON lines.

Not a test module (no `test_` names): pytest never collects it.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parents[2]
TEST_LIST = ROOT / "mock_personalverktyg" / "seed" / "testpersonnummer.txt"
DEMO_PDF = ROOT / "fixtures" / "demo" / "information.pdf"
PASSWORD = "utskick-demo"
HSA_ID = "SE2321000016-A001"
UNIT_NAME = "Vårdcentralen Centrum"
TEMPLATE = "Meddelande om provsvar"
TEXTS = ("Provsvar klart", "Kontakt")
RESULT_PREFIX = "BENCH-RESULT "
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def official_numbers(start: int, count: int) -> list[str]:
    """`count` numbers of Skatteverket's test list (the mock's seed copy) from line `start`; never invented."""
    with TEST_LIST.open(encoding="ascii") as f:
        numbers = [line.strip() for line in f if line.strip()]
    if start + count > len(numbers):
        raise SystemExit(f"the test list has only {len(numbers)} numbers (needed {start + count})")
    return numbers[start : start + count]


def display(pnr: str) -> str:
    """The personnummer as the staff tool shows and accepts it: YYYYMMDD-NNNN."""
    return f"{pnr[:8]}-{pnr[8:]}"


def mask(pnr: str) -> str:
    """YYYYMMDD-**** (the only form a personnummer may be printed in)."""
    return f"{pnr[:8]}-****"


def check_loopback(url: str) -> str:
    """Refuse anything but a loopback URL: the benchmark never talks to another machine."""
    host = re.sub(r"^https?://", "", url).split("/")[0].rsplit(":", 1)[0].strip("[]")
    if host not in LOOPBACK:
        raise SystemExit(f"the benchmark talks to loopback only, not {host}")
    return url.rstrip("/")


def emit(result: dict) -> None:
    """Print a part's result as one JSON line the orchestrator picks out of stdout."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def parse_result(stdout: str) -> dict:
    """The JSON result line a part printed (the last one), or {} when there is none."""
    lines = [line for line in stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    return json.loads(lines[-1][len(RESULT_PREFIX) :]) if lines else {}


# The mock ---------------------------------------------------------------------------------------------------


class MockProcess:
    """`python -m mock_personalverktyg --port 0` in a subprocess; the URL is read from its first line."""

    def __init__(self, check_delay_ms: int | None = None, skin: str | None = None) -> None:
        self.check_delay_ms = check_delay_ms
        self.skin = skin
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def __enter__(self) -> MockProcess:
        cmd = [sys.executable, "-m", "mock_personalverktyg", "--host", "127.0.0.1", "--port", "0"]
        if self.check_delay_ms is not None:
            cmd += ["--check-delay-ms", str(self.check_delay_ms)]
        if self.skin:
            cmd += ["--skin", self.skin]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, stdin=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line and self.proc.poll() is not None:
                raise SystemExit("the mock did not start")
            found = re.search(r"http://127\.0\.0\.1:\d+", line)
            if found:
                self.url = check_loopback(found.group(0))
                break
        else:
            raise SystemExit("the mock printed no address within 30 s")
        # Keep reading its stdout so a full pipe can never block it.
        threading.Thread(target=lambda: self.proc.stdout.read(), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def default_check_delay_ms() -> int:
    """The mock's own default for the recipient check delay (what `python -m mock_personalverktyg` uses)."""
    from mock_personalverktyg.__main__ import parse_args

    return parse_args([]).check_delay_ms


class QA:
    """The mock's QA API (reset, citizens, sent ärenden, faults)."""

    def __init__(self, url: str) -> None:
        self.url = check_loopback(url)

    def reset(self) -> None:
        """Back to the seed, faults off."""
        requests.post(f"{self.url}/__qa__/reset", timeout=30).raise_for_status()
        requests.put(f"{self.url}/__qa__/faults", json={}, timeout=30).raise_for_status()

    def faults(self) -> dict:
        """The active faults (must be none)."""
        return requests.get(f"{self.url}/__qa__/faults", timeout=30).json()

    def set_faults(self, faults: dict) -> None:
        """Inject faults (`{}` clears them)."""
        requests.put(f"{self.url}/__qa__/faults", json=faults, timeout=30).raise_for_status()

    def reachable(self, pnrs: list[str], threads: int = 8) -> float:
        """Make every citizen active with SMS notification; return the seconds it took."""
        started = time.perf_counter()

        def put(pnr: str) -> None:
            body = {"login": "active", "notify": ["sms"], "protected": False}
            requests.put(f"{self.url}/__qa__/citizens/{pnr}", json=body, timeout=30).raise_for_status()

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(put, pnrs))
        return time.perf_counter() - started

    def sent(self) -> list[dict]:
        """Every ärende staff sent since the last reset."""
        return requests.get(f"{self.url}/__qa__/sent", timeout=120).json()

    def verify_sent(self, pnrs: list[str]) -> tuple[bool, str]:
        """Exactly one ärende per citizen in `pnrs` and nothing else; a one-line verdict without personnummer."""
        sent = self.sent()
        got = [s["pnr"] for s in sent]
        expected = set(pnrs)
        twice = len(got) - len(set(got))
        missing = len(expected - set(got))
        extra = len(set(got) - expected)
        ok = len(got) == len(expected) and not twice and not missing and not extra
        counts = f"missing {missing}, twice {twice}, unknown {extra}"
        return ok, f"{len(got)} ärenden sent (expected {len(expected)}; {counts})"


# Memory -----------------------------------------------------------------------------------------------------


class PeakMemory:
    """Samples the RSS of a process and all its descendants (Playwright's driver, every Chromium process) every
    `interval` seconds from a thread; `peak` is the largest sum seen. RSS sums count shared pages once per
    process, as `ps` does, so the absolute number is an upper bound; the same method is used for every part."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.peak_processes = 0
        self.samples: list[tuple[float, int]] = []
        self._cpu: dict[tuple[int, float], tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="peak-memory")

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def sample(self) -> int:
        """One sample now (0 once the process is gone)."""
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for p in procs:
            try:
                with p.oneshot():
                    total += p.memory_info().rss
                    cpu = p.cpu_times()
                    key = (p.pid, p.create_time())
                    # Classified at every sample (a forked child is `sh` until it execs Chromium), but an
                    # exiting process has no command line left: it keeps the kind it had while alive.
                    known = self._cpu.get(key, ("other", 0.0))[0]
                    kind = process_kind(p, p.pid == self.pid) or known
                    self._cpu[key] = (kind, cpu.user + cpu.system)
            except psutil.Error:
                continue
        if total > self.peak:
            self.peak, self.peak_processes = total, len(procs)
        return total

    @property
    def cpu_s(self) -> float:
        """CPU seconds (user + system) of every process of the tree, as last sampled (at most `interval` short)."""
        return sum(cpu for _, cpu in self._cpu.values())

    @property
    def cpu_by_kind(self) -> dict[str, float]:
        """CPU seconds per kind of process (python, playwright driver, Chromium browser/renderer/gpu/utility)."""
        out: dict[str, float] = {}
        for kind, cpu in self._cpu.values():
            out[kind] = out.get(kind, 0.0) + cpu
        return out

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = self.sample()
            if rss:
                self.samples.append((time.time(), rss))
            self._stop.wait(self.interval)


def process_kind(p: psutil.Process, is_root: bool) -> str | None:
    """What a process of the tree is: the part's own Python, Playwright's node driver, or a Chromium process by
    its `--type=` (no type: the browser process itself; network service, zygotes and the like count as utility);
    None when it cannot tell (a zombie's command line is empty or unreadable)."""
    if is_root:
        return "python"
    try:
        cmdline = p.cmdline()
    except psutil.Error:
        return None
    if not cmdline:
        return None
    name = p.name()  # the wrapper /usr/bin/chromium-headless-shell is `sh` by its cmdline, Chromium by its name
    if name.startswith("node") or any("playwright" in arg and arg.endswith("cli.js") for arg in cmdline):
        return "playwright driver"
    if "chrom" in name or "headless" in name or any("chrom" in Path(arg).name for arg in cmdline[:1]):
        kind = next((arg.split("=", 1)[1] for arg in cmdline if arg.startswith("--type=")), "browser")
        return {"browser": "browser", "renderer": "renderer", "gpu-process": "gpu"}.get(kind, "utility")
    return "python" if "python" in name else "other"


@dataclass
class Measured:
    """A part run as a subprocess: wall time, peak memory, exit code, the part's own JSON result."""

    wall_s: float
    peak_rss: int
    cpu_s: float
    returncode: int
    peak_processes: int = 0
    result: dict = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    samples: list[tuple[float, int]] = field(default_factory=list)
    started_at: float = 0.0
    cpu_by_kind: dict[str, float] = field(default_factory=dict)


def run_measured(cmd: list[str], *, env: dict | None = None, timeout: float = 7200, cwd: Path = ROOT) -> Measured:
    """Run `cmd`, sampling the memory of its process tree; output is captured, never inherited."""
    started_at = time.time()
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    with PeakMemory(proc.pid) as peak:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate(timeout=30)
    wall = time.perf_counter() - started
    return Measured(
        wall,
        peak.peak,
        peak.cpu_s,
        proc.returncode,
        peak.peak_processes,
        parse_result(stdout),
        stdout,
        stderr,
        peak.samples,
        started_at,
        peak.cpu_by_kind,
    )


# The machine ------------------------------------------------------------------------------------------------


def chromium_version(executable: str | None) -> str:
    """`chromium --version` of the executable the bot uses (falls back to the browser's own `version`)."""
    if executable:
        try:
            out = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=30, check=False)
            if out.stdout.strip():
                return out.stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            pass
    try:
        from playwright.sync_api import sync_playwright

        from bot.run.chromium import LAUNCH_ARGS

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=executable, args=list(LAUNCH_ARGS))
            version = browser.version
            browser.close()
        return f"Chromium {version}"
    except Exception as e:  # noqa: BLE001 - the table says what is unknown rather than stopping the bench
        return f"unknown ({type(e).__name__})"


def machine() -> dict:
    """Cores, memory, OS, Python and the Chromium build the bench drives."""
    from bot.run.chromium import find_chromium

    executable = find_chromium()
    vm = psutil.virtual_memory()
    return {
        "cores_logical": psutil.cpu_count(logical=True),
        "cores_physical": psutil.cpu_count(logical=False),
        "memory_gib": round(vm.total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "chromium_path": executable or "",
        "chromium": chromium_version(executable),
        "cpu": _cpu_model(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
