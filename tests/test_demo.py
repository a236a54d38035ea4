"""The demo school (``ejournal demo``): deterministic, complete, and kept by the same rules the
commands enforce. Two small demos are built once for the module (about 60 students, two years,
built for 24 November 2026)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ejournal.cli import main
from ejournal.demo.names import feminine, patronymic
from ejournal.demo.plans import build_plan
from ejournal.demo.schoolyear import school_year
from ejournal.demo.subjects import SUBJECTS
from ejournal.model.access import ROLES
from ejournal.model.rules import GRADING_VALUES, WORK_KINDS
from ejournal.projection.db import rebuild

TODAY = "2026-11-24"
OPTIONS = ["--students", "60", "--seed", "7", "--today", TODAY]

# Tables compared between two builds, without the columns that name the feed (its key is random).
COMPARED = {
    "marks": "mark, lesson, course, student, kind, value, at, by, late, invalid, current, changed",
    "lessons": "lesson, course, date, number, topic, homework, work_kinds, teacher, plan_topic, at",
    "attendance": "lesson, student, course, code, at, by, late",
    "final_marks": "course, student, kind, period, value, reason, at, by, late, invalid",
    "persons": "person, last_name, first_name, middle_name, birth_date, sex",
    "timetable": "grp, weekday, number, start, course, room",
}


@pytest.fixture(scope="module")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo built through the command line: its directory and what the command printed."""
    path = tmp_path_factory.mktemp("demo") / "school"
    result = CliRunner().invoke(main, ["demo", str(path), *OPTIONS])
    assert result.exit_code == 0, result.output
    return path, result.output


@pytest.fixture(scope="module")
def built(built_demo: tuple[Path, str]) -> Path:
    return built_demo[0]


@pytest.fixture(scope="module")
def db(built: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(built / "journal.sqlite")
    yield conn
    conn.close()


def rows(conn: sqlite3.Connection, sql: str, *params: object) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(sql, params).fetchall()]


def one(conn: sqlite3.Connection, sql: str, *params: object) -> Any:
    return conn.execute(sql, params).fetchone()[0]


# --- the build ---------------------------------------------------------------------------------


def test_same_seed_and_day_give_the_same_school(
    built: Path, db: sqlite3.Connection, tmp_path: Path
) -> None:
    # Another process with another string hash seed: no order may come from hashing.
    again = tmp_path / "again"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    command = [sys.executable, "-m", "ejournal.cli", "demo", str(again), *OPTIONS]
    subprocess.run(command, env=env, check=True, capture_output=True)
    other = sqlite3.connect(again / "journal.sqlite")
    try:
        entries = "SELECT sum(next_seq) FROM positions"
        assert one(other, entries) == one(db, entries)
        for table, columns in COMPARED.items():
            query = f"SELECT {columns} FROM {table} ORDER BY {columns}"
            assert rows(other, query) == rows(db, query), table
    finally:
        other.close()


def test_prints_counts_and_a_login_for_every_role(built_demo: tuple[Path, str]) -> None:
    output = built_demo[1]
    for word in ("students:", "teachers:", "entries:", "lessons:", "marks:"):
        assert word in output
    labels = ("администратор", "директор", "заместитель директора", "секретарь", "архивист",
              "учитель", "классный руководитель", "родитель", "ученик")  # fmt: skip
    people = (built_demo[0] / "demo-logins.txt").read_text(encoding="utf-8").splitlines()
    for label in labels:
        assert any(label in line and "логин: p-" in line for line in people), label
        assert any(label in line and "пароль: demo-" in line for line in output.splitlines()), label


def test_refuses_a_directory_that_holds_data(built: Path) -> None:
    before = sorted(p.name for p in (built / "feeds").iterdir())
    result = CliRunner().invoke(main, ["demo", str(built), *OPTIONS])
    assert result.exit_code == 2
    assert "not empty" in result.output
    assert sorted(p.name for p in (built / "feeds").iterdir()) == before


def test_verify_passes(built: Path) -> None:
    result = CliRunner().invoke(main, ["verify", str(built)])
    assert result.exit_code == 0, result.output
    assert "OK:" in result.output


