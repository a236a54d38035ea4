"""Benchmark of the log: append in batches, durable single appends, and full verification.

Run: ``make bench`` or ``.venv/bin/python bench/bench_log.py [--entries N] [--single M]``.
Prints, in one run: append entries/s (batches of 1,000), single-entry durable append latency
(p50/p99/max), full-verify entries/s for a batch-written and a one-entry-per-commit log, and
verify throughput as a ratio to ``sha256sum`` over the same segment files, and the time to open
the large feed for writing (from its resume point, and without it). Verify and open report
process CPU time beside wall time: the machine may be shared.
Targets (issue #2): verify ≥ 300,000 entries/s, append ≥ 50,000 entries/s, p99 ≤ 10 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from ejournal.datadir import DataDir, init_data_dir
from ejournal.log import NewEntry, SigningPolicy, verify_data_dir
from ejournal.log.resume import RESUME

KINDS = ["У", "КР", "СР", "ПР", "ДЗ"]


def mark(i: int) -> NewEntry:
    """A realistic mark entry, about 230 bytes as a line."""
    return NewEntry(
        "mark.set",
        {
            "lesson": f"l-{i // 25:07d}",
            "student": f"s-{i % 300:05d}",
            "value": "2345"[i % 4],
            "kind": KINDS[i % 5],
            "course": f"c-{i % 40:04d}",
        },
        f"u-{i % 25:04d}",
    )


def segment_files(data: Path) -> list[Path]:
    return sorted(data.glob("feeds/*/seg-*.jsonl"))


def verify_rate(data: Path) -> tuple[float, float, float, int]:
    dd = DataDir(data)
    t0, c0 = time.perf_counter(), time.process_time()
    report = verify_data_dir(data, dd.root_verifier())
    took, cpu = time.perf_counter() - t0, time.process_time() - c0
    if not report.ok:
        raise SystemExit(f"verify failed: {report.all_problems[:3]}")
    return report.entries / took, took, cpu, report.entries


def bench_open(data: Path) -> None:
    """Open the big feed for writing: from its resume point, then with the point removed."""
    dd = DataDir(data)
    for label in ("from its resume point", "without a resume point (reads it all)"):
        if label.startswith("without"):
            for point in data.glob(f"feeds/*/{RESUME}"):
                point.unlink()
        t0, c0 = time.perf_counter(), time.process_time()
        feed = dd.open_feed(policy=SigningPolicy(background=False))
        took, cpu = time.perf_counter() - t0, time.process_time() - c0
        size = feed.size
        feed.close()
        print(f"open a feed of {size:,} entries {label}: {took:.3f} s wall, {cpu:.3f} s CPU")


def sha256sum_time(files: list[Path]) -> float:
    t0 = time.perf_counter()
    subprocess.run(["sha256sum", *map(str, files)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def bench_batches(root: Path, entries: int, batch: int) -> None:
    data = root / "batches"
    init_data_dir(data)
    feed = DataDir(data).open_feed()
    took = 0.0  # in Feed.append only: making the batch's entries is the caller's work
    for start in range(0, entries, batch):
        items = [mark(i) for i in range(start, min(entries, start + batch))]
        t0 = time.perf_counter()
        feed.append(items)
        took += time.perf_counter() - t0
    feed.close()
    print(
        f"append, batches of {batch}: {entries / took:,.0f} entries/s "
        f"({took:.1f} s in Feed.append for {entries:,})"
    )
    report_verify(data, "batch-written log")
    bench_open(data)


def bench_single(root: Path, entries: int) -> None:
    data = root / "single"
    init_data_dir(data)
    feed = DataDir(data).open_feed(policy=SigningPolicy())
    latencies = []
    for i in range(entries):
        t0 = time.perf_counter()
        feed.append([mark(i)])
        latencies.append(time.perf_counter() - t0)
    feed.close()
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1e3

    print(
        f"single durable append (fsync), {entries:,} commits: p50 {pct(0.5):.3f} ms, "
        f"p99 {pct(0.99):.3f} ms, max {latencies[-1] * 1e3:.3f} ms"
    )
    report_verify(data, "one-entry-per-commit log")


def report_verify(data: Path, label: str) -> None:
    rate, took, cpu, n = verify_rate(data)
    files = segment_files(data)
    size = sum(f.stat().st_size for f in files)
    sha = sha256sum_time(files)
    print(
        f"verify, {label}: {rate:,.0f} entries/s wall, {n / cpu:,.0f} entries/s CPU "
        f"({n:,} entries, {size / 1e6:.0f} MB in {took:.2f} s wall, {cpu:.2f} s CPU); "
        f"{size / took / 1e6:.0f} MB/s = {sha / took:.2f}× sha256sum ({size / sha / 1e6:.0f} MB/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--single", type=int, default=100_000, help="one-entry commits")
    parser.add_argument("--dir", type=Path, default=None, help="work directory (default: temp)")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    root = Path(tempfile.mkdtemp(prefix="ejournal-bench-", dir=args.dir))
    try:
        bench_batches(root, args.entries, args.batch)
        bench_single(root, args.single)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
