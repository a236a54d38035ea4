"""Canonical JSON (RFC 8785, JCS) for log lines, restricted to the value domain of the format.

The format allows objects, arrays, strings, integers in the IEEE-754 safe range, true, false
and null; no floating-point numbers (docs/FORMAT.md §2). For that domain orjson with sorted
keys produces exactly the JCS bytes, except for object keys holding characters outside the
Basic Multilingual Plane, where JCS sorts by UTF-16 code units; those rare objects go through
the reference ``rfc8785`` package. A test checks both paths against ``rfc8785`` on random data.
"""

from __future__ import annotations

from typing import Any

import orjson
import rfc8785

MAX_SAFE_INTEGER = 2**53 - 1
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER


def check_domain(value: Any, path: str = "$") -> bool:
    """Check that ``value`` is in the format's JSON domain.

    Returns:
        True when some object key holds a character above U+FFFF (JCS key order then differs
        from code point order and the slow reference encoder must be used).

    Raises:
        ValueError: naming the JSON path of the first value outside the domain.
    """
    needs_reference = False
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is int:
            if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                raise ValueError(f"{where}: integer {item} is outside ±(2**53-1)")
        elif kind is dict:
            for key, sub in item.items():
                if type(key) is not str:
                    raise ValueError(f"{where}: object key {key!r} is not a string")
                if any(ord(ch) > 0xFFFF for ch in key):
                    needs_reference = True
                stack.append((sub, f"{where}.{key}"))
        elif kind is list:
            stack.extend((sub, f"{where}[{i}]") for i, sub in enumerate(item))
        else:
            raise ValueError(f"{where}: {kind.__name__} values are not allowed in the log")
    return needs_reference


def encode(value: Any) -> bytes:
    """Return the RFC 8785 canonical JSON bytes of ``value``.

    Raises:
        ValueError: the value is outside the format's domain (floats, huge integers, lone
            surrogates, non-string keys).
    """
    if check_domain(value):
        return rfc8785.dumps(value)
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except orjson.JSONEncodeError as e:
        raise ValueError(f"cannot encode as canonical JSON: {e}") from e


def is_canonical(line: bytes, value: Any) -> bool:
    """Tell whether ``line`` is the canonical encoding of ``value`` (already parsed from it)."""
    try:
        if orjson.dumps(value, option=_OPTIONS) == line:
            return True
        return rfc8785.dumps(value) == line
    except (orjson.JSONEncodeError, rfc8785.CanonicalizationError, ValueError, TypeError):
        return False
