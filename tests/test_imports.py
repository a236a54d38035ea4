"""Lists from spreadsheets (issue #10; R-STR-2, R-STR-7, R-SEC-4): a 300-student school's
class list as XLSX and its parents as CSV, each with broken rows; the preview names every
problem, the journal gets exactly the good rows, and a second import adds no one."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from school_lists import (
    PARENT_HEADER,
    SETUP_TIME,
    STUDENT_HEADER,
    Clock,
    new_school,
    parent_rows,
    student_rows,
    students,
    to_csv,
    to_xlsx,
)

from ejournal.contacts import ContactStore
from ejournal.imports import (
    class_label,
    detect_kind,
    import_rows,
    list_rows,
    make_plan,
    read_table,
    table_rows,
)
from ejournal.imports import to_csv as export_csv
from ejournal.imports import to_xlsx as export_xlsx
from ejournal.journal import Journal
from ejournal.log import SigningPolicy
from ejournal.model.errors import PermissionDenied

# Twelve broken rows a real list has, each with the problem the preview must name.
BROKEN_STUDENTS = [
    (["", "Кузьмин Олег Петрович", "12.04.2015", "5В", "м"], "unknown_class"),
    (["", "Лаптева Инна Ивановна", "31.02.2015", "5А", "ж"], "bad_date"),
    (["", "Рогов Иван Ильич", "вчера", "6А", "м"], "bad_date"),
    (["", "", "01.03.2014", "6Б", ""], "missing_name"),
    (["", "Сидоров 2 Пётр", "01.03.2014", "6Б", "м"], "bad_name"),
    (["", "Титова Алла Олеговна", "", "7А", "ж"], "missing_date"),
    (["", "Уткин Лев Львович", "02.02.2013", "", "м"], "missing_class"),
    (["", "Петров", "03.03.2013", "7Б", "м"], "bad_name"),
    (["", "Фомина Ева Денисовна", "01.01.2030", "8А", "ж"], "bad_date"),
    (["", "Хохлов Марк Ильич", "04.04.2012", "8Б", "х"], "bad_sex"),
    (["", "Цветков Глеб Олегович", "05.05.2012", "пятый", "м"], "bad_class"),
    # the duplicate of the first good student is added below
]


def open_school(path: Path) -> Journal:
    return Journal.open(path, clock=Clock(SETUP_TIME), policy=SigningPolicy(background=False))


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("lists") / "school"
    admin, _ = new_school(path)
    return path, admin


@pytest.fixture
def fresh(school: tuple[Path, str], tmp_path: Path) -> tuple[Path, str]:
    import shutil

    shutil.copytree(school[0], tmp_path / "school")
    return tmp_path / "school", school[1]


def student_list() -> tuple[list, bytes]:
    good = students(300)
    rows = student_rows(good)
    broken = [cells for cells, _ in BROKEN_STUDENTS] + [list(rows[0])]
    mixed = rows[:100] + broken[:6] + rows[100:200] + broken[6:] + rows[200:]
    return good, to_xlsx(STUDENT_HEADER, mixed)


def enrolled(j: Journal) -> set[tuple[str, str, str]]:
    rows = j.db.execute(
        "SELECT p.last_name || ' ' || p.first_name || ' ' || p.middle_name, p.birth_date, "
        "g.grade || g.letter FROM memberships m JOIN persons p ON p.person = m.student "
        "JOIN groups g ON g.grp = m.grp"
    ).fetchall()
    return {tuple(r) for r in rows}


def test_class_labels_as_schools_write_them() -> None:
    assert class_label("5А") == (5, "А")
    assert class_label("5 а") == (5, "А")
    assert class_label("10-Б") == (10, "Б")
    assert class_label("5A") == (5, "А")  # a Latin A typed on the wrong keyboard
    assert class_label("11 «В» класс") == (11, "В")
    assert class_label("12А") is None and class_label("пятый") is None


def test_xlsx_preview_names_each_problem_of_the_broken_rows(fresh: tuple[Path, str]) -> None:
    # R-STR-2: the preview marks each bad row with its problem and plans the good ones.
    good, data = student_list()
    table = read_table("5-11.xlsx", data)
    assert detect_kind(table.header) == "students"
    rows = table_rows(table, "students")
    with open_school(fresh[0]) as j:
        plan = make_plan(j.db, "students", rows, today=j.today())
    errors = [p for p in plan.rows if p.action == "error"]
    expected = [code for _, code in BROKEN_STUDENTS] + ["duplicate_row"]
    assert sorted(p.problems[0].code for p in errors) == sorted(expected)
    assert all(p.problems[0].message_ru for p in errors)
    assert plan.count("new") == 300 and plan.start == "2026-09-01" and plan.year == "2026/2027"
    # the spreadsheet's own line numbers: a title row and a blank one above the header
    assert min(p.row.line for p in plan.rows) == 4
    dup = next(p for p in errors if p.problems[0].code == "duplicate_row")
    assert "строке 4" in dup.problems[0].message_ru


def test_confirmed_import_records_exactly_the_good_rows_once(fresh: tuple[Path, str]) -> None:
    good, data = student_list()
    rows = table_rows(read_table("list.xlsx", data), "students")
    digest = hashlib.sha256(data).hexdigest()
    with open_school(fresh[0]) as j:
        before = j.feed.size
        result = import_rows(j, fresh[1], "students", rows, source="list.xlsx", sha256=digest)
        # One command, one append: 300 people, 300 enrolments and the summary.
        assert result.entries == 601 and j.feed.size == before + 601
        assert enrolled(j) == {(s.name, s.birth.isoformat(), s.class_) for s in good}
        summary = j.db.execute(
            "SELECT kind, source, sha256, persons, skipped FROM imports"
        ).fetchall()
        assert summary == [("students", "list.xlsx", digest, 300, 12)]
        # R-STR-7: the same list again (as CSV this time) adds no one and writes nothing.
        again = table_rows(
            read_table("list.csv", to_csv(STUDENT_HEADER, student_rows(good))), "students"
        )
        second = import_rows(j, fresh[1], "students", again, source="list.csv", sha256="x")
        assert second.entries == 0 and second.plan.count("exists") == 300
        assert j.feed.size == before + 601
        assert j.db.execute("SELECT count(*) FROM persons").fetchone()[0] == 301  # + the admin


def test_parents_csv_in_windows_1251_links_children_and_keeps_contacts_local(
    fresh: tuple[Path, str],
) -> None:
    good = students(300)
    rows = parent_rows(good)
    rows += [
        ["Орлова Нина Ивановна", "+7 900 1234567", "", "Никто Никто Никтович", "01.01.2015"],
        ["Орлова Нина Ивановна", "звоните", "", good[5].name, good[5].birth.strftime("%d.%m.%Y")],
        ["Орлова Нина Ивановна", "", "nina@", good[6].name, good[6].birth.strftime("%d.%m.%Y")],
        list(rows[0]),
    ]
    data = to_csv(PARENT_HEADER, rows, encoding="cp1251")
    with open_school(fresh[0]) as j:
        student_data = to_csv(STUDENT_HEADER, student_rows(good))
        kids = table_rows(read_table("s.csv", student_data), "students")
        import_rows(j, fresh[1], "students", kids, source="s.csv", sha256="s")
        table = read_table("parents.csv", data)
        assert detect_kind(table.header) == "parents"
        parsed = table_rows(table, "parents")
        plan = make_plan(j.db, "parents", parsed, today=j.today())
        codes = sorted(p.problems[0].code for p in plan.rows if p.action == "error")
        assert codes == ["bad_email", "bad_phone", "duplicate_row", "unknown_child"]
        result = import_rows(j, fresh[1], "parents", parsed, source="p.csv", sha256="p")
        families = {s.parent for s in good}
        assert result.summary.persons == len(families) and result.summary.roles == 300
        guardians = j.db.execute("SELECT count(DISTINCT scope) FROM roles WHERE role = 'parent'")
        assert guardians.fetchone()[0] == 300
        again = import_rows(j, fresh[1], "parents", parsed, source="p.csv", sha256="p")
        assert again.entries == 0
        exported = list_rows(j.db, "parents", j.today(), ContactStore.of(fresh[0]).all())
    assert len(exported) == 301 and {r[1] for r in exported[1:]} == {s.phone for s in good}
    # R-SEC-4: phones are kept in the local store, never in the log.
    feed = next((fresh[0] / "feeds").iterdir())
    log_text = b"".join(p.read_bytes() for p in feed.glob("seg-*"))
    assert good[0].phone.encode() not in log_text


def test_exported_lists_import_back_as_no_change(fresh: tuple[Path, str]) -> None:
    good = students(60, seed=3)
    with open_school(fresh[0]) as j:
        data = to_csv(STUDENT_HEADER, student_rows(good))
        rows = table_rows(read_table("s.csv", data), "students")
        import_rows(j, fresh[1], "students", rows, source="s.csv", sha256="s")
        listed = list_rows(j.db, "students", j.today())
        for name, blob in (
            ("back.xlsx", export_xlsx(listed, "ученики")),
            ("back.csv", export_csv(listed)),
        ):
            back = table_rows(read_table(name, blob), "students")
            plan = make_plan(j.db, "students", back, today=j.today())
            assert plan.count("exists") == 60 and plan.count("new") == 0, name


def test_staff_list_grants_roles_and_only_the_admin_may(fresh: tuple[Path, str]) -> None:
    data = to_csv(["ФИО", "Должность"], [
        ["Волков Сергей Иванович", "учитель"],
        ["Морозова Елена Петровна", "директор"],
        ["Лебедева Ольга Николаевна", "Заместитель директора по УВР"],
        ["Кузнецова Ирина Сергеевна", "секретарь"],
        ["Орлов Павел Алексеевич", "дворник"],
    ])  # fmt: skip
    rows = table_rows(read_table("staff.csv", data), "staff")
    with open_school(fresh[0]) as j:
        result = import_rows(j, fresh[1], "staff", rows, source="staff.csv", sha256="t")
        assert result.summary.roles == 4 and result.summary.skipped == 1
        secretary = j.db.execute("SELECT person FROM roles WHERE role = 'secretary'").fetchone()[0]
        more = table_rows(
            read_table(
                "x.csv", to_csv(["ФИО", "Должность"], [["Новый Учитель Иванович", "учитель"]])
            ),
            "staff",
        )
        before = j.feed.size
        with pytest.raises(PermissionDenied):  # R-SEC-1: roles are granted by the admin
            import_rows(j, secretary, "staff", more, source="x.csv", sha256="x")
        assert j.feed.size == before


def test_unknown_classes_are_created_when_asked(tmp_path: Path) -> None:
    from ejournal.first_start import SchoolSetup, first_start, parse_schemes

    setup = SchoolSetup("Школа", "", "", "", "", "2026/2027", "2026-09-01", "2027-05-25",
                        parse_schemes("quarters"), "Иванов Иван")  # fmt: skip
    options = {"clock": Clock(SETUP_TIME), "policy": SigningPolicy(background=False)}
    done = first_start(tmp_path / "s", setup, **options)
    data = to_csv(STUDENT_HEADER, student_rows(students(40)))
    rows = table_rows(read_table("s.csv", data), "students")
    with Journal.open(tmp_path / "s", **options) as j:
        assert make_plan(j.db, "students", rows, today=j.today()).problems == 40
        result = import_rows(
            j, done.admin, "students", rows, source="s.csv", sha256="s", create_classes=True
        )
        assert result.summary.classes == 22 and result.summary.enrolments == 40


def test_cli_import_dry_run_then_as_the_admin(fresh: tuple[Path, str], tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ejournal.auth import AuthStore
    from ejournal.cli import main

    path, admin = fresh
    rows = student_rows(students(40, seed=5)) + [["", "Петров", "01.01.2015", "5А", "м"]]
    sheet = tmp_path / "5-е.xlsx"
    sheet.write_bytes(to_xlsx(STUDENT_HEADER, rows))
    segments = sorted((path / "feeds").rglob("seg-*"))
    before = b"".join(p.read_bytes() for p in segments)
    dry = CliRunner().invoke(main, ["import", str(path), str(sheet), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "строка 44: ОШИБКА" in dry.output and "bad_name" in dry.output
    assert "40 new" in dry.output and "nothing written" in dry.output
    assert b"".join(p.read_bytes() for p in segments) == before
    auth = AuthStore.of(path)
    login = auth.login_of(admin)
    auth.close()
    done = CliRunner().invoke(main, ["import", str(path), str(sheet), "--as", str(login)])
    assert done.exit_code == 0, done.output
    assert "40 people registered, 40 enrolments" in done.output and "1 left out" in done.output
    with open_school(path) as j:
        by = j.db.execute("SELECT by FROM imports").fetchall()
    assert by == [(admin,)]
