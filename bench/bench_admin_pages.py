"""Server time of the administration pages on a large school (issue #4 item 5).

Run: ``.venv/bin/python bench/bench_admin_pages.py DATA_DIR [--runs 20]`` on a COPY of a demo
school (``ejournal demo`` makes one; the 1,000-student, 10-year one is the interesting case):
it opens the school with the web app in-process (Litestar's test client, no network), signs in
as the demo ``admin`` (password ``demo-admin``) and times each administration page GET, printing
p50 / p95 / max in milliseconds and the page size. It only reads: no form is posted.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from pathlib import Path

from litestar.testing import TestClient

from web import create_app

CSRF = re.compile(r'name="csrf" value="([^"]+)"')

PAGES = [
    "/admin",
    "/admin/year",
    "/admin/classes",
    "/admin/subjects",
    "/admin/courses",
    "/admin/timetable",
    "/admin/config",
    "/admin/closing",
    "/admin/people",
    "/admin/people?q=Ив",
    "/admin/students",
    "/admin/roles?q=Ив",
    "/admin/accounts",
    "/admin/security",
    "/admin/remarks",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="demo-admin")
    args = parser.parse_args()
    app = create_app(args.data_dir, secure_cookies=False)
    with TestClient(app) as client:
        client.follow_redirects = False
        token = CSRF.search(client.get("/login").text)
        assert token, "no CSRF token on /login"
        form = {"csrf": token.group(1), "login": args.login, "password": args.password}
        signed = client.post("/login", data=form)
        assert signed.status_code == 303, signed.text
        # A class with students, for the class pages.
        page = client.get("/admin/students").text
        first = page.split("&amp;class=", 1)[1].split('"', 1)[0] if "&amp;class=" in page else ""
        pages = PAGES + ([f"/admin/students?class={first}", f"/admin/closing?class={first}",
                          f"/admin/timetable?class={first}", f"/class/{first}/logins"]
                         if first else [])  # fmt: skip
        print(f"{'page':<40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'KB':>6}")
        for url in pages:
            times, size = [], 0
            for _ in range(args.runs):
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
                size = len(response.content)
                if response.status_code != 200:
                    break
            if response.status_code != 200:
                print(f"{url:<40} answered {response.status_code} to {args.login}")
                continue
            times.sort()
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            print(f"{url:<40} {statistics.median(times):8.1f} {p95:8.1f} {times[-1]:8.1f} "
                  f"{size / 1024:6.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
