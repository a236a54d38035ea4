"""C2SP signed notes: parsing to the letter of the spec, Ed25519 signing and verification,
verifier keys (vkeys), and C2SP tlog-cosignature/v1 witness cosignatures.

Pure: text and bytes in, verdicts out. Specs: https://c2sp.org/signed-note,
https://c2sp.org/tlog-cosignature. Algorithms are named by the signature type byte so that a
new one (for example ML-DSA-44, type 0x06) can be added without a format break.
"""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from hashlib import sha256
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .errors import BadSignatureError, FormatError

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
MAX_SIGNATURES = 64
_DASH = "\u2014 "


def b64decode(text: str, what: str) -> bytes:
    """Strict standard base64 (RFC 4648 §4, padding required, no other characters).

    The unused low bits of the last character must be zero (RFC 4648 §3.5): otherwise four
    spellings decode to the same bytes and an edited signature line would still verify.
    """
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as e:
        raise FormatError(f"{what} is not valid base64") from e
    if b64encode(data) != text:
        raise FormatError(f"{what} is not canonical base64 (non-zero padding bits)")
    return data


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def check_key_name(name: str) -> None:
    """Key names are non-empty, with no Unicode spaces and no '+' (signed-note §Format)."""
    if not name or "+" in name or any(ch.isspace() for ch in name):
        raise FormatError(f"invalid key name {name!r}")
    if any(ord(ch) < 0x20 for ch in name):
        raise FormatError(f"key name {name!r} has control characters")


def key_id(name: str, sig_type: int, public_key: bytes) -> int:
    """SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4] as a big-endian uint32."""
    digest = sha256(name.encode() + b"\n" + bytes([sig_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


@dataclass(frozen=True)
class Signature:
    """One signature line: key name, key ID and the algorithm's signature bytes."""

    name: str
    key_id: int
    data: bytes

    def line(self) -> str:
        blob = self.key_id.to_bytes(4, "big") + self.data
        return f"{_DASH}{self.name} {b64encode(blob)}\n"


@dataclass(frozen=True)
class Note:
    """A note text (ending in a newline) and its signatures."""

    text: str
    signatures: tuple[Signature, ...]

    def encode(self) -> bytes:
        return (self.text + "\n" + "".join(s.line() for s in self.signatures)).encode()


def _check_text_chars(text: str) -> None:
    for ch in text:
        if ch < " " and ch != "\n":
            raise FormatError("note has a control character other than newline")


def parse_note(data: bytes) -> Note:
    """Parse a signed note strictly. Signatures are not checked here (see :func:`open_note`).

    Raises:
        FormatError: not UTF-8, control characters, no blank line, a malformed signature line.
    """
    try:
        whole = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FormatError("note is not valid UTF-8") from e
    _check_text_chars(whole)
    if not whole.endswith("\n"):
        raise FormatError("note does not end with a newline")
    cut = whole.rfind("\n\n")
    if cut < 0:
        raise FormatError("note has no blank line before its signatures")
    text, block = whole[: cut + 1], whole[cut + 2 :]
    lines = block.split("\n")[:-1]
    if not lines:
        raise FormatError("note has no signature lines")
    if len(lines) > MAX_SIGNATURES:
        raise FormatError(f"note has more than {MAX_SIGNATURES} signatures")
    return Note(text, tuple(_parse_signature_line(line) for line in lines))


def _parse_signature_line(line: str) -> Signature:
    if not line.startswith(_DASH):
        raise FormatError(f"signature line does not start with an em dash: {line[:40]!r}")
    parts = line[len(_DASH) :].split(" ")
    if len(parts) != 2:
        raise FormatError("signature line must be '— <name> <base64>'")
    name, blob_text = parts
    check_key_name(name)
    blob = b64decode(blob_text, "signature")
    if len(blob) < 5:
        raise FormatError("signature is too short")
    return Signature(name, int.from_bytes(blob[:4], "big"), blob[4:])


class Verifier(Protocol):
    """Something that can check one kind of signature line for one key."""

    name: str
    key_id: int

    def verify(self, text: bytes, signature: bytes) -> bool: ...


class Signer(Protocol):
    name: str
    key_id: int

    def sign(self, text: bytes) -> Signature: ...


@dataclass(frozen=True)
class Ed25519Verifier:
    """Verifier of plain Ed25519 note signatures (type 0x01)."""

    name: str
    public_key: bytes
    sig_type: int = ED25519

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.sig_type, self.public_key)

    def vkey(self) -> str:
        """The verifier key text ``name+hash+base64(type ‖ key)``."""
        blob = bytes([self.sig_type]) + self.public_key
        return f"{self.name}+{self.key_id:08x}+{b64encode(blob)}"

    def verify(self, text: bytes, signature: bytes) -> bool:
        if len(signature) != 64:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, text)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class CosignatureVerifier(Ed25519Verifier):
    """Verifier of tlog-cosignature/v1 Ed25519 cosignatures (type 0x04)."""

    sig_type: int = COSIGNATURE_V1

    def verify(self, text: bytes, signature: bytes) -> bool:
        if len(signature) != 72:
            return False
        (timestamp,) = struct.unpack(">Q", signature[:8])
        if timestamp > 2**63 - 1:
            return False
        return super().verify(cosigned_message(text, timestamp), signature[8:])


def cosignature_time(sig: Signature) -> int:
    """The POSIX time a cosignature/v1 signature line claims."""
    return int(struct.unpack(">Q", sig.data[:8])[0])


def cosigned_message(text: bytes, timestamp: int) -> bytes:
    return b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + text


def parse_vkey(vkey: str) -> Ed25519Verifier:
    """Parse a verifier key ``name+hash+base64(type ‖ public key)`` of type 0x01 or 0x04.

    Raises:
        FormatError: malformed, unknown type, or the hash does not match.
    """
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3:
        raise FormatError("verifier key must be name+hash+key")
    name, hash_text, blob_text = parts
    check_key_name(name)
    if len(hash_text) != 8 or any(c not in "0123456789abcdef" for c in hash_text):
        raise FormatError("verifier key hash must be 8 lowercase hex digits")
    blob = b64decode(blob_text, "verifier key")
    if len(blob) != 33 or blob[0] not in (ED25519, COSIGNATURE_V1):
        raise FormatError("verifier key is not an Ed25519 key of type 0x01 or 0x04")
    cls = Ed25519Verifier if blob[0] == ED25519 else CosignatureVerifier
    verifier = cls(name, blob[1:])
    if verifier.key_id != int(hash_text, 16):
        raise FormatError("verifier key hash does not match the key")
    return verifier


@dataclass(frozen=True)
class Ed25519Signer:
    """Signs notes with an Ed25519 private key (type 0x01, or 0x04 for cosignatures)."""

    name: str
    seed: bytes
    sig_type: int = ED25519

    @classmethod
    def generate(cls, name: str, sig_type: int = ED25519) -> Ed25519Signer:
        check_key_name(name)
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        return cls(name, seed, sig_type)

    @property
    def public_key(self) -> bytes:
        return self._key().public_key().public_bytes_raw()

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.sig_type, self.public_key)

    def _key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    def verifier(self) -> Ed25519Verifier:
        cls = Ed25519Verifier if self.sig_type == ED25519 else CosignatureVerifier
        return cls(self.name, self.public_key)

    def skey(self) -> str:
        """The private key text ``PRIVATE+KEY+name+hash+base64(type ‖ seed)`` (Go's format)."""
        blob = bytes([self.sig_type]) + self.seed
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{b64encode(blob)}"

    def sign(self, text: bytes, *, timestamp: int | None = None) -> Signature:
        if self.sig_type == COSIGNATURE_V1:
            if timestamp is None:
                raise ValueError("a cosignature needs a timestamp")
            raw = self._key().sign(cosigned_message(text, timestamp))
            return Signature(self.name, self.key_id, struct.pack(">Q", timestamp) + raw)
        return Signature(self.name, self.key_id, self._key().sign(text))


