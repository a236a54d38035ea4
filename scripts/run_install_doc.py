#!/usr/bin/env python3
"""Walk docs/INSTALL.md as root, every block in order, and time it (issue #10).

``make test`` runs this beside pytest (as root, through sudo when needed). The walk happens in
a fresh folder (``/var/lib/ejournal-walk-*``: not under /tmp, which the unit's PrivateTmp would
hide) that stands for the machine's ``/``: ``/media/…``, ``/opt/ejournal``,
``/usr/local/bin/ejournal`` and ``/var/lib/ejournal`` are put under it, and the service runs
under a system user of the walk's own instead of ``ejournal``. Everything else is run as
written: apt-get, make venv (a new venv, from the machine's pip configuration),
``ejournal install-service`` for real (the user is made, the data directory given to it).

systemd: when it is PID 1 the units go to /etc/systemd/system and every ``systemctl`` and
``journalctl`` line runs for real. Otherwise install-service puts them under the walk's folder
(``--units-under``, enabled there by ``systemctl --root``); they are checked with
``systemd-analyze verify``, and the service's ExecStart line is started by hand as its User
with its AmbientCapabilities and UMask (``setpriv``) where systemd would start it; the
``systemctl``/``journalctl`` lines are replaced by that, and the report says so line by line.

The upgrade section is walked apart: the previous release (``--previous``, a commit of this
repository) is installed by section 1, makes a school (sections 2 and 5) and runs as the
service; then the new release folder replaces the flash drive's and the upgrade block runs.

``sudo``: run as root, ``sudo CMD`` is CMD and ``sudo -u USER CMD`` is ``runuser -u USER --
CMD`` (a shell function; a fresh Debian may have no sudo). Set EJOURNAL_WALK_NO_APT=1 on a
machine where apt-get must not run: it is then only simulated and the walk fails with exit
code 3, naming it.

Exit codes: 0 every command ran and every check passed; 1 a command or a check failed;
3 a command could not be run here (said why).

Usage: sudo .venv/bin/python scripts/run_install_doc.py [--keep] [--previous COMMIT]
"""

from __future__ import annotations

import argparse
import fcntl
import filecmp
import os
import resource
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from install_walk import (
    DOC,
    LIMIT,
    PREVIOUS,
    REPO,
    UPGRADE,
    Machine,
    Report,
    WalkFailed,
    commands,
    pid1,
    release_folder,
)  # fmt: skip


def spreadsheets(home: Path) -> None:
    """The school's lists as the teacher has them: 60 students with parents, and staff (the
    same as tests/test_install_doc.py), made with the tests' generator."""
    sys.path[:0] = [str(REPO / "tests"), str(REPO)]
    from school_lists import (  # noqa: PLC0415
        PARENT_HEADER,
        STUDENT_HEADER,
        parent_rows,
        student_rows,
        students,
        to_csv,
        to_xlsx,
    )  # fmt: skip

    kids = students(60)
    (home / "students.xlsx").write_bytes(to_xlsx(STUDENT_HEADER, student_rows(kids)))
    (home / "parents.csv").write_bytes(to_csv(PARENT_HEADER, parent_rows(kids)))
    staff = [["Волков Сергей Иванович", "учитель"], ["Морозова Елена Петровна", "директор"]]
    (home / "staff.csv").write_bytes(to_csv(["ФИО", "Должность"], staff))


def check(condition: bool, what: str) -> None:
    if not condition:
        raise WalkFailed(what)


def walk_document(m: Machine, steps: list[tuple[str, str]]) -> None:
    """Every command of the document in order, but the upgrade section (walked apart)."""
    release_folder(m.top / "media/usb/ejournal")
    spreadsheets(m.home)
    out: dict[str, str] = {}
    for heading, cmd in steps:
        if heading.startswith(UPGRADE):
            m.report.notes.append(f"upgrade block: in the upgrade walk ({cmd.splitlines()[0]})")
            continue
        out[cmd] = m.doc_command(heading, cmd)
        if "uninstall-service" in cmd:
            m.owned_by_user()  # before: the records stay with the user
    joined = "\n".join(out.values())
    check("one-time password:" in joined, "init printed no one-time password")
    check("60 people registered" in joined, "the students' import did not register 60")
    check("private: not on this server" in joined, "the root key is still on the server")
    check("флешка в сейфе директора: verified" in joined, "the scheduled backup did not verify")
    check("open alarms: none" in joined, "status shows an alarm")
    check((m.top / "media/root-key/root.key").exists(), "the root key is not on its drive")
    check(not (m.units / "ejournal.service").exists(), "uninstall-service left the unit")
    native = "from ejournal.log import fastscan; raise SystemExit(0 if fastscan.available() else 3)"
    python = m.top / "opt/ejournal/.venv/bin/python"
    built = subprocess.run([str(python), "-c", native], check=False)
    check(built.returncode == 0, "section 1 did not build the native verify fast path (_scan.c)")
    m.report.notes.append("section 1 built the native fast path of verification (gcc, libssl-dev)")


