"""The journal as a systemd service (issue #10): the server under its own system user,
restarted on failure and started at boot, with a weekly backup timer and a daily
verification timer. ``ejournal install-service`` writes and enables the units;
``--root DIR`` writes them under DIR only (for a look, and for the tests); ``under`` (the CLI's
``--units-under DIR``) installs for real but keeps the unit files under DIR, enabled there with
``systemctl --root DIR`` (a system image being prepared; the root tests).

Without systemd as the running init (a container, a chroot), the units are enabled for the
next boot with an offline ``systemctl enable`` and nothing is started: ``install`` says so."""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .datadir import DataDirError
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
    try:
        subprocess.run(list(argv), check=True)
    except subprocess.CalledProcessError as e:
        raise DataDirError(f"{shlex.join(argv)} failed (exit code {e.returncode})") from e


def systemd_running() -> bool:
    """Whether systemd is this machine's running init (the test of ``sd_booted(3)``)."""
    return Path("/run/systemd/system").is_dir()


def _systemctl(under: Path | None) -> list[str]:
    return ["systemctl", "--root", str(under)] if under is not None else ["systemctl"]


def starts_now(under: Path | None = None) -> bool:
    """Whether installing into ``under`` (None: this system) also starts the service."""
    return under is None and systemd_running()


def install_commands(
    o: ServiceOptions, under: Path | None = None, systemd: bool | None = None
) -> list[list[str]]:
    """What installing does on the real system, after writing the units, in order: the
    system user, the data directory given to it, and the units enabled (and started when
    systemd runs the machine, ``systemd``, default: this one, and the units are in its own
    folder)."""
    data = str(o.data_dir)
    running = systemd_running() if systemd is None else systemd
    enable = (
        [["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", *ENABLED]]
        if under is None and running
        else [[*_systemctl(under), "enable", *ENABLED]]
    )
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
        *enable,
    ]


def install(
    o: ServiceOptions, root: Path | None = None, run: Runner = _run, under: Path | None = None
) -> list[Path]:
    """Write the units under ``root`` (a dry run: nothing else is done); without ``root``
    also make the user, give it the data directory and enable everything, with the unit
    files in ``/`` or, when given, under ``under``.

    Returns:
        The unit files written.
    """
    folder = (root or under or Path("/")) / UNIT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in units(o).items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        path.chmod(0o644)
        written.append(path)
    if root is None:
        for argv in install_commands(o, under):
            run(argv)
    return written


def uninstall(
    root: Path | None = None, run: Runner = _run, under: Path | None = None
) -> list[Path]:
    """Stop and disable the units, then remove their files. The data directory and the
    system user stay (the records are the school's). ``root``: only remove the files there;
    ``under``: disable and remove them there (``systemctl --root``)."""
    folder = (root or under or Path("/")) / UNIT_DIR
    running = starts_now(under)
    if root is None:
        now = ["--now"] if running else []
        run([*_systemctl(under), "disable", *now, *ENABLED])
    removed = []
    for name in UNITS:
        path = folder / name
        if path.exists():
            path.unlink()
            removed.append(path)
    if root is None and running:
        run(["systemctl", "daemon-reload"])
    return removed
