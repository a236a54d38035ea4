"""Every kind of record a school keeps: the typed ``data`` of log entries, one Struct per type.

An event is a fact in the past tense, named ``area.verb`` (the entry ``type``). Dates are ISO
``YYYY-MM-DD`` strings; times of entry come from the log itself, never from the event (R-MRK-2).
Changing an event's fields is a format change: docs/EVENTS.md (made by
scripts/make_events_doc.py) lists them, and old entries must still be read.
"""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec


class Event(msgspec.Struct, frozen=True, omit_defaults=True, forbid_unknown_fields=True):
    """Base of all events; ``TYPE`` is the entry type it is recorded as."""

    TYPE: ClassVar[str] = ""

    def to_data(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]


REGISTRY: dict[str, type[Event]] = {}


def event(type_name: str):  # type: ignore[no-untyped-def]
    """Class decorator: register an event Struct under its entry type."""

    def register(cls: type[Event]) -> type[Event]:
        cls.TYPE = type_name
        REGISTRY[type_name] = cls
        return cls

    return register


def decode(type_name: str, data: dict[str, Any]) -> Event | None:
    """The typed event of an entry, or None for entry types the model does not know."""
    cls = REGISTRY.get(type_name)
    return None if cls is None else msgspec.convert(data, cls)


# --- school, year structure (R-STR-1) -------------------------------------------------------


@event("school.configured")
class SchoolConfigured(Event, frozen=True):
    """Name, identifiers and rules of the school (R-MRK-1 deadlines, R-MRK-5 weights)."""

    name: str
    short_name: str = ""
    inn: str = ""
    ogrn: str = ""
    timezone: str = ""
    deadline_days: dict[str, int] = {}  # work kind or "written_2_9"… → days allowed; see rules.py
    weights: dict[str, int] = {}  # work kind → weight in the weighted average
    student_min_age: int = 14


@event("year.defined")
class YearDefined(Event, frozen=True):
    year: str  # "2025/2026"
    start: str
    end: str


@event("period.defined")
class PeriodDefined(Event, frozen=True):
    """A term of a school year for some grades: quarter, half or trimester (R-STR-1)."""

    period: str
    year: str
    kind: str  # "quarter" | "half" | "trimester"
    number: int
    name: str
    start: str
    end: str
    grades: list[int]


@event("holiday.defined")
class HolidayDefined(Event, frozen=True):
    year: str
    name: str
    start: str
    end: str
    grades: list[int] = []  # empty: all grades


@event("year.closed")
class YearClosed(Event, frozen=True):
    """The administration closes a school year: no more entries for it (R-STR-7)."""

    year: str


# --- people and access (R-SEC-1, R-SEC-2, R-SEC-3, R-SEC-4) --------------------------------


@event("person.registered")
class PersonRegistered(Event, frozen=True):
    """A person the journal knows: staff, student or guardian. Minimal personal data (R-SEC-4)."""

    person: str
    last_name: str
    first_name: str
    middle_name: str = ""
    birth_date: str = ""  # students only: the diary's minimum age (R-DIA-2)
    sex: str = ""  # "м" | "ж", for Russian grammar in documents


@event("person.updated")
class PersonUpdated(Event, frozen=True):
    """A change of personal data (R-SEC-4: within 3 days of the change)."""

    person: str
    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    birth_date: str = ""
    reason: str = ""


@event("role.granted")
class RoleGranted(Event, frozen=True):
    """A person holds a role from a date; ``scope`` narrows it (a student for a parent)."""

    person: str
    role: str
    start: str
    scope: str = ""


@event("role.revoked")
class RoleRevoked(Event, frozen=True):
    person: str
    role: str
    end: str
    scope: str = ""


@event("credentials.compromised")
class CredentialsCompromised(Event, frozen=True):
    """R-SEC-3: a reported compromise; entries made with these credentials since ``since`` are
    invalid, until new credentials are issued."""

    person: str
    since: str  # a time in the log's format
    reason: str = ""


@event("credentials.reissued")
class CredentialsReissued(Event, frozen=True):
    """New credentials were issued after a compromise: entries after this are valid again."""

    person: str


# --- classes, groups, students (R-STR-2, R-STR-7) ------------------------------------------


@event("class.created")
class ClassCreated(Event, frozen=True):
    class_: str = msgspec.field(name="class")
    year: str = ""
    grade: int = 0
    letter: str = ""


