"""The SQLite schema of the projection: what the pages and reports read.

Disposable: ``ejournal rebuild`` makes it again from the feeds. Rows that come from entries
keep ``at`` (entry time in UTC, ``YYYY-MM-DDTHH:MM:SS.mmmZ``), ``by`` (actor), ``ref``
(``<feed>#<seq>``) and ``invalid`` (R-SEC-3: made with compromised credentials).
"""

from __future__ import annotations

import re

# 1: the first; 2 (this session's branches each bumped it; merged as one step): distance
# learning, replication receipts, imports, reports' settings and covering indexes,
# acknowledgements, message threads. 3: all of them together. 4: marks given in one cell on two
# sites at once: the earlier is superseded (mark_changes.change = 'superseded', issue #9).
# 5: for the rebuild's speed (issue #3): no index that is the first columns of another
# (marks_lesson, lessons_course), lesson_originals only for lessons that were ever updated, the
# ids of marks and lessons unique indexes (marks_mark, lessons_lesson), not primary keys. 6: the
# current attendance's cell a unique index (attendance_cell), not the primary key, for the same.
SCHEMA_VERSION = 6

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE positions (feed TEXT PRIMARY KEY, next_seq INTEGER NOT NULL);

CREATE TABLE school (
    id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT, short_name TEXT, inn TEXT, ogrn TEXT,
    timezone TEXT, deadline_days TEXT, weights TEXT, student_min_age INTEGER
);
CREATE TABLE years (year TEXT PRIMARY KEY, start TEXT, end TEXT, closed INTEGER DEFAULT 0);
CREATE TABLE periods (
    period TEXT PRIMARY KEY, year TEXT, kind TEXT, number INTEGER, name TEXT, start TEXT, end TEXT
);
CREATE TABLE period_grades (period TEXT, grade INTEGER, PRIMARY KEY (period, grade));
CREATE TABLE holidays (year TEXT, name TEXT, start TEXT, end TEXT, grades TEXT);

CREATE TABLE persons (
    person TEXT PRIMARY KEY, last_name TEXT, first_name TEXT, middle_name TEXT,
    birth_date TEXT, sex TEXT, at TEXT, updated_at TEXT
);
CREATE TABLE roles (
    person TEXT, role TEXT, scope TEXT, start TEXT, end TEXT,
    PRIMARY KEY (person, role, scope, start)
);
CREATE INDEX roles_scope ON roles (role, scope);
CREATE TABLE compromises (person TEXT, since TEXT, reported_at TEXT, reissued_at TEXT, reason TEXT);

CREATE TABLE groups (
    grp TEXT PRIMARY KEY, kind TEXT, year TEXT, grade INTEGER, letter TEXT, name TEXT
);
CREATE TABLE group_classes (grp TEXT, class TEXT, PRIMARY KEY (grp, class));
CREATE TABLE memberships (
    id INTEGER PRIMARY KEY, student TEXT, grp TEXT, start TEXT, end TEXT,
    individual_plan INTEGER DEFAULT 0, reason TEXT, ref TEXT
);
CREATE INDEX memberships_grp ON memberships (grp, start);
CREATE INDEX memberships_student ON memberships (student);
CREATE TABLE promotions (student TEXT, year TEXT, decision TEXT, to_class TEXT, at TEXT);

CREATE TABLE subjects (
    subject TEXT PRIMARY KEY, name TEXT, short TEXT, grading TEXT, elective INTEGER
);
CREATE TABLE curriculum (
    year TEXT, class TEXT, subject TEXT, hours INTEGER, PRIMARY KEY (year, class, subject)
);
CREATE TABLE courses (
    course TEXT PRIMARY KEY, year TEXT, subject TEXT, teacher TEXT, grp TEXT,
    start TEXT, end TEXT, grading TEXT
);
CREATE INDEX courses_teacher ON courses (teacher);
CREATE INDEX courses_grp ON courses (grp);
CREATE TABLE course_teachers (course TEXT, teacher TEXT, start TEXT);
CREATE TABLE class_teachers (class TEXT, teacher TEXT, start TEXT);
CREATE TABLE timetable (
    grp TEXT, weekday INTEGER, number INTEGER, start TEXT, course TEXT, room TEXT,
    PRIMARY KEY (grp, weekday, number, start)
);
CREATE TABLE plan_topics (
    course TEXT, number INTEGER, topic TEXT, hours INTEGER, section TEXT,
    PRIMARY KEY (course, number)
);

