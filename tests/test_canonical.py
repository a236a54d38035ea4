"""Tests of ejournal.log.canonical and ejournal.log.entry: RFC 8785 lines and their strict parsing.

The reference is the ``rfc8785`` package: whatever the fast msgspec paths do, a line must be
byte for byte what it would write, and the batch parser must agree with the line parser.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from ejournal.log import canonical
from ejournal.log.entry import (
    MAX_LINE_BYTES,
    Entry,
    LineError,
    format_time,
    parse_line,
    parse_line_timed,
    parse_lines,
)
from ejournal.log.errors import FormatError

PROPERTIES = settings(max_examples=200, deadline=None)
MAX_SAFE = 2**53 - 1

# Characters where JSON encoders tend to differ: escapes, U+2028/2029, DEL, the BMP above the
# surrogates (sorted after astral characters by UTF-16 code units) and astral characters.
SPECIAL_CHARS = [
    "\x00", "\x08", "\t", "\n", "\x0c", "\r", "\x1f", '"', "\\", "/", "\x7f", "\u0080",
    "ё", "\u2028", "\u2029", "\ue000", "\uffff", "\U00010000", "\U0001f600", "\U0010ffff",
]  # fmt: skip
CHARS = st.one_of(st.characters(exclude_categories=("Cs",)), st.sampled_from(SPECIAL_CHARS))
STRINGS = st.text(CHARS, max_size=12)
INTS = st.one_of(
    st.integers(-MAX_SAFE, MAX_SAFE),
    st.sampled_from([0, -1, MAX_SAFE, -MAX_SAFE, 10**15, -(10**15), 2**31, 2**32]),
)
VALUES = st.recursive(
    st.none() | st.booleans() | INTS | STRINGS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(STRINGS, inner, max_size=5),
    max_leaves=25,
)
DATA = st.dictionaries(STRINGS, VALUES, max_size=5)

OFFSETS = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
TIMES = st.datetimes(datetime(1000, 1, 1), datetime(9999, 12, 30), timezones=OFFSETS)
# Dotted lowercase words, [a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)* (built up: from_regex is slow).
WORDS = st.builds(
    "{}{}".format,
    st.sampled_from("abcdefghijklmnopqrstuvwxyz"),
    st.text("abcdefghijklmnopqrstuvwxyz0123456789_", max_size=8),
)
TYPES = st.lists(WORDS, min_size=1, max_size=4).map(".".join)
FEEDS = st.binary(min_size=16, max_size=16).map(bytes.hex)


def entries(data: st.SearchStrategy[dict[str, Any]] = DATA) -> st.SearchStrategy[Entry]:
    return st.builds(
        Entry,
        feed=FEEDS,
        seq=st.integers(0, MAX_SAFE),
        time=TIMES.map(format_time),
        actor=st.text(CHARS, min_size=1, max_size=10),
        type=TYPES,
        data=data,
    )


# Batches of lines need many entries: smaller data keeps the test fast.
SMALL_VALUES = st.recursive(
    st.none() | st.booleans() | INTS | STRINGS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(STRINGS, inner, max_size=3),
    max_leaves=4,
)
SMALL_DATA = st.dictionaries(st.text(CHARS, max_size=4), SMALL_VALUES, max_size=3)

BASE = Entry(
    feed="505bde7b49282dee48e89c1011b6150b",
    seq=3,
    time="2026-11-24T10:00:00.000+03:00",
    actor="u-12",
    type="mark.set",
    data={"lesson": "l-1", "student": "s-7", "value": "5"},
)


def jcs(value: Any) -> bytes:
    return rfc8785.dumps(value)


def assemble(members: list[tuple[str, bytes]]) -> bytes:
    """An object from already encoded members, in the order given (sorted or not)."""
    return b"{" + b",".join(jcs(key) + b":" + raw for key, raw in members) + b"}"


def jcs_members(obj: dict[str, Any]) -> list[tuple[str, bytes]]:
    """The members of ``obj`` encoded, in JCS order (by UTF-16 code units)."""
    return [(k, jcs(v)) for k, v in sorted(obj.items(), key=lambda kv: kv[0].encode("utf-16-be"))]


def line_with(**changes: Any) -> bytes:
    return jcs(BASE.as_json() | changes)


def line_without(key: str) -> bytes:
    obj = BASE.as_json()
    del obj[key]
    return jcs(obj)


def line_with_raw_data(raw: bytes) -> bytes:
    """The base line with ``data`` holding the member "x" written as the given raw JSON."""
    return line_with(data={"x": "@@"}).replace(b'"@@"', raw)


def line_with_raw(key: str, raw: bytes) -> bytes:
    return line_with(**{key: "@@"}).replace(b'"@@"', raw)


# --- canonical.encode ----------------------------------------------------------------------------


@PROPERTIES
@given(VALUES)
def test_encode_gives_the_rfc8785_bytes_for_every_value_of_the_domain(value: Any) -> None:
    assert canonical.encode(value) == rfc8785.dumps(value)


@PROPERTIES
@given(st.dictionaries(STRINGS, INTS, min_size=2, max_size=8))
def test_encode_sorts_object_keys_by_utf16_code_units(value: dict[str, int]) -> None:
    encoded = canonical.encode(value)
    keys = list(json.loads(encoded))
    assert keys == sorted(value, key=lambda k: k.encode("utf-16-be"))


def test_encode_orders_the_rfc8785_sorting_example_as_the_rfc_does() -> None:
    # RFC 8785 §3.2.3: the emoji (UTF-16 D83D DE00) sorts before U+FB33, unlike code points.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    expected = (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
        '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
    ).encode()
    assert canonical.encode(value) == expected


def test_encode_escapes_only_quote_backslash_and_c0_controls() -> None:
    value = '"\\/\x00\x08\t\n\x0c\r\x1f\x7f\u2028\u2029ё\U0001f600'
    expected = '"\\"\\\\/\\u0000\\b\\t\\n\\f\\r\\u001f\x7f\u2028\u2029ё\U0001f600"'.encode()
    assert canonical.encode(value) == expected


@pytest.mark.parametrize("value", [MAX_SAFE, -MAX_SAFE, {"n": [MAX_SAFE, -MAX_SAFE]}])
def test_encode_accepts_integers_up_to_2_53_minus_1(value: Any) -> None:
    assert canonical.encode(value) == rfc8785.dumps(value)


REFUSED = {
    "float": (1.5, "$"),
    "integral float": ({"a": [1, 2.0]}, "$.a[1]"),
    "nested float": ({"a": {"b": [{"c": 0.1}]}}, "$.a.b[0].c"),
    "2**53": (2**53, "$"),
    "-(2**53)": ({"x": -(2**53)}, "$.x"),
    "2**64 in a list": ([1, 2, 2**64], "$[2]"),
    "lone high surrogate": ("\ud800", "$"),
    "lone low surrogate in a list": ({"k": ["ok", "\udfff"]}, "$.k[1]"),
    "lone surrogate in a key": ({"a": {"\ud800x": 1}}, "$.a"),
    "integer key": ({1: 2}, "$"),
    "tuple key": ({"a": {(1, 2): 3}}, "$.a"),
    "tuple value": ({"a": (1, 2)}, "$.a"),
    "bytes value": ({"a": b"x"}, "$.a"),
}


@pytest.mark.parametrize(("value", "path"), REFUSED.values(), ids=REFUSED.keys())
def test_encode_refuses_values_outside_the_domain_naming_their_path(value: Any, path: str) -> None:
    with pytest.raises(ValueError) as caught:
        canonical.encode(value)
    assert str(caught.value).startswith(path + ":"), str(caught.value)


def test_check_domain_asks_for_the_reference_encoder_only_for_astral_keys() -> None:
    assert canonical.check_domain({"a": {"\U0001f600": 1}})
    assert not canonical.check_domain({"a": "\U0001f600", "\ue000": ["\U0001f600"]})


# --- entry lines ---------------------------------------------------------------------------------


@PROPERTIES
@given(entries())
def test_entry_line_is_canonical_and_parses_back_to_the_entry(entry: Entry) -> None:
    line = entry.encode()
    assert line == jcs(entry.as_json())
    parsed, moment = parse_line_timed(line)
    assert parsed == entry
    assert parsed.encode() == line
    assert moment == datetime.fromisoformat(entry.time)
    assert parse_line(line) == entry


def test_entry_line_has_the_documented_key_order_and_no_spaces() -> None:
    assert BASE.encode() == (
        b'{"actor":"u-12","data":{"lesson":"l-1","student":"s-7","value":"5"},'
        b'"feed":"505bde7b49282dee48e89c1011b6150b","seq":3,'
        b'"time":"2026-11-24T10:00:00.000+03:00","type":"mark.set","v":1}'
    )


def _oversized_line(extra: int) -> bytes:
    """A valid line of exactly MAX_LINE_BYTES + extra bytes."""
    short = line_with(data={"x": ""})
    return line_with(data={"x": "y" * (MAX_LINE_BYTES - len(short) + extra)})


BAD_LINES = {
    "space after colon": BASE.encode().replace(b'"actor":', b'"actor": '),
    "space after comma": BASE.encode().replace(b',"feed"', b', "feed"'),
    "space at the end": BASE.encode() + b" ",
    "newline at the end": BASE.encode() + b"\n",
    "byte order mark": b"\xef\xbb\xbf" + BASE.encode(),
    "unsorted keys": json.dumps(BASE.as_json(), separators=(",", ":")).encode(),
    "unsorted data keys": line_with_raw("data", assemble(jcs_members(BASE.data)[::-1])),
    "data keys in code point order": line_with_raw(
        "data", msgspec.json.encode({"\ue000": 1, "\U0001f600": 2}, order="sorted")
    ),
    "duplicate data key": line_with_raw("data", b'{"x":1,"x":1}'),
    "extra key": line_with(extra=1),
    "missing v": line_without("v"),
    "missing feed": line_without("feed"),
    "missing seq": line_without("seq"),
    "missing time": line_without("time"),
    "missing actor": line_without("actor"),
    "missing type": line_without("type"),
    "missing data": line_without("data"),
    "v is 2": line_with(v=2),
    "v is 0": line_with(v=0),
    "v is a string": line_with(v="1"),
    "v is true": line_with(v=True),
    "v is 1.0": line_with_raw("v", b"1.0"),
    "negative seq": line_with(seq=-1),
    "seq is a string": line_with(seq="3"),
    "seq above 2**53-1": line_with_raw("seq", str(2**53).encode()),
    "seq is a float": line_with_raw("seq", b"3.0"),
    "empty actor": line_with(actor=""),
    "actor is a number": line_with(actor=12),
    "type with capitals": line_with(type="Mark.Set"),
    "type with an empty word": line_with(type="mark..x"),
    "empty type": line_with(type=""),
    "type starting with a dot": line_with(type=".mark"),
    "type ending with a dot": line_with(type="mark."),
    "type starting with a digit": line_with(type="1mark"),
    "type with a hyphen": line_with(type="mark-set"),
    "data is a list": line_with(data=[]),
    "data is null": line_with(data=None),
    "float in data": line_with_raw_data(b"1.5"),
    "integral float in data": line_with_raw_data(b"2.0"),
    "negative zero float in data": line_with_raw_data(b"-0.0"),
    "exponent in data": line_with_raw_data(b"1e3"),
    "float nested in data": line_with_raw_data(b'[1,{"y":[0.5]}]'),
    "negative zero in data": line_with_raw_data(b"-0"),
    "2**53 in data": line_with_raw_data(str(2**53).encode()),
    "-(2**53) in data": line_with_raw_data(str(-(2**53)).encode()),
    "2**64 nested in data": line_with_raw_data(b'{"y":[' + str(2**64).encode() + b"]}"),
    "time without milliseconds": line_with(time="2026-11-24T10:00:00+03:00"),
    "time with a space": line_with(time="2026-11-24 10:00:00.000+03:00"),
    "time in month 13": line_with(time="2026-13-01T00:00:00.000+00:00"),
    "time on february 30": line_with(time="2026-02-30T00:00:00.000+00:00"),
    "time at hour 24": line_with(time="2026-11-24T24:00:00.000+03:00"),
    "time with Z": line_with(time="2026-11-24T10:00:00.000Z"),
    "time with offset +24:00": line_with(time="2026-11-24T10:00:00.000+24:00"),
    "time with microseconds": line_with(time="2026-11-24T10:00:00.000000+03:00"),
    "time without offset": line_with(time="2026-11-24T10:00:00.000"),
    "time with lowercase t": line_with(time="2026-11-24t10:00:00.000+03:00"),
    "time with arabic-indic digits": line_with(time="\u0662026-11-24T10:00:00.000+03:00"),
    "invalid utf-8 in a value": line_with_raw_data(b'"\xff"'),
    "truncated utf-8 in a value": line_with_raw_data(b'"\xd1"'),
    "overlong utf-8 in a value": line_with_raw_data(b'"\xc0\xaf"'),
    "utf-8 encoded surrogate": line_with_raw_data(b'"\xed\xa0\x80"'),
    "invalid utf-8 in a key": line_with_raw("data", b'{"\xff":1}'),
    "escaped lone surrogate": line_with_raw_data(b'"\\ud800"'),
    "needless escape": line_with_raw_data(b'"\\u0041"'),
    "escaped slash": line_with_raw_data(b'"\\/"'),
    "upper-case hex escape": line_with_raw_data(b'"\\u001F"'),
    "escaped astral character": line_with_raw_data(b'"\\ud83d\\ude00"'),
    "line longer than 1 MiB": _oversized_line(1),
    "empty line": b"",
    "not an object": b"[]",
}


@pytest.mark.parametrize("line", BAD_LINES.values(), ids=BAD_LINES.keys())
def test_parse_line_refuses_a_line_that_breaks_the_format(line: bytes) -> None:
    with pytest.raises(FormatError):
        parse_line(line)


@pytest.mark.parametrize("line", BAD_LINES.values(), ids=BAD_LINES.keys())
def test_parse_lines_names_the_bad_line_among_good_ones(line: bytes) -> None:
    good = BASE.encode()
    lines = [good, line, good]
    with pytest.raises(LineError) as caught:
        parse_lines(lines, b"".join(x + b"\n" for x in lines))
    assert caught.value.index == 1


GOOD_LINES = {
    "largest seq": line_with(seq=MAX_SAFE),
    "largest integers in data": line_with(data={"a": MAX_SAFE, "b": [-MAX_SAFE]}),
    "astral keys in utf-16 order": line_with(data={"\ue000": 1, "\U0001f600": 2}),
    "negative offset": line_with(time="2026-11-24T10:00:00.000-09:30"),
    "exactly 1 MiB": _oversized_line(0),
}


@pytest.mark.parametrize("line", GOOD_LINES.values(), ids=GOOD_LINES.keys())
def test_parse_line_and_parse_lines_accept_lines_at_the_edges_of_the_format(line: bytes) -> None:
    entry, moment = parse_line_timed(line)
    assert entry.encode() == line
    lines = [BASE.encode(), line]
    entries, moments = parse_lines(lines, b"".join(x + b"\n" for x in lines))
    assert entries == [BASE, entry]
    assert moments[1] == moment


# Lines that msgspec decodes and re-encodes to the same bytes: only the second look that the
# batch parser gives to lines with 16 digits in a row or 4-byte characters can refuse them.
SECOND_LOOK_BAD = {
    "2**53 in data": line_with_raw_data(str(2**53).encode()),
    "astral keys in code point order": line_with_raw(
        "data", msgspec.json.encode({"\ue000": 1, "\U0001f600": 2}, order="sorted")
    ),
}


@pytest.mark.parametrize("at", [0, 150, 299])
@pytest.mark.parametrize("line", SECOND_LOOK_BAD.values(), ids=SECOND_LOOK_BAD.keys())
def test_parse_lines_finds_a_bad_line_that_only_its_second_look_sees(line: bytes, at: int) -> None:
    lines = [BASE.encode()] * 300
    lines[at] = line
    with pytest.raises(LineError) as caught:
        parse_lines(lines, b"".join(x + b"\n" for x in lines))
    assert caught.value.index == at


SOME_BAD = {
    **SECOND_LOOK_BAD,
    "float in data": BAD_LINES["float in data"],
    "invalid utf-8": BAD_LINES["invalid utf-8 in a value"],
    "unsorted keys": BAD_LINES["unsorted keys"],
}


@pytest.mark.parametrize("second", SOME_BAD.values(), ids=[f"then {k}" for k in SOME_BAD])
@pytest.mark.parametrize("first", SOME_BAD.values(), ids=SOME_BAD.keys())
def test_parse_lines_names_the_first_of_several_bad_lines(first: bytes, second: bytes) -> None:
    lines = [BASE.encode()] * 6
    lines[2], lines[4] = first, second
    with pytest.raises(LineError) as caught:
        parse_lines(lines, b"".join(x + b"\n" for x in lines))
    assert caught.value.index == 2


# --- the batch parser against the line parser -------------------------------------------------

FLOATS = [b"1.5", b"-0.0", b"2.0", b"1e3", b"1E-7", b"[1,2.5]", b'{"a":0.5}']
BIG_INTS = [2**53, -(2**53), 2**64, 10**20, MAX_SAFE, -MAX_SAFE, 10**15, 1234567890123456]
ASTRAL_KEYS = ["\U0001f600", "\U00010000", "\ue000", "\uffff", "a", "\u00e9"]
MUTATIONS = ["flip", "space", "swap keys", "swap data keys", "float", "big int", "astral"]


def _with_data_member(entry: Entry, raw: bytes, data: st.DataObject) -> bytes:
    members = jcs_members(entry.data)
    at = data.draw(st.integers(0, len(members)), label="member")
    if at < len(members):
        members[at] = (members[at][0], raw)
    elif all(key != "mutated" for key, _ in members):
        members.append(("mutated", raw))
        members.sort(key=lambda m: m[0].encode("utf-16-be"))
    top = [(k, assemble(members) if k == "data" else v) for k, v in jcs_members(entry.as_json())]
    return assemble(top)


def _swap(members: list[tuple[str, bytes]], data: st.DataObject) -> list[tuple[str, bytes]]:
    i = data.draw(st.integers(0, len(members) - 2), label="swap")
    j = data.draw(st.integers(i + 1, len(members) - 1), label="with")
    members[i], members[j] = members[j], members[i]
    return members


def _mutate(entry: Entry, how: str, data: st.DataObject) -> bytes:
    line = entry.encode()
    if how == "flip":
        at = data.draw(st.integers(0, len(line) - 1), label="byte")
        mask = data.draw(st.integers(1, 255).filter(lambda m: line[at] ^ m != 0x0A), label="mask")
        return line[:at] + bytes([line[at] ^ mask]) + line[at + 1 :]
    if how == "space":
        at = data.draw(st.integers(0, len(line)), label="at")
        return line[:at] + b" " + line[at:]
    if how == "swap data keys" and len(entry.data) >= 2:
        swapped = assemble(_swap(jcs_members(entry.data), data))
        top = [(k, swapped if k == "data" else v) for k, v in jcs_members(entry.as_json())]
        return assemble(top)
    if how in ("swap keys", "swap data keys"):
        return assemble(_swap(jcs_members(entry.as_json()), data))
    if how == "float":
        return _with_data_member(entry, data.draw(st.sampled_from(FLOATS)), data)
    if how == "big int":
        number = data.draw(st.sampled_from(BIG_INTS), label="int")
        return _with_data_member(entry, str(number).encode(), data)
    keys = data.draw(st.lists(st.sampled_from(ASTRAL_KEYS), min_size=1, unique=True))
    obj = {key: i for i, key in enumerate(keys)}
    # msgspec sorts by code point: the same bytes as JCS only when no astral key meets U+E000…
    raw = msgspec.json.encode(obj, order="sorted") if data.draw(st.booleans()) else jcs(obj)
    return _with_data_member(entry, raw, data)


@PROPERTIES
@given(st.lists(entries(SMALL_DATA), min_size=1, max_size=20), st.data())
def test_parse_lines_gives_the_verdict_of_parse_line_timed_on_each_line(
    entries: list[Entry], data: st.DataObject
) -> None:
    lines = [e.encode() for e in entries]
    for _ in range(data.draw(st.integers(0, 3), label="mutations")):
        index = data.draw(st.integers(0, len(lines) - 1), label="line")
        how = data.draw(st.sampled_from(MUTATIONS), label="how")
        lines[index] = _mutate(entries[index], how, data)
    expected, first_bad = [], None
    for index, line in enumerate(lines):
        try:
            expected.append(parse_line_timed(line))
        except FormatError:
            first_bad = index
            break
    buffer = b"".join(line + b"\n" for line in lines)
    if first_bad is None:
        parsed, moments = parse_lines(lines, buffer)
        assert parsed == [entry for entry, _ in expected]
        assert moments == [moment for _, moment in expected]
    else:
        with pytest.raises(LineError) as caught:
            parse_lines(lines, buffer)
        assert caught.value.index == first_bad
