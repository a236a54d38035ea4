"""The end of a school year in the demo (R-STR-7, R-MRK-3): ОГЭ results and the certificate's
final marks in June, the teachers' council decisions, graduation of grades 9 and 11, the move of
everyone else into next year's classes, and closing the year."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from ..model import events as ev
from ..model.commands import structure
from .finals import exam_events, final_events
from .school import Klass, Student
from .world import World, YearState, at


def close_year(w: World, y: YearState, nxt: YearState) -> None:
    """June: ОГЭ and final marks, the teachers' council decisions, graduation, moving the
    others to next year's classes, and closing the year (R-STR-7, R-MRK-3)."""
    rng, first = w.rng, y.cal.first + 1
    for moment, batches in (
        (at(date(first, 6, 20), 10), exam_events(w)),
        (at(date(first, 6, 24), 10), final_events(w)),
    ):
        for teacher in sorted(batches):
            w.later(moment + timedelta(minutes=rng.randint(0, 300)), teacher, batches[teacher])
    graduation = date(first, 6, 25)
    w.at(at(graduation, 11))
    move = Move(graduation, date(first, 8, 31), date(first, 9, 1))
    for klass in y.classes:
        _decide(w, y, klass, [k for k in nxt.classes if k.grade == klass.grade + 1], move)
    w.j.record(w.staff.deputy, move.decisions)
    w.at(at(date(first, 6, 26), 10))
    w.j.record(w.staff.secretary, move.moves)
    w.at(at(date(first, 6, 27), 10))
    end = date(first, 6, 30).isoformat()
    revoke: list[ev.Event] = []
    for st in move.leaving:
        revoke.append(ev.RoleRevoked(st.person, "student", end))
        revoke.extend(
            ev.RoleRevoked(g, "parent", end, st.person) for g in w.parents.get(st.person, [])
        )
    if revoke:
        w.j.record(w.staff.admin, revoke)
    w.at(at(date(first, 6, 30), 12))
    structure.close_year(w.j, w.staff.director, year=y.name)


@dataclass
class Move:
    """What the end of the year writes: decisions, leaving and joining classes."""

    graduation: date
    summer_end: date
    next_start: date
    decisions: list[ev.Event] = field(default_factory=list)
    moves: list[ev.Event] = field(default_factory=list)
    leaving: list[Student] = field(default_factory=list)


def _decide(w: World, y: YearState, klass: Klass, targets: list[Klass], move: Move) -> None:
    """The council's decision for each student of a class, and their moves."""
    for n, st in enumerate(w.members_on(klass.id, y.cal.last_day(klass.grade))):
        groups = [klass.id] + [
            g for g, ms in klass.subgroups if any(m.person == st.person for m in ms)
        ]
        stays = (
            klass.grade < 9 or klass.grade == 10 or (klass.grade == 9 and _stays(w.rng, st.ability))
        )
        if stays and targets:
            same = [k for k in targets if k.letter == klass.letter]
            to = same[0] if same else targets[n % len(targets)]
            marks = (y.year_marks.get((c.id, st.person)) for c in y.courses if c.klass is klass)
            decision = "conditionally" if any(m in ("2", "н/а") for m in marks) else "promoted"
            move.decisions.append(ev.StudentPromoted(st.person, y.name, decision, to.id))
            move.moves.extend(
                ev.StudentLeft(st.person, g, move.summer_end.isoformat(), "promotion")
                for g in groups
            )
            move.moves.append(ev.StudentEnrolled(st.person, to.id, move.next_start.isoformat()))
            to.students.append(st)
            w.join(to.id, st, move.next_start)
            end = move.summer_end
        else:
            move.decisions.append(ev.StudentPromoted(st.person, y.name, "graduated"))
            move.moves.extend(
                ev.StudentLeft(st.person, g, move.graduation.isoformat(), "graduation")
                for g in groups
            )
            move.leaving.append(st)
            end = move.graduation
        for g in groups:
            w.leave(g, st.person, end)


def _stays(rng: random.Random, ability: float) -> bool:
    """After grade 9 the stronger students tend to stay for grades 10–11."""
    share = min(0.9, max(0.15, 0.5 + 0.35 * (ability - 3.9)))
    return rng.random() < share
