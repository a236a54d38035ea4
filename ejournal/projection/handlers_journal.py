"""How the teaching, control, communication and security events change the projection:
lessons, attendance, marks and their corrections, final marks, comments, remarks,
announcements, messages, and R-SEC-3 invalidation. (Structure and people: apply.py.)"""

from __future__ import annotations

import sqlite3
from typing import Any

from ..model import events as ev
from .apply import Cache, Ctx, _json, handles, handles_runs
from .schema import INVALIDATABLE
from .times import utc

# --- lessons, attendance, marks ----------------------------------------------------------------


@handles(ev.LessonRecorded)
def _lesson(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.LessonRecorded) -> None:
    db.execute(
        "INSERT OR REPLACE INTO lessons VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            e.lesson, e.course, e.date, e.number, e.topic, e.homework, _json(e.work_kinds),
            e.teacher, e.plan_topic, c.at, c.by, c.at, c.ref, c.invalid,
        ),
    )  # fmt: skip
    originals = cache.originals(db)
    if e.lesson in originals:  # recorded again after an update (no command does that)
        db.execute("DELETE FROM lesson_originals WHERE lesson = ?", (e.lesson,))
        originals.discard(e.lesson)
    cache.lesson_recorded(db, e.lesson, e.course, e.date)


@handles(ev.LessonUpdated)
def _lesson_updated(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.LessonUpdated) -> None:
    kinds = None if e.work_kinds is None else _json(e.work_kinds)
    originals = cache.originals(db)
    if e.lesson not in originals:  # what the lesson was as recorded, kept from its first update
        db.execute(
            "INSERT OR IGNORE INTO lesson_originals SELECT lesson, topic, homework, "
            "work_kinds, plan_topic, at FROM lessons WHERE lesson = ?",
            (e.lesson,),
        )
        originals.add(e.lesson)
    db.execute(
        "INSERT INTO lesson_updates "
        "(lesson, topic, homework, work_kinds, plan_topic, at, by, ref, invalid) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (e.lesson, e.topic, e.homework, kinds, e.plan_topic, c.at, c.by, c.ref, c.invalid),
    )
    if not c.invalid:  # R-SEC-3: a change made with stolen credentials does not count
        _update_lesson(db, e.lesson, (e.topic, e.homework, kinds, e.plan_topic), c.at)


_LESSON_FIELDS = ("topic", "homework", "work_kinds", "plan_topic")


def _update_lesson(db: sqlite3.Connection, lesson: str, values: tuple[Any, ...], at: str) -> None:
    for column, value in zip(_LESSON_FIELDS, values, strict=True):
        if value is not None:
            db.execute(
                f"UPDATE lessons SET {column} = ?, updated_at = ? WHERE lesson = ?",
                (value, at, lesson),
            )


def recompute_lesson(db: sqlite3.Connection, lesson: str) -> None:
    """A lesson's topic, homework and work kinds from its record and its valid updates (a lesson
    never updated has no row in lesson_originals, and nothing to recompute)."""
    original = db.execute(
        "SELECT topic, homework, work_kinds, plan_topic, at FROM lesson_originals WHERE lesson = ?",
        (lesson,),
    ).fetchone()
    if original is None:
        return  # no such lesson recorded
    _update_lesson(db, lesson, original[:4], original[4])
    for row in db.execute(
        "SELECT topic, homework, work_kinds, plan_topic, at FROM lesson_updates "
        "WHERE lesson = ? AND invalid = 0 ORDER BY id",
        (lesson,),
    ).fetchall():
        _update_lesson(db, lesson, row[:4], row[4])


@handles(ev.LessonSubstituted)
def _substituted(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.LessonSubstituted) -> None:
    db.execute(
        "INSERT INTO substitutions VALUES (?, ?, ?, ?, ?, ?)",
        (e.lesson, e.teacher, e.reason, c.at, c.by, c.ref),
    )
    db.execute("UPDATE lessons SET teacher = ? WHERE lesson = ?", (e.teacher, e.lesson))


