"""The read side (ejournal.queries) on a small school built through the commands; every expected
value is worked out by hand from tests/school_fixture.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import school_fixture as sf

from ejournal.journal import Journal
from ejournal.model import rules
from ejournal.model.commands import people, teaching
from ejournal.model.errors import NotFound
from ejournal.queries import averages, diary, grid, history, lesson, overview, periods, teacher
from ejournal.queries.people import Person, russian_key


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> sf.Built:
    return sf.build(tmp_path_factory.mktemp("queries") / "school")


@pytest.fixture(scope="module")
def j(built: sf.Built) -> Iterator[Journal]:
    with sf.open_journal(built.path) as journal:
        yield journal


@pytest.fixture(scope="module")
def i(built: sf.Built) -> sf.Ids:
    return built.ids


def names(people: object) -> list[str]:
    return [p.last_name for p in people]  # type: ignore[attr-defined]


def row_of(g: grid.Grid, student: str) -> grid.GridRow:
    return next(r for r in g.rows if r.student.person == student)


def cell(g: grid.Grid, student: str, day: str) -> grid.GridCell:
    index = next(n for n, les in enumerate(g.lessons) if les.date == day)
    return row_of(g, student).cells[index]


# --- periods ----------------------------------------------------------------------------------


def test_periods_of_a_year_depend_on_the_grade(j: Journal, i: sf.Ids) -> None:
    # R-STR-1: quarters for grades 1–9, halves for 10–11.
    quarters = periods.periods_of_year(j.db, sf.YEAR, 5)
    assert [p.period for p in quarters] == i.quarters
    assert [(p.start, p.end) for p in quarters] == sf.QUARTERS
    assert quarters[0].name == "1 четверть" and quarters[0].kind == "quarter"
    assert [p.name for p in periods.periods_of_year(j.db, sf.YEAR, 10)] == [
        "1 полугодие",
        "2 полугодие",
    ]
    assert periods.periods_of_year(j.db, "2030/2031", 5) == ()


def test_current_period_is_none_in_the_holidays(j: Journal, i: sf.Ids) -> None:
    assert periods.current_period(j.db, 5, "2026-09-10").period == i.quarters[0]  # type: ignore[union-attr]
    assert periods.current_period(j.db, 5, "2026-10-25").period == i.quarters[0]  # type: ignore[union-attr]
    assert periods.current_period(j.db, 5, "2026-10-27") is None
    assert periods.current_period(j.db, 10, "2026-10-27").period == i.halves[0]  # type: ignore[union-attr]
    assert periods.current_period(j.db, 5, "2027-07-01") is None


def test_unknown_period_is_not_found(j: Journal, i: sf.Ids) -> None:
    with pytest.raises(NotFound):
        grid.journal_grid(j.db, i.math_5a, "no-such-period")


# --- the journal grid -------------------------------------------------------------------------


def test_grid_lists_students_alphabetically_with_join_and_leave_dates(
    j: Journal, i: sf.Ids
) -> None:
    g = grid.journal_grid(j.db, i.math_5a, i.quarters[0])
    # Ё sorts as Е, between В and Ж (SQLite's binary order would put it first).
    assert names(r.student for r in g.rows) == ["Алексеев", "Борисова", "Волков", "Ёлкина", "Жуков"]
    volkov, zhukov = row_of(g, i.volkov), row_of(g, i.zhukov)
    assert (volkov.joined, volkov.left) == ("2026-09-01", "2026-09-15")
    assert (zhukov.joined, zhukov.left) == ("2026-09-10", None)
    # R-STR-7: cells say whether the student was in the class on the lesson's date.
    assert cell(g, i.volkov, "2026-09-09").member and not cell(g, i.volkov, "2026-09-16").member
    assert not cell(g, i.zhukov, "2026-09-09").member and cell(g, i.zhukov, "2026-09-16").member


def test_student_who_left_stops_appearing_after_the_date(j: Journal, i: sf.Ids) -> None:
    second = grid.journal_grid(j.db, i.math_5a, i.quarters[1])
    assert i.volkov not in [r.student.person for r in second.rows]
    assert names(r.student for r in second.rows) == ["Алексеев", "Борисова", "Ёлкина", "Жуков"]
    assert i.volkov not in [
        r.student.person for r in overview.class_overview(j.db, i.c5a, i.quarters[1]).rows
    ]
    later = diary.diary_week(j.db, i.volkov, "2026-09-21")
    assert all(day.slots == () and day.lessons == () for day in later.days)


def test_grid_lessons_of_the_period_in_date_order(j: Journal, i: sf.Ids) -> None:
    # R-LES-1: date, number, topic, homework, work kinds.
    g = grid.journal_grid(j.db, i.math_5a, i.quarters[0])
    dates = ["2026-09-01", "2026-09-02", "2026-09-04", "2026-09-07", "2026-09-09", "2026-09-16"]
    assert [les.date for les in g.lessons] == dates
    first, test = g.lessons[0], g.lessons[1]
    assert (first.number, first.topic, first.homework) == (2, "Натуральные числа", "№ 1–5")
    assert test.work_kinds == ("КР",)
    assert all(len(r.cells) == len(g.lessons) for r in g.rows)
    assert g.course.subject_name == "Математика" and g.course.group_name == "5А"
    assert g.course.teacher.short_name == "Иванова М. П."
    assert grid.journal_grid(j.db, i.math_5a, i.quarters[2]).lessons == ()


def test_grid_weighted_average_and_forecast(j: Journal, i: sf.Ids) -> None:
    # R-MRK-5: КР weighs 3 (default), У 1, СР 2; this school weighs ДЗ 2 instead of 1.
    g = grid.journal_grid(j.db, i.math_5a, i.quarters[0])
    alekseev = row_of(g, i.alekseev).average
    assert (alekseev.marks, alekseev.average, alekseev.forecast) == (2, 4.5, "5")  # (5·3 + 3·1) / 4
    borisova = row_of(g, i.borisova).average
    # (4·3 + 5·2) / 5; the revoked 2 is left out
    assert (borisova.average, borisova.forecast) == (4.4, "4")
    yolkina = row_of(g, i.yolkina).average
    assert (yolkina.average, yolkina.forecast) == (2.5, "3")  # (2·3 + 3·1 + 3·2) / 6, x.5 rounds up
    assert rules.forecast(4.5) == "5" and rules.forecast(2.49) == "2"
    assert (
        row_of(grid.journal_grid(j.db, i.math_5a, i.quarters[1]), i.alekseev).average.average
        is None
    )


def test_grid_flags_late_and_corrected_marks(j: Journal, i: sf.Ids) -> None:
    g = grid.journal_grid(j.db, i.math_5a, i.quarters[0])
    # R-MRK-1: an oral mark entered two days after the lesson is late.
    (late,) = cell(g, i.alekseev, "2026-09-07").marks
    assert (late.value, late.kind, late.late, late.changed) == ("3", "У", True, False)
    (on_time,) = cell(g, i.alekseev, "2026-09-02").marks
    assert (on_time.value, on_time.kind, on_time.late) == ("5", "КР", False)
    # R-MRK-2: the corrected mark shows its new value and is flagged changed.
    (corrected,) = cell(g, i.yolkina, "2026-09-07").marks
    assert (corrected.value, corrected.changed) == ("3", True)


def test_grid_shows_attendance_codes(j: Journal, i: sf.Ids) -> None:
    # R-ATT-1: Б, У, Н; the latest code counts and an empty code clears an absence.
    g = grid.journal_grid(j.db, i.math_5a, i.quarters[0])
    assert cell(g, i.volkov, "2026-09-02").attendance == "Н"
    assert cell(g, i.yolkina, "2026-09-07").attendance == "Б"
    assert cell(g, i.borisova, "2026-09-09").attendance == "У"
    assert cell(g, i.zhukov, "2026-09-16").attendance == "У"  # Н, then changed to У
    assert cell(g, i.alekseev, "2026-09-04").attendance == ""  # Н, then cleared


def test_grid_period_marks(j: Journal, i: sf.Ids) -> None:
    # R-MRK-3: by the period's last day; the one given after it is flagged late.
    g = grid.journal_grid(j.db, i.math_5a, i.quarters[0])
    alekseev, borisova = row_of(g, i.alekseev).period_mark, row_of(g, i.borisova).period_mark
    assert alekseev is not None and (alekseev.value, alekseev.late) == ("5", False)
    assert borisova is not None and (borisova.value, borisova.late) == ("4", True)
    assert row_of(g, i.yolkina).period_mark is None


def test_revoked_mark_is_hidden_and_flagged_in_the_admin_view(j: Journal, i: sf.Ids) -> None:
    # R-MRK-2: a revoked mark stays visible to the administration only.
    assert (
        cell(grid.journal_grid(j.db, i.math_5a, i.quarters[0]), i.borisova, "2026-09-09").marks
        == ()
    )
    admin = grid.journal_grid(j.db, i.math_5a, i.quarters[0], include_invalid=True)
    (revoked,) = cell(admin, i.borisova, "2026-09-09").marks
    assert (revoked.value, revoked.revoked, revoked.counts, revoked.invalid) == (
        "2",
        True,
        False,
        False,
    )
    assert row_of(admin, i.borisova).average.average == 4.4  # the admin view averages the same


def test_compromised_teachers_marks_drop_out_but_admin_sees_them(j: Journal, i: sf.Ids) -> None:
    # R-SEC-3: Смирнова's marks since the reported time do not count and do not show.
    g = grid.journal_grid(j.db, i.russian_5a, i.quarters[0])
    assert cell(g, i.alekseev, "2026-09-10").marks == ()
    assert cell(g, i.yolkina, "2026-09-10").marks == ()
    assert cell(g, i.yolkina, "2026-09-10").attendance == ""  # her Н that day is invalid too
    alekseev = row_of(g, i.alekseev).average
    # 4 У, 5 КР, and 5 У after the reissue: (4 + 15 + 5) / 5; with the invalid 2 КР it'd be 3.75.
    assert (alekseev.marks, alekseev.average, alekseev.forecast) == (3, 4.8, "5")
    # The correction 3 → 4 made with the stolen login is void: the mark is 3 again, unchanged.
    (borisova,) = cell(g, i.borisova, "2026-09-01").marks
    assert (borisova.value, borisova.changed) == ("3", False)
    # Her homework change that day is void too: the text recorded ahead is back.
    assert next(les for les in g.lessons if les.date == "2026-09-10").homework == "упр. 12"
    admin = grid.journal_grid(j.db, i.russian_5a, i.quarters[0], include_invalid=True)
    (invalid,) = cell(admin, i.alekseev, "2026-09-10").marks
    assert (invalid.value, invalid.kind, invalid.invalid, invalid.counts) == (
        "2",
        "КР",
        True,
        False,
    )
    assert row_of(admin, i.alekseev).average == alekseev


# --- a lesson ---------------------------------------------------------------------------------


def test_lesson_with_substitute_marks_and_students_of_the_subgroup(j: Journal, i: sf.Ids) -> None:
    # R-LES-2: the substitute is recorded; only the subgroup's students are on the lesson.
    les = lesson.lesson_detail(j.db, i.lessons["english 09-09"])
    assert (les.date, les.number, les.topic, les.homework) == (
        "2026-09-09",
        2,
        "My family",
        "p. 9 ex. 1",
    )
    assert les.course.subject_name == "Английский язык"
    assert les.teacher.short_name == "Кузнецов С. И."
    assert les.substitution is not None
    assert (les.substitution.teacher.short_name, les.substitution.reason) == (
        "Иванова М. П.",
        "болезнь учителя",
    )
    assert names(s.student for s in les.students) == ["Алексеев", "Борисова"]
    assert [m.value for s in les.students for m in s.marks] == ["5"]


def test_lesson_shows_attendance_marks_and_comments(j: Journal, i: sf.Ids) -> None:
    # R-MRK-4: comments per student per lesson.
    les = lesson.lesson_detail(j.db, i.lessons["math 09-07"])
    by_name = {s.student.last_name: s for s in les.students}
    assert by_name["Ёлкина"].attendance == "Б"
    assert [(m.value, m.changed) for m in by_name["Ёлкина"].marks] == [("3", True)]
    assert [(c.kind, c.text) for c in by_name["Алексеев"].comments] == [
        ("praise", "Отличный ответ у доски")
    ]
    assert les.substitution is None and les.teacher.last_name == "Иванова"
    assert "Жуков" not in by_name  # joined on 2026-09-10


def test_lesson_hides_invalid_entries_except_for_the_admin(j: Journal, i: sf.Ids) -> None:
    les = lesson.lesson_detail(j.db, i.lessons["russian 09-10"])
    alekseev = next(s for s in les.students if s.student.person == i.alekseev)
    assert (alekseev.marks, alekseev.comments, les.homework) == ((), (), "упр. 12")
    admin = lesson.lesson_detail(j.db, i.lessons["russian 09-10"], include_invalid=True)
    alekseev = next(s for s in admin.students if s.student.person == i.alekseev)
    assert [(m.value, m.invalid) for m in alekseev.marks] == [("2", True)]
    assert [(c.text, c.invalid) for c in alekseev.comments] == [("Мешал на уроке", True)]
    with pytest.raises(NotFound):
        lesson.lesson_detail(j.db, "les-none")


# --- the diary --------------------------------------------------------------------------------


def test_diary_week_with_timetable_lessons_marks_and_comments(j: Journal, i: sf.Ids) -> None:
    # R-DIA-1: homework, marks, comments, attendance as the teachers entered them.
    week = diary.diary_week(j.db, i.alekseev, "2026-09-07")
    assert [d.date for d in week.days] == [f"2026-09-{d:02d}" for d in range(7, 13)]
    assert [d.weekday for d in week.days][:2] == ["понедельник", "вторник"]
    monday, tuesday, wednesday, thursday, friday, saturday = week.days
    assert [(s.number, s.subject_name, s.room) for s in monday.slots] == [
        (1, "Математика", "21"),
        (2, "Русский язык", "14"),
    ]
    math = monday.lessons[0]
    assert (math.subject_name, math.topic, math.homework) == ("Математика", "Вычитание", "№ 20, 21")
    assert [(m.value, m.kind) for m in math.marks] == [("3", "У")]
    assert [c.text for c in math.comments] == ["Отличный ответ у доски"]
    assert [(m.value, m.kind) for m in tuesday.lessons[0].marks] == [("5", "КР")]
    # The English subgroup's slot and lesson are in his diary (he is in subgroup 1).
    assert [s.subject_name for s in wednesday.slots] == ["Математика", "Английский язык"]
    assert [les.subject_name for les in wednesday.lessons] == ["Математика", "Английский язык"]
    assert [s.subject_name for s in friday.slots] == ["Математика", "Английский язык"]
    assert friday.lessons == () and saturday.slots == () and saturday.day_off is None
    # R-SEC-3: the invalid 2 КР and the invalid remark of the 10th never show.
    (russian,) = thursday.lessons
    assert (russian.marks, russian.comments, russian.homework) == ((), (), "упр. 12")


def test_diary_shows_attendance_and_never_invalid_marks(j: Journal, i: sf.Ids) -> None:
    week = diary.diary_week(j.db, i.yolkina, "2026-09-07")
    monday, _, wednesday, thursday, *_ = week.days
    assert monday.lessons[0].attendance == "Б"
    assert [(m.value, m.kind) for m in monday.lessons[0].marks] == [("3", "У")]  # corrected value
    # Not in the English subgroup: no English on Wednesday.
    assert [s.subject_name for s in wednesday.slots] == ["Математика"]
    assert thursday.lessons[0].marks == () and thursday.lessons[0].attendance == ""
    borisova = diary.diary_week(j.db, i.borisova, "2026-09-07")
    wednesday = borisova.days[2]
    assert [m.value for les in wednesday.lessons for m in les.marks] == ["5"]  # revoked 2 hidden
    assert borisova.days[2].lessons[0].attendance == "У"


def test_diary_follows_timetable_changes_and_holidays(j: Journal, i: sf.Ids) -> None:
    # R-STR-5: from 14 September Monday starts with Russian.
    monday = diary.diary_week(j.db, i.alekseev, "2026-09-14").days[0]
    assert [s.subject_name for s in monday.slots] == ["Русский язык", "Математика"]
    holidays = diary.diary_week(j.db, i.alekseev, "2026-10-26")
    assert {d.day_off for d in holidays.days} == {"Осенние каникулы"}
    assert all(d.slots == () for d in holidays.days)
    with pytest.raises(ValueError):
        diary.diary_week(j.db, i.alekseev, "2026-09-08")


def test_diary_shows_a_new_mark_at_once(built: sf.Built, tmp_path: Path) -> None:
    # R-DIA-1: what the teacher enters shows in the diary at once.
    school = sf.copy(built, tmp_path / "school")
    i = school.ids
    with sf.open_journal(school.path, "2026-11-09 09:30") as journal:
        les = teaching.record_lesson(
            journal, i.math_teacher, course=i.math_5a, date="2026-11-09", number=2
        )
        teaching.give_mark(
            journal, i.math_teacher, lesson=les, student=i.yolkina, value="4", kind="ПР"
        )
        day = diary.diary_week(journal.db, i.yolkina, "2026-11-09").days[0]
        assert [(m.value, m.kind) for les in day.lessons for m in les.marks] == [("4", "ПР")]


def test_who_may_see_a_diary(j: Journal, i: sf.Ids) -> None:
    # R-DIA-2: parents see their children's diary, the class teacher and the administration
    # too; a student sees the own diary from the school's minimum age (14 by the seeds).
    on = "2026-09-20"
    assert diary.may_see_diary(j.db, i.parent, i.alekseev, on)
    assert not diary.may_see_diary(j.db, i.parent, i.borisova, on)
    assert diary.may_see_diary(j.db, i.math_teacher, i.alekseev, on)  # class teacher of 5А
    assert not diary.may_see_diary(j.db, i.russian_teacher, i.alekseev, on)
    assert diary.may_see_diary(j.db, i.admin, i.alekseev, on)
    assert not diary.may_see_diary(j.db, i.alekseev, i.alekseev, on)  # born 2015: eleven
    assert not diary.may_see_diary(j.db, i.alekseev, i.borisova, on)


# --- the class overview -----------------------------------------------------------------------


def test_class_overview_across_subjects(j: Journal, i: sf.Ids) -> None:
    # R-CTL-4: students × courses: marks, average, period mark, absences by reason.
    o = overview.class_overview(j.db, i.c5a, i.quarters[0])
    assert o.class_name == "5А" and o.class_teacher == Person(
        i.math_teacher, "Иванова", "Марина", "Петровна"
    )
    assert [c.subject_name for c in o.courses] == ["Английский язык", "Математика", "Русский язык"]
    assert names(r.student for r in o.rows) == ["Алексеев", "Борисова", "Волков", "Ёлкина", "Жуков"]
    english, math, russian = range(3)
    rows = {r.student.person: r for r in o.rows}
    alekseev = rows[i.alekseev].cells
    assert (
        alekseev[math] is not None
        and alekseev[russian] is not None
        and alekseev[english] is not None
    )
    assert (alekseev[math].marks, alekseev[math].average, alekseev[math].forecast) == (2, 4.5, "5")
    assert alekseev[math].period_mark == "5"
    assert (alekseev[russian].marks, alekseev[russian].average) == (3, 4.8)
    assert (alekseev[english].marks, alekseev[english].average) == (1, 4.0)  # 4 ПР
    assert rows[i.yolkina].cells[english] is None  # not in the English subgroup
    yolkina = rows[i.yolkina]
    assert (yolkina.absences.ill, yolkina.absences.excused, yolkina.absences.unexcused) == (1, 0, 0)
    assert rows[i.volkov].absences.unexcused == 1 and rows[i.volkov].absences.total == 1
    borisova = rows[i.borisova].cells[math]
    assert borisova is not None and (borisova.period_mark, borisova.absences.excused) == ("4", 1)


def test_overview_of_an_unknown_class_is_not_found(j: Journal, i: sf.Ids) -> None:
    with pytest.raises(NotFound):
        overview.class_overview(j.db, i.english_group, i.quarters[0])  # a group, not a class


# --- averages ---------------------------------------------------------------------------------


def test_student_average_and_forecast(j: Journal, i: sf.Ids) -> None:
    # R-MRK-5
    russian = averages.student_average(j.db, i.alekseev, i.russian_5a, i.quarters[0])
    assert (russian.marks, russian.average, russian.forecast) == (3, 4.8, "5")
    none = averages.student_average(j.db, i.zhukov, i.russian_5a, i.quarters[0])
    assert (none.marks, none.average, none.forecast) == (0, None, None)
    by_student = {a.student: a for a in averages.course_averages(j.db, i.math_5a, *sf.QUARTERS[0])}
    assert by_student[i.borisova].average == 4.4 and by_student[i.zhukov].forecast == "5"
    assert averages.school_weights(j.db) == {"ДЗ": 2}


# --- mark history -----------------------------------------------------------------------------


def test_history_of_a_corrected_mark(j: Journal, i: sf.Ids) -> None:
    # R-MRK-2: the mark as given and the reasoned correction, both kept.
    h = history.mark_history(j.db, i.marks["math 09-07 yolkina"])
    assert (h.value, h.kind, h.by.last_name, h.lesson_date, h.current) == (
        "2",
        "У",
        "Иванова",
        "2026-09-07",
        "3",
    )
    (change,) = h.changes
    assert (change.change, change.value, change.reason, change.invalid) == (
        "corrected",
        "3",
        "ошибка при вводе",
        False,
    )
    assert change.at > h.at and change.ref != h.ref


def test_history_shows_revocations_and_invalid_changes(j: Journal, i: sf.Ids) -> None:
    revoked = history.mark_history(j.db, i.marks["math 09-09 borisova"])
    assert [(c.change, c.value, c.reason) for c in revoked.changes] == [
        ("revoked", None, "выставлена не тому ученику")
    ]
    assert revoked.current is None and not revoked.invalid
    # R-SEC-3: the correction made with the stolen login stays in the history, flagged.
    h = history.mark_history(j.db, i.marks["russian 09-01 borisova"])
    assert [(c.value, c.invalid, c.by.last_name) for c in h.changes] == [("4", True, "Смирнова")]
    assert (h.invalid, h.current) == (False, "3")
    stolen = history.mark_history(j.db, i.marks["russian 09-10 alekseev"])
    assert (stolen.value, stolen.invalid, stolen.current) == ("2", True, None)
    assert history.marks_of_student(j.db, i.alekseev, i.russian_5a) == tuple(
        i.marks[k]
        for k in (
            "russian 09-01 alekseev",
            "russian 09-08 alekseev",
            "russian 09-10 alekseev",
            "russian 09-17 alekseev",
        )
    )
    with pytest.raises(NotFound):
        history.mark_history(j.db, "mrk-none")


# --- the teacher's pages ----------------------------------------------------------------------


def test_my_courses(j: Journal, i: sf.Ids) -> None:
    (math,) = teacher.my_courses(j.db, i.math_teacher, sf.YEAR)
    assert (math.course, math.subject_name, math.group_name, math.grade, math.current) == (
        i.math_5a,
        "Математика",
        "5А",
        5,
        True,
    )
    (english,) = teacher.my_courses(j.db, i.english_teacher, sf.YEAR)
    assert english.group_name == "5А, английский, 1 группа"
    assert teacher.my_courses(j.db, i.math_teacher, "2027/2028") == ()


def test_teacher_day_with_a_substitution(j: Journal, i: sf.Ids) -> None:
    # R-LES-2: Иванова replaces Кузнецов in English on 9 September.
    day = teacher.teacher_day(j.db, i.math_teacher, "2026-09-09")
    assert [(s.number, s.subject_name, s.lesson is not None) for s in day.slots] == [
        (1, "Математика", True),
        (2, "Английский язык", True),
    ]
    english = day.slots[1]
    assert english.substitute_for is not None and english.substitute_for.last_name == "Кузнецов"
    assert english.room == "31"
    (own,) = teacher.teacher_day(j.db, i.english_teacher, "2026-09-09").slots
    assert own.substituted_by is not None and own.substituted_by.last_name == "Иванова"
    friday = teacher.teacher_day(j.db, i.math_teacher, "2026-09-11")
    assert [(s.number, s.room, s.lesson, s.topic) for s in friday.slots] == [(1, "21", None, "")]
    assert teacher.teacher_day(j.db, i.math_teacher, "2026-10-28").slots == ()  # holidays


def test_russian_alphabetical_key() -> None:
    assert sorted(["Жуков", "Ёлкин", "Егоров", "Абрамов"], key=russian_key) == [
        "Абрамов",
        "Егоров",
        "Ёлкин",
        "Жуков",
    ]


def test_student_who_leaves_the_class_leaves_its_subgroup_too(
    built: sf.Built, tmp_path: Path
) -> None:
    # R-STR-7: Борисова moves to another school after 2026-11-10; she never left the English
    # subgroup explicitly, yet she is out of it with the class.
    school = sf.copy(built, tmp_path / "school")
    i = school.ids
    with sf.open_journal(school.path, "2026-11-11 09:00") as journal:
        people.leave(
            journal, i.admin, student=i.borisova, group=i.c5a, end="2026-11-10", reason="transfer"
        )
        second = grid.journal_grid(journal.db, i.english_5a, i.quarters[1])
        borisova = row_of(second, i.borisova)
        assert (borisova.joined, borisova.left) == ("2026-09-01", "2026-11-10")
        third = grid.journal_grid(journal.db, i.english_5a, i.quarters[2])
        assert names(r.student for r in third.rows) == ["Алексеев"]
        wednesday = diary.diary_week(journal.db, i.borisova, "2026-11-16").days[2]
        assert wednesday.slots == ()
