"""``/admin/backups`` and ``/conflicts`` (issue #9, item 5; R-ARC-4): each medium's last copy,
the warnings, the fork alarms; only the administration sees them. Today is 2026-11-16 in the
school of ``school.py``; its first quarter ended on 2026-10-25."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from sync.records import ALARMS, BACKUPS, append_line

if TYPE_CHECKING:
    from web_fixture import Web

pytest_plugins = ["school", "web_fixture"]


def _record(data_dir: Path, label: str, time: str, verified: bool = True) -> None:
    append_line(
        data_dir / BACKUPS,
        {
            "label": label,
            "time": time,
            "verified": verified,
            "verification": "incremental",
            "encrypted": False,
            "feeds": {"f": {"entries": 1234, "root": "", "status": "ok"}},
            "problems": [] if verified else ["f/seg-000000000000.jsonl line 3: bad"],
        },
    )


def test_no_copies_yet_is_a_warning(web: Web) -> None:
    web.sign_in("admin")
    page = web.client.get("/admin/backups")
    assert page.status_code == 200
    assert "Резервных копий ещё не было" in page.text


def test_page_warns_as_r_arc_4_asks(web: Web) -> None:
    data_dir = web.sch.j.data_dir.path
    _record(data_dir, "флешка в сейфе директора", "2026-10-26T15:00:00+07:00")  # quarter copy
    _record(data_dir, "флешка в сейфе директора", "2026-11-02T15:00:00+07:00")  # 14 days ago
    _record(data_dir, "диск в кабинете информатики", "2026-11-15T15:00:00+07:00", verified=False)
    web.sign_in("director")
    page = web.client.get("/admin/backups").text
    assert "флешка в сейфе директора" in page and "диск в кабинете информатики" in page
    assert "02.11.2026 — 14 дн. назад" in page  # older than 7 days
    assert "не прошла проверку" in page and "НЕ ПРОВЕРЕНА" in page
    assert "только на 1 носителе" in page  # fewer than two media hold a verified copy
    assert "Нет проверенной копии на конец периода" not in page  # 26.10 is within 7 days of 25.10
    assert "расхождение" not in page


def test_missing_end_of_quarter_copy_and_alarms_are_shown(web: Web) -> None:
    data_dir = web.sch.j.data_dir.path
    _record(data_dir, "флешка 1", "2026-11-15T15:00:00+07:00")
    _record(data_dir, "флешка 2", "2026-11-16T08:00:00+07:00")
    append_line(
        data_dir / ALARMS,
        {
            "time": "2026-11-15T15:00:00+07:00",
            "kind": "fork",
            "feed": "abc",
            "operation": "backup",
            "source": "/srv",
            "dest": "/media",
            "problems": ["FORK in feed abc: checkpoints differs from the source at byte 812"],
        },
    )
    web.sign_in("admin")
    page = web.client.get("/admin/backups").text
    assert "Нет проверенной копии на конец периода «1 четверть» (окончание 25.10.2026)" in page
    assert "расхождение копий журнала (форк): 1" in page
    assert "checkpoints differs from the source at byte 812" in page
    assert "только на" not in page  # two media hold a verified copy


@pytest.mark.parametrize("role", ["teacher", "deputy", "parent", "student", "secretary"])
def test_only_admin_and_director_see_the_backups(web: Web, role: str) -> None:
    web.sign_in(role)
    assert web.client.get("/admin/backups").status_code == 403


def test_deputy_sees_the_conflicts_page(web: Web) -> None:
    web.sign_in("deputy")
    page = web.client.get("/conflicts")
    assert page.status_code == 200 and "Таких изменений нет" in page.text
    web.client.post("/logout", data={"csrf": web.csrf()})
    web.sign_in("teacher")
    assert web.client.get("/conflicts").status_code == 403