_ATTENDANCE_EVENT = (
    "INSERT INTO attendance_events (lesson, student, code, at, by, late, ref, invalid) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_ATTENDANCE = "INSERT OR REPLACE INTO attendance VALUES (?, ?, ?, ?, ?, ?, ?)"
_CLEAR_ATTENDANCE = "DELETE FROM attendance WHERE lesson = ? AND student = ?"


@handles_runs(ev.AttendanceMarked)
def _attendance(
    db: sqlite3.Connection, cache: Cache, ctxs: list[Ctx], events: list[ev.AttendanceMarked]
) -> None:
    lessons, lesson, late_of = cache.lessons.get, cache.lesson, cache.late
    logged: list[tuple[Any, ...]] = []
    current: list[tuple[Any, ...]] = []  # the cells' new codes, up to the next one cleared
    for c, e in zip(ctxs, events, strict=True):
        course, day, _ = lessons(e.lesson) or lesson(db, e.lesson)
        late = late_of("attendance", 0, day, c.local_date)
        logged.append((e.lesson, e.student, e.code, c.at, c.by, late, c.ref, c.invalid))
        if c.invalid:
            continue
        if e.code:
            current.append((e.lesson, e.student, course, e.code, c.at, c.by, late))
        else:  # in order with the codes set before it in the run
            db.executemany(_ATTENDANCE, current)
            current = []
            _set_attendance(db, e.lesson, e.student, course, e.code, c.at, c.by, late)
    db.executemany(_ATTENDANCE_EVENT, logged)
    db.executemany(_ATTENDANCE, current)


def _set_attendance(
    db: sqlite3.Connection,
    lesson: str,
    student: str,
    course: str,
    code: str,
    at: str,
    by: str,
    late: int,
) -> None:
    if code:
        db.execute(_ATTENDANCE, (lesson, student, course, code, at, by, late))
    else:
        db.execute(_CLEAR_ATTENDANCE, (lesson, student))


def recompute_attendance(db: sqlite3.Connection, lesson: str, student: str) -> None:
    """The current attendance of a student at a lesson: the latest valid event."""
    row = db.execute(
        "SELECT code, at, by, late FROM attendance_events WHERE lesson = ? AND student = ? "
        "AND invalid = 0 ORDER BY id DESC LIMIT 1",
        (lesson, student),
    ).fetchone()
    course = db.execute("SELECT course FROM lessons WHERE lesson = ?", (lesson,)).fetchone()
    code, at, by, late = row if row else ("", "", "", 0)
    _set_attendance(db, lesson, student, course[0] if course else "", code, at, by, late)


@handles_runs(ev.MarkGiven)
def _mark(
    db: sqlite3.Connection, cache: Cache, ctxs: list[Ctx], events: list[ev.MarkGiven]
) -> None:
    lessons, lesson, late = cache.lessons.get, cache.lesson, cache.late
    rows = []
    for c, e in zip(ctxs, events, strict=True):
        course, day, grade = lessons(e.lesson) or lesson(db, e.lesson)
        rows.append((
            e.mark, e.lesson, course, e.student, e.kind, e.value, c.at, c.by,
            late(e.kind, grade, day, c.local_date), c.ref, c.invalid,
        ))  # fmt: skip
    db.executemany(_MARK, rows)


# the current value: the given one, none when the mark is invalid (R-SEC-3); made in SQL, one
# parameter fewer to bind per mark (a rebuild inserts millions)
_MARK = (
    "INSERT OR REPLACE INTO marks VALUES "
    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, CASE WHEN ?11 THEN NULL ELSE ?6 END, 0)"
)


@handles(ev.MarkCorrected)
def _mark_corrected(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.MarkCorrected) -> None:
    _mark_change(db, c, e.mark, "corrected", e.value, e.reason)


@handles(ev.MarkRevoked)
def _mark_revoked(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.MarkRevoked) -> None:
    _mark_change(db, c, e.mark, "revoked", None, e.reason)


def _mark_change(
    db: sqlite3.Connection, c: Ctx, mark: str, change: str, value: str | None, reason: str
) -> None:
    # R-MRK-2: the given mark row is never edited; the change is a new row, the current value
    # is derived from the latest valid one.
    db.execute(
        "INSERT INTO mark_changes (mark, change, value, reason, at, by, ref, invalid) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (mark, change, value, reason, c.at, c.by, c.ref, c.invalid),
    )
    # What recompute_mark would find, without reading the history: a valid change is the
    # latest valid one; an invalid one (R-SEC-3) changes nothing.
    if not c.invalid:
        db.execute("UPDATE marks SET current = ?, changed = 1 WHERE mark = ?", (value, mark))


def recompute_mark(db: sqlite3.Connection, mark: str) -> None:
    """Set a mark's current value from its given value and its valid changes."""
    row = db.execute("SELECT value, invalid FROM marks WHERE mark = ?", (mark,)).fetchone()
    if row is None:
        return
    current = None if row[1] else row[0]
    changes = db.execute(
        "SELECT change, value FROM mark_changes WHERE mark = ? AND invalid = 0 ORDER BY id", (mark,)
    ).fetchall()
    if changes:
        current = changes[-1][1] if changes[-1][0] == "corrected" else None
    db.execute(
        "UPDATE marks SET current = ?, changed = ? WHERE mark = ?",
        (current, int(bool(changes)), mark),
    )


