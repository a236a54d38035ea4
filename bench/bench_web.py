"""Benchmark of the web journal (issue #4) on a copy of a large demo school.

Run on a COPY of a demo school (it writes marks into it):

    cp -a /work/bench-data/demo10 /tmp/demo10-copy
    .venv/bin/python bench/bench_web.py --dir /tmp/demo10-copy

It prints, in one run:
(a) the journal grid page (GET /journal/{course}/{quarter}, rendered HTML) of random courses of
    25–35 students and random quarters of the past years (the current year's grids fill up with
    the marks this bench saves), timed through the app in-process (Litestar
    TestClient, signed in as the deputy head): p50/p95/max. Target p95 ≤ 30 ms.
(b) saving one mark (POST …/cell as htmx: the command, the durable log append with fsync, the
    projection and the one-cell fragment), in-process, by a teacher in the own courses:
    p50/p95/max. Target p95 ≤ 15 ms.
(c) N teachers (default 60) saving marks at once for S seconds (default 60): `ejournal serve`
    in a subprocess on loopback, and a load generator in another process (httpx + asyncio),
    every virtual teacher signed in with an own session and saving marks in the own courses,
    one save every 0.5–1.5 s (a teacher typing a mark and Enter; --think scales it, 0 = as fast
    as the server answers). p50/p95/p99/max and errors. Target p95 ≤ 100 ms, no errors.

The school needs accounts for the deputy head and the teachers: the bench gives the teachers it
uses logins ``bench-NN`` (cheap argon2id parameters, only for this copy) and uses the demo's
``deputy`` / ``demo-deputy`` for (a).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PASSWORD = "bench-password-1"
VALUES = ["5", "4", "4", "3", "5", "4 КР", "Н"]


@dataclass(frozen=True)
class Cell:
    course: str
    period: str
    lesson: str
    student: str
    r: int
    c: int


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(name: str, ms: list[float], target: float | None = None) -> str:
    line = (
        f"{name}: n={len(ms)} p50 {statistics.median(ms):.1f} ms, p95 {pct(ms, 95):.1f} ms, "
        f"p99 {pct(ms, 99):.1f} ms, max {max(ms):.1f} ms"
    )
    if target is not None:
        line += f"  (target p95 ≤ {target:g} ms: {'met' if pct(ms, 95) <= target else 'NOT met'})"
    return line


# --- choosing what to ask for (read-only, before the app opens the school) -----------------


def _ro(data: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{data / 'journal.sqlite'}?mode=ro", uri=True)


def grid_samples(data: Path, count: int, rng: random.Random, today: str) -> list[tuple[str, str]]:
    """(course, quarter) of class courses with 25–35 students, from every year but the current
    one (where (b) and (c) keep adding marks: its grids get denser with every run)."""
    from ejournal.queries.members import members
    from ejournal.queries.periods import course_periods, current_year

    db = _ro(data)
    courses = db.execute(
        "SELECT c.course, c.grp, c.start, c.end FROM courses c JOIN groups g ON g.grp = c.grp "
        "WHERE g.kind = 'class' AND coalesce(g.grade, 0) >= 2 AND c.year != ?",
        (current_year(db, today) or "",),
    ).fetchall()
    rng.shuffle(courses)
    found: list[tuple[str, str]] = []
    for course, group, start, end in courses:
        quarters = [p for p in course_periods(db, course) if p.kind == "quarter"]
        if not quarters:
            continue
        term = rng.choice(quarters)
        if 25 <= len(members(db, group, max(start, term.start), min(end, term.end))) <= 35:
            found.append((course, term.period))
        if len(found) >= count:
            break
    db.close()
    return found


def teacher_cells(data: Path, teachers: int, per_teacher: int, today: str) -> dict[str, list[Cell]]:
    """For up to ``teachers`` teachers of the current year: cells of their own courses (marks
    allowed, lessons already held in the current period) where a mark may be given."""
    from ejournal.queries.grid import journal_grid
    from ejournal.queries.periods import course_periods, current_year

    db = _ro(data)
    year = current_year(db, today)
    rows = db.execute(
        "SELECT c.teacher, c.course FROM courses c JOIN groups g ON g.grp = c.grp "
        "LEFT JOIN subjects s ON s.subject = c.subject WHERE c.year = ? "
        "AND coalesce(g.grade, 0) >= 2 "
        "AND coalesce(nullif(c.grading, ''), s.grading, 'five') = 'five' "
        "ORDER BY c.teacher, c.course",
        (year,),
    ).fetchall()
    by_teacher: dict[str, list[str]] = {}
    for teacher, course in rows:
        by_teacher.setdefault(teacher, []).append(course)
    found: dict[str, list[Cell]] = {}
    for teacher, courses in by_teacher.items():
        cells: list[Cell] = []
        for course in courses[:3]:
            periods = [p for p in course_periods(db, course) if p.start <= today]
            if not periods:
                continue
            term = periods[-1]
            grid = journal_grid(db, course, term.period)
            for c, les in enumerate(grid.lessons):
                if les.date > today:
                    continue
                for r, row in enumerate(grid.rows):
                    if row.cells[c].member:
                        cells.append(
                            Cell(course, term.period, les.lesson, row.student.person, r, c)
                        )
        if cells:
            random.Random(teacher).shuffle(cells)
            found[teacher] = cells[:per_teacher]
        if len(found) >= teachers:
            break
    db.close()
    return found


def give_accounts(data: Path, teachers: list[str]) -> dict[str, str]:
    """Logins bench-NN for these teachers (cheap argon2id: sign-in is not what is measured)."""
    from argon2 import PasswordHasher

    from ejournal.auth import AuthStore

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    store = AuthStore(data / "auth.sqlite", hasher=cheap)
    logins = {teacher: f"bench-{n:02d}" for n, teacher in enumerate(teachers)}
    store.set_passwords([(t, login, PASSWORD) for t, login in logins.items()])
    store.close()
    return logins


# --- (a) and (b): in-process ----------------------------------------------------------------


def _login_form(page: str, login: str, password: str) -> dict[str, str]:
    """The sign-in form's fields, with the CSRF token of the /login page just fetched."""
    found = CSRF.search(page)
    assert found, "no CSRF token on /login"
    return {"csrf": found.group(1), "login": login, "password": password}


