"""Who may download an attached file: those who may see the record that references it
(R-SEC-1, R-SEC-4) — a course's material or assignment, a student's submission, a portfolio
entry."""

from __future__ import annotations

import sqlite3

from ..model.errors import NotFound, PermissionDenied
from .distance import FileInfo, may_see_course, may_see_work
from .portfolio import may_see_portfolio


def _owner_visible(db: sqlite3.Connection, viewer: str, owner: str, on: str) -> bool:
    if owner.startswith("mat-"):
        row = db.execute(
            "SELECT course FROM materials WHERE material = ? AND invalid = 0", (owner,)
        ).fetchone()
        return bool(row) and may_see_course(db, viewer, row[0], on)
    if owner.startswith("asg-"):
        row = db.execute(
            "SELECT course FROM assignments WHERE assignment = ? AND invalid = 0", (owner,)
        ).fetchone()
        return bool(row) and may_see_course(db, viewer, row[0], on)
    if owner.startswith("sub-"):
        row = db.execute(
            "SELECT s.student, a.course FROM submissions s JOIN assignments a "
            "ON a.assignment = s.assignment WHERE s.submission = ? AND s.invalid = 0",
            (owner,),
        ).fetchone()
        return bool(row) and may_see_work(db, viewer, row[0], row[1], on)
    if owner.startswith("ach-"):
        row = db.execute(
            "SELECT student FROM achievements WHERE achievement = ? AND invalid = 0", (owner,)
        ).fetchone()
        return bool(row) and may_see_portfolio(db, viewer, row[0], on)
    return False


def file_for(db: sqlite3.Connection, viewer: str, owner: str, sha256: str, on: str) -> FileInfo:
    """The file ``sha256`` of the record ``owner`` if ``viewer`` may see that record.

    Raises:
        NotFound: the record does not reference such a file.
        PermissionDenied: the viewer may not see the record.
    """
    row = db.execute(
        "SELECT sha256, size, name, media_type FROM file_refs WHERE owner = ? AND sha256 = ? "
        "ORDER BY id LIMIT 1",
        (owner, sha256),
    ).fetchone()
    if row is None:
        raise NotFound("Такой файл не найден.")
    if not _owner_visible(db, viewer, owner, on):
        raise PermissionDenied("Этот файл вам недоступен.")
    return FileInfo(*row)
