"""The summary sheet (R-ARC-1), the printed class journal and the act of destruction (R-ARC-2)
as PDF/A (R-ARC-5), program completion (R-LES-3), participation (R-CTL-1) and the documents of
a closed year for the archive package.

Figures are worked out by hand from tests/school_fixture.py and tests/school.py. Page 1 of each
PDF is saved in build/screenshots/ (pdftoppm) to be looked at.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import pikepdf
import pytest
import school_fixture as sf
from argon2 import PasswordHasher

from ejournal.auth import AuthStore
from ejournal.journal import Journal
from ejournal.log.checkpoint import parse_checkpoint, read_notes
from ejournal.log.note import b64encode
from ejournal.model.commands import control, structure, teaching
from ejournal.model.errors import RuleViolation
from ejournal.reports import documents
from ejournal.reports.class_journal import class_journal
from ejournal.reports.destruction import destruction_act
from ejournal.reports.filling import program_completion
from ejournal.reports.participation import participation
from ejournal.reports.scope import ReportFilter, resolve
from ejournal.reports.summary import summary_sheet, summary_table
from ejournal.reports.table import csv_bytes

if TYPE_CHECKING:
    from school import Sch

pytest_plugins = ["school"]
KRASNOYARSK = timezone(timedelta(hours=7))
SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> sf.Built:
    return sf.build(tmp_path_factory.mktemp("documents") / "school")


@pytest.fixture(scope="module")
def j(built: sf.Built) -> Iterator[Journal]:
    with sf.open_journal(built.path) as journal:
        yield journal


def test_summary_sheet_has_every_student_and_subject(j: Journal, built: sf.Built) -> None:
    # R-ARC-1: everyone who was in 5А during the year, Волков with the day he left; the
    # subjects with marks; the quarter marks given (mathematics, 1st quarter).
    sheet = summary_sheet(j.db, built.ids.c5a)
    assert [r.student.last_name for r in sheet.rows] == [
        "Алексеев", "Борисова", "Волков", "Ёлкина", "Жуков"]  # fmt: skip
    assert [s.name for s in sheet.subjects] == ["Английский язык", "Математика", "Русский язык"]
    assert sheet.marks_columns() == ("I ч.", "II ч.", "III ч.", "IV ч.", "Год")
    math = 1
    assert sheet.rows[0].cells[math].periods == ("5", "", "", "")
    assert sheet.rows[1].cells[math].periods == ("4", "", "", "")
    assert sheet.rows[2].note == "выбыл(а) 15.09.2026"
    assert sheet.class_teacher is not None and sheet.class_teacher.last_name == "Иванова"
    text = csv_bytes(summary_table(sheet)).decode("utf-8-sig")
    assert "Математика: I ч." in text
    assert "1;Алексеев Иван Петрович;;;;;;5;;;;;;;;;;" in text


def test_summary_sheet_shows_year_exam_final_and_not_attested(sch: Sch) -> None:
    # R-MRK-3: «н/а» is written «Н/А»; exam and final columns appear when the class has them.
    i = sch.ids
    student = i.students_10a[0]
    for kind, value, period in [("period", "5", i.halves[0]), ("year", "н/а", ""),
                                ("exam", "4", ""), ("final", "4", "")]:  # fmt: skip
        teaching.give_final_mark(sch.j, i.math_teacher, course=i.math_10a, student=student,
                                 kind=kind, value=value, period=period)  # fmt: skip
    sheet = summary_sheet(sch.j.db, i.c10a)
    assert sheet.marks_columns() == ("I пол.", "II пол.", "Год", "Экз.", "Итог")
    row = next(r for r in sheet.rows if r.student.person == student)
    assert sheet.values(row.cells[0]) == ("5", "", "Н/А", "4", "4")


def test_class_journal_prints_lessons_grid_and_title(j: Journal, built: sf.Built) -> None:
    # R-ARC-2: the courses by subject; mathematics has 6 lessons from 09-01 to 09-16;
    # Ёлкина was ill on 09-07 and her 2 was corrected to 3; Волков was absent on 09-02.
    book = class_journal(j.db, built.ids.c5a, register_number="17")
    assert [c.subject for c in book.courses] == ["Английский язык", "Математика", "Русский язык"]
    assert (book.started, book.finished, book.register_number) == (
        "2026-09-01", "2026-09-17", "17")  # fmt: skip
    math = book.courses[1]
    assert [les.date for les in math.lessons] == [
        "2026-09-01",
        "2026-09-02",
        "2026-09-04",
        "2026-09-07",
        "2026-09-09",
        "2026-09-16",
    ]
    grid = math.grids[0]
    assert grid.period_name == "1 четверть" and grid.dates[3] == "07.09"
    rows = {name: (cells, mark) for name, cells, mark in grid.rows}
    assert rows["Ёлкина Вера"][0][3] == "Б 3"
    assert rows["Волков Пётр"][0][1] == "Н"
    assert rows["Алексеев Иван"] == (("", "5", "", "3", "", ""), "5")
    english = book.courses[0]
    assert english.lessons[1].substitute == "Иванова М. П."  # R-LES-2


def _newest_checkpoint(built: sf.Built) -> str:
    path = next((built.path / "feeds").glob("*/checkpoints"))
    cp = parse_checkpoint(read_notes(path.read_bytes()).records[-1].note.text)
    return f"{cp.origin} {cp.size} {b64encode(cp.root)}"


def _check_pdf(path: Path, names: list[str], checkpoint: str, title: str) -> str:
    with pikepdf.open(path) as doc:
        xmp = doc.open_metadata()
        assert (xmp["pdfaid:part"], xmp["pdfaid:conformance"]) == ("3", "B")
        assert xmp["dc:title"] == title
        for page in doc.pages:
            for font in page.Resources.Font.values():  # type: ignore[attr-defined]
                descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
                assert any(k in descendant.FontDescriptor
                           for k in ("/FontFile", "/FontFile2", "/FontFile3"))  # fmt: skip
        assert str(doc.docinfo["/ejournalcheckpoints"]) == checkpoint
        assert f"checkpoint {checkpoint}" in str(xmp["pdf:Keywords"])
    text = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    for name in names:
        assert name in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", path,
                    SCREENSHOTS / path.stem], check=True)  # fmt: skip
    return text


def test_summary_sheet_pdf_is_pdfa_with_names_and_the_log_state(
    j: Journal, built: sf.Built, tmp_path: Path
) -> None:
    # R-ARC-1, R-ARC-5
    path = tmp_path / "summary-5A.pdf"
    path.write_bytes(documents.summary_pdf(j, built.ids.c5a))
    text = _check_pdf(path, ["Алексеев Иван Петрович", "Жуков Дмитрий Романович"],
                      _newest_checkpoint(built), "Сводная ведомость 5А, 2026/2027")  # fmt: skip
    assert "СВОДНАЯ ВЕДОМОСТЬ" in text.upper() and "М.П." in text and "Директор" in text
    assert "Страница 1 из 1" in text


def test_class_journal_pdf_is_pdfa_with_names_and_the_log_state(
    j: Journal, built: sf.Built, tmp_path: Path
) -> None:
    # R-ARC-2, R-ARC-5
    path = tmp_path / "journal-5A.pdf"
    path.write_bytes(documents.class_journal_pdf(j, built.ids.c5a, "17"))
    text = _check_pdf(path, ["Алексеев Иван", "Ёлкина Вера", "КЛАССНЫЙ ЖУРНАЛ",
                             "Регистрационный номер", "Входная контрольная работа"],
                      _newest_checkpoint(built), "Классный журнал 5А, 2026/2027")  # fmt: skip
    assert "Лист заверения" in text and "Начат" in text and "Окончен" in text


def test_act_of_destruction_lists_journals_past_five_years(sch: Sch, tmp_path: Path) -> None:
    # R-ARC-2: printed journals are kept 5 years after the school year, then destroyed by act.
    i = sch.ids
    structure.close_year(sch.j, i.deputy, year="2026/2027")
    assert destruction_act(sch.j.db, "2032-05-24").items == ()
    act = destruction_act(sch.j.db, "2032-05-25")
    assert [item.title for item in act.items] == [
        "Классный журнал 1А",
        "Классный журнал 5А",
        "Классный журнал 5Б",
        "Классный журнал 10А",
    ]
    assert act.director is not None and act.director.last_name == "Морозова"
    sch.clock.set("2032-06-01 10:00")
    path = tmp_path / "destruction.pdf"
    path.write_bytes(documents.destruction_pdf(sch.j, "2032-06-01"))
    text = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True).stdout
    assert "Классный журнал 10А" in text and "АКТ" in text


def test_year_documents_for_the_archive_package(sch: Sch) -> None:
    i = sch.ids
    with pytest.raises(RuleViolation):
        documents.year_documents(sch.j, "2026/2027")  # not closed yet
    structure.close_year(sch.j, i.deputy, year="2026/2027")
    files = documents.year_documents(sch.j, "2026/2027")
    assert [path for path, _ in files] == [
        f"{kind}/{name}.{ext}" for name in ("1А", "5А", "5Б", "10А")
        for kind, ext in (("summary", "pdf"), ("summary", "csv"), ("journals", "pdf"))
    ]  # fmt: skip
    assert all(data.startswith(b"%PDF-") for path, data in files if path.endswith(".pdf"))
    assert "Иванов Артём Сергеевич" in dict(files)["summary/5А.csv"].decode("utf-8-sig")


def test_program_completion_against_plan_and_curriculum(sch: Sch) -> None:
    # R-LES-3: 5А mathematics has a plan of 34 × 5 = 170 hours and 5 weekly hours in the
    # curriculum (× 34 weeks = 170); three lessons held by 2026-11-16 → 1.8 %.
    i = sch.ids
    for day in ("2026-11-09", "2026-11-10", "2026-11-16"):
        sch.lesson(i.math_5a, day, topic="Дроби")
    sch.lesson(i.math_5a, "2026-11-20", topic="Дроби")  # ahead: not held yet
    scope = resolve(sch.j.db, ReportFilter(), sch.j.today())
    t = program_completion(sch.j.db, scope, sch.j.today())
    row = next(
        dict(zip([c.key for c in t.columns], r, strict=True)) for r in t.rows
        if r[0] == "5А" and r[1] == "Математика")  # fmt: skip
    assert (row["held"], row["plan_hours"], row["curriculum_hours"]) == (3, 170, 170)
    assert (row["plan_pct"], row["curriculum_pct"]) == (1.8, 1.8)


class _Clock:
    def __init__(self, moment: datetime) -> None:
        self.now = moment.timestamp()

    def __call__(self) -> float:
        return self.now


def test_participation_counts_parents_sign_ins_and_messages(sch: Sch, tmp_path: Path) -> None:
    # R-CTL-1, R-DIA-4: in the 2nd quarter 5А's one parent with access signed in twice and
    # wrote to the class teacher, who answered; the parent read the answer.
    i = sch.ids
    clock = _Clock(datetime(2026, 11, 10, 19, 0, tzinfo=KRASNOYARSK))
    fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    auth = AuthStore(tmp_path / "auth.sqlite", clock=clock, hasher=fast)
    try:
        for person in (i.parent_5a, i.parent_10a):
            auth.set_password(person, person, "пароль-для-тестов")
        auth.create_session(i.parent_5a)
        auth.create_session(i.parent_5a)
        clock.now = datetime(2026, 10, 1, 12, 0, tzinfo=KRASNOYARSK).timestamp()
        auth.create_session(i.parent_10a)  # in the 1st quarter: not counted
        sent = control.send_message(sch.j, i.parent_5a, to=[i.russian_teacher],
                                    subject="Итоговые отметки", text="Ознакомлена.")  # fmt: skip
        answer = control.send_message(sch.j, i.russian_teacher, to=[i.parent_5a],
                                      subject="Re", text="Спасибо.", reply_to=sent)  # fmt: skip
        control.read_message(sch.j, i.parent_5a, message=answer)
        q2 = resolve(sch.j.db, ReportFilter(period=i.quarters[1]), sch.j.today())
        t = participation(sch.j.db, q2, auth)
        row = t.row_by("class", "5А")
        assert [row[k] for k in ("students", "student_access", "parents", "parents_signed_in",
                                 "parents_pct", "parents_wrote", "parents_read",
                                 "parents_received")] == [4, 0, 1, 1, 100.0, 1, 1, 1]  # fmt: skip
        assert "10А" not in [r[0] for r in t.rows]  # grades 10–11 have halves
        h1 = resolve(sch.j.db, ReportFilter(period=i.halves[0]), sch.j.today())
        row = participation(sch.j.db, h1, auth).row_by("class", "10А")
        assert (row["student_access"], row["parents"], row["parents_signed_in"]) == (2, 1, 1)
        blind = participation(sch.j.db, q2, None)
        assert blind.row_by("class", "5А")["parents_signed_in"] is None
        assert any("не учтены" in note for note in blind.notes)
    finally:
        auth.close()


def test_documents_command_writes_a_closed_years_files(built: sf.Built, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ejournal.cli import main

    school = sf.copy(built, tmp_path / "school")
    out = tmp_path / "out"
    refused = CliRunner().invoke(main, ["documents", str(school.path), sf.YEAR, str(out)])
    assert refused.exit_code == 2 and "not closed" in refused.output
    with sf.open_journal(school.path, at="2027-06-30 12:00") as journal:
        structure.close_year(journal, school.ids.admin, year=sf.YEAR)
    done = CliRunner().invoke(main, ["documents", str(school.path), sf.YEAR, str(out)])
    assert done.exit_code == 0, done.output
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.*")) == [
        "journals/5А.pdf", "summary/5А.csv", "summary/5А.pdf"]  # fmt: skip


def test_the_school_sets_its_minimum_of_marks(sch: Sch) -> None:
    # R-CTL-1: the mark density report checks against the school's minimum (default 3).
    from ejournal.model.commands.reports import configure_reports
    from ejournal.model.errors import PermissionDenied
    from ejournal.reports.density import mark_density, school_minimum

    i = sch.ids
    assert school_minimum(sch.j.db) == 3
    with sch.refused(PermissionDenied):
        configure_reports(sch.j, i.math_teacher, min_marks=5)
    with sch.refused(RuleViolation):
        configure_reports(sch.j, i.deputy, min_marks=0)
    configure_reports(sch.j, i.deputy, min_marks=5)
    assert school_minimum(sch.j.db) == 5
    table = mark_density(sch.j.db, resolve(sch.j.db, ReportFilter(), sch.j.today()))
    assert "Минимум отметок за период: 5." in table.notes
    row = next(r for r in table.rows if r[0] == "5А" and r[1] == "Математика")
    assert row[table.index("below_min")] == 4  # no marks yet: all four below five