def _sign_in(client, login: str, password: str) -> str:  # type: ignore[no-untyped-def]
    form = _login_form(client.get("/login").text, login, password)
    response = client.post("/login", data=form)
    assert response.status_code == 303, (login, response.status_code, response.text[:300])
    found = CSRF.search(client.get("/password").text)
    assert found, "no CSRF token on /password"
    return found.group(1)


def in_process(data: Path, grids: list[tuple[str, str]], cells: list[Cell], login: str) -> None:
    from litestar.testing import TestClient

    from web import create_app

    app = create_app(data)
    with TestClient(app, base_url="https://testserver.local") as client:
        client.follow_redirects = False
        _sign_in(client, "deputy", "demo-deputy")
        for course, period in grids[:20]:  # warm up caches and templates
            client.get(f"/journal/{course}/{period}")
        ms, cpu, size = [], [], 0
        for course, period in grids:
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(f"/journal/{course}/{period}")
            ms.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            assert response.status_code == 200, (course, period, response.status_code)
            size = max(size, len(response.content))
        print(report("(a) journal grid page, 25–35 students × a quarter", ms, 30))
        print(
            report("    the same, CPU time of the process per request", cpu, 30)
            + f"; largest page {size / 1000:.0f} KB"
        )

        csrf = _sign_in(client, login, PASSWORD)
        headers = {"HX-Request": "true", "X-CSRF-Token": csrf}
        rng = random.Random(1)
        ms, cpu, errors = [], [], 0
        for n, cell in enumerate(cells):
            data_ = {**asdict(cell), "value": rng.choice(VALUES[:5])}
            url = f"/journal/{cell.course}/{cell.period}/cell"
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.post(url, data=data_, headers=headers)
            took, used = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
            if response.status_code != 200:
                errors += 1
            elif n >= 10:  # the first few warm up
                ms.append(took)
                cpu.append(used)
        print(
            report("(b) saving one mark (durable log + projection + fragment)", ms, 15)
            + f", refused {errors}"
        )
        print(report("    the same, CPU time of the process per request", cpu, 15))


# --- (c): 60 teachers against a live server --------------------------------------------------


def wait_for(url: str, seconds: float = 900) -> None:
    """Wait for the server (opening a big school recomputes its log's tree: a minute or more)."""
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not start")


