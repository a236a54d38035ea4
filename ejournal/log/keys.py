"""Keys: the school's root key, device keys, their files, and root-signed key certificates.

The root key (kept offline) certifies each device key for one feed, and witness keys, with a
signed note recorded in the log as a ``key.certify`` entry; a ``key.revoke`` entry (also
root-signed) ends a key's validity at a tree size (docs/FORMAT.md §6).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path

from .checkpoint import parse_decimal
from .errors import FormatError, KeyFileError
from .note import (
    COSIGNATURE_V1,
    Ed25519Signer,
    Ed25519Verifier,
    Note,
    open_note,
    parse_note,
    parse_skey,
    parse_vkey,
    sign_note,
)

CERTIFICATE_HEADER = "ejournal/key-certificate/v1"
REVOCATION_HEADER = "ejournal/key-revocation/v1"
ROLES = ("device", "witness")


def feed_id_for(public_key: bytes) -> str:
    """A feed's id: the first 16 bytes of SHA-256 of its first device key, in hex."""
    return sha256(public_key).digest()[:16].hex()


def origin_for(feed_id: str) -> str:
    """The checkpoint origin and device key name of a feed."""
    return f"ejournal/feed/{feed_id}"


def new_root_key() -> Ed25519Signer:
    seed_signer = Ed25519Signer.generate("ejournal/root")
    name = f"ejournal/root/{sha256(seed_signer.public_key).hexdigest()[:8]}"
    return Ed25519Signer(name, seed_signer.seed)


def new_device_key() -> tuple[str, Ed25519Signer]:
    """A fresh device key and the id of the feed it will write."""
    seed_signer = Ed25519Signer.generate("ejournal/feed")
    feed_id = feed_id_for(seed_signer.public_key)
    return feed_id, Ed25519Signer(origin_for(feed_id), seed_signer.seed)


def new_witness_key(name: str) -> Ed25519Signer:
    return Ed25519Signer.generate(name, COSIGNATURE_V1)


# --- key files ---------------------------------------------------------------------------


def write_private_key(path: Path, signer: Ed25519Signer) -> None:
    """Create a private key file with mode 0600; never overwrites an existing key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as e:
        raise KeyFileError(f"key file {path} already exists; refusing to overwrite it") from e
    try:
        os.write(fd, (signer.skey() + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def write_public_key(path: Path, verifier: Ed25519Verifier) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(verifier.vkey() + "\n", encoding="ascii")


def load_private_key(path: Path) -> Ed25519Signer:
    """Read a private key file, refusing one that others may read.

    Raises:
        KeyFileError: missing, readable by group or others, or malformed.
    """
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as e:
        raise KeyFileError(f"cannot read private key {path}: {e}") from e
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"private key {path} is readable by others; run chmod 600 on it")
    try:
        return parse_skey(text)
    except FormatError as e:
        raise KeyFileError(f"private key {path} is malformed: {e}") from e


def load_public_key(path: Path) -> Ed25519Verifier:
    try:
        return parse_vkey(path.read_text(encoding="ascii"))
    except (OSError, UnicodeDecodeError, FormatError) as e:
        raise KeyFileError(f"cannot read public key {path}: {e}") from e


# --- certificates ------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    """The root's statement that ``key`` may sign for ``feed`` (device) or witness it."""

    key: Ed25519Verifier
    role: str
    feed: str
    time: str

    def text(self) -> str:
        return (
            f"{CERTIFICATE_HEADER}\nkey {self.key.vkey()}\nrole {self.role}\n"
            f"feed {self.feed}\ntime {self.time}\n"
        )


@dataclass(frozen=True)
class Revocation:
    """The root's word that ``key`` signs nothing for ``feed`` past ``valid_through`` entries."""

    key: Ed25519Verifier
    feed: str
    valid_through: int
    time: str
    reason: str

    def text(self) -> str:
        return (
            f"{REVOCATION_HEADER}\nkey {self.key.vkey()}\nfeed {self.feed}\n"
            f"valid-through {self.valid_through}\ntime {self.time}\nreason {self.reason}\n"
        )


def sign_statement(statement: Certificate | Revocation, root: Ed25519Signer) -> str:
    """The signed note text that goes into a ``key.certify`` / ``key.revoke`` entry."""
    return sign_note(statement.text(), [root]).encode().decode()


def _fields(text: str, header: str, names: tuple[str, ...]) -> dict[str, str]:
    lines = text[:-1].split("\n") if text.endswith("\n") else []
    if not lines or lines[0] != header or len(lines) != len(names) + 1:
        raise FormatError(f"not a {header} statement")
    out = {}
    for name, line in zip(names, lines[1:], strict=True):
        key, sep, value = line.partition(" ")
        if key != name or not sep or not value:
            raise FormatError(f"{header}: expected line '{name} …', found {line[:40]!r}")
        out[name] = value
    return out


def open_certificate(note_text: str, root: Ed25519Verifier) -> Certificate:
    """Verify a root-signed certificate and parse it.

    Raises:
        BadSignatureError: not signed by ``root``.
        FormatError: malformed.
    """
    note = _open(note_text, root)
    f = _fields(note.text, CERTIFICATE_HEADER, ("key", "role", "feed", "time"))
    if f["role"] not in ROLES:
        raise FormatError(f"unknown key role {f['role']!r}")
    return Certificate(parse_vkey(f["key"]), f["role"], f["feed"], f["time"])


def open_revocation(note_text: str, root: Ed25519Verifier) -> Revocation:
    note = _open(note_text, root)
    f = _fields(note.text, REVOCATION_HEADER, ("key", "feed", "valid-through", "time", "reason"))
    size = parse_decimal(f["valid-through"], "valid-through")
    return Revocation(parse_vkey(f["key"]), f["feed"], size, f["time"], f["reason"])


def _open(note_text: str, root: Ed25519Verifier) -> Note:
    note = parse_note(note_text.encode())
    open_note(note, [root])
    return note
