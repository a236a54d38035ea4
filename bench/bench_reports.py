"""Speed of the reports on a large school (issue #5): the school-wide mark density report and a
class's summary sheet HTML (p50/p95 over random periods and classes), and the printed journal
PDF of one class for a closed year.

    .venv/bin/python bench/bench_reports.py --dir /tmp/demo10-copy [--runs 40]

Opens the data directory for writing (it may sign a checkpoint): use a COPY of a demo school
(``ejournal demo DIR --students 1000 --years 10``), never a shared one.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import datetime
from pathlib import Path

from ejournal.journal import Journal
from ejournal.reports import documents
from ejournal.reports.density import mark_density
from ejournal.reports.scope import ReportFilter, resolve
from ejournal.reports.summary import summary_sheet


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _line(name: str, samples: list[float], cpu: list[float]) -> None:
    ms = [s * 1000 for s in samples]
    cpu_ms = [s * 1000 for s in cpu]
    print(
        f"{name:<42} runs {len(ms):>3}  p50 {statistics.median(ms):8.1f} ms  "
        f"p95 {_pct(ms, 0.95):8.1f} ms  max {max(ms):8.1f} ms  "
        f"(CPU p50 {statistics.median(cpu_ms):.1f} ms, p95 {_pct(cpu_ms, 0.95):.1f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, required=True, help="a COPY of a demo school")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-pdf", action="store_true", help="skip the class journal PDF")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with Journal.open(args.dir) as j:
        db = j.db
        today = j.today()
        years = [y for (y,) in db.execute("SELECT year FROM years ORDER BY start")]
        current = years[-1]
        # the periods most of the school follows (quarters of grades 1–9, not halves of 10–11)
        rows = db.execute(
            "SELECT p.period FROM periods p JOIN period_grades g ON g.period = p.period "
            "WHERE p.year = ? AND p.start <= ? GROUP BY p.period HAVING count(*) >= 5",
            (current, today),
        )
        periods = [p for (p,) in rows]
        closed = [
            y for (y,) in db.execute("SELECT year FROM years WHERE closed = 1 ORDER BY start")
        ]
        marks = db.execute("SELECT count(*) FROM marks").fetchone()[0]
        print(f"school: {len(years)} years, {marks:,} marks; today {today}")

        density, density_cpu = [], []
        for _ in range(args.runs):
            scope = resolve(db, ReportFilter(year=current, period=rng.choice(periods)), today)
            t, c = time.perf_counter(), time.process_time()
            table = mark_density(db, scope)
            density.append(time.perf_counter() - t)
            density_cpu.append(time.process_time() - c)
        _line(f"mark density, school-wide ({len(table.rows)} courses)", density, density_cpu)

        year = closed[-1] if closed else current
        classes = [c for c, _ in documents.classes_of_year(db, year)]
        sheets, sheets_cpu = [], []
        now = datetime.now().astimezone()
        for _ in range(args.runs):
            class_id = rng.choice(classes)
            t, c = time.perf_counter(), time.process_time()
            documents.summary_html(db, summary_sheet(db, class_id), now)
            sheets.append(time.perf_counter() - t)
            sheets_cpu.append(time.process_time() - c)
        _line(f"summary sheet HTML, one class of {year}", sheets, sheets_cpu)

        if not args.no_pdf:
            class_id = next(c for c, name in documents.classes_of_year(db, year)
                            if name.startswith("5")) if classes else ""  # fmt: skip
            t, c = time.perf_counter(), time.process_time()
            pdf = documents.class_journal_pdf(j, class_id)
            took, cpu = time.perf_counter() - t, time.process_time() - c
            print(
                f"class journal PDF, {year}, one 5th-grade class: {took:.1f} s (CPU {cpu:.1f} s), "
                f"{len(pdf) / 1e6:.1f} MB"
            )


if __name__ == "__main__":
    main()