async def _sign_in_async(client, login: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    form = _login_form((await client.get("/login")).text, login, PASSWORD)
    r = await client.post("/login", data=form)
    if r.status_code != 303:
        raise SystemExit(f"{login}: sign-in answered {r.status_code}")
    found = CSRF.search((await client.get("/password")).text)
    if not found:
        raise SystemExit(f"{login}: no CSRF token")
    return {"HX-Request": "true", "X-CSRF-Token": found.group(1)}


async def _teacher(  # type: ignore[no-untyped-def]
    client, headers: dict[str, str], cells: list[dict], until: float, plan: dict, seed: int
) -> tuple[list[float], list[str], list[float]]:
    """One virtual teacher: a save, a pause of 0.5–1.5 s × think, again, until the end; with
    ``grid_every`` K, every K-th action opens the own grid page instead of saving."""
    import httpx

    rng = random.Random(seed)
    ms: list[float] = []
    pages: list[float] = []
    errors: list[str] = []
    n = 0
    think, every = plan["think"], plan["grid_every"]
    while time.monotonic() < until:
        if think:
            await asyncio.sleep(rng.uniform(0.5, 1.5) * think)
        cell = cells[n % len(cells)]
        n += 1
        url = f"/journal/{cell['course']}/{cell['period']}"
        t0 = time.perf_counter()
        try:
            if every and n % every == 0:
                r = await client.get(url)
                pages.append((time.perf_counter() - t0) * 1000)
            else:
                body = {**cell, "value": rng.choice(VALUES)}
                r = await client.post(url + "/cell", data=body, headers=headers)
                ms.append((time.perf_counter() - t0) * 1000)
            if r.status_code != 200:
                errors.append(f"{r.status_code}: {r.text[:100]}")
        except httpx.HTTPError as e:
            errors.append(type(e).__name__)
    return ms, errors, pages


async def _load(plan: dict) -> dict:  # type: ignore[type-arg]
    import httpx

    clients = [httpx.AsyncClient(base_url=plan["url"], timeout=30) for _ in plan["teachers"]]
    try:
        # Everyone signs in first, each with an own session; then all save at once.
        headers = await asyncio.gather(
            *(_sign_in_async(c, login) for c, login in zip(clients, plan["teachers"], strict=True))
        )
        start = time.monotonic()
        until = start + plan["seconds"]
        results = await asyncio.gather(
            *(
                _teacher(c, h, cells, until, plan, n)
                for n, (c, h, cells) in enumerate(
                    zip(clients, headers, plan["teachers"].values(), strict=True)
                )
            )
        )
        took = time.monotonic() - start
    finally:
        for c in clients:
            await c.aclose()
    return {
        "ms": [m for ms, _, _ in results for m in ms],
        "errors": [e for _, errs, _ in results for e in errs],
        "pages": [m for _, _, pages in results for m in pages],
        "seconds": took,
    }


def load_worker(plan_file: Path) -> None:
    """The load generator process: reads the plan, prints the results as JSON."""
    plan = json.loads(plan_file.read_text())
    print(json.dumps(asyncio.run(_load(plan))))


def live_load(data: Path, cells: dict[str, list[Cell]], logins: dict[str, str], args) -> None:  # type: ignore[no-untyped-def]
    from ejournal.cli import main as _  # noqa: F401  (the CLI is importable: serve exists)

    port = args.port
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    if args.server_src:  # serve another checkout's code (e.g. main) over the same data
        env["PYTHONPATH"] = str(args.server_src)
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from ejournal.cli import main; main()",
            "serve",
            str(data),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        env=env,
    )
    try:
        wait_for(url)
        plan = {
            "url": url,
            "seconds": args.seconds,
            "think": args.think,
            "grid_every": args.grid_every,
            "teachers": {
                logins[t]: [asdict(c) for c in cs] for t, cs in cells.items() if t in logins
            },
        }
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(plan, f)
        out = subprocess.run(
            [sys.executable, __file__, "--load-worker", f.name],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(out.stdout)
        ms, errors, took = result["ms"], result["errors"], result["seconds"]
        if result["pages"]:
            print(report("    grid pages opened by the same teachers meanwhile", result["pages"]))
        print(
            report(
                f"(c) {len(plan['teachers'])} teachers saving marks for {args.seconds} s "
                f"(think {args.think:g}×0.5–1.5 s)",
                ms,
                100,
            )
            + f"; {len(ms) / took:.0f} saves/s, errors {len(errors)}"
        )
        if errors:
            print("   first errors:", errors[:5])
    finally:
        server.terminate()
        try:
            server.wait(120)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> None:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--dir", type=Path, help="a COPY of a demo school (marks are written)")
    parser.add_argument("--grids", type=int, default=300, help="grid pages to time (a)")
    parser.add_argument("--saves", type=int, default=300, help="single saves to time (b)")
    parser.add_argument("--teachers", type=int, default=60)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--grid-every",
        type=int,
        default=0,
        help="(c): every K-th action of a teacher opens the grid page",
    )
    parser.add_argument("--server-src", type=Path, help="(c): serve the code of this checkout")
    parser.add_argument("--skip-in-process", action="store_true", help="only (c)")
    parser.add_argument("--skip-load", action="store_true", help="only (a) and (b)")
    parser.add_argument("--load-worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load_worker:
        load_worker(args.load_worker)
        return
    if args.dir is None or not (args.dir / "journal.sqlite").exists():
        parser.error("--dir: a copy of a demo school's data directory")
    today = date.today().isoformat()
    rng = random.Random(7)
    t0 = time.monotonic()
    grids = grid_samples(args.dir, args.grids, rng, today)
    cells = teacher_cells(args.dir, args.teachers, max(args.saves, 400), today)
    logins = give_accounts(args.dir, sorted(cells))
    print(f"prepared {len(grids)} grids, {len(cells)} teachers in {time.monotonic() - t0:.0f} s")
    first = sorted(cells)[0]
    if not args.skip_in_process:
        in_process(args.dir, grids, cells[first][: args.saves], logins[first])
    if not args.skip_load:
        live_load(args.dir, cells, logins, args)


if __name__ == "__main__":
    main()
