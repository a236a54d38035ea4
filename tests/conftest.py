"""Shared fixtures: a freshly initialised school, a clock the test moves, realistic entries."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from ejournal.datadir import DataDir, init_data_dir
from ejournal.log import Entry, Feed, NewEntry, Report, SigningPolicy, fastscan, verify_data_dir
from ejournal.log.note import Ed25519Verifier

# Fixture modules that test files import from before naming them in pytest_plugins.
pytest.register_assert_rewrite("browser", "school", "web_fixture", "school_fixture")

KRASNOYARSK = timezone(timedelta(hours=7))
FIRST_LESSON = datetime(2026, 9, 1, 8, 30, tzinfo=KRASNOYARSK)


class Clock:
    """A clock that stands still until the test moves it; ``tick`` advances it on every read."""

    def __init__(self, start: datetime = FIRST_LESSON, tick: timedelta = timedelta()) -> None:
        self.current = start
        self.tick = tick

    def now(self) -> datetime:
        moment = self.current
        self.current += self.tick
        return moment

    def move(self, **delta: float) -> None:
        """Move the clock by a timedelta's keyword arguments (negative goes back)."""
        self.current += timedelta(**delta)


@dataclass(frozen=True)
class School:
    """One school's data directory as ``init_data_dir`` leaves it."""

    path: Path
    data_dir: DataDir
    feed_id: str
    root: Ed25519Verifier
    clock: Clock

    @property
    def feed_dir(self) -> Path:
        return self.data_dir.feeds / self.feed_id

    def open(self, **options: Any) -> Feed:
        """Open the device feed; by default with the test clock and no timer thread."""
        options.setdefault("clock", self.clock)
        options.setdefault("policy", SigningPolicy(background=False))
        return self.data_dir.open_feed(**options)

    def verify(self) -> Report:
        return verify_data_dir(self.path, self.root)

    def segments(self) -> list[Path]:
        return sorted(self.feed_dir.glob("seg-*.jsonl"))


def make_school(path: Path, clock: Clock | None = None) -> School:
    clock = clock or Clock()
    result = init_data_dir(path, clock=clock)
    return School(path, result.data_dir, result.feed_id, result.root, clock)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def school(tmp_path: Path, clock: Clock) -> School:
    """A freshly initialised school: one feed holding the certificate of its device key."""
    return make_school(tmp_path / "school", clock)


STUDENTS = ("Иванова Мария", "Петров Пётр", "Сидоренко Олег", "Ким Алина", "Ёлкин Фёдор")
SUBJECTS = ("Математика", "Русский язык", "Физика", "История")


def realistic_entry(n: int) -> NewEntry:
    """The n-th entry of a school day: marks mostly, some attendance, deterministic in n."""
    student = STUDENTS[n % len(STUDENTS)]
    lesson = {"subject": SUBJECTS[n % len(SUBJECTS)], "date": "2026-09-01", "number": n % 7 + 1}
    if n % 4 == 3:
        return NewEntry(
            "attendance.set", {"student": student, "lesson": lesson, "code": "Н"}, "u-12"
        )
    mark = {"student": student, "lesson": lesson, "value": str(n % 4 + 2), "kind": "КР"}
    return NewEntry("mark.set", mark, f"u-{n % 3 + 10}")


def append_entries(feed: Feed, count: int, batch: int = 1) -> list[Entry]:
    """Append ``count`` realistic entries in batches of ``batch``; returns what the feed wrote."""
    written: list[Entry] = []
    while len(written) < count:
        size = min(batch, count - len(written))
        start = feed.size
        written += feed.append([realistic_entry(start + i) for i in range(size)])
    return written


def snapshot(path: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under ``path`` with its mode and bytes; not the writer's lock (its pid) nor its
    resume point (a cache of the writer, never copied: tests/test_resume.py checks it)."""
    return {
        str(p.relative_to(path)): (stat.S_IMODE(p.stat().st_mode), p.read_bytes())
        for p in sorted(path.rglob("*"))
        if p.is_file() and p.name not in ("lock", "resume")
    }


@contextmanager
def writable(path: Path) -> Iterator[None]:
    """Let a test change a sealed (read-only) file, keeping its mode as it was."""
    mode = stat.S_IMODE(path.stat().st_mode)
    path.chmod(mode | stat.S_IWUSR)
    try:
        yield
    finally:
        path.chmod(mode)


def rewrite(path: Path, data: bytes) -> None:
    with writable(path):
        path.write_bytes(data)


def copy_school(school: School, dest: Path) -> School:
    shutil.copytree(school.path, dest)
    return School(dest, DataDir(dest), school.feed_id, school.root, school.clock)


def places(report: Report) -> list[str]:
    return [p.place for p in report.all_problems]


def problem_text(report: Report) -> str:
    return "\n".join(map(str, report.all_problems)) or "no problems"


def file_size(path: Path) -> int:
    return os.stat(path).st_size


@contextmanager
def reference_path_only() -> Iterator[None]:
    """Verification without the native scanner (ejournal/log/fastscan.py): the Python
    reference path checks every line."""
    with mock.patch.object(fastscan, "scanner", lambda *args, **kwargs: None):
        yield
