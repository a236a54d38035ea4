"""Why a command was refused. Every error has a machine ``code`` and a Russian message for the
page; a refused command writes nothing."""

from __future__ import annotations


class JournalError(Exception):
    """Root of the model's errors."""

    code = "journal_error"

    def __init__(self, message_ru: str, *, code: str | None = None) -> None:
        super().__init__(message_ru)
        self.message_ru = message_ru
        if code:
            self.code = code


class PermissionDenied(JournalError):
    """The acting person's roles do not allow this (R-SEC-1)."""

    code = "permission_denied"


class RuleViolation(JournalError):
    """The school's rules forbid this (grade 1 has no marks, the student is not in the class…)."""

    code = "rule_violation"


class NotFound(JournalError):
    code = "not_found"