@event("group.created")
class GroupCreated(Event, frozen=True):
    """A subgroup of one class (languages, labour) or a group across classes (electives)."""

    group: str
    year: str
    name: str
    classes: list[str]
    kind: str = "subgroup"  # "subgroup" | "group"


@event("student.enrolled")
class StudentEnrolled(Event, frozen=True):
    """Admission or move into a class or group from a date (R-STR-2, R-STR-7)."""

    student: str
    group: str  # a class id or a group id
    start: str
    order: str = ""  # the director's order (приказ) number
    individual_plan: bool = False


@event("student.left")
class StudentLeft(Event, frozen=True):
    """Leaves a class or group after ``end`` (transfer, withdrawal, end of year)."""

    student: str
    group: str
    end: str
    reason: str = ""  # "transfer" | "withdrawal" | "promotion" | "graduation" …
    order: str = ""


@event("student.promoted")
class StudentPromoted(Event, frozen=True):
    """Year closing: promoted to the next grade, kept down, or graduated (R-STR-7)."""

    student: str
    year: str
    decision: str  # "promoted" | "conditionally" | "repeat" | "graduated"
    to_class: str = ""


# --- subjects, curriculum, courses, timetable (R-STR-3..6) ---------------------------------


@event("subject.defined")
class SubjectDefined(Event, frozen=True):
    subject: str
    name: str
    short: str = ""
    grading: str = "five"  # "five" | "pass" | "none" (R-STR-6)
    elective: bool = False


@event("curriculum.set")
class CurriculumSet(Event, frozen=True):
    """Weekly hours of a subject in a class for a year (R-STR-3)."""

    year: str
    class_: str = msgspec.field(name="class")
    subject: str = ""
    hours: int = 0


@event("course.created")
class CourseCreated(Event, frozen=True):
    """A teacher teaches a subject to a class or group (R-STR-4)."""

    course: str
    year: str
    subject: str
    teacher: str
    group: str  # class id or group id
    start: str
    end: str
    grading: str = ""  # overrides the subject's grading system when set


@event("course.teacher_changed")
class CourseTeacherChanged(Event, frozen=True):
    course: str
    teacher: str
    start: str


@event("class_teacher.assigned")
class ClassTeacherAssigned(Event, frozen=True):
    class_: str = msgspec.field(name="class")
    teacher: str = ""
    start: str = ""


@event("timetable.set")
class TimetableSet(Event, frozen=True):
    """A timetable slot from a date; a later slot for the same group, day and number from a
    later date replaces it (R-STR-5)."""

    group: str
    weekday: int  # 1 = Monday
    number: int  # lesson number in the day
    course: str  # "" clears the slot
    start: str
    room: str = ""


class PlanTopic(msgspec.Struct, frozen=True, omit_defaults=True, forbid_unknown_fields=True):
    number: int
    topic: str
    hours: int = 1
    section: str = ""


@event("plan.set")
class PlanSet(Event, frozen=True):
    """The lesson plan (КТП) of a course: topics in order with their hours (R-LES-3)."""

    course: str
    topics: list[PlanTopic]


# --- lessons, attendance, marks (R-LES-*, R-ATT-1, R-MRK-*) --------------------------------


@event("lesson.recorded")
class LessonRecorded(Event, frozen=True):
    """A lesson of a course on a date; topic and homework may be filled ahead (R-LES-1)."""

    lesson: str
    course: str
    date: str
    number: int = 0
    topic: str = ""
    homework: str = ""
    work_kinds: list[str] = []
    teacher: str = ""  # who gives it, when a substitute (R-LES-2)
    plan_topic: int = 0


@event("lesson.updated")
class LessonUpdated(Event, frozen=True):
    """A new topic, homework or work kinds for a lesson; the previous text stays in the log."""

    lesson: str
    topic: str | None = None
    homework: str | None = None
    work_kinds: list[str] | None = None
    plan_topic: int | None = None


@event("lesson.substituted")
class LessonSubstituted(Event, frozen=True):
    """Another teacher takes the lesson (замена), recorded at entry (R-LES-2)."""

    lesson: str
    teacher: str
    reason: str = ""


@event("attendance.marked")
class AttendanceMarked(Event, frozen=True):
    """Б ill, У excused, Н unexcused, "" present (clears) (R-ATT-1)."""

    lesson: str
    student: str
    code: str


@event("mark.given")
class MarkGiven(Event, frozen=True):
    """A current mark for a lesson, of a work kind (R-MRK-1)."""

    mark: str
    lesson: str
    student: str
    value: str
    kind: str


