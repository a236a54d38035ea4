"""What an import would do, row by row, against the journal as it is: which people are new,
which are already there (matched on ФИО and date of birth), which classes are unknown, which
rows repeat (R-STR-2, R-STR-7). Pure reads: nothing is written here."""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field

from .rows import Problem, Row

# Latin letters that look like Cyrillic ones in a class name typed on the wrong keyboard.
LOOKALIKES = str.maketrans("ABEKMHOPCTXYabekmhopctxy", "АВЕКМНОРСТХУавекмнорстху")
CLASS_LABEL = re.compile(r"(\d{1,2})\s*[-\s]?\s*[«\"]?([А-ЯЁа-яё]{1,3})[»\"]?\s*(?:класс)?")
STAFF_ROLES = ("admin", "director", "deputy", "secretary", "teacher", "archivist")


@dataclass(frozen=True)
class PlannedRow:
    """One row and what confirming would do with it.

    ``action``: ``new`` (register, then enrol or grant), ``add`` (an existing person gets the
    enrolment or role), ``exists`` (nothing to do: already in the journal), ``error``.
    """

    row: Row
    action: str
    problems: tuple[Problem, ...] = ()
    person: str = ""  # the existing person matched, or the in-file row that creates them
    target: str = ""  # class id or label (students), child id (parents), role (staff)
    same_as: int = 0  # a parent who appears in an earlier row (two children): that line


@dataclass(frozen=True)
class ImportPlan:
    kind: str
    year: str
    start: str  # the enrolments' and roles' first day
    rows: tuple[PlannedRow, ...]
    new_classes: tuple[tuple[int, str], ...] = ()  # (grade, letter) to create
    class_ids: dict[str, str] = field(default_factory=dict)  # label → existing class id

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def problems(self) -> int:
        return self.count("error")


def class_label(text: str) -> tuple[int, str] | None:
    """``5А``, ``5 а``, ``5-A``, ``10 «Б» класс`` → (grade, letter); None if not a class."""
    found = CLASS_LABEL.fullmatch(text.strip().translate(LOOKALIKES))
    if found is None or not 1 <= int(found.group(1)) <= 11:
        return None
    return int(found.group(1)), found.group(2).upper()


def label(grade: int, letter: str) -> str:
    return f"{grade}{letter}"


def current_year(db: sqlite3.Connection, today: str) -> tuple[str, str] | None:
    """The school year holding ``today`` or, before it starts, the next one: (year, start)."""
    row = db.execute(
        "SELECT year, start FROM years WHERE end >= ? AND closed = 0 ORDER BY start LIMIT 1",
        (today,),
    ).fetchone()
    return (row[0], row[1]) if row else None


class People:
    """The persons of the journal indexed by name (and date of birth), read once per plan."""

    def __init__(self, db: sqlite3.Connection, year: str) -> None:
        self.by_name: dict[str, list[str]] = defaultdict(list)
        self.by_name_birth: dict[tuple[str, str], list[str]] = defaultdict(list)
        rows = db.execute(
            "SELECT person, last_name, first_name, middle_name, birth_date FROM persons"
        )
        for person, last, first, middle, birth in rows:
            name = " ".join(p for p in (last, first, middle) if p)
            self.by_name[name].append(person)
            self.by_name_birth[(name, birth or "")].append(person)
        self.classes: dict[str, list[str]] = defaultdict(list)  # person → open classes this year
        for student, grp in db.execute(
            "SELECT m.student, m.grp FROM memberships m JOIN groups g ON g.grp = m.grp "
            "WHERE g.kind = 'class' AND g.year = ? AND m.end IS NULL",
            (year,),
        ):
            self.classes[student].append(grp)
        self.roles: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for person, role, scope in db.execute(
            "SELECT person, role, scope FROM roles WHERE end IS NULL"
        ):
            self.roles[person].add((role, scope))
        self.class_of_label: dict[str, str] = {}
        self.label_of_class: dict[str, str] = {}
        for grp, grade, letter in db.execute(
            "SELECT grp, grade, letter FROM groups WHERE kind = 'class' AND year = ?", (year,)
        ):
            self.class_of_label[label(grade, letter)] = grp
            self.label_of_class[grp] = label(grade, letter)


def make_plan(
    db: sqlite3.Connection,
    kind: str,
    rows: list[Row],
    *,
    today: str,
    start: str = "",
    create_classes: bool = False,
    skip: frozenset[int] = frozenset(),
) -> ImportPlan:
    """Plan the import of ``rows`` (list ``kind``) into the journal read from ``db``.

    Args:
        today: the school's date; the year is the one holding it (or the next one).
        start: the enrolments' and roles' first day; default: the year's start, or today
            once the year has begun.
        create_classes: plan the classes the list names that the year lacks, instead of
            marking those rows.
        skip: lines the operator leaves out.
    """
    found = current_year(db, today)
    if found is None:
        err = Problem("no_year", "В журнале нет текущего учебного года: сначала задайте его.")
        return ImportPlan(kind, "", "", tuple(PlannedRow(r, "error", (err,)) for r in rows))
    year, year_start = found
    start = start or max(year_start, today)
    people = People(db, year)
    planner = {"students": _student, "parents": _parent, "staff": _staff}[kind]
    seen: dict[object, int] = {}
    new_classes: dict[str, tuple[int, str]] = {}
    planned = []
    for row in rows:
        if row.line in skip:
            planned.append(PlannedRow(row, "skipped"))
        elif row.problems:
            planned.append(PlannedRow(row, "error", row.problems))
        else:
            planned.append(planner(row, people, seen, new_classes, create_classes))
    return ImportPlan(
        kind, year, start, tuple(planned), tuple(new_classes.values()), people.class_of_label
    )


