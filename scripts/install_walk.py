"""The machine a walk of docs/INSTALL.md runs on (scripts/run_install_doc.py, issue #10): a
fresh folder standing for /, a system user standing for ``ejournal``, the document's commands
localised to them and run as root, and, without systemd as PID 1, what stands in for it."""

from __future__ import annotations

import os
import pwd
import re
import shlex
import shutil
import signal
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "INSTALL.md"
BLOCK = re.compile(r"<!-- ci(?P<mark>: [a-z]+)? -->\n```sh\n(?P<body>.*?)```", re.DOTALL)
# main with issue #10 merged: the first release a school could install by this document.
PREVIOUS = "97d2443"
DEBIAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SUDO = 'sudo() { if [ "$1" = -u ]; then local u="$2"; shift 2; runuser -u "$u" -- "$@"; ' \
       'else "$@"; fi; }'  # fmt: skip
MOVED = re.compile(r"(?<![\w/.-])(/media/|/opt/ejournal|/usr/local/bin/ejournal|/var/lib/ejournal)")
LIMIT = 15 * 60  # the document's promise, in seconds
UPGRADE = "## Обновление"


class WalkFailed(Exception):
    """A command of the document or a check of the walk failed."""


def commands(text: str) -> list[tuple[str, str]]:
    """The document's commands in order with their section heading: continued lines joined,
    here-documents kept whole."""
    out: list[tuple[str, str]] = []
    for m in BLOCK.finditer(text):
        heading = [h for h in text[: m.start()].splitlines() if h.startswith("## ")][-1]
        lines = m.group("body").splitlines()
        i = 0
        while i < len(lines):
            cmd = lines[i]
            i += 1
            while cmd.endswith("\\"):
                cmd += "\n" + lines[i]
                i += 1
            here = re.search(r"<<-?'?(\w+)'?\s*$", cmd)
            while here and not cmd.endswith("\n" + here.group(1)):
                cmd += "\n" + lines[i]
                i += 1
            if cmd.strip():
                out.append((heading, cmd))
    return out


def unit_fields(path: Path) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, eq, value = line.partition("=")
        if eq and not line.startswith(("#", "[")):
            fields.setdefault(key, value)
    return fields


def release_folder(dest: Path, commit: str | None = None) -> None:
    """A release folder as on the flash drive: this working tree's files (tracked and new,
    not ignored), or the tree of ``commit``."""
    dest.mkdir(parents=True)
    if commit is not None:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", commit],
                                 capture_output=True, check=False)  # fmt: skip
        if archive.returncode != 0:
            raise WalkFailed(
                f"the previous release {commit} is not in this clone (a shallow "
                f"clone? git fetch --unshallow): {archive.stderr.decode()[:300]}"
            )
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
        return
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


