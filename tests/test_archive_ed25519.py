"""The one-file verifier's pure-Python Ed25519 (RFC 8032 §5.1.7), the path an archivist's
Python without `cryptography` takes: RFC 8032 §7.1 vectors, and agreement with `cryptography`."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from archive_tools.verify_package import _L, ed25519_verify_pure

VECTORS = Path(__file__).parent / "data" / "rfc8032" / "vectors.txt"


def _vectors() -> list[tuple[bytes, bytes, bytes]]:
    out = []
    for line in VECTORS.read_text().splitlines():
        if line and not line.startswith("#"):
            _, public, message, signature = line.split()
            msg = b"" if message == "-" else bytes.fromhex(message)
            out.append((bytes.fromhex(public), msg, bytes.fromhex(signature)))
    return out


def test_rfc8032_vectors_verify() -> None:
    vectors = _vectors()
    assert len(vectors) == 3
    for public, message, signature in vectors:
        assert ed25519_verify_pure(public, signature, message)


def test_any_changed_bit_is_refused() -> None:
    public, message, signature = _vectors()[1]
    for i in (0, 31, 32, 63):
        bad = bytearray(signature)
        bad[i] ^= 0x01
        assert not ed25519_verify_pure(public, bytes(bad), message)
    assert not ed25519_verify_pure(public, signature, message + b"x")
    other = bytearray(public)
    other[0] ^= 0x01
    assert not ed25519_verify_pure(bytes(other), signature, message)


def test_non_canonical_s_and_bad_lengths_are_refused() -> None:
    public, message, signature = _vectors()[0]
    s = int.from_bytes(signature[32:], "little") + _L  # same point equation, s ≥ L
    assert not ed25519_verify_pure(public, signature[:32] + s.to_bytes(32, "little"), message)
    assert not ed25519_verify_pure(public[:31], signature, message)
    assert not ed25519_verify_pure(public, signature[:63], message)
    assert not ed25519_verify_pure(b"\xff" * 32, signature, message)  # not a point


@settings(max_examples=15, deadline=None)
@given(st.binary(max_size=200))
def test_agrees_with_cryptography(message: bytes) -> None:
    key = Ed25519PrivateKey.from_private_bytes(os.urandom(32))
    public = key.public_key().public_bytes_raw()
    signature = key.sign(message)
    assert ed25519_verify_pure(public, signature, message)
    assert not ed25519_verify_pure(public, signature, message + b"\x00")