@event("mark.corrected")
class MarkCorrected(Event, frozen=True):
    """R-MRK-2: a new value with a reason; the old mark stays visible to the administration."""

    mark: str
    value: str
    reason: str


@event("mark.revoked")
class MarkRevoked(Event, frozen=True):
    mark: str
    reason: str


@event("final_mark.given")
class FinalMarkGiven(Event, frozen=True):
    """Period, year, exam or final mark of a student in a course (R-MRK-3)."""

    course: str
    student: str
    kind: str  # "period" | "year" | "exam" | "final"
    value: str
    period: str = ""  # for kind "period"
    reason: str = ""  # required when it replaces an earlier one


@event("comment.added")
class CommentAdded(Event, frozen=True):
    """A remark, praise or message to parents about a student at a lesson (R-MRK-4)."""

    comment: str
    lesson: str
    student: str
    kind: str  # "remark" | "praise" | "note"
    text: str


# --- control and communication (R-CTL-2, R-COM-1) ------------------------------------------


@event("remark.issued")
class RemarkIssued(Event, frozen=True):
    """The deputy head's remark to a teacher about keeping the journal, with a due date."""

    remark: str
    teacher: str
    text: str
    due: str
    course: str = ""


@event("remark.fixed")
class RemarkFixed(Event, frozen=True):
    remark: str
    note: str = ""


@event("announcement.posted")
class AnnouncementPosted(Event, frozen=True):
    announcement: str
    audience: str  # "all" | "staff" | a class id
    title: str
    text: str


@event("message.sent")
class MessageSent(Event, frozen=True):
    message: str
    to: list[str]
    subject: str
    text: str
    reply_to: str = ""


@event("message.read")
class MessageRead(Event, frozen=True):
    message: str


# --- replication between sites (issue #9) -------------------------------------------------


@event("replica.received")
class ReplicaReceived(Event, frozen=True):
    """This site's projection now holds another feed's entries up to ``size`` (a branch
    school's server, a restored server's predecessor). Recorded by the receiving server so
    that every site can tell, from the log alone, which edits were made without seeing each
    other (conflicts, docs/SYNC.md)."""

    feed: str
    size: int


# --- distance learning, tests, portfolio (R-DST-1, R-DST-2, R-PRT-1) ----------------------


class FileRef(msgspec.Struct, frozen=True, omit_defaults=True, forbid_unknown_fields=True):
    """A file kept in the blob store (``data/blobs/``), referenced by its SHA-256 so the
    entry's Merkle leaf covers the file's content (docs/FORMAT.md, "Blobs")."""

    sha256: str  # 64 lowercase hex digits
    size: int
    name: str
    media_type: str


@event("files.limits_set")
class FileLimitsSet(Event, frozen=True):
    """The school's limits on attached files: per file and for all files together (bytes)."""

    file_max: int
    school_max: int


@event("material.published")
class MaterialPublished(Event, frozen=True):
    """A teaching material of a distance course, placed at a lesson or a КТП topic (R-DST-1)."""

    material: str
    course: str
    title: str
    text: str = ""
    files: list[FileRef] = []
    lesson: str = ""
    plan_topic: int = 0


@event("assignment.published")
class AssignmentPublished(Event, frozen=True):
    """An assignment of a course with its due time and work kind (R-DST-1)."""

    assignment: str
    course: str
    title: str
    text: str
    due: str  # a time in the log's format: submissions after it are flagged late
    kind: str  # work kind of the mark it may become (rules.WORK_KINDS)
    files: list[FileRef] = []
    lesson: str = ""
    plan_topic: int = 0


@event("submission.made")
class SubmissionMade(Event, frozen=True):
    """A student's work for an assignment; a later one replaces it (the earlier stays)."""

    submission: str
    assignment: str
    student: str
    text: str = ""
    files: list[FileRef] = []


@event("submission.withdrawn")
class SubmissionWithdrawn(Event, frozen=True):
    """The student takes a submission back; it stays in the log (R-DST-1)."""

    submission: str
    reason: str = ""


@event("submission.reviewed")
class SubmissionReviewed(Event, frozen=True):
    """The teacher's review of a submission: a comment and the mark it proposes."""

    submission: str
    comment: str = ""
    value: str = ""  # the proposed mark, "" for none
    returned: bool = False  # sent back for rework


@event("submission.marked")
class SubmissionMarked(Event, frozen=True):
    """A review became a journal mark (the ``mark.given`` entry just before it)."""

    submission: str
    mark: str


class QuizOption(msgspec.Struct, frozen=True, omit_defaults=True, forbid_unknown_fields=True):
    text: str
    correct: bool = False


