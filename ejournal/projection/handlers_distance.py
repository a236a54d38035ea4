"""How the distance-learning, test and portfolio events change the projection: files and their
owners, materials, assignments, submissions and reviews, the question bank, tests, attempts and
answers, portfolio entries (R-DST-1, R-DST-2, R-PRT-1)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta

from ..model import events as ev
from .apply import Cache, Ctx, _json, handles
from .times import utc


def _files(db: sqlite3.Connection, c: Ctx, owner: str, files: list[ev.FileRef]) -> None:
    """The files an entry references: once each in ``blobs`` (the school's space), and per
    owner in ``file_refs`` (who may download them is decided by the owner)."""
    for f in files:
        db.execute("INSERT OR IGNORE INTO blobs VALUES (?, ?, ?)", (f.sha256, f.size, c.at))
        db.execute(
            "INSERT INTO file_refs (owner, sha256, size, name, media_type) VALUES (?, ?, ?, ?, ?)",
            (owner, f.sha256, f.size, f.name, f.media_type),
        )


@handles(ev.FileLimitsSet)
def _limits(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.FileLimitsSet) -> None:
    db.execute("INSERT OR REPLACE INTO file_limits VALUES (1, ?, ?)", (e.file_max, e.school_max))


# --- distance course --------------------------------------------------------------------------


@handles(ev.MaterialPublished)
def _material(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.MaterialPublished) -> None:
    db.execute(
        "INSERT OR REPLACE INTO materials VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            e.material,
            e.course,
            e.title,
            e.text,
            e.lesson,
            e.plan_topic,
            c.at,
            c.by,
            c.ref,
            c.invalid,
        ),
    )
    _files(db, c, e.material, e.files)


@handles(ev.AssignmentPublished)
def _assignment(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.AssignmentPublished) -> None:
    db.execute(
        "INSERT OR REPLACE INTO assignments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            e.assignment,
            e.course,
            e.title,
            e.text,
            utc(e.due),
            e.due,
            e.kind,
            e.lesson,
            e.plan_topic,
            c.at,
            c.by,
            c.ref,
            c.invalid,
        ),
    )
    _files(db, c, e.assignment, e.files)


@handles(ev.SubmissionMade)
def _submission(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.SubmissionMade) -> None:
    row = db.execute("SELECT due FROM assignments WHERE assignment = ?", (e.assignment,)).fetchone()
    late = int(bool(row) and c.at > row[0])  # R-DST-1: after the due time, flagged
    db.execute(
        "INSERT OR REPLACE INTO submissions VALUES (?, ?, ?, ?, ?, NULL, '', ?, ?, ?, ?)",
        (e.submission, e.assignment, e.student, e.text, late, c.at, c.by, c.ref, c.invalid),
    )
    _files(db, c, e.submission, e.files)


@handles(ev.SubmissionWithdrawn)
def _withdrawn(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.SubmissionWithdrawn) -> None:
    db.execute(
        "UPDATE submissions SET withdrawn_at = ?, withdraw_reason = ? WHERE submission = ?",
        (c.at, e.reason, e.submission),
    )


@handles(ev.SubmissionReviewed)
def _reviewed(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.SubmissionReviewed) -> None:
    db.execute(
        "INSERT INTO reviews (submission, comment, value, returned, at, by, ref, invalid) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (e.submission, e.comment, e.value, int(e.returned), c.at, c.by, c.ref, c.invalid),
    )


@handles(ev.SubmissionMarked)
def _sub_marked(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.SubmissionMarked) -> None:
    db.execute(
        "INSERT INTO submission_marks VALUES (?, ?, ?, ?)", (e.submission, e.mark, c.at, c.by)
    )


# --- tests --------------------------------------------------------------------------------------


@handles(ev.QuestionAdded)
def _question(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.QuestionAdded) -> None:
    options = json.dumps([[o.text, o.correct] for o in e.options], ensure_ascii=False)
    db.execute(
        "INSERT OR REPLACE INTO questions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            e.question,
            e.subject,
            e.kind,
            e.text,
            e.points,
            options,
            _json(e.accepted),
            e.number,
            e.tolerance,
            e.topic,
            c.at,
            c.by,
        ),
    )


@handles(ev.QuizPublished)
def _quiz(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.QuizPublished) -> None:
    scale = json.dumps([[s.value, s.min_points] for s in e.scale], ensure_ascii=False)
    db.execute(
        "INSERT OR REPLACE INTO quizzes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            e.quiz,
            e.course,
            e.title,
            _json(e.questions),
            e.minutes,
            e.opens,
            e.closes,
            scale,
            e.control,
            e.kind,
            e.draw,
            e.seed,
            e.lesson,
            c.at,
            c.by,
            c.ref,
            c.invalid,
        ),
    )


def deadline_of(started_at: str, minutes: int) -> str:
    """The UTC time an attempt ends: its start (UTC, the log's milliseconds) plus the limit."""
    start = datetime.strptime(started_at, "%Y-%m-%dT%H:%M:%S.%fZ")
    end = start + timedelta(minutes=minutes)
    return end.strftime("%Y-%m-%dT%H:%M:%S.") + f"{end.microsecond // 1000:03d}Z"


@handles(ev.QuizStarted)
def _started(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.QuizStarted) -> None:
    row = db.execute("SELECT minutes FROM quizzes WHERE quiz = ?", (e.quiz,)).fetchone()
    deadline = deadline_of(c.at, row[0] if row else 0)
    db.execute(
        "INSERT OR REPLACE INTO attempts VALUES "
        "(?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, NULL, ?, ?, ?, ?)",
        (
            e.attempt,
            e.quiz,
            e.student,
            _json(e.questions),
            c.at,
            deadline,
            c.at,
            c.by,
            c.ref,
            c.invalid,
        ),
    )


@handles(ev.QuizAnswered)
def _answered(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.QuizAnswered) -> None:
    # Only answers saved within the time count, whatever device's feed they come from.
    db.execute(
        "INSERT INTO answers SELECT ?, ?, ?, 1, ? FROM attempts "
        "WHERE attempt = ? AND deadline >= ? AND finished_at IS NULL "
        "ON CONFLICT (attempt, question) DO UPDATE SET "
        "answer = excluded.answer, saves = saves + 1, at = excluded.at",
        (e.attempt, e.question, json.dumps(e.answer, ensure_ascii=False), c.at, e.attempt, c.at),
    )


@handles(ev.QuizFinished)
def _finished(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.QuizFinished) -> None:
    db.execute(
        "UPDATE attempts SET finished_at = min(?, deadline) "
        "WHERE attempt = ? AND finished_at IS NULL",
        (c.at, e.attempt),
    )


@handles(ev.QuizChecked)
def _checked(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.QuizChecked) -> None:
    db.execute(
        "INSERT OR REPLACE INTO answer_checks VALUES (?, ?, ?, ?, ?, ?)",
        (e.attempt, e.question, e.points, e.comment, c.at, c.by),
    )


@handles(ev.QuizConfirmed)
def _confirmed(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.QuizConfirmed) -> None:
    db.execute(
        "UPDATE attempts SET confirmed_at = ?, points = ?, value = ?, mark = ? WHERE attempt = ?",
        (c.at, e.points, e.value, e.mark, e.attempt),
    )


# --- portfolio ------------------------------------------------------------------------------------


@handles(ev.AchievementAdded)
def _achievement(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.AchievementAdded) -> None:
    db.execute(
        "INSERT OR REPLACE INTO achievements VALUES "
        "(?, ?, ?, ?, ?, ?, ?, 'new', NULL, NULL, '', NULL, ?, ?, ?, ?)",
        (
            e.achievement,
            e.student,
            e.kind,
            e.title,
            e.level,
            e.date,
            e.result,
            c.at,
            c.by,
            c.ref,
            c.invalid,
        ),
    )
    _files(db, c, e.achievement, e.files)


@handles(ev.AchievementConfirmed)
def _ach_confirmed(
    db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.AchievementConfirmed
) -> None:
    db.execute(
        "UPDATE achievements SET status = ?, checked_at = ?, checked_by = ?, note = ? "
        "WHERE achievement = ?",
        ("rejected" if e.rejected else "confirmed", c.at, c.by, e.note, e.achievement),
    )


@handles(ev.AchievementWithdrawn)
def _ach_withdrawn(
    db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.AchievementWithdrawn
) -> None:
    db.execute(
        "UPDATE achievements SET withdrawn_at = ?, note = ? WHERE achievement = ?",
        (c.at, e.reason, e.achievement),
    )
