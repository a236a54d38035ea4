"""Health (issue #10): `ejournal status` on one screen; the daily verification and the weekly
backup record their outcome; alarms from alarms.jsonl; and the administration's banner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result
from conftest import School, append_entries, rewrite
from web_fixture import login_form

from ejournal.cli import main


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="ejournal")


def media_config(school: School, medium: Path) -> None:
    (school.path / "ejournal.toml").write_text(
        f'[[backup]]\nmedium = "{medium}"\nlabel = "флешка в сейфе"\n', encoding="utf-8"
    )


def test_status_of_a_fresh_school(school: School) -> None:
    with school.open() as feed:  # as a running server holds it
        append_entries(feed, 41, batch=10)
        feed.checkpoint()
        append_entries(feed, 3)  # not signed yet
        result = run("status", str(school.path))
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"feed {school.feed_id}: 45 entries in 1 segment(s)" in out  # 1 + 41 + 3
    assert "open in a running server" in out
    assert "last checkpoint over 42 entries" in out and "3 entries not yet signed" in out
    assert "format 2" in out and "disk:" in out
    assert "last verification: none recorded" in out
    assert "root PRIVATE key is still on this server" in out
    assert "open alarms: none" in out


def test_daily_verify_records_its_outcome_and_status_shows_a_failure(school: School) -> None:
    assert run("verify", "-q", "--record", str(school.path)).exit_code == 0
    recorded = json.loads((school.path / "status" / "verify.json").read_text())
    assert recorded["ok"] and recorded["message"] == "1 entries verified"
    with school.open() as feed:
        append_entries(feed, 5)
        feed.checkpoint()
    segment = school.segments()[0]
    rewrite(segment, segment.read_bytes().replace(b'"value":"4"', b'"value":"5"', 1))
    assert run("verify", "-q", "--record", str(school.path)).exit_code == 1
    result = run("status", str(school.path))
    assert result.exit_code == 1
    assert "last verification:" in result.output and "FAILED" in result.output


def test_weekly_backup_to_configured_media_and_status_per_medium(
    school: School, tmp_path: Path
) -> None:
    medium = tmp_path / "usb"
    media_config(school, medium)
    missing = run("scheduled-backup", str(school.path))
    assert missing.exit_code == 2 and "not connected" in missing.output
    status = run("status", str(school.path))
    assert status.exit_code == 1
    assert "FAILED job backup" in status.output and "ALARM backup-overdue" in status.output
    medium.mkdir()
    done = run("scheduled-backup", str(school.path))
    assert done.exit_code == 0, done.output
    assert "флешка в сейфе: verified, 1 entries" in done.output  # the key certificate
    status = run("status", str(school.path))
    assert status.exit_code == 0, status.output
    assert f"backup «флешка в сейфе» ({medium}, connected): last backup" in status.output
    assert "verified" in status.output and "open alarms: none" in status.output


def test_alarms_file_open_resolved_and_garbled_lines(school: School) -> None:
    lines = [
        {"time": "2026-11-30T10:00:00+07:00", "kind": "fork", "id": "f1", "message": "копия A"},
        {"time": "2026-11-30T11:00:00+07:00", "kind": "fork", "id": "f2", "message": "копия B"},
        {"id": "f1", "resolved": True},
    ]
    text = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n{not json\n"
    (school.path / "alarms.jsonl").write_text(text, encoding="utf-8")
    result = run("status", str(school.path))
    assert result.exit_code == 1
    assert "open alarms: 2" in result.output
    assert "ALARM fork: копия B" in result.output and "копия A" not in result.output
    assert "alarms.jsonl line 4 does not parse" in result.output


def test_admin_home_page_shows_a_failed_verification(tmp_path: Path) -> None:
    from argon2 import PasswordHasher
    from litestar.testing import TestClient
    from school_lists import new_school

    from ejournal.auth import AuthStore
    from ejournal.local_state import write_status
    from web import create_app

    data = tmp_path / "school"
    admin, _ = new_school(data)
    fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    auth = AuthStore(data / "auth.sqlite", hasher=fast)
    auth.set_password(admin, "admin", "пароль-админа")
    write_status(data, "verify", False, "seg-000000000000.jsonl line 7: hash mismatch")
    with TestClient(create_app(data, auth=auth), base_url="https://school.local") as client:
        client.post("/login", data=login_form(client, "admin", "пароль-админа"))
        home = client.get("/").text
        assert "Требует внимания администратора" in home
        assert "Ежедневная проверка журнала: ошибка" in home and "line 7" in home
        write_status(data, "verify", True, "ok")
        assert "Требует внимания" not in client.get("/").text
    auth.close()


def test_alarms_and_backups_as_the_sync_of_replicas_records_them(school: School) -> None:
    # The formats of sync/records.py (issue #9): a fork alarm, a local backup record.
    fork = {"time": "2026-12-01T10:00:00+07:00", "kind": "fork", "feed": "ab12",
            "operation": "backup", "source": "/srv", "dest": "/media/usb",
            "problems": ["FORK in feed ab12"]}  # fmt: skip
    (school.path / "alarms.jsonl").write_text(json.dumps(fork) + "\n", encoding="utf-8")
    record = {"label": "флешка учителя", "time": "2026-12-01T09:00:00+07:00",
              "medium": "/media/teacher", "verified": True,
              "feeds": {school.feed_id: {"entries": 1, "status": "ok"}}}  # fmt: skip
    (school.path / "backups.jsonl").write_text(
        "{torn\n" + json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    result = run("status", str(school.path))
    assert result.exit_code == 1
    assert (
        "ALARM fork: operation backup feed ab12 dest /media/usb: FORK in feed ab12" in result.output
    )
    line = "backup «флешка учителя» (/media/teacher, not connected): last backup 2026-12-01 09:00"
    assert line + " verified" in result.output