def walk_upgrade(m: Machine, steps: list[tuple[str, str]], previous: str) -> None:
    """The previous release installed by section 1, a school made by it (sections 2 and 5)
    and run as the service; then the new release on the flash drive and the upgrade block.
    A clone without that commit (shallow) walks the upgrade from this release onto itself, and
    the report says so among the commands replaced."""
    known = subprocess.run(["git", "-C", str(REPO), "cat-file", "-e", f"{previous}^{{commit}}"],
                           capture_output=True, check=False)  # fmt: skip
    if known.returncode != 0:
        m.report.replaced.append(
            f"the previous release {previous} is not in this clone (shallow?): the upgrade "
            "block ran from this release onto a school made by this release"
        )
        release_folder(m.top / "media/usb/ejournal")
    else:
        release_folder(m.top / "media/usb/ejournal", previous)
    print(f"previous release {previous}: sections 1 (without apt-get), 2, 5 and the service")
    for heading, cmd in steps:
        if heading.startswith(("## 1.", "## 2.", "## 5.")) and "apt-get" not in cmd:
            m.sh(m.localise(cmd), f"previous release, {cmd.splitlines()[0]}")
    old = m.top / "opt/ejournal/.venv/bin/ejournal"
    install = [str(old), "install-service", str(m.data), "--port", "443", "--user", m.user]
    if m.systemd:
        m.sh(shlex.join(install), "previous release: ejournal install-service")
    else:  # the previous release knows no --units-under: its dry run, then its own commands
        printed = m.sh(shlex.join([*install, "--root", str(m.top)]), "previous release: "
                       "ejournal install-service --root (dry run)")  # fmt: skip
        tail = printed.split("this would then run:")[1].splitlines()
        for argv in [line.strip() for line in tail if line.startswith("  ")]:
            if not argv.startswith("systemctl"):
                m.sh(argv, f"previous release, as it printed: {argv}")
        m.start("the previous release's service")
    m.answers()
    shutil.rmtree(m.top / "media/usb/ejournal")
    release_folder(m.top / "media/usb/ejournal")  # the new release on the flash drive
    print("the upgrade block, onto the previous release's school:")
    for heading, cmd in steps:
        if heading.startswith(UPGRADE):
            m.doc_command(heading, cmd)
    m.answers()
    new, installed = m.top / "media/usb/ejournal", m.top / "opt/ejournal"
    differ = [p for p in new.rglob("*") if p.is_file()
              and not filecmp.cmp(p, installed / p.relative_to(new), shallow=False)]  # fmt: skip
    check(not differ, f"after the upgrade these differ from the new release: {differ[:5]}")
    status = m.sh(f"runuser -u {m.user} -- {installed}/.venv/bin/ejournal status {m.data} "
                  "|| true", "after the upgrade: ejournal status (as the user)")  # fmt: skip
    print("\n".join("    " + line for line in status.splitlines()))
    check("rebuilt at the next start" not in status, "the projection was not rebuilt")
    m.sh(f"{installed}/.venv/bin/ejournal verify -q {m.data}", "after the upgrade: verify")
    m.owned_by_user()
    m.report.notes.append(
        f"upgrade {previous} → this tree: the server answers, the files are "
        "the new release's, the projection is current, verify passes"
    )
    if m.systemd:
        m.sh("ejournal uninstall-service", "upgrade walk: uninstall-service")
    m.stop("end of the upgrade walk")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", action="store_true", help="keep the walk's folders")
    ap.add_argument("--previous", default=PREVIOUS, help="the previous release's commit")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("run_install_doc: must run as root (make test runs it with sudo)", file=sys.stderr)
        return 3
    systemd = pid1() == "systemd" and Path("/run/systemd/system").is_dir()
    if systemd and Path("/etc/systemd/system/ejournal.service").exists():
        print("run_install_doc: /etc/systemd/system/ejournal.service exists: a real school? "
              "Not walking over it.", file=sys.stderr)  # fmt: skip
        return 3
    lock = open("/run/lock/ejournal-install-doc.lock", "w")  # noqa: SIM115 one walk at a time
    fcntl.flock(lock, fcntl.LOCK_EX)
    steps = commands(DOC.read_text(encoding="utf-8"))
    report = Report()
    print(
        f"INSTALL.md walk as root: {len(steps)} commands; systemd "
        + ("is PID 1: real systemctl" if systemd else f"is not PID 1 ({pid1()!r}): by hand")
    )
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    machines: list[Machine] = []
    code = 0
    try:
        main_walk = Machine(Path(tempfile.mkdtemp(prefix="ejournal-walk-", dir="/var/lib")),
                            f"ejw{secrets.token_hex(3)}", systemd, report)  # fmt: skip
        machines.append(main_walk)
        walk_document(main_walk, steps)
        doc_seconds = report.doc_seconds
        upgrade = Machine(Path(tempfile.mkdtemp(prefix="ejournal-walk-", dir="/var/lib")),
                          f"ejw{secrets.token_hex(3)}", systemd, report)  # fmt: skip
        machines.append(upgrade)
        walk_upgrade(upgrade, steps, args.previous)
    except WalkFailed as e:
        print(f"FAILED: {e}", file=sys.stderr)
        code = 1
    finally:
        for m in machines:
            m.clean_up(args.keep)
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    for title, items in [("done instead of systemd", report.instead),
                         ("replaced (not run as written)", report.replaced),
                         ("checked", report.notes), ("NOT RUN", report.not_run)]:  # fmt: skip
        if items:
            print(f"{title}:")
            print("\n".join(f"  - {i}" for i in dict.fromkeys(items)))
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    if code == 0:
        print(f"the document's commands took {doc_seconds:.0f} s of machine time (promise: "
              f"under {LIMIT // 60} min with the teacher's reading and typing); the whole walk "
              f"with the upgrade {time.monotonic() - started:.0f} s wall, {cpu:.0f} s CPU; "
              f"load {load}")  # fmt: skip
        if doc_seconds > LIMIT:
            print("FAILED: the document's commands alone take longer than the promise")
            code = 1
    if code == 0 and report.not_run:
        code = 3
    print("run_install_doc: " + {0: "OK", 1: "FAILED", 3: "INCOMPLETE (see NOT RUN)"}[code])
    return code


if __name__ == "__main__":
    sys.exit(main())
