"""The journal as a systemd service (issue #10): the server under its own system user,
restarted on failure and started at boot, with a weekly backup timer and a daily
verification timer. ``ejournal install-service`` writes and enables the units;
``--root DIR`` writes them under DIR only (for a look, and for the tests)."""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .local_state import load_config

UNIT_DIR = Path("etc/systemd/system")
NAME = "ejournal"


@dataclass(frozen=True)
class ServiceOptions:
    data_dir: Path  # absolute
    user: str = "ejournal"
    host: str = "0.0.0.0"
    port: int = 8443
    executable: Path = Path(sys.executable).with_name("ejournal")
    insecure_lan: bool = False
    backup_calendar: str = "Fri *-*-* 15:00"
    verify_calendar: str = "*-*-* 03:30"


HARDENING = """\
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
ReadWritePaths={paths}
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
SystemCallArchitectures=native
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
UMask=0077
"""


def _cmd(o: ServiceOptions, *args: str) -> str:
    return shlex.join([str(o.executable), *args])


def units(o: ServiceOptions) -> dict[str, str]:
    """The unit files by name: the server, and the backup and verification jobs with their
    timers. The backup may write to the configured media (``ejournal.toml``)."""
    data = str(o.data_dir)
    media = [f"-{m.path}" for m in load_config(o.data_dir).media]
    serve = ["serve", data, "--host", o.host, "--port", str(o.port)]
    if o.insecure_lan:
        serve.append("--insecure-lan")
    caps = (
        "AmbientCapabilities=CAP_NET_BIND_SERVICE\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\n"
        if o.port < 1024
        else "CapabilityBoundingSet=\n"
    )
    common = f"User={o.user}\nGroup={o.user}\nWorkingDirectory={data}\n"
    return {
        f"{NAME}.service": (
            "[Unit]\nDescription=ejournal: the school's electronic journal\n"
            "Documentation=man:systemd.service(5)\n"
            "After=network-online.target\nWants=network-online.target\n\n"
            f"[Service]\nType=simple\n{common}ExecStart={_cmd(o, *serve)}\n"
            "Restart=on-failure\nRestartSec=5\n"
            + caps
            + HARDENING.format(paths=data)
            + "\n[Install]\nWantedBy=multi-user.target\n"
        ),
        f"{NAME}-backup.service": (
            "[Unit]\nDescription=ejournal: weekly backup to the configured media\n\n"
            f"[Service]\nType=oneshot\n{common}"
            f"ExecStart={_cmd(o, 'scheduled-backup', data)}\n"
            "CapabilityBoundingSet=\n" + HARDENING.format(paths=" ".join([data, *media]))
        ),
        f"{NAME}-backup.timer": (
            "[Unit]\nDescription=ejournal: weekly backup\n\n"
            f"[Timer]\nOnCalendar={o.backup_calendar}\nPersistent=true\n"
            "RandomizedDelaySec=10min\n\n[Install]\nWantedBy=timers.target\n"
        ),
        f"{NAME}-verify.service": (
            "[Unit]\nDescription=ejournal: daily verification of the journal\n\n"
            f"[Service]\nType=oneshot\n{common}"
            f"ExecStart={_cmd(o, 'verify', '-q', '--record', data)}\n"
            "Nice=10\nIOSchedulingClass=idle\nCapabilityBoundingSet=\n"
            + HARDENING.format(paths=data)
        ),
        f"{NAME}-verify.timer": (
            "[Unit]\nDescription=ejournal: daily verification\n\n"
            f"[Timer]\nOnCalendar={o.verify_calendar}\nPersistent=true\n"
            "RandomizedDelaySec=15min\n\n[Install]\nWantedBy=timers.target\n"
        ),
    }


ENABLED = (f"{NAME}.service", f"{NAME}-backup.timer", f"{NAME}-verify.timer")
UNITS = (*ENABLED, f"{NAME}-backup.service", f"{NAME}-verify.service")
Runner = Callable[[Sequence[str]], None]


def _run(argv: Sequence[str]) -> None:
    subprocess.run(list(argv), check=True)


def install_commands(o: ServiceOptions) -> list[list[str]]:
    """What installing does on the real system, after writing the units, in order."""
    data = str(o.data_dir)
    return [
        [
            "sh",
            "-c",
            f"id -u {shlex.quote(o.user)} >/dev/null 2>&1 || useradd --system "
            f"--home-dir {shlex.quote(data)} --no-create-home --shell /usr/sbin/nologin "
            f"{shlex.quote(o.user)}",
        ],  # fmt: skip
        ["chown", "-R", f"{o.user}:{o.user}", data],
        ["chmod", "0750", data],
        ["systemctl", "daemon-reload"],
        ["systemctl", "enable", "--now", *ENABLED],
    ]


def install(o: ServiceOptions, root: Path | None = None, run: Runner = _run) -> list[Path]:
    """Write the units under ``root`` (default ``/``); on the real system also make the user,
    give it the data directory and enable everything.

    Returns:
        The unit files written.
    """
    folder = (root or Path("/")) / UNIT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in units(o).items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        path.chmod(0o644)
        written.append(path)
    if root is None:
        for argv in install_commands(o):
            run(argv)
    return written


def uninstall(root: Path | None = None, run: Runner = _run) -> list[Path]:
    """Stop and disable the units, then remove their files. The data directory and the
    system user stay (the records are the school's)."""
    folder = (root or Path("/")) / UNIT_DIR
    if root is None:
        run(["systemctl", "disable", "--now", *ENABLED])
    removed = []
    for name in UNITS:
        path = folder / name
        if path.exists():
            path.unlink()
            removed.append(path)
    if root is None:
        run(["systemctl", "daemon-reload"])
    return removed