def test_rebuild_from_the_feeds_equals_the_incremental_projection(
    built: Path, db: sqlite3.Connection
) -> None:
    # STYLE 9: the projection is disposable
    fresh = built.parent / "rebuilt.sqlite"
    rebuild(built / "feeds", fresh)
    other = sqlite3.connect(fresh)
    try:
        tables = ("marks", "attendance", "lessons", "final_marks", "mark_changes", "memberships")
        for table in (*tables, "roles", "substitutions", "compromises", "remarks"):
            query = f"SELECT * FROM {table} ORDER BY 1, 2, 3"
            assert rows(other, query) == rows(db, query), table
    finally:
        other.close()


# --- the school --------------------------------------------------------------------------------


def test_has_every_role_and_about_the_asked_size(db: sqlite3.Connection) -> None:
    # R-SEC-1
    assert {r for (r,) in rows(db, "SELECT DISTINCT role FROM roles")} == set(ROLES)
    students = one(db, "SELECT count(*) FROM roles WHERE role = 'student' AND end IS NULL")
    assert 50 <= students <= 75
    assert one(db, "SELECT count(*) FROM roles WHERE role = 'parent' AND end IS NULL") >= students
    grades = "SELECT DISTINCT grade FROM groups WHERE kind = 'class' AND year = ? ORDER BY 1"
    assert [g for (g,) in rows(db, grades, "2026/2027")] == list(range(1, 12))


def test_the_previous_year_is_complete_and_closed(db: sqlite3.Connection) -> None:
    # R-STR-7, R-MRK-3
    years = rows(db, "SELECT year, closed FROM years ORDER BY year")
    assert years == [("2025/2026", 1), ("2026/2027", 0)]
    kinds = """SELECT f.kind, count(*) FROM final_marks f JOIN courses c USING (course)
               WHERE c.year = '2025/2026' GROUP BY 1"""
    assert set(dict(rows(db, kinds))) == {"period", "year", "exam", "final"}
    decisions = {d for (d,) in rows(db, "SELECT decision FROM promotions WHERE year = '2025/2026'")}
    assert {"promoted", "graduated"} <= decisions
    graduates_still_students = """
        SELECT count(*) FROM promotions p JOIN roles r ON r.person = p.student
        WHERE r.role = 'student' AND p.decision = 'graduated' AND r.end IS NULL"""
    assert one(db, graduates_still_students) == 0
    # Period marks of the current year for the first quarter, which is over; no half is.
    current = """SELECT p.kind, count(*) FROM final_marks f JOIN periods p USING (period)
                 WHERE p.year = '2026/2027' GROUP BY 1"""
    assert set(dict(rows(db, current))) == {"quarter"}


def test_grade_one_has_no_marks_and_no_homework(db: sqlite3.Connection) -> None:
    # R-STR-6
    grade_one = "JOIN courses c USING (course) JOIN groups g ON g.grp = c.grp WHERE g.grade = 1"
    assert one(db, f"SELECT count(*) FROM marks {grade_one}") == 0
    assert one(db, f"SELECT count(*) FROM final_marks {grade_one}") == 0
    assert one(db, f"SELECT count(*) FROM lessons {grade_one} AND homework != ''") == 0
    assert one(db, f"SELECT count(*) FROM lessons {grade_one}") > 0
    assert one(db, f"SELECT count(*) FROM attendance {grade_one}") > 0


def outside_group(table: str, alias: str, day: str, join: str) -> str:
    """Rows of ``table`` for a student who was not in the course's group on ``day``."""
    return f"""
        SELECT count(*) FROM {table} {alias} {join}
        WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.student = {alias}.student
                          AND m.grp = c.grp AND m.start <= {day}
                          AND (m.end IS NULL OR m.end >= {day}))"""


