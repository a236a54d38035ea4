"""The native fast path of full verification (``_scan.c``), loaded with ctypes when it was built.

:func:`scanner` gives a :class:`Scanner` for one feed, or None when the library is missing
(no C compiler or OpenSSL headers at install time), stale (built from another ``_scan.c``) or
switched off with ``EJOURNAL_PURE_VERIFY=1``; verification then runs the Python reference path
alone, with the same verdicts, only slower. The scanner accepts a line only when it is certain
the reference would (see the C file's header); every other line goes to the reference, which
names what is wrong.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterable
from pathlib import Path

from .merkle import HASH_SIZE, CompactRange

VERSION = 4  # ej_scan_version() of the library this module speaks to
_HERE = Path(__file__).parent
_LIBRARY_NAME = "_scan.so"
_TIME_LEN = 29
_SIZE_T, _U64 = ctypes.c_size_t, ctypes.c_uint64
PICK_ROOM = 1 << 16  # lines per scan when lines of wanted types are listed


def library_path() -> Path:
    return _HERE / _LIBRARY_NAME


_WHY: str | None = None  # why the library is not used


def _load() -> ctypes.CDLL | None:
    global _WHY
    if os.environ.get("EJOURNAL_PURE_VERIFY") == "1":
        _WHY = "switched off (EJOURNAL_PURE_VERIFY=1)"
        return None
    path = library_path()
    source = _HERE / "_scan.c"
    _WHY = "not built (install gcc and libssl-dev, then `make venv`)"
    if not path.exists():
        return None
    if source.exists() and source.stat().st_mtime > path.stat().st_mtime:
        _WHY = "built from an older _scan.c (run `make venv` again)"
        return None
    try:
        lib = ctypes.CDLL(str(path))
        if lib.ej_scan_version() != VERSION:
            _WHY = "built from another version of _scan.c (run `make venv` again)"
            return None
    except (OSError, AttributeError) as e:
        _WHY = f"cannot be loaded: {e}"
        return None
    _WHY = None
    lib.ej_scan.restype = _SIZE_T
    lib.ej_scan.argtypes = [
        ctypes.c_char_p,  # buf
        _SIZE_T,  # pos
        _SIZE_T,  # end
        ctypes.c_char_p,  # feed
        _SIZE_T,  # feed_len
        _U64,  # seq
        _SIZE_T,  # max_lines
        ctypes.c_char_p,  # prev_time (1 + 29 bytes, in and out)
        ctypes.c_char_p,  # stack (64 hashes, in and out)
        ctypes.POINTER(_U64),  # size (in and out)
        ctypes.POINTER(_SIZE_T),  # next_pos (out)
        ctypes.c_char_p,  # wanted types
        ctypes.POINTER(_U64),  # picked (out)
        ctypes.POINTER(_SIZE_T),  # picked_count (out)
    ]
    lib.ej_hash_lines.restype = _SIZE_T
    lib.ej_hash_lines.argtypes = [
        ctypes.c_char_p,  # buf
        _SIZE_T,  # pos
        _SIZE_T,  # end
        _SIZE_T,  # max_lines
        ctypes.c_char_p,  # stack (in and out)
        ctypes.POINTER(_U64),  # size (in and out)
        ctypes.POINTER(_SIZE_T),  # next_pos (out)
    ]
    return lib


_LIB: ctypes.CDLL | None = None
_LOADED = False


def available() -> bool:
    """Whether the native scanner is built, current and switched on."""
    global _LIB, _LOADED
    if not _LOADED:
        _LIB, _LOADED = _load(), True
    return _LIB is not None


def unavailable_because() -> str | None:
    """Why verification runs in Python alone (None: the native scanner is used)."""
    return None if available() else _WHY


class Scanner:
    """One feed's pass: its compact range and the time of its last entry, kept for the C side."""

    def __init__(
        self, lib: ctypes.CDLL, feed_id: str, wanted: Iterable[str] = (), hashing: bool = True
    ) -> None:
        self._lib, self._scan = lib, lib.ej_scan
        self._feed = feed_id.encode("ascii")
        self._time = ctypes.create_string_buffer(1 + _TIME_LEN)
        self._stack = ctypes.create_string_buffer(64 * HASH_SIZE) if hashing else None
        self._size = _U64(0)
        self._next = _SIZE_T(0)
        names = [name.encode("ascii") for name in wanted]
        if any(not 0 < len(name) < 256 for name in names):
            raise ValueError("wanted entry types must be 1-255 ASCII characters")
        self._wanted = b"".join(bytes([len(n)]) + n for n in names) + b"\0"
        self._room = PICK_ROOM if names else 0
        self._picked = (_U64 * (2 * self._room))()
        self._picked_count = _SIZE_T(0)

    def scan(self, data: bytes, pos: int, end: int, seq: int, limit: int) -> tuple[int, int]:
        """Check and hash up to ``limit`` lines of ``data[pos:end]`` (complete lines), the
        first with sequence number ``seq``; with wanted types, ``limit`` is at most
        PICK_ROOM and :meth:`picked` lists their lines.

        Returns:
            How many lines were accepted, and where the first line not accepted starts.
        """
        if self._room and limit > self._room:
            raise ValueError(f"at most {self._room} lines at a time when types are wanted")
        taken = self._scan(
            data,
            pos,
            end,
            self._feed,
            len(self._feed),
            seq,
            limit,
            self._time,
            self._stack,
            ctypes.byref(self._size),
            ctypes.byref(self._next),
            self._wanted,
            self._picked,
            ctypes.byref(self._picked_count),
        )
        return taken, self._next.value

    def hash_lines(self, data: bytes, pos: int, end: int, limit: int) -> tuple[int, int]:
        """Push the leaves of up to ``limit`` complete lines of ``data[pos:end]``, checking
        nothing else. Returns how many, and where the first line not hashed starts."""
        if self._stack is None:
            raise ValueError("a scanner made with hashing=False keeps no tree")
        taken = self._lib.ej_hash_lines(
            data, pos, end, limit, self._stack, ctypes.byref(self._size), ctypes.byref(self._next)
        )
        return taken, self._next.value

    def picked(self) -> list[tuple[int, int]]:
        """The (start, LF) offsets of the lines of wanted types that the last scan accepted."""
        flat = self._picked[: 2 * self._picked_count.value]
        return list(zip(flat[0::2], flat[1::2], strict=True))

    @property
    def tree(self) -> CompactRange:
        """The compact range of every leaf pushed so far (a copy)."""
        if self._stack is None:
            raise ValueError("a scanner made with hashing=False keeps no tree")
        size = self._size.value
        raw = self._stack.raw
        count = bin(size).count("1")
        hashes = [raw[i * HASH_SIZE : (i + 1) * HASH_SIZE] for i in range(count)]
        return CompactRange.from_hashes(size, hashes)

    @tree.setter
    def tree(self, tree: CompactRange) -> None:
        if self._stack is None:
            raise ValueError("a scanner made with hashing=False keeps no tree")
        hashes = tree.hashes
        self._stack.raw = b"".join(hashes).ljust(64 * HASH_SIZE, b"\0")
        self._size.value = tree.size

    def set_last_time(self, text: str | None) -> None:
        """The time of the entry before the next line (None: the next line is the first)."""
        if text is None or len(text) != _TIME_LEN or not text.isascii():
            # No entry before, or one whose time the C side cannot compare: the next line
            # then goes through the reference (a first line is always the feed's seq 0).
            self._time.raw = b"\0" * (1 + _TIME_LEN) if text is None else b"\1" + b"\xff" * 29
            return
        self._time.raw = b"\1" + text.encode("ascii")

    @property
    def last_time(self) -> str | None:
        raw = self._time.raw
        return raw[1:].decode("ascii") if raw[0] else None


def scanner(feed_id: str, wanted: Iterable[str] = (), *, hashing: bool = True) -> Scanner | None:
    """A native scanner for ``feed_id`` that lists the lines of the ``wanted`` entry types
    (and, ``hashing=False``, only checks lines), or None (use the reference path)."""
    if not available() or len(feed_id) != 32 or not feed_id.isascii():
        return None
    assert _LIB is not None
    return Scanner(_LIB, feed_id, wanted, hashing)
