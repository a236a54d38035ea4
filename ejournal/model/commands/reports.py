"""The school's settings of the control reports (R-CTL-1)."""

from __future__ import annotations

from ...journal import Journal
from .. import access
from .. import events as ev
from ..errors import RuleViolation

MAX_MIN_MARKS = 50


def configure_reports(j: Journal, actor: str, *, min_marks: int) -> None:
    """Set the fewest current marks per student, course and period the mark density report
    checks against (the administration: ``structure.edit``).

    Raises:
        PermissionDenied: the actor may not change the school's settings.
        RuleViolation: not a number from 1 to 50.
    """
    if not 1 <= min_marks <= MAX_MIN_MARKS:
        raise RuleViolation(f"Минимум отметок — целое число от 1 до {MAX_MIN_MARKS}.")
    with j.command():
        access.require(j.db, actor, "structure.edit", j.today())
        j.record(actor, [ev.ReportsConfigured(min_marks)])
