"""Benchmarks of running a school (issue #10).

Run: ``.venv/bin/python bench/bench_ops.py [--students 1000] [--status DATA_DIR]``.

(a) import of a class list of N students (XLSX: read, check, plan, one append) and of their
    parents (CSV) into a fresh school after its first start, each timed end to end as
    ``ejournal import`` does it (the journal already open);
(b) with ``--status DATA_DIR``: ``ejournal status DATA_DIR`` as a user runs it (a new process,
    imports included), best and median of 5 runs (target < 1 s on the 10-year demo). Give it
    a COPY of a shared demo school: status only reads, but the rule is the rule.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from school_lists import (  # noqa: E402
    PARENT_HEADER,
    SETUP_TIME,
    STUDENT_HEADER,
    Clock,
    new_school,
    parent_rows,
    student_rows,
    students,
    to_csv,
    to_xlsx,
)  # fmt: skip

from ejournal.imports import import_rows, read_table, table_rows  # noqa: E402
from ejournal.journal import Journal  # noqa: E402
from ejournal.log import SigningPolicy  # noqa: E402


def bench_import(n: int) -> None:
    kids = students(n)
    lists = [
        ("students", "students.xlsx", to_xlsx(STUDENT_HEADER, student_rows(kids))),
        ("parents", "parents.csv", to_csv(PARENT_HEADER, parent_rows(kids))),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "school"
        admin, _ = new_school(path)
        options = {"clock": Clock(SETUP_TIME), "policy": SigningPolicy(background=False)}
        with Journal.open(path, **options) as j:
            for kind, name, data in lists:
                started, cpu = time.perf_counter(), time.process_time()
                rows = table_rows(read_table(name, data), kind)
                result = import_rows(j, admin, kind, rows, source=name,
                                     sha256=hashlib.sha256(data).hexdigest())  # fmt: skip
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
                print(f"import {kind:<8} {n:>6,} rows ({len(data):>9,} bytes {name}): "
                      f"{seconds:6.2f} s wall, {cpu:6.2f} s CPU, {result.entries:,} entries "
                      "in one append")  # fmt: skip
            started = time.perf_counter()
            rows = table_rows(read_table(lists[0][1], lists[0][2]), "students")
            again = import_rows(j, admin, "students", rows, source="again", sha256="-")
            print(f"import students again: {time.perf_counter() - started:6.2f} s, "
                  f"{again.entries} entries (nobody twice)")  # fmt: skip


def bench_status(data_dir: Path) -> None:
    exe = Path(sys.executable).with_name("ejournal")
    times, cpus = [], []
    for _ in range(5):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([str(exe), "status", str(data_dir)], capture_output=True, check=False)
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    print(f"ejournal status {data_dir}: best {min(times):.2f} s, median "
          f"{statistics.median(times):.2f} s wall over 5 runs (target < 1 s); CPU median "
          f"{statistics.median(cpus):.2f} s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--status", type=Path, help="a data directory (a copy) to time status on")
    args = parser.parse_args()
    print("load " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    bench_import(args.students)
    if args.status:
        bench_status(args.status)


if __name__ == "__main__":
    main()
