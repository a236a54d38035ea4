"""Confirming an import: one command, its entries written in one append (R-STR-2, R-STR-7).

The plan is made again inside the command, under the journal's lock, from the rows the
operator confirmed: what is already in the journal is not added twice, even when the same
list is imported again or two people confirm at once."""

from __future__ import annotations

from dataclasses import dataclass

from ..contacts import Contact, ContactStore
from ..journal import Journal
from ..model import access
from ..model import events as ev
from ..model.errors import RuleViolation
from .plan import ImportPlan, PlannedRow, label, make_plan
from .rows import Row


@dataclass(frozen=True)
class ImportResult:
    plan: ImportPlan
    summary: ev.PeopleImported
    entries: int  # recorded, the summary included


def import_rows(
    j: Journal,
    actor: str,
    kind: str,
    rows: list[Row],
    *,
    source: str,
    sha256: str,
    start: str = "",
    create_classes: bool = False,
    skip: frozenset[int] = frozenset(),
    order: str = "",
) -> ImportResult:
    """Record the good rows of a list; rows with problems (and ``skip``) are left out.

    Raises:
        PermissionDenied: the actor may not edit people (or grant staff roles, or create
            classes when the list needs them).
        RuleViolation: no current school year.

    A list with nothing new (imported before) records nothing: ``entries`` is then 0.
    """
    with j.command():
        today = j.today()
        access.require(j.db, actor, "people.edit", today)
        plan = make_plan(
            j.db, kind, rows, today=today, start=start, create_classes=create_classes, skip=skip
        )
        if not plan.year:
            raise RuleViolation("В журнале нет текущего учебного года: сначала задайте его.")
        if plan.new_classes:
            access.require(j.db, actor, "structure.edit", today)
        if kind == "staff" and any(r.action in ("new", "add") for r in plan.rows):
            access.require(j.db, actor, "roles.grant", today)
        events, contacts, summary = _events(j, plan, source, sha256, order)
        if not events:
            return ImportResult(plan, summary, 0)
        j.record(actor, [*events, summary])
    if contacts:
        store = ContactStore.of(j.data_dir.path)
        try:
            store.set(contacts)
        finally:
            store.close()
    return ImportResult(plan, summary, len(events) + 1)


def _events(
    j: Journal, plan: ImportPlan, source: str, sha256: str, order: str
) -> tuple[list[ev.Event], list[Contact], ev.PeopleImported]:
    events: list[ev.Event] = []
    classes = dict(plan.class_ids)
    for grade, letter in plan.new_classes:
        class_id = j.ids.new("cls")
        classes[label(grade, letter)] = class_id
        events.append(ev.ClassCreated(class_id, plan.year, grade, letter))
    created: dict[int, str] = {}  # line → new person id
    contacts: list[Contact] = []
    persons = enrolments = roles = 0
    for p in plan.rows:
        if p.action not in ("new", "add"):
            continue
        person = p.person or created.get(p.same_as, "")
        if not person:
            person = j.ids.new("p")
            created[p.row.line] = person
            events.append(_person(person, p))
            persons += 1
        if plan.kind == "students":
            events.append(ev.StudentEnrolled(person, classes[p.target], plan.start, order))
            enrolments += 1
        elif plan.kind == "parents":
            events.append(ev.RoleGranted(person, "parent", plan.start, p.target))
            roles += 1
            phone, email = p.row.parsed.get("phone", ""), p.row.parsed.get("email", "")
            if phone or email:
                contacts.append(Contact(person, phone, email))
        else:
            events.append(ev.RoleGranted(person, p.target, plan.start))
            roles += 1
    summary = ev.PeopleImported(
        kind=plan.kind,
        source=source,
        sha256=sha256,
        persons=persons,
        enrolments=enrolments,
        roles=roles,
        classes=len(plan.new_classes),
        unchanged=plan.count("exists"),
        skipped=plan.count("error") + plan.count("skipped"),
    )
    return events, contacts, summary


def _person(person: str, p: PlannedRow) -> ev.PersonRegistered:
    last, first, *middle = p.row.parsed["name"].split(" ")
    return ev.PersonRegistered(
        person,
        last,
        first,
        " ".join(middle),
        p.row.parsed.get("birth_date", ""),
        p.row.parsed.get("sex", ""),
    )
