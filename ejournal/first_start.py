"""The first start of a real school (issue #10): the data directory, the school's name and
numbers, the school year with its periods, and the first administrator with a one-time
password (R-STR-1, R-SEC-1, R-SEC-2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .auth import AuthStore
from .datadir import DataDirError, init_data_dir
from .identifiers import check_inn, check_ogrn
from .journal import Journal
from .log.feed import SigningPolicy
from .model import events as ev
from .model.access import SYSTEM
from .model.commands import people, structure
from .model.errors import JournalError

SCHEMES = {"quarters": "quarter", "halves": "half", "trimesters": "trimester"}
# The usual calendar of a Russian school, as (month, day) pairs of the year's first and second
# calendar year; the administration corrects them later (R-STR-1) if its order differs.
TERMS: dict[str, list[tuple[tuple[int, int, int], tuple[int, int, int]]]] = {
    # (which calendar year: 0 the first, 1 the second; month; day)
    "quarter": [
        ((0, 9, 1), (0, 10, 25)),
        ((0, 11, 5), (0, 12, 28)),
        ((1, 1, 12), (1, 3, 21)),
        ((1, 4, 1), (1, 5, 25)),
    ],
    "half": [((0, 9, 1), (0, 12, 28)), ((1, 1, 12), (1, 5, 25))],
    "trimester": [((0, 9, 1), (0, 11, 30)), ((0, 12, 1), (1, 2, 28)), ((1, 3, 1), (1, 5, 25))],
}
SCHEME_ITEM = re.compile(r"(?:(\d{1,2})-(\d{1,2}):)?(quarters|halves|trimesters)")


class SetupError(DataDirError):
    """The first start's answers are not usable (a usage problem: nothing was created)."""


@dataclass(frozen=True)
class PeriodScheme:
    """Periods of one kind for a range of grades: quarters for 1–9, halves for 10–11…"""

    kind: str  # quarter | half | trimester
    grades: tuple[int, ...]


@dataclass(frozen=True)
class SchoolSetup:
    name: str
    short_name: str
    inn: str
    ogrn: str
    timezone: str
    year: str  # "2026/2027"
    year_start: str
    year_end: str
    schemes: tuple[PeriodScheme, ...]
    admin_name: str  # "Фамилия Имя Отчество"
    admin_login: str = "admin"


@dataclass(frozen=True)
class FirstStart:
    path: Path
    feed_id: str
    root_vkey: str
    root_key_file: Path
    admin: str  # person id
    admin_login: str
    password: str  # the one-time password, shown once
    periods: tuple[str, ...]


def parse_schemes(text: str) -> tuple[PeriodScheme, ...]:
    """``quarters`` or ``1-9:quarters,10-11:halves`` → the period schemes, covering 1–11.

    Raises:
        SetupError: a bad item, overlapping grades, or grades left without periods.
    """
    schemes: list[PeriodScheme] = []
    seen: set[int] = set()
    for item in (x.strip() for x in text.split(",")):
        found = SCHEME_ITEM.fullmatch(item)
        if found is None:
            raise SetupError(
                f"--periods {text!r}: use quarters, halves, trimesters, or ranges such as "
                "1-9:quarters,10-11:halves"
            )
        low, high = (int(found.group(1)), int(found.group(2))) if found.group(1) else (1, 11)
        grades = tuple(range(low, high + 1))
        if not grades or low < 1 or high > 11 or seen & set(grades):
            raise SetupError(f"--periods {text!r}: grades 1–11, each in one range")
        seen |= set(grades)
        schemes.append(PeriodScheme(SCHEMES[found.group(3)], grades))
    if seen != set(range(1, 12)):
        missing = sorted(set(range(1, 12)) - seen)
        raise SetupError(f"--periods {text!r}: no periods for grades {missing}")
    return tuple(schemes)


def default_year(today: date) -> tuple[str, str, str]:
    """The school year a school sets up on ``today``: from July on, the one starting in
    September; before, the current one. Returns (year, first day, last day)."""
    first = today.year if today.month >= 7 else today.year - 1
    return f"{first}/{first + 1}", f"{first}-09-01", f"{first + 1}-05-25"