@event("question.added")
class QuestionAdded(Event, frozen=True):
    """A question of a subject's bank (R-DST-2). ``kind``: "single", "multiple", "short"
    (``accepted`` variants), "number" (``number`` ± ``tolerance``, decimal strings) or "free"
    (marked by hand)."""

    question: str
    subject: str
    kind: str
    text: str
    points: int = 1
    options: list[QuizOption] = []
    accepted: list[str] = []
    number: str = ""
    tolerance: str = ""
    topic: str = ""


class ScaleStep(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    value: str  # the mark
    min_points: int  # from this many points


@event("quiz.published")
class QuizPublished(Event, frozen=True):
    """A test of a course (R-DST-2): its questions, drawn ``draw`` at random per student from
    the seed (0: all, in order), time limit, window of dates, points → mark scale, kind of
    control ("intermediate", "spot_check", "final") and the work kind of its mark."""

    quiz: str
    course: str
    title: str
    questions: list[str]
    minutes: int
    opens: str  # first day, YYYY-MM-DD
    closes: str  # last day
    scale: list[ScaleStep]
    control: str
    kind: str = "ТЕСТ"
    draw: int = 0
    seed: str = ""
    lesson: str = ""


@event("quiz.started")
class QuizStarted(Event, frozen=True):
    """A student opens an attempt; the time runs from this entry's time, on the server."""

    attempt: str
    quiz: str
    student: str
    questions: list[str]  # the questions drawn for this student, in order


@event("quiz.answered")
class QuizAnswered(Event, frozen=True):
    """One saved answer (each save is an entry; the latest counts)."""

    attempt: str
    question: str
    answer: list[str]  # option numbers ("0", "2") or the text typed


@event("quiz.finished")
class QuizFinished(Event, frozen=True):
    attempt: str


@event("quiz.checked")
class QuizChecked(Event, frozen=True):
    """The teacher's points for an answer marked by hand (free text)."""

    attempt: str
    question: str
    points: int
    comment: str = ""


@event("quiz.confirmed")
class QuizConfirmed(Event, frozen=True):
    """The teacher confirms an attempt's result; its mark is the ``mark.given`` before it."""

    attempt: str
    points: int
    value: str
    mark: str = ""


@event("achievement.added")
class AchievementAdded(Event, frozen=True):
    """An entry of a student's portfolio (R-PRT-1), by the student or a guardian."""

    achievement: str
    student: str
    kind: str  # "olympiad" | "competition" | "certificate" | "project" | "other"
    title: str
    level: str  # "school" | "municipal" | "regional" | "federal" | "international"
    date: str
    result: str = ""
    files: list[FileRef] = []


@event("achievement.confirmed")
class AchievementConfirmed(Event, frozen=True):
    """The class teacher confirms (or, with ``rejected``, declines) a portfolio entry."""

    achievement: str
    rejected: bool = False
    note: str = ""


@event("achievement.withdrawn")
class AchievementWithdrawn(Event, frozen=True):
    achievement: str
    reason: str = ""


# --- diary: families confirm results (R-DIA-4) -----------------------------------------------


@event("finals.acknowledged")
class FinalsAcknowledged(Event, frozen=True):
    """A parent (or the student) confirms having seen the period or year marks of a student;
    the class teacher sees the confirmation (R-DIA-4). ``period`` is a period id, or a school
    year («2026/2027») for the year marks."""

    student: str
    period: str
    note: str = ""


# --- reports (R-CTL-1) -----------------------------------------------------------------------


@event("reports.configured")
class ReportsConfigured(Event, frozen=True):
    """The school's settings of the control reports: the fewest current marks a student should
    have in a course in a period (mark density, 001 App.1 4.3); see rules.DEFAULT_MIN_MARKS."""

    min_marks: int


# --- running a school: lists imported from spreadsheets (issue #10, R-STR-2, R-STR-7) -------


@event("people.imported")
class PeopleImported(Event, frozen=True):
    """A list of students, parents or staff taken from a spreadsheet. The people, enrolments
    and roles it added are the entries recorded in the same append, just before this one."""

    kind: str  # "students" | "parents" | "staff"
    source: str  # the file's name as uploaded
    sha256: str  # of the file's bytes
    persons: int = 0  # people registered
    enrolments: int = 0
    roles: int = 0
    classes: int = 0  # classes created for it
    unchanged: int = 0  # rows already in the journal
    skipped: int = 0  # rows left out: with problems, or skipped by the operator
