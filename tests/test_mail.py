"""E-mail digests (R-DIA-3) through a real SMTP server: aiosmtpd on loopback receives what
`ejournal.mail` sends; each parent gets the own children's news only; a server that is down
leaves the letters queued, and they are delivered later."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from aiosmtpd.controller import Controller
from browser import free_port
from click.testing import CliRunner

from ejournal.cli import main
from ejournal.mail import MailConfig, MailStore, load_config
from ejournal.mail.config import MailConfigError
from ejournal.mail.outbox import deliver, queue_due, retry_pause, utc_text
from ejournal.model.commands import people, teaching

if TYPE_CHECKING:
    from school import Sch

pytest_plugins = ["school"]

MONDAY = "2026-11-16"
TZ = "Asia/Krasnoyarsk"


@dataclass
class Inbox:
    """What the SMTP server received: (recipients, parsed message)."""

    letters: list[tuple[list[str], email.message.EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[attr-defined]
        self.letters.append((list(envelope.rcpt_tos), message))  # type: ignore[attr-defined]
        return "250 OK"

    def to(self, address: str) -> list[str]:
        return [m.get_content() for rcpt, m in self.letters if address in rcpt]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        yield inbox, port
    finally:
        server.stop()


def _config(port: int) -> MailConfig:
    return MailConfig(
        host="127.0.0.1",
        port=port,
        sender="Школа № 7 <school7@example.test>",
        base_url="https://journal.example.test",
        security="none",
        timeout=5,
    )


def _class_of_parents(sch: Sch) -> dict[str, str]:
    """A parent for every student of 5А (the school has one for the first): student → parent."""
    i = sch.ids
    parents = {i.students_5a[0]: i.parent_5a}
    for surname, student in zip(("Орехова", "Белкина", "Ткачёва"), i.students_5a[1:], strict=True):
        parent = people.register_person(
            sch.j, i.secretary, last_name=surname, first_name="Анна", middle_name="Ивановна"
        )
        people.grant_role(
            sch.j, i.secretary, person=parent, role="parent", start="2026-11-01", scope=student
        )
        parents[student] = parent
    return parents


def _news(sch: Sch) -> dict[str, tuple[str, str]]:
    """A mathematics test of 5А: each student a different mark and a comment naming them."""
    i = sch.ids
    lesson = sch.lesson(i.math_5a, MONDAY, number=1, topic="Дроби", homework="№ 7, 9")
    marks = {}
    for value, student in zip("5432", i.students_5a, strict=True):
        teaching.give_mark(
            sch.j, i.math_teacher, lesson=lesson, student=student, value=value, kind="КР"
        )
        name = sch.one("SELECT first_name FROM persons WHERE person = ?", student)[0]
        text = f"Комментарий для {name}"
        teaching.add_comment(
            sch.j, i.math_teacher, lesson=lesson, student=student, kind="note", text=text
        )
        marks[student] = (f"Математика: {value} (КР)", text)
    teaching.mark_attendance(
        sch.j, i.math_teacher, lesson=lesson, student=i.students_5a[3], code="Н"
    )
    return marks


def test_digest_for_a_class_reaches_each_parent_with_their_own_childs_news_only(
    sch: Sch, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp
    store = MailStore(tmp_path / "mail.sqlite", clock=FakeClock())
    parents = _class_of_parents(sch)
    for n, parent in enumerate(parents.values()):
        store.subscribe(parent, f"parent{n}@example.test", "daily", utc_text(sch.clock.now()))
    sch.clock.move(hours=2)
    news = _news(sch)
    config = _config(port)
    too_early = queue_due(sch.j.db, store, config, sch.clock.now(), TZ)
    assert too_early.queued == 0 and too_early.not_due == 4
    result = queue_due(sch.j.db, store, config, sch.clock.now() + timedelta(days=1), TZ)
    assert result.queued == 4
    delivered = deliver(store, config)
    assert (delivered.sent, delivered.failed) == (4, 0)
    assert len(inbox.letters) == 4
    for n, (student, parent) in enumerate(parents.items()):
        (body,) = inbox.to(f"parent{n}@example.test")
        mark, comment = news[student]
        assert mark in body and comment in body and "№ 7, 9" in body
        for other, (other_mark, other_comment) in news.items():
            if other != student:
                assert other_comment not in body  # no other family's data (R-SEC-4)
                assert other_mark not in body
        others = [s for s in parents if s != student]
        for other in others:
            name = " ".join(
                sch.one("SELECT last_name, first_name FROM persons WHERE person = ?", other)
            )
            assert name not in body
        token = store.token(parent)
        assert f"https://journal.example.test/unsubscribe/{token}" in body
    (absent_body,) = inbox.to("parent3@example.test")
    assert "Пропуски:" in absent_body and "без уважительной причины" in absent_body
    (_, first), *_ = inbox.letters
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    again = queue_due(sch.j.db, store, config, sch.clock.now() + timedelta(days=1), TZ)
    assert again.queued == 0  # the same news is never sent twice


def test_mail_server_down_keeps_the_digest_queued_and_retries_later(
    sch: Sch, tmp_path: Path
) -> None:
    clock = FakeClock()
    store = MailStore(tmp_path / "mail.sqlite", clock=clock)
    i = sch.ids
    store.subscribe(i.parent_5a, "ivanova@example.test", "weekly", utc_text(sch.clock.now()))
    sch.clock.move(minutes=5)
    _news(sch)
    port = free_port()  # nothing listens there: the server is down
    config = _config(port)
    assert queue_due(sch.j.db, store, config, sch.clock.now() + timedelta(days=7), TZ).queued == 1
    down = deliver(store, config)
    assert (down.sent, down.failed) == (0, 1) and down.errors
    (letter,) = store.letters()
    assert letter.sent_at is None and letter.attempts == 1 and letter.last_error
    assert letter.next_attempt == clock.now + retry_pause(1)
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        assert deliver(store, config).sent == 0  # not due again yet: backoff
        clock.now += retry_pause(1)
        assert deliver(store, config).sent == 1
    finally:
        server.stop()
    (body,) = inbox.to("ivanova@example.test")
    assert "Математика: 5 (КР)" in body
    (letter,) = store.letters()
    assert letter.sent_at is not None and letter.attempts == 2


def test_retry_pause_grows_and_is_capped() -> None:
    assert [retry_pause(n) for n in (1, 2, 3)] == [300, 600, 1200]
    assert retry_pause(50) == 6 * 3600


def test_unsubscribe_token_names_the_parent_and_forgeries_fail(tmp_path: Path) -> None:
    store = MailStore(tmp_path / "mail.sqlite")
    token = store.token("prs-abc")
    assert store.person_of(token) == "prs-abc"
    name, _, mac = token.partition(".")
    assert store.person_of(f"{name}.{'A' * len(mac)}") is None
    assert store.person_of(store.token("prs-abd").split(".")[0] + "." + mac) is None
    assert store.person_of("garbage") is None
    other = MailStore(tmp_path / "other.sqlite")  # another school's key
    assert other.person_of(token) is None


def test_unsubscribing_deletes_the_address_and_unsent_letters(tmp_path: Path) -> None:
    store = MailStore(tmp_path / "mail.sqlite")
    store.subscribe("prs-a", "a@example.test", "daily", "2026-11-01T00:00:00.000Z")
    store.queue("prs-a", "a@example.test", "Тема", "Текст", "2026-11-02T00:00:00.000Z")
    assert store.unsubscribe("prs-a")
    assert store.subscription("prs-a") is None and store.letters() == ()
    assert (tmp_path / "mail.sqlite").stat().st_mode & 0o777 == 0o600


def test_bad_addresses_and_frequencies_are_refused(tmp_path: Path) -> None:
    from ejournal.mail.store import MailStoreError

    store = MailStore(tmp_path / "mail.sqlite")
    for address in ("", "no-at-sign", "a@b", "a b@example.test", "<a@example.test>"):
        with pytest.raises(MailStoreError):
            store.subscribe("prs-a", address, "daily", "2026-11-01T00:00:00.000Z")
    with pytest.raises(MailStoreError):
        store.subscribe("prs-a", "a@example.test", "hourly", "2026-11-01T00:00:00.000Z")


def _write_config(data_dir: Path, port: int, mode: int = 0o600) -> None:
    path = data_dir / "mail.toml"
    path.write_text(
        "[smtp]\n"
        'host = "127.0.0.1"\n'
        f"port = {port}\n"
        'security = "none"\n'
        'sender = "Школа <school@example.test>"\n'
        'base_url = "https://journal.example.test/"\n',
        encoding="utf-8",
    )
    path.chmod(mode)


def test_mail_config_is_read_and_must_be_private(tmp_path: Path) -> None:
    with pytest.raises(MailConfigError):
        load_config(tmp_path)
    _write_config(tmp_path, 2525, mode=0o644)
    with pytest.raises(MailConfigError, match="0600"):
        load_config(tmp_path)
    _write_config(tmp_path, 2525)
    config = load_config(tmp_path)
    assert (config.port, config.security, config.base_url) == (
        2525,
        "none",
        "https://journal.example.test",
    )


def test_cli_mail_send_delivers_while_the_server_holds_the_journal(
    sch: Sch, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    data_dir = sch.j.data_dir.path
    _write_config(data_dir, port)
    _news(sch)
    store = MailStore.of(data_dir)
    store.subscribe(sch.ids.parent_5a, "ivanova@example.test", "daily", "2026-11-15T00:00:00.000Z")
    store.close()
    result = CliRunner().invoke(main, ["mail", str(data_dir), "--send"])
    assert result.exit_code == 0, result.output
    assert "digests queued: 1" in result.output and "sent: 1" in result.output
    (body,) = inbox.to("ivanova@example.test")
    assert "Иванов Артём" in body and "Математика: 5 (КР)" in body


def test_cli_mail_without_settings_is_a_usage_error(sch: Sch) -> None:
    result = CliRunner().invoke(main, ["mail", str(sch.j.data_dir.path)])
    assert result.exit_code == 2
    assert "mail.toml" in result.output