def term_dates(kind: str, year: str) -> list[tuple[str, str]]:
    first = int(year.split("/")[0])
    return [
        (date(first + a[0], a[1], a[2]).isoformat(), date(first + b[0], b[1], b[2]).isoformat())
        for a, b in TERMS[kind]
    ]


def validate(setup: SchoolSetup) -> SchoolSetup:
    """Check the answers before anything is written; normalises INN and OGRN.

    Raises:
        SetupError: with a message naming the bad answer.
    """
    try:
        inn = check_inn(setup.inn) if setup.inn.strip() else ""
        ogrn = check_ogrn(setup.ogrn) if setup.ogrn.strip() else ""
    except ValueError as e:
        raise SetupError(str(e)) from e
    parts = setup.year.split("/")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or int(parts[1]) != int(parts[0]) + 1:
        raise SetupError(f"--year {setup.year!r}: write the school year as 2026/2027")
    try:
        first, last = date.fromisoformat(setup.year_start), date.fromisoformat(setup.year_end)
    except ValueError as e:
        raise SetupError(f"the year's first and last day: YYYY-MM-DD ({e})") from e
    if not first < last or first.year != int(parts[0]):
        raise SetupError(f"the year {setup.year} runs from {first} to {last}: check the dates")
    if not setup.name.strip():
        raise SetupError("the school's name is empty (укажите название школы)")
    if len(setup.admin_name.split()) < 2:
        raise SetupError(
            "--admin-name: the administrator's last and first name, "
            "e.g. 'Соколов Андрей Викторович'"
        )
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{1,39}", setup.admin_login.strip().lower()):
        raise SetupError("--admin-login: 2–40 latin letters, digits, '.', '_' or '-'")
    return SchoolSetup(**{**setup.__dict__, "inn": inn, "ogrn": ogrn})


def first_start(path: Path, setup: SchoolSetup, **feed_options: Any) -> FirstStart:
    """Create the data directory and record the school, its year and first administrator.

    Everything is checked first; a refused answer leaves no directory behind.

    Raises:
        SetupError: a bad answer; DataDirError: ``path`` already holds a school.
    """
    setup = validate(setup)
    if (path / "keys").exists() or (path / "feeds").exists():
        raise DataDirError(f"{path} already holds a school's keys; refusing to overwrite them")
    result = init_data_dir(path, **feed_options)
    feed_options.setdefault("policy", SigningPolicy(background=False))
    try:
        with Journal.open(path, **feed_options) as j:
            admin, periods = _record_school(j, setup)
            j.feed.checkpoint()
    except JournalError as e:
        raise SetupError(f"{e.message_ru} (remove the incomplete directory {path})") from e
    auth = AuthStore.of(path)
    try:
        password = auth.issue_password(admin, setup.admin_login)
    finally:
        auth.close()
    return FirstStart(
        path=path,
        feed_id=result.feed_id,
        root_vkey=result.root.vkey(),
        root_key_file=result.data_dir.root_key,
        admin=admin,
        admin_login=setup.admin_login.strip().lower(),
        password=password,
        periods=tuple(periods),
    )


def _record_school(j: Journal, s: SchoolSetup) -> tuple[str, list[str]]:
    last, first, *middle = s.admin_name.split()
    # The first administrator is brought in by the system at installation (R-SEC-2).
    admin = people.register_person(
        j, SYSTEM, last_name=last, first_name=first, middle_name=" ".join(middle)
    )
    people.grant_role(j, SYSTEM, person=admin, role="admin", start=j.today())
    school = ev.SchoolConfigured(
        name=s.name.strip(),
        short_name=s.short_name.strip(),
        inn=s.inn,
        ogrn=s.ogrn,
        timezone=s.timezone,
    )
    structure.configure_school(j, admin, school)
    structure.define_year(j, admin, year=s.year, start=s.year_start, end=s.year_end)
    periods = []
    for scheme in s.schemes:
        terms = [
            (max(start, s.year_start), min(end, s.year_end))
            for start, end in term_dates(scheme.kind, s.year)
        ]
        for number, (start, end) in enumerate([t for t in terms if t[0] <= t[1]], 1):
            periods.append(
                structure.define_period(
                    j,
                    admin,
                    year=s.year,
                    kind=scheme.kind,
                    number=number,
                    start=start,
                    end=end,
                    grades=list(scheme.grades),
                )
            )
    return admin, periods
