"""The bench's process-tree sampler, on real processes: CPU is attributed to the kind a process had while alive."""

import subprocess
import sys
import textwrap

from tests.bench.common import PeakMemory

# The parent starts a Python child that burns CPU and exits, then leaves it unreaped (a zombie, whose command
# line can no longer be read) for a while before it exits itself.
PARENT = textwrap.dedent(
    """
    import subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", "import time\\nend = time.process_time() + 0.4\\n"
                              "while time.process_time() < end: pass\\ntime.sleep(0.5)"])
    time.sleep(2.0)
    """
)


def test_an_exited_child_keeps_its_kind_and_its_cpu():
    proc = subprocess.Popen([sys.executable, "-c", PARENT])
    with PeakMemory(proc.pid, interval=0.05) as peak:
        proc.wait(timeout=30)
    by_kind = peak.cpu_by_kind
    assert by_kind.get("other", 0.0) == 0.0, by_kind
    # The root and the child are both Python; the child alone burned 0.4 CPU-seconds.
    assert by_kind["python"] >= 0.35, by_kind
    assert abs(peak.cpu_s - sum(by_kind.values())) < 1e-9