CREATE TABLE lessons (
    lesson TEXT, course TEXT, date TEXT, number INTEGER, topic TEXT,
    homework TEXT, work_kinds TEXT, teacher TEXT, plan_topic INTEGER,
    at TEXT, by TEXT, updated_at TEXT, ref TEXT, invalid INTEGER DEFAULT 0
);
-- the lesson's id: a unique index rather than the primary key, which a rebuild makes at the end
CREATE UNIQUE INDEX lessons_lesson ON lessons (lesson);
CREATE INDEX lessons_dates ON lessons (course, date, invalid, lesson);
CREATE TABLE lesson_originals (
    lesson TEXT PRIMARY KEY, topic TEXT, homework TEXT, work_kinds TEXT, plan_topic INTEGER, at TEXT
);
CREATE TABLE lesson_updates (
    id INTEGER PRIMARY KEY, lesson TEXT, topic TEXT, homework TEXT, work_kinds TEXT,
    plan_topic INTEGER, at TEXT, by TEXT, ref TEXT, invalid INTEGER DEFAULT 0
);
CREATE INDEX lesson_updates_lesson ON lesson_updates (lesson);
CREATE TABLE substitutions (lesson TEXT, teacher TEXT, reason TEXT, at TEXT, by TEXT, ref TEXT);

CREATE TABLE attendance_events (
    id INTEGER PRIMARY KEY, lesson TEXT, student TEXT, code TEXT, at TEXT, by TEXT,
    late INTEGER, ref TEXT, invalid INTEGER DEFAULT 0
);
CREATE INDEX attendance_events_key ON attendance_events (lesson, student);
CREATE TABLE attendance (
    lesson TEXT, student TEXT, course TEXT, code TEXT, at TEXT, by TEXT, late INTEGER
);
-- a student's cell at a lesson: a unique index rather than the primary key, made at the end of
-- a rebuild
CREATE UNIQUE INDEX attendance_cell ON attendance (lesson, student);
CREATE INDEX attendance_course ON attendance (course, student);

CREATE TABLE marks (
    mark TEXT, lesson TEXT, course TEXT, student TEXT, kind TEXT,
    value TEXT, at TEXT, by TEXT, late INTEGER, ref TEXT, invalid INTEGER DEFAULT 0,
    current TEXT, changed INTEGER DEFAULT 0
);
-- the mark's id: a unique index rather than the primary key, which a rebuild makes at the end
CREATE UNIQUE INDEX marks_mark ON marks (mark);
CREATE INDEX marks_course ON marks (course, student);
CREATE INDEX marks_counting ON marks (lesson, current, student);
CREATE TABLE mark_changes (
    id INTEGER PRIMARY KEY, mark TEXT, change TEXT, value TEXT, reason TEXT,
    at TEXT, by TEXT, ref TEXT, invalid INTEGER DEFAULT 0
);
CREATE INDEX mark_changes_mark ON mark_changes (mark);

CREATE TABLE final_marks (
    id INTEGER PRIMARY KEY, course TEXT, student TEXT, kind TEXT, period TEXT, value TEXT,
    reason TEXT, at TEXT, by TEXT, late INTEGER, ref TEXT, invalid INTEGER DEFAULT 0
);
CREATE INDEX final_marks_course ON final_marks (course, student, kind, period);

CREATE TABLE comments (
    comment TEXT PRIMARY KEY, lesson TEXT, student TEXT, kind TEXT, text TEXT,
    at TEXT, by TEXT, ref TEXT, invalid INTEGER DEFAULT 0
);
CREATE INDEX comments_student ON comments (student);

