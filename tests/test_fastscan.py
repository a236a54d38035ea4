"""The native scanner of verification (ejournal/log/_scan.c through fastscan.py).

Its one promise: a line it accepts is a line the Python reference path accepts, with the
sequence number, feed and time order expected. Shown here on generated entries, on each of
them damaged at random, and on a list of known hard cases; and that it does accept the usual
lines (else the fast path would never run), with the same Merkle tree as the reference.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ejournal.log import fastscan
from ejournal.log.entry import Entry, parse_line_timed
from ejournal.log.errors import FormatError
from ejournal.log.merkle import CompactRange, leaf_hashes

FEED = "0123456789abcdef0123456789abcdef"
PREV = "2026-09-01T08:30:00.000+07:00"
SETTINGS = settings(max_examples=200, deadline=None)


def test_the_native_scanner_is_built_and_used() -> None:
    assert fastscan.available(), (
        "ejournal/log/_scan.so is missing or stale: install gcc and libssl-dev, then "
        "`make venv` (or `pip install -e .`) builds it"
    )


def native_accepts(line: bytes, seq: int = 7, prev: str | None = PREV) -> bool:
    scanner = fastscan.scanner(FEED)
    assert scanner is not None
    scanner.set_last_time(prev)
    data = line + b"\n"
    taken, pos = scanner.scan(data, 0, len(data), seq, 1)
    assert (taken, pos) in ((0, 0), (1, len(data)))
    return taken == 1


def reference_accepts(line: bytes, seq: int = 7, prev: str | None = PREV) -> bool:
    try:
        entry, moment = parse_line_timed(line)
    except FormatError:
        return False
    before = datetime.fromisoformat(prev) if prev else None
    return entry.feed == FEED and entry.seq == seq and (before is None or moment >= before)


def assert_sound(line: bytes, seq: int = 7, prev: str | None = PREV) -> None:
    if native_accepts(line, seq, prev):
        assert reference_accepts(line, seq, prev), f"native accepted a bad line: {line!r}"


# Values of the format's domain, with the characters that need care in JSON and in JCS.
CHARS = st.characters(codec="utf-8") | st.sampled_from(
    [
        '"',
        "\\",
        "\n",
        "\t",
        "\r",
        "\b",
        "\f",
        "\x00",
        "\x1f",
        "\x7f",
        "\u2028",
        "\ufeff",
        "/",
        "\ue000",
        "\uffff",
        "𝄞",
        "я",
    ]
)
TEXT = st.text(CHARS, max_size=12)
INTS = st.integers(-(2**53) + 1, 2**53 - 1) | st.integers(-1000, 1000)
VALUES = st.recursive(
    st.none() | st.booleans() | INTS | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
TIMES = st.datetimes(min_value=datetime(2026, 9, 1, 8, 30), max_value=datetime(2028, 3, 1)).map(
    lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}+07:00"
)
TYPES = st.from_regex(r"[a-z][a-z0-9_]{0,8}(\.[a-z][a-z0-9_]{0,8}){0,2}", fullmatch=True)


def entry_line(data: dict[str, object], seq: int, time: str, actor: str, kind: str) -> bytes:
    return Entry(feed=FEED, seq=seq, time=time, actor=actor, type=kind, data=data).encode()


@st.composite
def lines(draw: st.DrawFn, seq: int = 7, time: str | None = None) -> bytes:
    return entry_line(
        draw(st.dictionaries(TEXT, VALUES, max_size=5)),
        seq,
        time or draw(TIMES),
        draw(TEXT.filter(bool)),
        draw(TYPES),
    )


UNICODE_ESCAPE = re.compile(rb"(?:^|[^\\])(?:\\\\)*\\u")


def narrow(line: bytes) -> bool:
    """Whether a valid line is in what the scanner takes on itself (see _scan.c's header)."""
    entry, _ = parse_line_timed(line)
    return not (
        UNICODE_ESCAPE.search(line)
        or any(0xF0 <= b <= 0xF4 for b in line)
        or entry.type in ("key.certify", "key.revoke")
        or _long_integer(entry.data)
        or _escaped_key(entry.data)
    )


def _long_integer(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return len(str(abs(value))) > 15
    if isinstance(value, dict):
        return any(_long_integer(v) for v in value.values())
    if isinstance(value, list):
        return any(map(_long_integer, value))
    return False


def _escaped_key(value: object) -> bool:
    if isinstance(value, dict):
        return any(
            any(c in k for c in '"\\') or any(ord(c) < 0x20 for c in k) or _escaped_key(v)
            for k, v in value.items()
        )
    if isinstance(value, list):
        return any(map(_escaped_key, value))
    return False


@SETTINGS
@given(line=lines())
def test_valid_lines_are_accepted_exactly_when_in_the_narrow_domain(line: bytes) -> None:
    assert reference_accepts(line)
    assert native_accepts(line) == narrow(line)


@SETTINGS
@given(line=lines(), data=st.data())
def test_a_damaged_line_is_never_accepted_unless_the_reference_accepts_it(
    line: bytes, data: st.DataObject
) -> None:
    pos = data.draw(st.integers(0, len(line) - 1), label="at")
    kind = data.draw(st.sampled_from(["set", "insert", "delete", "space"]), label="kind")
    byte = bytes([data.draw(st.integers(0, 255), label="byte")])
    if kind == "set":
        line = line[:pos] + byte + line[pos + 1 :]
    elif kind == "insert":
        line = line[:pos] + byte + line[pos:]
    elif kind == "delete":
        line = line[:pos] + line[pos + 1 :]
    else:
        line = line[:pos] + b" " + line[pos:]
    if b"\n" not in line:
        assert_sound(line)


def template(data: str, time: str = "2026-09-01T09:00:00.000+07:00", **fields: str) -> bytes:
    parts = {
        "actor": '"u-1"',
        "data": data,
        "feed": f'"{FEED}"',
        "seq": "7",
        "time": f'"{time}"',
        "type": '"mark.set"',
        "v": "1",
    }
    parts.update(fields)
    return ("{" + ",".join(f'"{k}":{v}' for k, v in parts.items()) + "}").encode()


HARD_CASES = [
    template('{"a":-0}'),
    template('{"a":01}'),
    template('{"a":1.0}'),
    template('{"a":1e5}'),
    template('{"a":9007199254740992}'),
    template('{"a":-9007199254740992}'),
    template('{"a":"\\u00e9"}'),
    template('{"a":"\\u001f"}'),
    template('{"a":"\\/"}'),
    template('{"a":"\\ud800"}'),
    template('{"b":1,"a":2}'),
    template('{"a":1,"a":2}'),
    template('{"a": 1}'),
    template('{"a":1 }'),
    template('{"a":[1 ,2]}'),
    template('{"a":tru}'),
    template('{"a":nul}'),
    template('{"a":true,}'),
    template("[]"),
    template('"x"'),
    template('{"\\n":1}'),
    template('{"é":1,"z":2}'),
    template('{"\ue000":1,"𝄞":2}'),
    template('{"𝄞":1,"\ue000":2}'),
    template("{}", time="2026-02-29T09:00:00.000+07:00"),
    template("{}", time="2028-02-30T09:00:00.000+07:00"),
    template("{}", time="2026-09-01T24:00:00.000+07:00"),
    template("{}", time="2026-09-01T09:60:00.000+07:00"),
    template("{}", time="2026-09-01T09:00:60.000+07:00"),
    template("{}", time="2026-09-01T09:00:00.000+24:00"),
    template("{}", time="2026-09-01T09:00:00.000+07:60"),
    template("{}", time="0000-09-01T09:00:00.000+07:00"),
    template("{}", time="2026-09-01 09:00:00.000+07:00"),
    template("{}", time="2026-09-01T09:00:00+07:00"),
    template("{}", time="2026-09-01T09:00:00.000Z"),
    template("{}", time="2026-09-01T08:29:59.999+07:00"),  # earlier than PREV
    template("{}", time="2026-09-01T09:00:00.000+06:00"),  # another offset: the reference
    template("{}", actor='""'),
    template("{}", actor="1"),
    template("{}", seq="07"),
    template("{}", seq="8"),
    template("{}", v="2"),
    template("{}", type='"Mark.set"'),
    template("{}", type='"mark..set"'),
    template("{}", type='"mark."'),
    template("{}", type='"key.certify"'),
    template("{}", type='"key.revoke"'),
    template("{}", feed='"0123456789abcdef0123456789abcdeF"'),
    template('{"a":"x\x7fy"}'),
    template('{"a":"x\x1fy"}'),
    template('{"a":"' + "[" * 70 + "]" * 70 + '"}'),
    template('{"a":' + "[" * 70 + "]" * 70 + "}"),
    template('{"a":' + "[" * 60 + "]" * 60 + "}"),
    template("{}") + b" ",
    template("{}") + b"x",
    template("{}")[:-1],
    template("{}").replace(b'"v":1', b'"v":1,"w":2'),
]
# Overlong, a UTF-8 surrogate, 5 bytes, a stray byte, a cut sequence.
BAD_UTF8 = [
    b"\xc0\xaf",
    b"\xe0\x80\xaf",
    b"\xed\xa0\x80",
    b"\xf8\x88\x80\x80\x80",
    b"\xff",
    b"\xc3",
]
HARD_CASES += [template('{"a":"X"}').replace(b"X", bad) for bad in BAD_UTF8]


@pytest.mark.parametrize("line", HARD_CASES)
def test_hard_cases_are_accepted_only_where_the_reference_accepts_them(line: bytes) -> None:
    assert_sound(line)


def test_the_usual_hard_but_valid_cases_take_the_fast_path() -> None:
    for line in [
        template('{"a":"x\\"y\\\\z\\n\\t\\r\\b\\f","b":"\u2028я\x7f"}'),
        template('{"a":-900719925474099,"b":[true,false,null,0,{}],"c":{"d":[]}}'),
        template("{}", time="2028-02-29T23:59:59.999+07:00"),
        template('{"a":' + "[" * 60 + "]" * 60 + "}"),
        template("{}", time=PREV),  # the same time as the entry before
    ]:
        assert reference_accepts(line) and native_accepts(line), line
    first = template("{}", time="2028-02-29T23:59:59.999-23:59")  # no entry before it
    assert reference_accepts(first, prev=None) and native_accepts(first, prev=None)


@given(st.lists(st.dictionaries(TEXT, VALUES, max_size=3), min_size=1, max_size=40))
@settings(max_examples=40, deadline=None)
def test_the_tree_of_the_accepted_lines_is_the_reference_tree(datas: list[dict]) -> None:
    batch = [entry_line(d, 7 + i, PREV, "u-1", "mark.set") for i, d in enumerate(datas)]
    taken_lines = []
    for line in batch:  # the lines up to the first the scanner leaves to the reference
        if not native_accepts(line, 7 + len(taken_lines)):
            break
        taken_lines.append(line)
    body = b"".join(line + b"\n" for line in batch)
    scanner = fastscan.scanner(FEED)
    assert scanner is not None
    scanner.set_last_time(PREV)
    taken, pos = scanner.scan(body, 0, len(body), 7, len(batch) + 5)
    assert (taken, pos) == (len(taken_lines), sum(len(x) + 1 for x in taken_lines))
    reference = CompactRange()
    reference.extend(leaf_hashes(taken_lines))
    assert scanner.tree.size == reference.size and scanner.tree.root() == reference.root()


@given(st.lists(st.sampled_from(["mark.set", "mark.setx", "lesson.recorded", "x"]), max_size=30))
@settings(max_examples=40, deadline=None)
def test_the_lines_of_wanted_types_are_listed(kinds: list[str]) -> None:
    batch = [entry_line({}, 7 + i, PREV, "u-1", kind) for i, kind in enumerate(kinds)]
    body = b"".join(line + b"\n" for line in batch)
    scanner = fastscan.scanner(FEED, ["mark.set", "x"])
    assert scanner is not None
    scanner.set_last_time(PREV)
    assert scanner.scan(body, 0, len(body), 7, len(batch) + 1) == (len(batch), len(body))
    spans = [(body.index(line), body.index(line) + len(line)) for line in batch]
    wanted = [span for span, kind in zip(spans, kinds, strict=True) if kind in ("mark.set", "x")]
    assert scanner.picked() == wanted


def test_a_stale_or_switched_off_library_is_not_used(tmp_path: os.PathLike[str]) -> None:
    probe = (
        "from ejournal.log import fastscan; import sys; sys.exit(0 if fastscan.available() else 3)"
    )
    env = dict(os.environ, EJOURNAL_PURE_VERIFY="1")
    done = subprocess.run([sys.executable, "-c", probe], env=env, check=False)
    assert done.returncode == 3
    source = fastscan.library_path().with_name("_scan.c")
    stamp = source.stat()
    try:
        os.utime(source, (stamp.st_atime, fastscan.library_path().stat().st_mtime + 10))
        done = subprocess.run([sys.executable, "-c", probe], check=False)
        assert done.returncode == 3, "a library older than _scan.c was loaded"
    finally:
        os.utime(source, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
