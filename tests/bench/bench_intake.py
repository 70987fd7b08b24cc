"""Benchmark (not a test): read a 100 files x 250 rows AES 7z delivery; print wall time and peak memory.

.venv/bin/python -m tests.bench.bench_intake [--files 100] [--rows 250] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import py7zr

from bot.intake import read_delivery

ROOT = Path(__file__).resolve().parents[2]
TEST_LIST = ROOT / "mock_personalverktyg" / "seed" / "testpersonnummer.txt"
PASSWORD = "bench-losenord"
ENV = "UTSKICK_BENCH_7Z_PASSWORD"


def build(path: Path, files: int, rows: int) -> int:
    """Write the delivery with official test numbers (12 digits); return the number of rows."""
    numbers = TEST_LIST.read_text(encoding="ascii").split()
    needed = files * rows
    if needed > len(numbers):
        raise SystemExit(f"the test list has only {len(numbers)} numbers")
    with py7zr.SevenZipFile(path, "w", password=PASSWORD) as archive:
        for i in range(files):
            chunk = numbers[i * rows : (i + 1) * rows]
            archive.writestr("".join(f"{n}\r\n" for n in chunk).encode(), f"lista{i:03d}.txt")
    return needed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--rows", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ[ENV] = PASSWORD
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "leverans.7z"
        started = time.perf_counter()
        total = build(archive, args.files, args.rows)
        print(f"built {args.files} files x {args.rows} rows ({total} rows) in {time.perf_counter() - started:.2f} s")
        print(f"archive size: {archive.stat().st_size / 1024:.0f} KiB")

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = read_delivery(archive, ENV)
            times.append(time.perf_counter() - started)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert len(result.accepted) == total, (len(result.accepted), total)

        tracemalloc.start()
        read_delivery(archive, ENV)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    print(f"read_delivery: {len(result.accepted)} accepted, {result.files} files")
    print(f"wall time: median {statistics.median(times):.3f} s, min {min(times):.3f} s over {args.repeat} runs")
    print(f"peak traced Python memory (tracemalloc): {peak / 1024 / 1024:.1f} MiB")
    print(f"process max RSS: {rss_after / 1024:.1f} MiB (grew {(rss_after - rss_before) / 1024:.1f} MiB while reading)")


if __name__ == "__main__":
    main()