class Machine:
    """One walk: ``top`` stands for the machine's /, ``user`` for the service's user."""

    def __init__(self, top: Path, user: str, systemd: bool, report: Report) -> None:
        self.top, self.user, self.systemd, self.report = top, user, systemd, report
        self.home = top / "root"  # the operator's folder, where the spreadsheets are
        self.server: subprocess.Popen[bytes] | None = None
        for d in ["media/usb", "media/root-key", "media/ejournal-backup", "opt", "var/lib",
                  "usr/local/bin", "root"]:  # fmt: skip
            (top / d).mkdir(parents=True, exist_ok=True)
        top.chmod(0o755)
        apt = top / "apt.conf"  # wait for the dpkg lock instead of failing at once
        apt.write_text('DPkg::Lock::Timeout "600";\n', encoding="utf-8")
        self.env = {
            "PATH": f"{top}/usr/local/bin:{DEBIAN_PATH}", "HOME": "/root", "LANG": "C.UTF-8",
            "TERM": "dumb", "DEBIAN_FRONTEND": "noninteractive", "APT_CONFIG": str(apt),
            **{k: v for k, v in os.environ.items() if k.startswith("PIP_")},
        }  # fmt: skip

    @property
    def data(self) -> Path:
        return self.top / "var/lib/ejournal"

    @property
    def units(self) -> Path:
        return (self.top if not self.systemd else Path("/")) / "etc/systemd/system"

    def localise(self, cmd: str) -> str:
        cmd = MOVED.sub(lambda m: f"{self.top}{m.group(1)}", cmd)
        cmd = cmd.replace("sudo -u ejournal ", f"sudo -u {self.user} ")
        under = "" if self.systemd else f" --units-under {self.top}"
        if re.search(r"\binstall-service /", cmd) and "uninstall" not in cmd:
            cmd += f" --user {self.user}{under}"
        elif "uninstall-service" in cmd:
            cmd += under
        return cmd

    def sh(self, cmd: str, label: str = "") -> str:
        """Run one command of the document in bash, as root; its output, or WalkFailed."""
        started = time.monotonic()
        done = subprocess.run(["bash", "-c", f"set -euo pipefail\n{SUDO}\n{cmd}\n"],
                              cwd=self.home, env=self.env, capture_output=True, text=True,
                              timeout=1200, check=False)  # fmt: skip
        took = time.monotonic() - started
        self.report.ran(label or cmd, took)
        if done.returncode != 0:
            raise WalkFailed(f"exit code {done.returncode}: {cmd}\n{done.stdout[-3000:]}"
                             f"\n{done.stderr[-3000:]}")  # fmt: skip
        return done.stdout + done.stderr

    def doc_command(self, heading: str, cmd: str) -> str:
        """One command of the document: run as written (localised), or, for systemd's
        commands on a machine without it, what stands in for it (reported as such)."""
        line = self.localise(cmd)
        show = f"{heading[3:].split(' / ')[0]}: {cmd.splitlines()[0]}"
        if cmd.startswith("sudo apt-get") and os.environ.get("EJOURNAL_WALK_NO_APT") == "1":
            self.sh(line.replace("apt-get install", "apt-get install -s", 1), show)
            self.report.not_run.append(f"{cmd} — EJOURNAL_WALK_NO_APT=1: only simulated (-s)")
            return ""
        verb = re.match(r"(?:sudo )?(systemctl|journalctl)\b\s*(\S*)", cmd)
        if verb and not self.systemd:
            return self.instead(verb.group(1), verb.group(2), cmd)
        out = self.sh(line, show)
        if "install-service" in cmd and "uninstall" not in cmd:
            self.installed()
        if "uninstall-service" in cmd and not self.systemd:
            self.stop("`systemctl disable --now` would stop it")
        return out

    def installed(self) -> None:
        """After install-service: the backup drive mounted as the document's fstab line says
        (uid=ejournal), and the service running (started by hand without systemd)."""
        owner = pwd.getpwnam(self.user)
        os.chown(self.top / "media/ejournal-backup", owner.pw_uid, owner.pw_gid)
        self.report.notes.append(
            "the backup drive: chown to the service user, as the fstab "
            "line of section 6 (uid=ejournal) would mount it"
        )
        if not self.systemd:
            self.verify_units()
            self.start("`systemctl enable --now` would start it")
        self.answers()

    def verify_units(self) -> None:
        names = sorted(p for p in self.units.glob("ejournal*.*") if p.is_file())
        done = subprocess.run(["systemd-analyze", "verify", *map(str, names)],
                              capture_output=True, text=True, check=False)  # fmt: skip
        if done.returncode != 0 or done.stderr.strip():
            raise WalkFailed(f"systemd-analyze verify: {done.stderr}")
        self.report.instead.append(f"systemd-analyze verify {len(names)} units: no complaint")

    def start(self, why: str) -> None:
        f = unit_fields(self.units / "ejournal.service")
        argv = shlex.split(f["ExecStart"])
        caps = ["--inh-caps=+net_bind_service", "--ambient-caps=+net_bind_service"] \
            if "CAP_NET_BIND_SERVICE" in f.get("AmbientCapabilities", "") else []  # fmt: skip
        cmd = ["setpriv", f"--reuid={f['User']}", f"--regid={f['Group']}", "--init-groups",
               *caps, "sh", "-c", f'umask {f["UMask"]}; exec "$@"', "sh", *argv]  # fmt: skip
        log = (self.top / "ejournal-by-hand.log").open("ab")
        self.server = subprocess.Popen(
            cmd, cwd=f["WorkingDirectory"], stdout=log, stderr=subprocess.STDOUT,
            env={"PATH": DEBIAN_PATH, "HOME": f["WorkingDirectory"], "LANG": "C.UTF-8"},
            start_new_session=True,
        )  # fmt: skip
        self.report.instead.append(f"started by hand ({why}): {shlex.join(cmd)}")

    def stop(self, why: str) -> None:
        if self.server is None:
            return
        os.killpg(self.server.pid, signal.SIGTERM)
        try:
            self.server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait(10)
        self.server = None
        self.report.instead.append(f"stopped the server started by hand ({why})")

    def instead(self, tool: str, verb: str, cmd: str) -> str:
        why = f"no systemd as PID 1 (PID 1 is {pid1()!r})"
        started = time.monotonic()
        if tool == "systemctl" and verb == "restart":
            self.stop("systemctl restart")
            self.start("systemctl restart")
            self.answers()
        elif tool == "systemctl" and verb == "status":
            self.verify_units()
            for link in ["multi-user.target.wants/ejournal.service",
                         "timers.target.wants/ejournal-backup.timer",
                         "timers.target.wants/ejournal-verify.timer"]:  # fmt: skip
                if not (self.units / link).is_symlink():
                    raise WalkFailed(f"not enabled: {self.units / link} is missing")
            self.answers()
            self.report.instead.append(
                "instead of systemctl status: the server started by "
                "hand answers, the units and timers are enabled"
            )
        elif tool == "journalctl":
            log = (self.top / "ejournal-by-hand.log").read_text(errors="replace")
            self.report.instead.append(
                f"instead of journalctl: the by-hand server's output, {len(log.splitlines())} lines"
            )
        else:
            raise WalkFailed(f"no stand-in for {cmd!r} without systemd")
        self.report.replaced.append(f"{cmd} — {why}")
        self.report.ran(f"{cmd} (without systemd: see 'done instead')", time.monotonic() - started)
        return ""

    def answers(self, timeout: float = 120) -> str:
        """The journal's sign-in page over https, trusting only the school's CA."""
        f = unit_fields(self.units / "ejournal.service")
        argv = shlex.split(f["ExecStart"])
        port = argv[argv.index("--port") + 1]
        trust = ssl.create_default_context(cafile=str(self.data / "tls" / "ca.crt"))
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{port}/login", context=trust,
                                            timeout=10) as page:  # fmt: skip
                    body = page.read().decode()
                if page.status != 200 or "Вход в журнал" not in body:
                    raise WalkFailed(f"https://127.0.0.1:{port}/login: {page.status}")
                self.report.notes.append(f"https://127.0.0.1:{port}/login answered 200 "
                                         "with the school's CA trusted")  # fmt: skip
                return body
            except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
                if self.server is not None and self.server.poll() is not None:
                    raise WalkFailed(f"the server exited: {self.server_log()}") from e
                if time.monotonic() > deadline:
                    raise WalkFailed(f"no answer on port {port}: {e}\n{self.server_log()}") from e
                time.sleep(0.5)

    def server_log(self) -> str:
        path = self.top / "ejournal-by-hand.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else "(no log)"

    def owned_by_user(self) -> None:
        """Every file of the data directory belongs to the service's user (a root command of
        the document after install-service would leave one the service cannot write)."""
        uid = pwd.getpwnam(self.user).pw_uid
        strangers = [p for p in [self.data, *self.data.rglob("*")] if p.lstat().st_uid != uid]
        if strangers:
            raise WalkFailed(f"not owned by {self.user}: {strangers[:5]}")
        self.report.notes.append(f"every file of the data directory is owned by {self.user}")

    def clean_up(self, keep: bool) -> None:
        """Stop what the walk started, remove its units (systemd: from /etc, where the walk
        started only if there were none), its user and, unless ``keep``, its folder."""
        self.stop("cleaning up")
        if self.systemd and (self.units / "ejournal.service").exists():
            names = [p.name for p in self.units.glob("ejournal*.*") if p.is_file()]
            subprocess.run(["systemctl", "disable", "--now", *names], check=False)
            for name in names:
                (self.units / name).unlink()
            subprocess.run(["systemctl", "daemon-reload"], check=False)
        subprocess.run(["userdel", self.user], capture_output=True, check=False)
        if not keep:
            shutil.rmtree(self.top, ignore_errors=True)


class Report:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.not_run: list[str] = []
        self.replaced: list[str] = []
        self.instead: list[str] = []
        self.notes: list[str] = []
        self.doc_seconds = 0.0

    def ran(self, what: str, seconds: float) -> None:
        self.doc_seconds += seconds
        print(f"  {seconds:6.1f} s  {what.splitlines()[0][:110]}", flush=True)


def pid1() -> str:
    return Path("/proc/1/comm").read_text().strip()
