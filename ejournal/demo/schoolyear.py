"""The calendar of a Russian school year for the demo: quarters for grades 1–9, halves for
10–11, the autumn, winter and spring holidays, the extra February week for grade 1, and the
public holidays (4 November, 23 February, 8 March, 1 and 9 May).

Dates follow the usual federal pattern (ФОП, 2023): lessons from 1 September (the next Monday
when it falls on a Sunday) to about 25 May, a week of holidays around 4 November and at the end
of March, winter holidays from 29 December to 8 January.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

ALL_GRADES = tuple(range(1, 12))


@dataclass(frozen=True)
class Term:
    """A quarter or a half for some grades."""

    kind: str  # "quarter" | "half"
    number: int
    start: date
    end: date
    grades: tuple[int, ...]


@dataclass(frozen=True)
class Holiday:
    name: str
    start: date
    end: date
    grades: tuple[int, ...] = ()  # empty: every grade

    def covers(self, day: date, grade: int) -> bool:
        return self.start <= day <= self.end and (not self.grades or grade in self.grades)


@dataclass(frozen=True)
class SchoolYear:
    first: int  # the calendar year it begins in
    start: date
    end: date  # the last day of the year as the journal defines it (31 May)
    terms: tuple[Term, ...]
    holidays: tuple[Holiday, ...]

    @property
    def name(self) -> str:
        return f"{self.first}/{self.first + 1}"

    def last_day(self, grade: int) -> date:
        return max(t.end for t in self.terms if grade in t.grades)

    def is_study_day(self, day: date, grade: int) -> bool:
        if day.weekday() >= 5 or not self.start <= day <= self.last_day(grade):
            return False
        return not any(h.covers(day, grade) for h in self.holidays)

    def term_of(self, day: date, grade: int) -> Term | None:
        for t in self.terms:
            if grade in t.grades and t.start <= day <= t.end:
                return t
        return None

    def terms_for(self, grade: int) -> list[Term]:
        return [t for t in self.terms if grade in t.grades]

    def study_days(self, grade: int, term: Term | None = None) -> list[date]:
        first, last = (term.start, term.end) if term else (self.start, self.last_day(grade))
        days, d = [], first
        while d <= last:
            if self.is_study_day(d, grade):
                days.append(d)
            d += timedelta(days=1)
        return days


def _saturday_from(day: date) -> date:
    return day + timedelta(days=(5 - day.weekday()) % 7)


def school_year(first: int) -> SchoolYear:
    """The calendar of the school year that begins in September of ``first``."""
    start = date(first, 9, 1)
    if start.weekday() == 6:
        start += timedelta(days=1)
    autumn = _saturday_from(date(first, 10, 25))
    autumn_end = autumn + timedelta(days=8)
    winter, winter_end = date(first, 12, 29), date(first + 1, 1, 8)
    spring = _saturday_from(date(first + 1, 3, 21))
    spring_end = spring + timedelta(days=8)
    february = date(first + 1, 2, 14)
    february -= timedelta(days=(february.weekday() - 5) % 7)  # the Saturday on or before
    day = timedelta(days=1)
    may_end, may_end_exam = date(first + 1, 5, 26), date(first + 1, 5, 22)
    q1 = (start, autumn - day)
    q2 = (autumn_end + day, winter - day)
    q3 = (winter_end + day, spring - day)
    q4_start = spring_end + day
    lower, ninth = tuple(range(1, 9)), (9,)
    terms = (
        Term("quarter", 1, *q1, lower + ninth),
        Term("quarter", 2, *q2, lower + ninth),
        Term("quarter", 3, *q3, lower + ninth),
        Term("quarter", 4, q4_start, may_end, lower),
        Term("quarter", 4, q4_start, may_end_exam, ninth),
        Term("half", 1, start, winter - day, (10, 11)),
        Term("half", 2, winter_end + day, may_end, (10,)),
        Term("half", 2, winter_end + day, may_end_exam, (11,)),
    )
    holidays = [
        Holiday("Осенние каникулы", autumn, autumn_end),
        Holiday("Зимние каникулы", winter, winter_end),
        Holiday(
            "Дополнительные каникулы для первоклассников",
            february,
            february + timedelta(days=8),
            (1,),
        ),
        Holiday("Весенние каникулы", spring, spring_end),
    ]
    for month_day, name in (
        ((11, 4), "День народного единства"),
        ((2, 23), "День защитника Отечества"),
        ((3, 8), "Международный женский день"),
        ((5, 1), "Праздник Весны и Труда"),
        ((5, 9), "День Победы"),
    ):
        when = date(first + (month_day[0] < 9), *month_day)
        if when.weekday() < 5 and not any(h.covers(when, 5) for h in holidays):
            holidays.append(Holiday(name, when, when))
    return SchoolYear(first, date(first, 9, 1), date(first + 1, 5, 31), terms, tuple(holidays))


def current_first_year(today: date) -> int:
    """The calendar year the school year holding ``today`` began in (June–August: the one
    that has just ended)."""
    return today.year if today.month >= 9 else today.year - 1