def _duplicate(key: object, row: Row, seen: dict[object, int], what: str) -> Problem | None:
    if key in seen:
        return Problem("duplicate_row", f"Повтор: {what} уже есть в строке {seen[key]}.")
    seen[key] = row.line
    return None


def _student(
    row: Row, people: People, seen: dict[object, int], new: dict[str, tuple[int, str]], create: bool
) -> PlannedRow:
    name, birth = row.parsed["name"], row.parsed["birth_date"]
    parsed_class = class_label(row.values["class"])
    if parsed_class is None:
        return PlannedRow(
            row, "error", (Problem("bad_class", f"Класс «{row.values['class']}» не распознан."),)
        )
    target = label(*parsed_class)
    if target not in people.class_of_label:
        if not create:
            return PlannedRow(
                row,
                "error",
                (Problem("unknown_class", f"Нет класса {target} в этом учебном году."),),
            )
        new.setdefault(target, parsed_class)
    dup = _duplicate((name, birth), row, seen, "этот ученик")
    if dup:
        return PlannedRow(row, "error", (dup,))
    matches = people.by_name_birth.get((name, birth), [])
    if len(matches) > 1:
        return PlannedRow(
            row,
            "error",
            (
                Problem(
                    "ambiguous_person", "В журнале несколько людей с таким ФИО и датой рождения."
                ),
            ),
        )
    if not matches:
        return PlannedRow(row, "new", target=target)
    person = matches[0]
    current = people.classes.get(person, [])
    class_id = people.class_of_label.get(target, "")
    if class_id and class_id in current:
        return PlannedRow(row, "exists", person=person, target=target)
    if current:
        other = people.label_of_class.get(current[0], "?")
        return PlannedRow(
            row,
            "error",
            (Problem("in_other_class", f"Уже числится в классе {other}: оформите перевод."),),
            person=person,
        )
    return PlannedRow(row, "add", person=person, target=target)


def _parent(
    row: Row, people: People, seen: dict[object, int], new: dict[str, tuple[int, str]], create: bool
) -> PlannedRow:
    name, child_name = row.parsed["name"], row.parsed["child_name"]
    children = people.by_name_birth.get((child_name, row.parsed["child_birth_date"]), [])
    if not children:
        return PlannedRow(
            row,
            "error",
            (
                Problem(
                    "unknown_child",
                    f"Ребёнок «{child_name}» не найден в журнале: "
                    "сначала загрузите список учеников.",
                ),
            ),
        )
    if len(children) > 1:
        return PlannedRow(
            row,
            "error",
            (
                Problem(
                    "ambiguous_person", "В журнале несколько детей с таким ФИО и датой рождения."
                ),
            ),
        )
    child = children[0]
    dup = _duplicate((name, child), row, seen, "этот родитель этого ребёнка")
    if dup:
        return PlannedRow(row, "error", (dup,))
    # A parent already known as anyone's guardian is the same person (two children).
    guardians = [
        p for p in people.by_name.get(name, []) if any(r == "parent" for r, _ in people.roles[p])
    ]
    if guardians:
        if ("parent", child) in people.roles[guardians[0]]:
            return PlannedRow(row, "exists", person=guardians[0], target=child)
        return PlannedRow(row, "add", person=guardians[0], target=child)
    earlier = seen.get(("parent", name), 0)
    if not earlier:
        seen[("parent", name)] = row.line
    return PlannedRow(row, "new", target=child, same_as=earlier)


def _staff(
    row: Row, people: People, seen: dict[object, int], new: dict[str, tuple[int, str]], create: bool
) -> PlannedRow:
    name, role = row.parsed["name"], row.parsed["role"]
    dup = _duplicate((name, role), row, seen, "этот сотрудник с этой должностью")
    if dup:
        return PlannedRow(row, "error", (dup,))
    staff = [
        p for p in people.by_name.get(name, []) if any(r in STAFF_ROLES for r, _ in people.roles[p])
    ]
    if staff:
        if (role, "") in people.roles[staff[0]]:
            return PlannedRow(row, "exists", person=staff[0], target=role)
        return PlannedRow(row, "add", person=staff[0], target=role)
    earlier = seen.get(("staff", name), 0)
    if not earlier:
        seen[("staff", name)] = row.line
    return PlannedRow(row, "new", target=role, same_as=earlier)
