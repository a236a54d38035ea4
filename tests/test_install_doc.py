"""docs/INSTALL.md is run, not just read (issue #10). The whole document, every block, is
walked as root by scripts/run_install_doc.py (``make test`` runs it beside pytest). Here, with
no privileges, every shell block marked ``<!-- ci -->`` runs in order against a temporary
folder instead of /var/lib/ejournal and the flash drives, systemd units written under
EJOURNAL_SYSTEMD_ROOT; then the installed `ejournal serve` answers over https with the
school's certificate. The ``<!-- ci: root -->`` blocks (apt-get, the release folder, systemctl,
the upgrade) are the script's only; no block may go unrun."""

from __future__ import annotations

import os
import re
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
from browser import free_port
from school_lists import (
    PARENT_HEADER,
    STUDENT_HEADER,
    parent_rows,
    student_rows,
    students,
    to_csv,
    to_xlsx,
)

DOC = Path(__file__).resolve().parent.parent / "docs" / "INSTALL.md"
BLOCK = re.compile(r"<!-- ci(?P<mark>: [a-z]+)? -->\n```sh\n(?P<body>.*?)```", re.DOTALL)
BIN = Path(sys.executable).parent


def blocks() -> tuple[list[str], list[str]]:
    text = DOC.read_text(encoding="utf-8")
    run, as_root = [], []
    for m in BLOCK.finditer(text):
        assert m.group("mark") in (None, ": root"), f"unknown mark {m.group('mark')!r}"
        (as_root if m.group("mark") else run).append(m.group("body"))
    # every shell block of the document is marked, and so run by this test or the script
    assert len(run) + len(as_root) == text.count("```sh"), "a ```sh block without a ci mark"
    return run, as_root


def localise(script: str, tmp: Path) -> str:
    for real, here in [
        ("/var/lib/ejournal", tmp / "data"),
        ("/media/ejournal-backup", tmp / "usb"),
        ("/media/root-key", tmp / "key-usb"),
    ]:
        script = script.replace(real, str(here))
    return script.replace("sudo -u ejournal ", "").replace("sudo ", "")


def test_every_ci_block_of_install_md_runs(tmp_path: Path) -> None:
    run, as_root = blocks()
    assert len(run) >= 7 and as_root
    (tmp_path / "usb").mkdir()
    (tmp_path / "key-usb").mkdir()
    kids = students(60)
    (tmp_path / "students.xlsx").write_bytes(to_xlsx(STUDENT_HEADER, student_rows(kids)))
    (tmp_path / "parents.csv").write_bytes(to_csv(PARENT_HEADER, parent_rows(kids)))
    staff = [["Волков Сергей Иванович", "учитель"], ["Морозова Елена Петровна", "директор"]]
    (tmp_path / "staff.csv").write_bytes(to_csv(["ФИО", "Должность"], staff))
    script = "set -euo pipefail\n" + "\n".join(localise(b, tmp_path) for b in run)
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}",
           "EJOURNAL_SYSTEMD_ROOT": str(tmp_path / "root")}  # fmt: skip
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "one-time password:" in out
    assert "60 people registered" in out and "22 classes" in out  # students
    assert "private: not on this server" in out  # the root key went to the safe
    assert "флешка в сейфе директора: verified" in out
    assert "open alarms: none" in out
    assert (tmp_path / "key-usb" / "root.key").exists()
    assert not (tmp_path / "root" / "etc/systemd/system/ejournal.service").exists()  # uninstalled
    serve_over_https(tmp_path / "data", env)


def serve_over_https(data: Path, env: dict[str, str]) -> None:
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "ejournal"), "serve", str(data), "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    trust = ssl.create_default_context(cafile=str(data / "tls" / "ca.crt"))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                page = httpx.get(f"https://127.0.0.1:{port}/login", verify=trust)
                break
            except httpx.ConnectError:
                assert server.poll() is None, server.communicate()
                assert time.monotonic() < deadline, "ejournal serve did not answer"
                time.sleep(0.2)
        assert page.status_code == 200 and "Вход в журнал" in page.text
    finally:
        server.terminate()
        server.wait(10)


def test_the_root_walk_keeps_every_path_of_the_document_in_its_own_folder(tmp_path: Path) -> None:
    # scripts/run_install_doc.py runs these as root: a path it did not move under its folder
    # would be this machine's (a new /etc/... line in INSTALL.md must be taught to it first).
    sys.path.insert(0, str(DOC.parent.parent / "scripts"))
    from install_walk import Machine, Report, commands

    steps = commands(DOC.read_text(encoding="utf-8"))
    run, as_root = blocks()
    lines = sum(len(b.strip().splitlines()) for b in run + as_root)
    assert len(steps) == lines - 4 - 4  # `ejournal init` and the here-document: 5 lines each
    for system in (False, True):
        machine = Machine(tmp_path / "top", "ejw123", system, Report())
        for _, cmd in steps:
            line = machine.localise(cmd)
            paths = re.findall(r"(?<![\w.-])/[\w./-]+", line)
            assert all(p.startswith(str(machine.top)) for p in paths), line
            assert "sudo -u ejournal" not in line
            if "install-service /" in line:
                assert "--user ejw123" in line and ("--units-under" in line) is not system
