"""Benchmark of distance learning (issue #11).

Run: ``.venv/bin/python bench/bench_distance.py [--students 30] [--questions 10] [--files 1000]``.

(a) A class of ``--students`` takes a test at the same minute: a live server (``ejournal
    serve`` in its own process, on loopback) and one client thread per student, all released
    together; each signs in, starts the attempt, saves an answer to every question (twice each:
    a student changes their mind) the way the page does (htmx POST), and finishes. Prints the
    p50 / p95 / max of the answer saves (target p95 ≤ 50 ms).
(b) ``--files`` distinct files of 200 KB submitted through the commands, then one of them
    submitted again: the blob store's size on disk (``du``), the feed's growth, and that the
    identical file was stored once.

The school is built for today's real date (the server keeps real time).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
from argon2 import PasswordHasher

from ejournal.auth import AuthStore
from ejournal.datadir import init_data_dir
from ejournal.journal import Journal
from ejournal.log import SigningPolicy
from ejournal.model import events as ev
from ejournal.model.access import SYSTEM
from ejournal.model.commands import distance, people, quiz, structure, teaching
from ejournal.model.files import Upload

PASSWORD = "bench-password"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SURNAMES = [
    "Иванов",
    "Петров",
    "Сидоров",
    "Кузнецов",
    "Смирнов",
    "Попов",
    "Волков",
    "Орлов",
    "Зайцев",
    "Соколов",
]
NAMES = ["Пётр", "Иван", "Олег", "Денис", "Артём", "Глеб", "Лев", "Марк", "Яков", "Юрий"]


def build(path: Path, students: int, questions: int) -> tuple[list[str], list[str], str, str, str]:
    """A school with one class of ``students`` and two tests of ``questions``; returns
    (tests, student ids, a student, the assignment, the math teacher)."""
    init_data_dir(path)
    today = date.today()
    year_start = date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    year = f"{year_start.year}/{year_start.year + 1}"
    start, end = year_start.isoformat(), date(year_start.year + 1, 5, 25).isoformat()
    with Journal.open(path, policy=SigningPolicy(background=False)) as j:
        admin = people.register_person(j, SYSTEM, last_name="Админ", first_name="Анна")
        people.grant_role(j, SYSTEM, person=admin, role="admin", start=start)
        structure.configure_school(j, admin, ev.SchoolConfigured(name="Школа для замеров"))
        structure.define_year(j, admin, year=year, start=start, end=end)
        teacher = people.register_person(j, admin, last_name="Учитель", first_name="Иван")
        people.grant_role(j, admin, person=teacher, role="teacher", start=start)
        cls = structure.create_class(j, admin, year=year, grade=9, letter="А")
        math = structure.define_subject(j, admin, name="Математика")
        course = structure.create_course(
            j, admin, year=year, subject=math, teacher=teacher, group=cls, start=start, end=end
        )
        ids = []
        for n in range(students):
            s = people.register_person(
                j,
                admin,
                last_name=SURNAMES[n % len(SURNAMES)],
                first_name=NAMES[n // len(SURNAMES) % len(NAMES)],
                birth_date="2011-01-01",
            )
            people.enroll(j, admin, student=s, group=cls, start=start)
            people.grant_role(j, admin, person=s, role="student", start=start)
            ids.append(s)
        lesson = teaching.record_lesson(j, teacher, course=course, date=j.today())
        qs = []
        for n in range(questions):
            if n % 2:
                qs.append(
                    quiz.add_question(
                        j, teacher, subject=math, kind="number", text=f"Вопрос {n}", number=str(n)
                    )
                )
            else:
                qs.append(
                    quiz.add_question(
                        j,
                        teacher,
                        subject=math,
                        kind="single",
                        text=f"Вопрос {n}",
                        options=[ev.QuizOption("да", True), ev.QuizOption("нет")],
                    )
                )
        test = [
            quiz.publish_quiz(
                j,
                teacher,
                course=course,
                title=f"Срез {n}",
                questions=qs,
                minutes=45,
                opens=j.today(),
                closes=j.today(),
                scale=[("5", questions), ("2", 0)],
                control="spot_check",
                lesson=lesson,
            )
            for n in (1, 2)
        ]
        asg = distance.publish_assignment(
            j,
            teacher,
            course=course,
            title="Файлы",
            text="Пришлите файлы.",
            due=j.now() + timedelta(days=7),
            kind="ДЗ",
        )
    auth = AuthStore(path / "auth.sqlite", hasher=PasswordHasher(time_cost=1, memory_cost=1024))
    auth.set_passwords([(s, f"s{n:02d}", PASSWORD) for n, s in enumerate(ids)])
    auth.close()
    return test, ids, ids[0], asg, teacher


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def student_run(
    base: str,
    login: str,
    test: str,
    questions: int,
    barrier: threading.Barrier,
    saves: list[float],
    errors: list[str],
    think: float,
) -> None:
    pause = random.Random(login)
    with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as c:
        token = CSRF.search(c.get("/login").text).group(1)  # type: ignore[union-attr]
        c.post("/login", data={"csrf": token, "login": login, "password": PASSWORD})
        csrf = CSRF.search(c.get("/password").text).group(1)  # type: ignore[union-attr]
        barrier.wait()
        r = c.post(f"/quiz/{test}/start", data={"csrf": csrf})
        attempt = r.headers["location"].rsplit("/", 1)[-1]
        page = c.get(f"/quiz/attempt/{attempt}").text
        qids = re.findall(r'name="question" value="([^"]+)"', page)
        assert len(qids) == questions, page[:500]
        headers = {"HX-Request": "true", "X-CSRF-Token": csrf}
        for round_ in range(2):
            for n, q in enumerate(qids):
                answer = str(round_) if n % 2 == 0 else str(n)
                if think:
                    time.sleep(pause.uniform(0, 2 * think))
                started = time.perf_counter()
                r = c.post(
                    f"/quiz/attempt/{attempt}/answer",
                    data={"question": q, "answer": answer},
                    headers=headers,
                )
                saves.append(time.perf_counter() - started)
                if r.status_code != 200:
                    errors.append(f"{login}: {r.status_code} {r.text[:200]}")
        c.post(f"/quiz/attempt/{attempt}/finish", data={"csrf": csrf})


def bench_test(path: Path, tests: list[str], students: int, questions: int, think: float) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ejournal.cli", "serve", str(path), "--port", str(port)],
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/login", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        for label, test, pace in (
            ("burst: every save right after the last", tests[0], 0.0),
            (f"the same minute: {think:.0f} s on average between saves", tests[1], think),
        ):
            _one_run(base, label, test, students, questions, pace)
    finally:
        server.terminate()
        server.wait(10)


def _one_run(base: str, label: str, test: str, students: int, questions: int, think: float) -> None:
    saves: list[float] = []
    errors: list[str] = []
    barrier = threading.Barrier(students)
    threads = [
        threading.Thread(
            target=student_run,
            args=(base, f"s{n:02d}", test, questions, barrier, saves, errors, think),
        )
        for n in range(students)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    wall = time.perf_counter() - started
    ms = sorted(s * 1000 for s in saves)
    p95 = ms[int(len(ms) * 0.95) - 1]
    print(
        f"(a) {label}: {students} students × {questions} questions × 2 saves = {len(ms)} "
        f"answer saves in {wall:.1f} s (all clients released together)"
    )
    print(
        f"    answer save latency: p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, "
        f"max {ms[-1]:.1f} ms  (target p95 ≤ 50 ms){'' if p95 <= 50 else '  ABOVE TARGET'}"
    )
    if errors:
        print(f"    {len(errors)} saves refused, e.g. {errors[0]}")


def du(path: Path) -> int:
    out = subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True, check=True)
    blocks = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0]), int(blocks.stdout.split()[0]) * 1024  # type: ignore[return-value]


def bench_files(path: Path, student: str, asg: str, count: int) -> None:
    feeds_before = du(path / "feeds")[0]
    rng = os.urandom
    with Journal.open(path, policy=SigningPolicy(background=False)) as j:
        started = time.perf_counter()
        first = b""
        for n in range(count):
            data = rng(200 * 1024)
            first = first or data
            distance.submit(j, student, assignment=asg, uploads=[Upload(f"работа-{n}.jpg", data)])
        seconds = time.perf_counter() - started
        files_before = len(list((path / "blobs").glob("??/*")))
        size_before = du(path / "blobs")
        distance.submit(j, student, assignment=asg, uploads=[Upload("та же работа.jpg", first)])
        files_after = len(list((path / "blobs").glob("??/*")))
        size_after = du(path / "blobs")
    feeds_after = du(path / "feeds")[0]
    apparent, on_disk = size_before
    grown = feeds_after - feeds_before
    print(
        f"(b) {count} distinct files of 200 KB submitted in {seconds:.1f} s "
        f"({count / seconds:.0f} files/s, each written to a temp name, fsynced, renamed)"
    )
    print(
        f"    blob store: {apparent / 2**20:.1f} MiB of content, {on_disk / 2**20:.1f} MiB on "
        f"disk ({on_disk / count / 1024:.1f} KiB per file); feed grew by "
        f"{grown / 1024:.0f} KiB ({grown / (count + 1):.0f} B per submission entry)"
    )
    print(
        f"    the same file submitted again: {files_before} → {files_after} blobs, "
        f"{size_before[1]} → {size_after[1]} bytes on disk (stored once)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument(
        "--think",
        type=float,
        default=1.5,
        help="mean seconds between a student's saves in the second run",
    )
    parser.add_argument("--dir", type=Path, help="work folder (default: a temporary one)")
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="bench-distance-"))
    path = work / "school"
    if path.exists():
        shutil.rmtree(path)
    print(f"school in {path} ({datetime.now():%Y-%m-%d %H:%M}), {os.cpu_count()} CPUs")
    test, _, student, asg, _ = build(path, args.students, args.questions)
    bench_test(path, test, args.students, args.questions, args.think)
    if args.files:
        bench_files(path, student, asg, args.files)
    if not args.dir:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
