"""The deputy head's control of the journal, and messages (R-CTL-2, R-COM-1)."""

from __future__ import annotations

from datetime import date as _date

from ...journal import Journal
from .. import access, correspondence, lookup
from .. import events as ev
from ..errors import PermissionDenied, RuleViolation


def _text(value: str, what: str, limit: int = 2000) -> str:
    value = value.strip()
    if not value or len(value) > limit:
        raise RuleViolation(f"{what}: от 1 до {limit} знаков.")
    return value


def issue_remark(
    j: Journal, actor: str, *, teacher: str, text: str, due: str, course: str = ""
) -> str:
    """R-CTL-2: a remark to a teacher about keeping the journal, to be fixed by ``due``."""
    text = _text(text, "Текст замечания")
    try:
        due = _date.fromisoformat(due).isoformat()
    except ValueError as e:
        raise RuleViolation("Срок устранения: ГГГГ-ММ-ДД.") from e
    with j.command():
        access.require(j.db, actor, "control.remark", j.today())
        if due < j.today():
            raise RuleViolation("Срок устранения не может быть в прошлом.")
        if "teacher" not in access.roles_of(j.db, teacher, j.today()):
            raise RuleViolation("Замечание адресуется учителю.")
        if course and lookup.course(j.db, course).teacher != teacher:
            raise RuleViolation("Этот курс ведёт другой учитель.")
        remark_id = j.ids.new("rmk")
        j.record(actor, [ev.RemarkIssued(remark_id, teacher, text, due, course)])
        return remark_id


def fix_remark(j: Journal, actor: str, *, remark: str, note: str = "") -> None:
    """The teacher marks a remark fixed (R-CTL-2)."""
    with j.command():
        row = j.db.execute(
            "SELECT teacher, fixed_at FROM remarks WHERE remark = ?", (remark,)
        ).fetchone()
        if row is None:
            raise RuleViolation("Такого замечания нет.")
        if row[0] != actor:
            raise PermissionDenied(
                "Отметить замечание устранённым может только учитель, которому оно адресовано."
            )
        if row[1]:
            raise RuleViolation("Замечание уже отмечено устранённым.")
        j.record(actor, [ev.RemarkFixed(remark, note.strip())])


def post_announcement(j: Journal, actor: str, *, audience: str, title: str, text: str) -> str:
    """An announcement on the board: for everyone, for staff, or for one class (R-COM-1)."""
    title, text = _text(title, "Заголовок", 200), _text(text, "Текст объявления")
    with j.command():
        access.require(j.db, actor, "announcement.post", j.today())
        if audience not in ("all", "staff") and (
            j.db.execute(
                "SELECT 1 FROM groups WHERE grp = ? AND kind = 'class'", (audience,)
            ).fetchone()
            is None
        ):
            raise RuleViolation("Объявление адресуется всем, сотрудникам или одному классу.")
        announcement_id = j.ids.new("ann")
        j.record(actor, [ev.AnnouncementPosted(announcement_id, audience, title, text)])
        return announcement_id


def send_message(
    j: Journal, actor: str, *, to: list[str], subject: str, text: str, reply_to: str = ""
) -> str:
    """A message between people of the school (R-COM-1). Messages are records too: in the log."""
    subject, text = _text(subject, "Тема", 200), _text(text, "Текст сообщения", 5000)
    recipients = sorted(set(to) - {actor})
    if not recipients:
        raise RuleViolation("Укажите, кому отправить сообщение.")
    with j.command():
        today = j.today()
        if not access.roles_of(j.db, actor, today):
            raise PermissionDenied(
                "Отправлять сообщения могут только участники с действующей ролью."
            )
        if reply_to and not _takes_part(j, actor, reply_to):
            raise RuleViolation("Ответить можно только на своё сообщение.")
        for person in recipients:
            if not access.roles_of(j.db, person, today):
                raise RuleViolation("Среди получателей есть человек без действующей роли.")
            if not correspondence.may_write(j.db, actor, person, today, reply_to):
                raise PermissionDenied(
                    "Этому адресату вы написать не можете: родители и обучающиеся пишут "
                    "учителям своих классов и администрации, учителя — коллегам и семьям своих "
                    "учеников."
                )
        message_id = j.ids.new("msg")
        j.record(actor, [ev.MessageSent(message_id, recipients, subject, text, reply_to)])
        return message_id


def _takes_part(j: Journal, actor: str, message: str) -> bool:
    """Whether ``actor`` sent or received ``message``."""
    row = j.db.execute(
        "SELECT 1 FROM messages m WHERE m.message = ? AND (m.by = ? OR EXISTS ("
        "SELECT 1 FROM message_recipients r WHERE r.message = m.message AND r.person = ?))",
        (message, actor, actor),
    ).fetchone()
    return row is not None


def read_message(j: Journal, actor: str, *, message: str) -> None:
    """The recipient has opened a message: recorded once (R-COM-1 unread counts)."""
    with j.command():
        row = j.db.execute(
            "SELECT read_at FROM message_recipients WHERE message = ? AND person = ?",
            (message, actor),
        ).fetchone()
        if row is None:
            raise PermissionDenied("Это сообщение адресовано не вам.")
        if row[0] is None:
            j.record(actor, [ev.MessageRead(message)])