def test_every_mark_and_absence_is_for_a_member_of_the_group_on_the_lesson_date(
    db: sqlite3.Connection,
) -> None:
    # R-STR-2: the commands refuse a mark for a student not in the class on that date
    by_lesson = "JOIN lessons l USING (lesson) JOIN courses c ON c.course = l.course"
    assert one(db, outside_group("marks", "x", "l.date", by_lesson)) == 0
    assert one(db, outside_group("attendance_events", "x", "l.date", by_lesson)) == 0
    by_period = "JOIN courses c USING (course) JOIN periods p USING (period)"
    day = "min(p.end, substr(f.at, 1, 10))"
    assert one(db, outside_group("final_marks", "f", day, by_period)) == 0
    outside_course = """SELECT count(*) FROM lessons l JOIN courses c USING (course)
                        WHERE l.date NOT BETWEEN c.start AND c.end"""
    assert one(db, outside_course) == 0


def test_marks_are_of_the_grading_system_by_the_teacher_of_the_lesson(
    db: sqlite3.Connection,
) -> None:
    # R-STR-6, R-MRK-1, R-LES-2
    values = """SELECT DISTINCT s.grading, k.value, k.kind FROM marks k
                JOIN courses c USING (course) JOIN subjects s USING (subject)"""
    for grading, value, kind in rows(db, values):
        assert value in GRADING_VALUES[grading] and kind in WORK_KINDS
    by_others = """SELECT count(*) FROM marks k JOIN lessons l USING (lesson)
                   JOIN courses c ON c.course = l.course
                   WHERE k.by NOT IN (c.teacher, coalesce(l.teacher, ''))"""
    assert one(db, by_others) == 0
    # Never a mark for a lesson still to come (the school's local date is UTC+7).
    ahead = """SELECT count(*) FROM marks k JOIN lessons l USING (lesson)
               WHERE l.date > date(k.at, '+7 hours')"""
    assert one(db, ahead) == 0
    average = (
        "SELECT avg(CAST(current AS INTEGER)) FROM marks WHERE current IN ('2', '3', '4', '5')"
    )
    assert 3.6 <= one(db, average) <= 4.2


def test_shows_late_entries_corrections_substitution_remarks(db: sqlite3.Connection) -> None:
    # R-MRK-1 (late, flagged), R-MRK-2, R-MRK-3, R-LES-2, R-CTL-2, R-COM-1
    assert one(db, "SELECT count(*) FROM marks WHERE late = 1") > 0
    assert one(db, "SELECT count(*) FROM final_marks WHERE late = 1 AND kind = 'period'") > 0
    changes = "SELECT count(*) FROM mark_changes WHERE change = ? AND invalid = 0 AND reason != ''"
    assert one(db, changes, "corrected") > 0
    assert one(db, changes, "revoked") > 0
    substituted = rows(db, "SELECT lesson, teacher FROM substitutions")
    assert substituted
    lesson, teacher = substituted[0]
    assert one(db, "SELECT teacher FROM lessons WHERE lesson = ?", lesson) == teacher
    assert one(db, "SELECT count(*) FROM remarks") > 0
    assert one(db, "SELECT count(*) FROM remarks WHERE fixed_at IS NOT NULL") > 0
    assert one(db, "SELECT count(*) FROM announcements") > 0
    assert one(db, "SELECT count(*) FROM message_recipients WHERE read_at IS NOT NULL") > 0


def test_a_reported_compromise_invalidates_what_was_made_since(db: sqlite3.Connection) -> None:
    # R-SEC-3
    ((person, since, reported, reissued),) = rows(
        db, "SELECT person, since, reported_at, reissued_at FROM compromises"
    )
    assert since < reported < reissued
    invalid_marks = one(db, "SELECT count(*) FROM marks WHERE invalid = 1")
    invalid_changes = one(db, "SELECT count(*) FROM mark_changes WHERE invalid = 1")
    assert invalid_marks + invalid_changes > 0
    others = "SELECT count(*) FROM mark_changes WHERE invalid = 1 AND (by != ? OR at < ?)"
    assert one(db, others, person, since) == 0
    # A mark changed only by the intruder keeps its own value.
    changed = """SELECT k.value, k.current FROM marks k JOIN mark_changes x USING (mark)
                 WHERE x.invalid = 1"""
    for value, current in rows(db, changed):
        assert current == value


