"""Writing files that must last on a flash drive (tolerant of FAT and exFAT: no modes, and fsync
may do nothing), and the checks of a medium before anything is written to it (issue #9)."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

SPACE_MARGIN = 1 << 20  # keep a MiB free besides what is written


class ReplicaError(Exception):
    """The destination cannot take a copy (a usage problem: nothing was written)."""

    message_ru = "Не удалось записать копию."

    def __init__(self, message: str, message_ru: str | None = None) -> None:
        super().__init__(message)
        if message_ru:
            self.message_ru = message_ru


class NotWritableError(ReplicaError):
    message_ru = "Носитель защищён от записи или недоступен для записи."


class NotEnoughSpaceError(ReplicaError):
    message_ru = "На носителе не хватает свободного места для копии."


def _fsync(fd: int) -> None:
    try:
        os.fsync(fd)
    except OSError as e:
        if e.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise


def write_verified(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file, fsync it, read it back and compare.

    Raises:
        OSError: the write failed, or what was read back differs (EIO; the file is removed).
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        _fsync(fd)
    finally:
        os.close(fd)
    if path.read_bytes() != data:  # a flash drive may lie
        path.unlink()
        raise OSError(errno.EIO, f"read-back of {path} differs from what was written")


def check_writable(dest: Path) -> None:
    """A probe file is created and removed in ``dest``.

    Raises:
        NotWritableError: the medium is read-only or the folder cannot be written.
    """
    probe = dest / ".ejournal-write-test"
    try:
        _open_probe(probe)
        probe.unlink()
    except OSError as e:
        raise NotWritableError(
            f"cannot write to {dest}: {e.strerror or e} (is the medium read-only or "
            "write-protected?)",
            f"Не удаётся записать в {dest}: носитель защищён от записи или недоступен.",
        ) from e


def _open_probe(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, b"ejournal\n")
    finally:
        os.close(fd)


def check_space(dest: Path, needed: int) -> None:
    """Raises NotEnoughSpaceError when ``dest`` has less free space than ``needed`` + margin."""
    free = shutil.disk_usage(dest).free
    if free < needed + SPACE_MARGIN:
        raise NotEnoughSpaceError(
            f"not enough free space on {dest}: the copy needs {_mib(needed)} "
            f"(+{_mib(SPACE_MARGIN)} margin), {_mib(free)} is free",
            f"На носителе {dest} не хватает места: нужно {_mib(needed)}, свободно {_mib(free)}.",
        )


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB"