@handles_runs(ev.FinalMarkGiven)
def _final(
    db: sqlite3.Connection, cache: Cache, ctxs: list[Ctx], events: list[ev.FinalMarkGiven]
) -> None:
    rows = []
    for c, e in zip(ctxs, events, strict=True):
        late = 0
        if e.kind == "period" and e.period:
            end = cache.period_end(db, e.period)
            late = int(end is not None and c.local_date > end)  # R-MRK-3: by the period's end
        elif e.kind == "year":
            end = cache.year_end(db, e.course)
            late = int(end is not None and end != "" and c.local_date > end)
        rows.append((
            e.course, e.student, e.kind, e.period, e.value, e.reason, c.at, c.by, late, c.ref,
            c.invalid,
        ))  # fmt: skip
    db.executemany(
        "INSERT INTO final_marks "
        "(course, student, kind, period, value, reason, at, by, late, ref, invalid) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


@handles(ev.CommentAdded)
def _comment(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.CommentAdded) -> None:
    db.execute(
        "INSERT OR REPLACE INTO comments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (e.comment, e.lesson, e.student, e.kind, e.text, c.at, c.by, c.ref, c.invalid),
    )


# --- control, communication, security ---------------------------------------------------------


@handles(ev.RemarkIssued)
def _remark(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.RemarkIssued) -> None:
    db.execute(
        "INSERT OR REPLACE INTO remarks VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?)",
        (e.remark, e.teacher, e.course, e.text, e.due, c.at, c.by, c.ref),
    )


@handles(ev.RemarkFixed)
def _remark_fixed(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.RemarkFixed) -> None:
    db.execute(
        "UPDATE remarks SET fixed_at = ?, fixed_note = ? WHERE remark = ?", (c.at, e.note, e.remark)
    )


@handles(ev.AnnouncementPosted)
def _announcement(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.AnnouncementPosted) -> None:
    db.execute(
        "INSERT OR REPLACE INTO announcements VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (e.announcement, e.audience, e.title, e.text, c.at, c.by, c.ref, c.invalid),
    )


@handles(ev.MessageSent)
def _message(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.MessageSent) -> None:
    db.execute(
        "INSERT OR REPLACE INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (e.message, c.by, e.subject, e.text, e.reply_to, c.at, c.ref, c.invalid, _thread(db, e)),
    )
    db.executemany(
        "INSERT OR IGNORE INTO message_recipients VALUES (?, ?, NULL)",
        [(e.message, p) for p in e.to],
    )


def _thread(db: sqlite3.Connection, e: ev.MessageSent) -> str:
    """A reply belongs to the thread of the message it answers; anything else starts one."""
    if e.reply_to:
        row = db.execute("SELECT thread FROM messages WHERE message = ?", (e.reply_to,)).fetchone()
        if row and row[0]:
            return str(row[0])
    return e.message


@handles_runs(ev.MessageRead)
def _messages_read(
    db: sqlite3.Connection, cache: Cache, ctxs: list[Ctx], events: list[ev.MessageRead]
) -> None:
    # a family reads its new messages one after another: runs of about nine in the demo school
    db.executemany(
        "UPDATE message_recipients SET read_at = ? "
        "WHERE message = ? AND person = ? AND read_at IS NULL",
        [(c.at, e.message, c.by) for c, e in zip(ctxs, events, strict=True)],
    )


@handles(ev.CredentialsCompromised)
def _compromised(
    db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.CredentialsCompromised
) -> None:
    """R-SEC-3: everything made with these credentials since ``since`` stops counting; the log
    itself is untouched and the rows stay, marked invalid, for the administration."""
    since = utc(e.since)
    db.execute(
        "INSERT INTO compromises VALUES (?, ?, ?, NULL, ?)", (e.person, since, c.at, e.reason)
    )
    cache.compromised.setdefault(e.person, []).append([since, None])
    invalidate_since(db, e.person, since)


@handles(ev.CredentialsReissued)
def _reissued(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.CredentialsReissued) -> None:
    db.execute(
        "UPDATE compromises SET reissued_at = ? WHERE person = ? AND reissued_at IS NULL",
        (c.at, e.person),
    )
    for window in cache.compromised.get(e.person, []):
        if window[1] is None:
            window[1] = c.at


def invalidate_since(db: sqlite3.Connection, person: str, since: str) -> None:
    """Mark invalid every row made by ``person`` at or after ``since`` (UTC) and recompute the
    current values that depended on them (R-SEC-3)."""
    for table in INVALIDATABLE:
        db.execute(f"UPDATE {table} SET invalid = 1 WHERE by = ? AND at >= ?", (person, since))
    marks = db.execute(
        "SELECT mark FROM marks WHERE by = ? AND at >= ? UNION "
        "SELECT mark FROM mark_changes WHERE by = ? AND at >= ?",
        (person, since, person, since),
    ).fetchall()
    for (mark,) in marks:
        recompute_mark(db, mark)
    cells = db.execute(
        "SELECT DISTINCT lesson, student FROM attendance_events WHERE by = ? AND at >= ?",
        (person, since),
    ).fetchall()
    for lesson, student in cells:
        recompute_attendance(db, lesson, student)
    lessons = db.execute(
        "SELECT DISTINCT lesson FROM lesson_updates WHERE by = ? AND at >= ?", (person, since)
    ).fetchall()
    for (lesson,) in lessons:
        recompute_lesson(db, lesson)