def parse_skey(skey: str) -> Ed25519Signer:
    """Parse a private key text written by :meth:`Ed25519Signer.skey`.

    Raises:
        FormatError: malformed or the hash does not match the key.
    """
    parts = skey.strip().split("+", 4)
    if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
        raise FormatError("private key must be PRIVATE+KEY+name+hash+key")
    name, hash_text, blob_text = parts[2:]
    check_key_name(name)
    blob = b64decode(blob_text, "private key")
    if len(blob) != 33 or blob[0] not in (ED25519, COSIGNATURE_V1):
        raise FormatError("private key is not an Ed25519 key of type 0x01 or 0x04")
    signer = Ed25519Signer(name, blob[1:], blob[0])
    if f"{signer.key_id:08x}" != hash_text:
        raise FormatError("private key hash does not match the key")
    return signer


def sign_note(text: str, signers: Iterable[Signer]) -> Note:
    """Sign a note text (which must end in a newline) with each signer in turn."""
    if not text.endswith("\n"):
        raise ValueError("note text must end with a newline")
    _check_text_chars(text)
    raw = text.encode()
    return Note(text, tuple(s.sign(raw) for s in signers))


def open_note(note: Note, verifiers: Sequence[Verifier]) -> list[Signature]:
    """Check a note's signatures against trusted keys, as signed-note requires.

    Signatures from unknown keys (name and key ID both must match) are ignored.

    Returns:
        The signatures that verified (at least one).

    Raises:
        BadSignatureError: a signature from a known key fails, or no known key signed.
    """
    by_id = {(v.name, v.key_id): v for v in verifiers}
    raw = note.text.encode()
    good: list[Signature] = []
    for sig in note.signatures:
        verifier = by_id.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        if not verifier.verify(raw, sig.data):
            raise BadSignatureError(f"signature by {sig.name} ({sig.key_id:08x}) does not verify")
        good.append(sig)
    if not good:
        raise BadSignatureError("no signature from a trusted key")
    return good