CREATE TABLE remarks (
    remark TEXT PRIMARY KEY, teacher TEXT, course TEXT, text TEXT, due TEXT,
    at TEXT, by TEXT, fixed_at TEXT, fixed_note TEXT, ref TEXT
);
CREATE TABLE announcements (
    announcement TEXT PRIMARY KEY, audience TEXT, title TEXT, text TEXT,
    at TEXT, by TEXT, ref TEXT, invalid INTEGER DEFAULT 0
);
CREATE TABLE messages (
    message TEXT PRIMARY KEY, by TEXT, subject TEXT, text TEXT, reply_to TEXT,
    at TEXT, ref TEXT, invalid INTEGER DEFAULT 0, thread TEXT
);
CREATE INDEX messages_by ON messages (by);
CREATE TABLE message_recipients (
    message TEXT, person TEXT, read_at TEXT, PRIMARY KEY (message, person)
);
CREATE INDEX message_recipients_person ON message_recipients (person, read_at);

-- R-DIA-4: families confirm they have seen the period and year marks.
CREATE TABLE acknowledgements (
    id INTEGER PRIMARY KEY, student TEXT, period TEXT, note TEXT,
    at TEXT, by TEXT, ref TEXT, invalid INTEGER DEFAULT 0
);
CREATE INDEX acknowledgements_student ON acknowledgements (student, period);

-- distance learning, tests, portfolio (R-DST-1, R-DST-2, R-PRT-1): handlers_distance.py
CREATE TABLE file_limits (
    id INTEGER PRIMARY KEY CHECK (id = 1), file_max INTEGER, school_max INTEGER
);
CREATE TABLE blobs (sha256 TEXT PRIMARY KEY, size INTEGER, at TEXT);
CREATE TABLE file_refs (
    id INTEGER PRIMARY KEY, owner TEXT, sha256 TEXT, size INTEGER, name TEXT, media_type TEXT
);
CREATE INDEX file_refs_owner ON file_refs (owner);
CREATE INDEX file_refs_sha256 ON file_refs (sha256);
CREATE TABLE materials (
    material TEXT PRIMARY KEY, course TEXT, title TEXT, text TEXT, lesson TEXT,
    plan_topic INTEGER, at TEXT, by TEXT, ref TEXT, invalid INTEGER DEFAULT 0
);
CREATE INDEX materials_course ON materials (course);
CREATE TABLE assignments (
    assignment TEXT PRIMARY KEY, course TEXT, title TEXT, text TEXT, due TEXT, due_local TEXT,
    kind TEXT, lesson TEXT, plan_topic INTEGER, at TEXT, by TEXT, ref TEXT,
    invalid INTEGER DEFAULT 0
);
CREATE INDEX assignments_course ON assignments (course);
CREATE TABLE submissions (
    submission TEXT PRIMARY KEY, assignment TEXT, student TEXT, text TEXT, late INTEGER,
    withdrawn_at TEXT, withdraw_reason TEXT, at TEXT, by TEXT, ref TEXT,
    invalid INTEGER DEFAULT 0
);
CREATE INDEX submissions_assignment ON submissions (assignment, student);
CREATE INDEX submissions_student ON submissions (student);
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY, submission TEXT, comment TEXT, value TEXT, returned INTEGER,
    at TEXT, by TEXT, ref TEXT, invalid INTEGER DEFAULT 0
);
CREATE INDEX reviews_submission ON reviews (submission);
CREATE TABLE submission_marks (submission TEXT, mark TEXT, at TEXT, by TEXT);
CREATE TABLE questions (
    question TEXT PRIMARY KEY, subject TEXT, kind TEXT, text TEXT, points INTEGER,
    options TEXT, accepted TEXT, number TEXT, tolerance TEXT, topic TEXT, at TEXT, by TEXT
);
CREATE INDEX questions_subject ON questions (subject);
CREATE TABLE quizzes (
    quiz TEXT PRIMARY KEY, course TEXT, title TEXT, questions TEXT, minutes INTEGER,
    opens TEXT, closes TEXT, scale TEXT, control TEXT, kind TEXT, draw INTEGER, seed TEXT,
    lesson TEXT, at TEXT, by TEXT, ref TEXT, invalid INTEGER DEFAULT 0
);
CREATE INDEX quizzes_course ON quizzes (course);
CREATE TABLE attempts (
    attempt TEXT PRIMARY KEY, quiz TEXT, student TEXT, questions TEXT, started_at TEXT,
    deadline TEXT, finished_at TEXT, confirmed_at TEXT, points INTEGER, value TEXT, mark TEXT,
    at TEXT, by TEXT, ref TEXT, invalid INTEGER DEFAULT 0
);
CREATE INDEX attempts_quiz ON attempts (quiz, student);
CREATE TABLE answers (
    attempt TEXT, question TEXT, answer TEXT, saves INTEGER, at TEXT,
    PRIMARY KEY (attempt, question)
);
CREATE TABLE answer_checks (
    attempt TEXT, question TEXT, points INTEGER, comment TEXT, at TEXT, by TEXT,
    PRIMARY KEY (attempt, question)
);
CREATE TABLE achievements (
    achievement TEXT PRIMARY KEY, student TEXT, kind TEXT, title TEXT, level TEXT, date TEXT,
    result TEXT, status TEXT, checked_at TEXT, checked_by TEXT, note TEXT, withdrawn_at TEXT,
    at TEXT, by TEXT, ref TEXT, invalid INTEGER DEFAULT 0
);
CREATE INDEX achievements_student ON achievements (student);

