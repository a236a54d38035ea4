"""Canonical JSON (RFC 8785, JCS) for log lines, restricted to the value domain of the format.

The format allows objects, arrays, strings, integers in the IEEE-754 safe range, true, false
and null; no floating-point numbers (docs/FORMAT.md §2). For that domain msgspec with sorted
keys produces exactly the JCS bytes, except for object keys holding characters outside the
Basic Multilingual Plane, where JCS sorts by UTF-16 code units; those rare objects go through
the reference ``rfc8785`` package. A test checks both paths against ``rfc8785`` on random data.
"""

from __future__ import annotations

from typing import Any

import msgspec
import rfc8785

MAX_SAFE_INTEGER = 2**53 - 1
_ENCODER = msgspec.json.Encoder(order="sorted")


def check_domain(value: Any, path: str = "$") -> bool:
    """Check that ``value`` is in the format's JSON domain.

    Returns:
        True when some object key holds a character above U+FFFF (JCS key order then differs
        from code point order and the slow reference encoder must be used).

    Raises:
        ValueError: naming the JSON path of the first value outside the domain.
    """
    try:
        return _walk(value)
    except _OutOfDomain:
        pass
    _explain(value, path)
    raise AssertionError("unreachable")  # pragma: no cover


class _OutOfDomain(Exception):
    pass


_STR = frozenset((str,))
_SCALARS = frozenset((str, bool, type(None)))


def _walk(value: Any) -> bool:
    """Fast check of the domain (strings, the commonest values, cost one type test)."""
    kind = type(value)
    if kind is dict and _flat(value):
        return False
    if kind is str or kind is bool or value is None:
        return False
    if kind is int:
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return False
        raise _OutOfDomain
    needs_reference = False
    if kind is dict:
        for key, sub in value.items():
            if type(key) is not str:
                raise _OutOfDomain
            if not key.isascii() and max(key) > "\uffff":
                needs_reference = True
            if type(sub) is not str:
                needs_reference |= _walk(sub)
        return needs_reference
    if kind is list:
        for sub in value:
            if type(sub) is not str:
                needs_reference |= _walk(sub)
        return needs_reference
    raise _OutOfDomain


def _flat(value: dict[Any, Any]) -> bool:
    """Whether an object is certainly in the domain and needs no reference encoder, checked
    in C loops: ASCII string keys and string, boolean or null values (most of the log's data).
    False says nothing: the general walk decides."""
    return (
        set(map(type, value)) <= _STR
        and all(map(str.isascii, value))
        and set(map(type, value.values())) <= _SCALARS
    )


def _explain(value: Any, path: str) -> None:
    """Slow walk that raises ValueError naming the path of the first bad value."""
    kind = type(value)
    if kind is int and not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise ValueError(f"{path}: integer {value} is outside ±(2**53-1)")
    if kind is str and not _is_scalar_text(value):
        raise ValueError(f"{path}: string {value!r} has a lone surrogate")
    if kind is dict:
        for key, sub in value.items():
            if type(key) is not str:
                raise ValueError(f"{path}: object key {key!r} is not a string")
            if not _is_scalar_text(key):
                raise ValueError(f"{path}: object key {key!r} has a lone surrogate")
            _explain(sub, f"{path}.{key}")
    elif kind is list:
        for i, sub in enumerate(value):
            _explain(sub, f"{path}[{i}]")
    elif kind not in (str, bool, int) and value is not None:
        raise ValueError(f"{path}: {kind.__name__} values are not allowed in the log")


def _is_scalar_text(text: str) -> bool:
    """True when ``text`` holds only Unicode scalar values (no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def encode(value: Any) -> bytes:
    """Return the RFC 8785 canonical JSON bytes of ``value``.

    Raises:
        ValueError: the value is outside the format's domain (floats, huge integers, lone
            surrogates, non-string keys).
    """
    try:
        if check_domain(value):
            return rfc8785.dumps(value)
        return _ENCODER.encode(value)
    except (msgspec.EncodeError, rfc8785.CanonicalizationError, UnicodeEncodeError) as e:
        _explain(value, "$")  # lone surrogates are found only by the encoders: name the path
        raise ValueError(f"cannot encode as canonical JSON: {e}") from e
