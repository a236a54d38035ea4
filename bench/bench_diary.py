"""Benchmark of the diary week page (issue #6): server time of
``GET /diary/{student}/week/{monday}`` for a parent signed in, over random (parent, child,
week) samples of a large school.

Run on a COPY of the 10-year demo school (the shared one is read-only; opening it takes the
feed lock and may write):

    cp -a /work/bench-data/demo10 /tmp/me-demo10
    .venv/bin/python bench/bench_diary.py /tmp/me-demo10 [--samples 400] [--seed 1]

Prints p50 / p95 / max of (a) the server time of the whole request through the app in-process,
from the ASGI call to the last byte sent (routing, the session and role guard, the unread count
of the nav, the queries, the template; target p95 ≤ 20 ms), also as the test client sees it,
and the CPU time the process spent per request (client and server: what the machine's load
does not inflate), and (b) the diary query alone (``ejournal.queries.diary.diary_week``),
and the HTML size.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from ejournal.auth import AuthStore
from ejournal.journal import Journal
from ejournal.queries.diary import diary_week
from web import create_app
from web.security import COOKIE

SHARED = Path("/work/bench-data/demo10")


def _mondays(start: str, end: str) -> list[str]:
    first = date.fromisoformat(start)
    first -= timedelta(days=first.isoweekday() - 1)
    last = date.fromisoformat(end)
    days = []
    while first <= last:
        days.append(first.isoformat())
        first += timedelta(days=7)
    return days


def samples(j: Journal, n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """(parent, student, monday) with the week inside one of the student's class memberships."""
    today = j.today()
    pairs = j.db.execute(
        "SELECT person, scope FROM roles WHERE role = 'parent' AND scope != '' AND start <= ? "
        "AND (end IS NULL OR end >= ?) ORDER BY 1, 2",
        (today, today),
    ).fetchall()
    found = []
    while len(found) < n:
        parent, student = rng.choice(pairs)
        spans = j.db.execute(
            "SELECT m.start, coalesce(m.end, ?) FROM memberships m JOIN groups g ON g.grp = m.grp "
            "WHERE m.student = ? AND g.kind = 'class'",
            (today, student),
        ).fetchall()
        if not spans:
            continue
        start, end = rng.choice(spans)
        weeks = _mondays(start, min(end, today))
        if weeks:
            found.append((parent, student, rng.choice(weeks)))
    return found


class Timed:
    """The app with a stopwatch: from the ASGI call to the last body chunk sent (server time,
    without the test client's own work)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last_ms = 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def timed_send(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.last_ms = (time.perf_counter() - start) * 1000

        await self.app(scope, receive, timed_send)


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"p50 {statistics.median(ordered):.2f} ms, p95 {p95:.2f} ms, max {ordered[-1]:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.data_dir.resolve() == SHARED.resolve():
        parser.error(f"{SHARED} is shared and read-only: copy it first (cp -a)")
    t0 = time.perf_counter()
    with Journal.open(args.data_dir) as j:
        print(f"opened {args.data_dir} in {time.perf_counter() - t0:.1f} s (today {j.today()})")
        rng = random.Random(args.seed)
        chosen = samples(j, args.samples, rng)
        auth = AuthStore.of(args.data_dir)
        tokens = {p: auth.create_session(p).token for p in {s[0] for s in chosen}}
        app = Timed(create_app(args.data_dir, journal=j, auth=auth, secure_cookies=False))
        page_ms, client_ms, cpu_ms, query_ms, sizes = [], [], [], [], []
        with TestClient(app) as client:  # type: ignore[arg-type]
            for parent, student, monday in chosen[:20]:  # warm-up: caches, templates
                client.cookies.set(COOKIE, tokens[parent])
                client.get(f"/diary/{student}/week/{monday}")
            for parent, student, monday in chosen:
                client.cookies.set(COOKIE, tokens[parent])
                start, cpu = time.perf_counter(), time.process_time()
                response = client.get(f"/diary/{student}/week/{monday}")
                client_ms.append((time.perf_counter() - start) * 1000)
                cpu_ms.append((time.process_time() - cpu) * 1000)
                page_ms.append(app.last_ms)
                assert response.status_code == 200, (response.status_code, student, monday)
                sizes.append(len(response.content))
            for _, student, monday in chosen:
                start = time.perf_counter()
                diary_week(j.db, student, monday)
                query_ms.append((time.perf_counter() - start) * 1000)
        for token in tokens.values():
            auth.end_session(token)
        auth.close()
    print(f"diary week page, {len(page_ms)} requests, server time: {percentiles(page_ms)}")
    print("  (target p95 ≤ 20 ms)")
    print(f"  as the test client sees it:   {percentiles(client_ms)}")
    print(f"  CPU time (client + server):   {percentiles(cpu_ms)}  (steady under load)")
    print(f"diary_week query alone:   {percentiles(query_ms)}")
    print(f"HTML: median {statistics.median(sizes) / 1000:.1f} kB, max {max(sizes) / 1000:.1f} kB")


if __name__ == "__main__":
    main()