def test_lesson_plans_match_the_curriculum_and_lessons_follow_them(db: sqlite3.Connection) -> None:
    # R-LES-3
    mismatched = """
        SELECT count(*) FROM courses c JOIN groups g ON g.grp = c.grp
        JOIN group_classes gc ON gc.grp = c.grp
        JOIN curriculum cu ON cu.year = c.year AND cu.class = gc.class AND cu.subject = c.subject
        WHERE (SELECT count(*) FROM plan_topics p WHERE p.course = c.course)
              != cu.hours * (CASE WHEN g.grade = 1 THEN 33 ELSE 34 END)"""
    assert one(db, mismatched) == 0
    off_plan = """SELECT count(*) FROM lessons l JOIN plan_topics p
                  ON p.course = l.course AND p.number = l.plan_topic WHERE p.topic != l.topic"""
    assert one(db, off_plan) == 0
    given = "SELECT count(*) FROM lessons JOIN courses USING (course) WHERE year = '2025/2026'"
    planned = (
        "SELECT count(*) FROM plan_topics JOIN courses USING (course) WHERE year = '2025/2026'"
    )
    assert 0.95 <= one(db, given) / one(db, planned) <= 1.05


def test_timetable_puts_no_teacher_in_two_rooms(db: sqlite3.Connection) -> None:
    # R-STR-5
    clashes = """SELECT count(*) FROM (SELECT 1 FROM timetable t JOIN courses c USING (course)
                 GROUP BY c.teacher, t.weekday, t.number, t.start HAVING count(*) > 1)"""
    assert one(db, clashes) == 0
    per_day = """SELECT t.grp, t.weekday, count(*) FROM timetable t JOIN groups g USING (grp)
                 WHERE g.kind = 'class' AND g.grade >= 5 GROUP BY 1, 2"""
    assert all(5 <= n <= 7 for _, _, n in rows(db, per_day))


def test_absences_are_a_few_percent_mostly_illness(db: sqlite3.Connection) -> None:
    # R-ATT-1
    codes = dict(rows(db, "SELECT code, count(*) FROM attendance GROUP BY code"))
    assert set(codes) == {"Б", "У", "Н"}
    assert codes["Б"] > codes["У"] > 0 and codes["Б"] > codes["Н"] > 0


# --- the parts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "father, son, daughter",
    [
        ("Иван", "Иванович", "Ивановна"),
        ("Сергей", "Сергеевич", "Сергеевна"),
        ("Юрий", "Юрьевич", "Юрьевна"),
        ("Николай", "Николаевич", "Николаевна"),
        ("Илья", "Ильич", "Ильинична"),
        ("Игорь", "Игоревич", "Игоревна"),
        ("Дмитрий", "Дмитриевич", "Дмитриевна"),
        ("Лев", "Львович", "Львовна"),
    ],
)
def test_patronymics(father: str, son: str, daughter: str) -> None:
    assert (patronymic(father, "м"), patronymic(father, "ж")) == (son, daughter)


def test_feminine_surnames() -> None:
    masculine = ("Иванов", "Ильин", "Успенский", "Толстой", "Седых", "Шевченко")
    expected = ["Иванова", "Ильина", "Успенская", "Толстая", "Седых", "Шевченко"]
    assert [feminine(s) for s in masculine] == expected


def test_every_plan_has_exactly_the_hours_of_the_curriculum() -> None:
    # R-LES-3
    for subject in SUBJECTS:
        for grade, hours in subject.hours.items():
            total = hours * (33 if grade == 1 else 34)
            plan = build_plan(subject, grade, total)
            assert [p.number for p in plan] == list(range(1, total + 1)), (subject.key, grade)


def test_school_year_calendar() -> None:
    # R-STR-1: quarters for 1–9, halves for 10–11, the usual holidays
    y = school_year(2026)
    assert y.name == "2026/2027"
    assert not y.is_study_day(date(2026, 11, 4), 5)  # День народного единства
    assert not y.is_study_day(date(2027, 1, 5), 5)
    february = date(2027, 2, 16)  # extra holidays for the first grade only
    assert not y.is_study_day(february, 1) and y.is_study_day(february, 2)
    assert [t.number for t in y.terms_for(5)] == [1, 2, 3, 4]
    assert [t.number for t in y.terms_for(10)] == [1, 2]
    assert 33 * 5 <= len(y.study_days(5)) <= 35 * 5
