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


def _line(name: str, samples: list[float]) -> None:
    ms = [s * 1000 for s in samples]
    print(f"{name:<42} runs {len(ms):>3}  p50 {statistics.median(ms):8.1f} ms  "
          f"p95 {_pct(ms, 0.95):8.1f} ms  max {max(ms):8.1f} ms")  # fmt: skip


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
        rows = db.execute(
            "SELECT period FROM periods WHERE year = ? AND kind = 'quarter'", (current,)
        )
        periods = [p for (p,) in rows]
        closed = [
            y for (y,) in db.execute("SELECT year FROM years WHERE closed = 1 ORDER BY start")
        ]
        marks = db.execute("SELECT count(*) FROM marks").fetchone()[0]
        print(f"school: {len(years)} years, {marks:,} marks; today {today}")

        density = []
        for _ in range(args.runs):
            scope = resolve(db, ReportFilter(year=current, period=rng.choice(periods)), today)
            t = time.perf_counter()
            table = mark_density(db, scope)
            density.append(time.perf_counter() - t)
        _line(f"mark density, school-wide ({len(table.rows)} courses)", density)

        year = closed[-1] if closed else current
        classes = [c for c, _ in documents.classes_of_year(db, year)]
        sheets = []
        now = datetime.now().astimezone()
        for _ in range(args.runs):
            class_id = rng.choice(classes)
            t = time.perf_counter()
            documents.summary_html(db, summary_sheet(db, class_id), now)
            sheets.append(time.perf_counter() - t)
        _line(f"summary sheet HTML, one class of {year}", sheets)

        if not args.no_pdf:
            class_id = next(c for c, name in documents.classes_of_year(db, year)
                            if name.startswith("5")) if classes else ""  # fmt: skip
            t = time.perf_counter()
            pdf = documents.class_journal_pdf(j, class_id)
            took = time.perf_counter() - t
            print(
                f"class journal PDF, {year}, one 5th-grade class: {took:.1f} s, "
                f"{len(pdf) / 1e6:.1f} MB"
            )


if __name__ == "__main__":
    main()