CREATE TABLE report_settings (id INTEGER PRIMARY KEY CHECK (id = 1), min_marks INTEGER);

CREATE TABLE unknown_entries (ref TEXT PRIMARY KEY, type TEXT, at TEXT);

-- replication between sites (issue #9): feed ``feed`` at entry ``seq`` had received feed
-- ``other`` up to ``size`` entries (replica.received); the conflicts query reads it.
CREATE TABLE receipts (
    feed TEXT, seq INTEGER, other TEXT, size INTEGER, at TEXT, PRIMARY KEY (feed, seq, other)
);

-- lists imported from spreadsheets (issue #10): one row per people.imported entry
CREATE TABLE imports (
    ref TEXT PRIMARY KEY, at TEXT, by TEXT, kind TEXT, source TEXT, sha256 TEXT,
    persons INTEGER, enrolments INTEGER, roles INTEGER, classes INTEGER, unchanged INTEGER,
    skipped INTEGER
);
"""

# Tables whose rows come from entries made by someone: R-SEC-3 invalidates them.
INVALIDATABLE = (
    "lessons",
    "lesson_updates",
    "attendance_events",
    "marks",
    "mark_changes",
    "final_marks",
    "comments",
    "announcements",
    "messages",
    "materials",
    "assignments",
    "submissions",
    "reviews",
    "attempts",
    "achievements",
    "acknowledgements",
)

# Indexes that only pages and reports read, never the handlers in apply.py: a rebuild drops them
# while it loads and makes each at the end in one sorted pass, instead of keeping it up to date
# row by row (bench/bench_projection.py). A handler that starts to query by one of them must
# take it off this list.
DEFERRED_INDEXES = (
    "attendance_course",
    "marks_course",
    "final_marks_course",
    "comments_student",
    "messages_by",
    "message_recipients_person",
    "acknowledgements_student",
    # reports (ejournal/reports): mark density and attendance over a whole school, read from
    # the indexes alone
    "marks_counting",
    "lessons_dates",
)


def index_sql(name: str) -> str:
    """The ``CREATE INDEX`` statement of an index of :data:`SCHEMA`, as SCHEMA writes it."""
    found = re.search(rf"^CREATE (?:UNIQUE )?INDEX {name} ON [^;]*", SCHEMA, re.MULTILINE)
    if found is None:
        raise KeyError(name)
    return found.group(0)
