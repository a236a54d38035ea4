"""Control reports (R-CTL-1, R-CTL-3) on the small school of tests/school_fixture.py: every
figure below is worked out by hand from the marks, absences and entries that file lists.

The first quarter of 5А (2026-09-01..2026-10-25), the clock at 2026-10-28: mathematics
(Иванова), Russian (Смирнова, compromised on 09-10, R-SEC-3), English for subgroup 1 (Кузнецов:
Алексеев and Борисова). Волков leaves after 09-15, Жуков joins on 09-10.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import school_fixture as sf

from ejournal.journal import Journal
from ejournal.model.errors import RuleViolation
from ejournal.reports import attendance, corrections, density, filling, performance, teachers
from ejournal.reports.scope import ReportFilter, Scope, resolve
from ejournal.reports.table import csv_bytes


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> sf.Built:
    return sf.build(tmp_path_factory.mktemp("reports") / "school")


@pytest.fixture(scope="module")
def j(built: sf.Built) -> Iterator[Journal]:
    with sf.open_journal(built.path) as journal:
        yield journal


@pytest.fixture(scope="module")
def q1(j: Journal) -> Scope:
    return resolve(j.db, ReportFilter(), j.today())


def test_the_default_scope_is_the_quarter_most_grades_are_in(q1: Scope) -> None:
    # 2026-10-28: the autumn holidays of grades 1–9; the halves of 10–11 go on, but the
    # report for most of the school is the 1st quarter just ended.
    assert (q1.start, q1.end, q1.words) == ("2026-09-01", "2026-10-25", "2026/2027, 1 четверть")


def test_mark_density_counts_students_with_no_and_one_mark(j: Journal, q1: Scope) -> None:
    # R-CTL-1. Mathematics: Алексеев 2 (5 КР, 3 У), Борисова 2 (4 КР, 5 ДЗ; the revoked 2 У is
    # not counted), Ёлкина 3, Волков 1, Жуков 1 → 9 marks, 5 students, two with one mark, four
    # below the minimum of 3. Russian: Алексеев 3 (the invalid 2 КР is not counted), Борисова
    # 1, Ёлкина 0 (her 5 У is invalid), Волков 0, Жуков 0. English: one mark each of two.
    t = density.mark_density(j.db, q1)
    math = t.row_by("subject", "Математика")
    assert (math["students"], math["no_marks"], math["one_mark"], math["below_min"]) == (5, 0, 2, 4)
    assert (math["marks"], math["per_student"], math["one_mark_pct"]) == (9, 1.8, 40.0)
    russian = t.row_by("subject", "Русский язык")
    assert (russian["no_marks"], russian["one_mark"], russian["marks"]) == (3, 1, 4)
    assert russian["no_marks_pct"] == 60.0
    english = t.row_by("subject", "Английский язык")
    assert (english["students"], english["one_mark"], english["group"]) == (
        2, 2, "5А, английский, 1 группа")  # fmt: skip
    assert (t.total("students"), t.total("no_marks"), t.total("marks")) == (12, 3, 15)
    assert t.total("per_student") == 1.25


def test_mark_density_minimum_is_the_schools_choice(j: Journal, q1: Scope) -> None:
    t = density.mark_density(j.db, q1, minimum=2)
    assert t.row_by("subject", "Математика")["below_min"] == 2  # Волков and Жуков
    assert "Минимум отметок за период: 2." in t.notes


def test_topics_and_homework_filled(j: Journal, q1: Scope) -> None:
    # R-CTL-1: mathematics has 6 lessons, all with topics, homework on 09-01 and 09-07;
    # Russian 5 lessons, homework on 09-01 and 09-10 (the invalid change to «ничего не
    # задано» does not count, the homework stays); English 2 of 2.
    t = filling.topics_and_homework(j.db, q1, j.today())
    math = t.row_by("subject", "Математика")
    assert (math["lessons"], math["topics"], math["homework"], math["homework_pct"]) == (
        6, 6, 2, 33.3)  # fmt: skip
    assert t.row_by("subject", "Русский язык")["homework"] == 2
    assert (t.total("lessons"), t.total("homework"), t.total("homework_pct")) == (13, 6, 46.2)


def test_timeliness_counts_late_entries_per_teacher(j: Journal, q1: Scope) -> None:
    # R-MRK-1: Иванова's 3 У for Алексеев on 09-07 was entered on 09-09 (oral: one day) and
    # Борисова's period mark on 10-27 after the quarter's end (R-MRK-3). Иванова entered 11
    # marks (also the revoked one and the one as a substitute in English), 7 attendance
    # codes, 2 period marks: 2 late of 20 = 10 %. Смирнова's valid marks: 4, none late.
    t = teachers.timeliness(j.db, q1)
    ivanova = t.row_by("teacher", "Иванова М. П.")
    assert [ivanova[k] for k in ("marks", "marks_late", "attendance", "attendance_late",
                                 "finals", "finals_late")] == [11, 1, 7, 0, 2, 1]  # fmt: skip
    assert ivanova["late_pct"] == 10.0
    assert t.row_by("teacher", "Смирнова О. Н.")["marks"] == 4
    assert t.row_by("teacher", "Кузнецов С. И.")["marks"] == 1
    assert t.total("late_pct") == 8.0  # 2 of 25


def test_teacher_activity_counts_entries_made_in_the_period(j: Journal, q1: Scope) -> None:
    # Иванова in the quarter: 6 lessons, 11 marks, a correction and a revocation, 7
    # attendance entries, 1 comment, 1 period mark (the other was entered on 10-27) = 28.
    # Смирнова: 5 lessons and 4 valid marks; what her stolen login did does not count.
    t = teachers.teacher_activity(j.db, q1)
    ivanova = t.row_by("teacher", "Иванова М. П.")
    assert [ivanova[k] for k in ("lessons", "marks", "mark_changes", "attendance", "comments",
                                 "finals", "total")] == [6, 11, 2, 7, 1, 1, 28]  # fmt: skip
    smirnova = t.row_by("teacher", "Смирнова О. Н.")
    assert (smirnova["lessons"], smirnova["marks"], smirnova["comments"], smirnova["total"]) == (
        5, 4, 0, 9)  # fmt: skip
    assert t.row_by("teacher", "Кузнецов С. И.")["total"] == 3
    assert "Работали в журнале: 3 из 3 учителей (100,0 %)." in t.notes


def test_attendance_splits_absences_by_reason(j: Journal, built: sf.Built, q1: Scope) -> None:
    # R-ATT-1: Волков Н on 09-02, Ёлкина Б on 09-07, Борисова У on 09-09, Жуков У on 09-16
    # (first Н, then the reason); Алексеев's Н of 09-04 was cleared; Ёлкина's Н of 09-10 is
    # invalid (R-SEC-3).
    t = attendance.attendance(j.db, q1)
    row = t.row_by("class", "5А")
    assert [row[k] for k in ("students", "ill", "excused", "unexcused", "total")] == [5, 1, 2, 1, 4]
    per = attendance.attendance(j.db, resolve(j.db, ReportFilter(class_=built.ids.c5a), j.today()))
    assert per.row_by("student", "Волков Пётр Олегович")["unexcused"] == 1
    assert per.row_by("student", "Ёлкина Вера Андреевна")["ill"] == 1
    assert per.row_by("student", "Алексеев Иван Петрович")["total"] == 0
    assert per.total("total") == 4


def test_performance_on_period_marks_and_the_preliminary_on_forecasts(
    j: Journal, built: sf.Built, q1: Scope
) -> None:
    # R-CTL-3. The class on the quarter's last day: Алексеев, Борисова, Ёлкина, Жуков (Волков
    # left). Period marks are given only in mathematics (Алексеев 5, Борисова 4): nobody has
    # all marks yet.
    final = performance.performance(j.db, q1, j.today())
    row = final.row_by("class", "5А")
    assert (row["students"], row["missing"], row["quality_pct"], row["success_pct"]) == (
        4, 4, 0.0, 0.0)  # fmt: skip
    assert not final.preliminary
    # Preliminary: forecasts where no period mark. Алексеев 5, Russian 4.8 → 5, English 4 →
    # «4 и 5»; Борисова 4, Russian 3, English 5 → one «3»; Ёлкина has no Russian marks and
    # Жуков none in Russian → not all marks. Quality 1/4, success 2/4.
    early = performance.performance(j.db, q1, j.today(), preliminary=True)
    row = early.row_by("class", "5А")
    assert [row[k] for k in performance.CATEGORIES] == [0, 1, 1, 0, 0, 2]
    assert (row["quality_pct"], row["success_pct"]) == (25.0, 50.0)
    assert early.preliminary and "предварительный" in early.title
    assert "(предварительный)" in csv_bytes(early).decode("utf-8-sig")
    per = performance.performance(
        j.db, resolve(j.db, ReportFilter(class_=built.ids.c5a), j.today()), j.today(),
        preliminary=True,
    )  # fmt: skip
    assert per.row_by("student", "Борисова Анна Сергеевна")["category"] == "с одной «3»"
    assert per.row_by("student", "Алексеев Иван Петрович")["marks"] == "4 5 5"
    assert performance.preliminary_due(q1.end) == "2026-10-11"  # two weeks before the end


@pytest.mark.parametrize(
    ("marks", "expected"),
    [
        (["5", "5", "зач"], "excellent"),
        (["5", "4"], "good"),
        (["5", "3", "4"], "one_three"),
        (["3", "3", "4"], "threes"),
        (["5", "2"], "failing"),
        (["н/а", "5"], "failing"),
        (["5", None], "missing"),
        (["5", "незач"], "failing"),
    ],
)
def test_performance_categories_as_russian_schools_count_them(
    marks: list[str | None], expected: str
) -> None:
    assert performance.category(marks) == expected


def test_corrections_list_changes_and_invalid_entries(j: Journal, q1: Scope) -> None:
    # R-MRK-2, R-SEC-3: Иванова's correction 2 → 3 (Ёлкина) and revocation (Борисова), both
    # valid; Смирнова's correction 3 → 4, two marks, an attendance code, a homework change and
    # a comment of 09-10, all invalid.
    t = corrections.corrections(j.db, q1)
    assert len(t.rows) == 8
    fixed = t.row_by("reason", "ошибка при вводе")
    assert (fixed["what"], fixed["was"], fixed["became"], fixed["valid"]) == (
        "исправление отметки", "2", "3", "да")  # fmt: skip
    revoked = t.row_by("reason", "выставлена не тому ученику")
    assert (revoked["what"], revoked["student"]) == ("отмена отметки", "Борисова А. С.")
    stolen = t.row_by("reason", "пересмотр")
    assert (stolen["was"], stolen["became"], stolen["by"]) == ("3", "4", "Смирнова О. Н.")
    invalid = [r for r in t.rows if r[t.index("valid")] != "да"]
    assert len(invalid) == 6
    assert sorted(r[t.index("what")] for r in invalid) == sorted(
        ["исправление отметки", "отметка", "отметка", "посещаемость", "изменение урока",
         "запись об ученике"])  # fmt: skip


def test_filter_by_teacher_and_bad_dates(j: Journal, built: sf.Built) -> None:
    scope = resolve(j.db, ReportFilter(teacher=built.ids.english_teacher), j.today())
    assert [r[1] for r in density.mark_density(j.db, scope).rows] == ["Английский язык"]
    with pytest.raises(RuleViolation):
        resolve(j.db, ReportFilter(start="2026-10-01", end="2026-09-01"), j.today())
    with pytest.raises(RuleViolation):
        resolve(j.db, ReportFilter(start="1 сентября"), j.today())


def test_csv_is_for_russian_excel(j: Journal, q1: Scope) -> None:
    data = csv_bytes(density.mark_density(j.db, q1))
    assert data.startswith("\ufeff".encode())
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[2].startswith("Класс;Предмет;Группа;Учитель;Учеников")
    assert any(line.startswith("5А;Математика;;Иванова М. П.;5;0;0,00;2;40,00;4;9;1,80")
               for line in lines)  # fmt: skip
