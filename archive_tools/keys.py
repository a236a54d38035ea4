"""Archive keys: the root key's ML-DSA-65 companion, renewal keys, witness keys, and the
root-signed archive key certificates (docs/ARCHIVE.md §Keys).

Key texts follow C2SP signed-note: ``name+keyid+base64(type ‖ key)``; ML-DSA-65 keys use the
type byte 0xff followed by the identifier ``ejournal/ml-dsa-65`` and a zero byte (signed-note
reserves 0xff for types it assigns no byte to), ML-DSA-44 witness keys the type 0x06 of C2SP
tlog-cosignature. Private key files hold ``PRIVATE+KEY+name+keyid+base64(type ‖ seed)``, one
per line, mode 0600, never overwritten.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import mldsa

from ejournal.log.note import (
    COSIGNATURE_V1,
    ED25519,
    Ed25519Signer,
    Signature,
    b64decode,
    b64encode,
)

from . import verify_package as vp
from .errors import ArchiveKeyError

MLDSA65, MLDSA44 = vp.MLDSA65, vp.MLDSA44
COMPANION_FILE = "root-mldsa65.key"


def _type_prefix(kind: int) -> bytes:
    return bytes([kind]) + (vp.MLDSA65_ID if kind == MLDSA65 else b"")


@dataclass(frozen=True)
class MLDSASigner:
    """An ML-DSA-65 (plain note signatures) or ML-DSA-44 (subtree/v1 cosignatures) key."""

    name: str
    seed: bytes
    kind: int

    @classmethod
    def generate(cls, name: str, kind: int) -> MLDSASigner:
        vp.check_key_name(name)
        return cls(name, os.urandom(32), kind)

    def _key(self) -> mldsa.MLDSA65PrivateKey | mldsa.MLDSA44PrivateKey:
        if self.kind == MLDSA65:
            return mldsa.MLDSA65PrivateKey.from_seed_bytes(self.seed)
        return mldsa.MLDSA44PrivateKey.from_seed_bytes(self.seed)

    @property
    def public_key(self) -> bytes:
        return self._key().public_key().public_bytes_raw()

    def vkey(self) -> vp.VKey:
        return vp.VKey(self.name, self.kind, self.public_key)

    @property
    def key_id(self) -> int:
        return self.vkey().id

    def skey(self) -> str:
        blob = _type_prefix(self.kind) + self.seed
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{b64encode(blob)}"

    def sign(self, text: bytes) -> Signature:
        """A plain note signature (ML-DSA-65 over the note text)."""
        return Signature(self.name, self.key_id, self._key().sign(text))

    def cosign(self, origin: str, size: int, root: bytes, timestamp: int) -> Signature:
        """A C2SP subtree/v1 cosignature of a checkpoint (ML-DSA-44)."""
        message = vp.subtree_v1(self.name, timestamp, origin, 0, size, root)
        raw = self._key().sign(message)
        return Signature(self.name, self.key_id, struct.pack(">Q", timestamp) + raw)


Signer = Ed25519Signer | MLDSASigner


def parse_private_line(line: str) -> Signer:
    """One private key line of any kind this tool knows.

    Raises:
        ArchiveKeyError: malformed, or the key id does not match.
    """
    parts = line.strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise ArchiveKeyError("a private key line is PRIVATE+KEY+name+keyid+key")
    name, hash_text, blob_text = parts[2:]
    try:
        blob = b64decode(blob_text, "private key")
    except ValueError as e:
        raise ArchiveKeyError(str(e)) from e
    signer: Signer
    if blob[:1] in (bytes([ED25519]), bytes([COSIGNATURE_V1])) and len(blob) == 33:
        signer = Ed25519Signer(name, blob[1:], blob[0])
    elif blob.startswith(_type_prefix(MLDSA65)) and len(blob) == len(_type_prefix(MLDSA65)) + 32:
        signer = MLDSASigner(name, blob[len(_type_prefix(MLDSA65)) :], MLDSA65)
    elif blob[:1] == bytes([MLDSA44]) and len(blob) == 33:
        signer = MLDSASigner(name, blob[1:], MLDSA44)
    else:
        raise ArchiveKeyError(f"private key {name!r} is of a kind this tool does not know")
    if f"{signer.key_id:08x}" != hash_text:
        raise ArchiveKeyError(f"private key {name!r}: the key id does not match the key")
    return signer


def write_private_keys(path: Path, signers: list[Signer]) -> None:
    """Create a private key file (0600) with one line per key; never overwrites."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as e:
        raise ArchiveKeyError(f"key file {path} already exists; refusing to overwrite it") from e
    try:
        os.write(fd, "".join(s.skey() + "\n" for s in signers).encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def load_private_keys(path: Path) -> list[Signer]:
    """Every key of a private key file.

    Raises:
        ArchiveKeyError: missing, readable by others, or malformed.
    """
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as e:
        raise ArchiveKeyError(f"cannot read private key {path}: {e}") from e
    if mode & 0o077:
        raise ArchiveKeyError(f"private key {path} is readable by others; run chmod 600 on it")
    keys = [parse_private_line(line) for line in text.splitlines() if line.strip()]
    if not keys:
        raise ArchiveKeyError(f"{path} holds no key")
    return keys


def public_text(signer: Signer) -> str:
    """The verifier key text of any signer."""
    if isinstance(signer, MLDSASigner):
        return signer.vkey().text
    return signer.verifier().vkey()


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def certify(key_text: str, role: str, signers: list[Signer], when: str | None = None) -> str:
    """A root-signed archive key certificate (docs/ARCHIVE.md §Keys), as note text."""
    text = f"{vp.ARCHIVE_CERT_HEADER}\nkey {key_text}\nrole {role}\ntime {when or now_text()}\n"
    return sign_text(text, signers)


def sign_text(text: str, signers: list[Signer]) -> str:
    """A signed note over ``text`` with every signer (Ed25519 and ML-DSA-65 lines)."""
    raw = text.encode()
    lines = "".join(s.sign(raw).line() for s in signers)
    return text + "\n" + lines


def root_companion(root: Ed25519Signer, root_key_file: Path, public_dir: Path) -> MLDSASigner:
    """The root key's ML-DSA-65 companion: loaded, or made now and certified by the root.

    The private key is kept beside the root key (``root-mldsa65.key``, the flash drive in the
    safe); its public key and the root's certificate go to ``public_dir`` (DATA_DIR/archive/keys).
    """
    private = root_key_file.parent / COMPANION_FILE
    cert = public_dir / "root-mldsa65.cert"
    if private.exists():
        (companion,) = load_private_keys(private)
        if not isinstance(companion, MLDSASigner) or companion.kind != MLDSA65:
            raise ArchiveKeyError(f"{private} is not an ML-DSA-65 key")
    else:
        companion = MLDSASigner.generate(f"{root.name}/ml-dsa-65", MLDSA65)
        write_private_keys(private, [companion])
    if not cert.exists():
        public_dir.mkdir(parents=True, exist_ok=True)
        # Signed by the root (Ed25519) and by the companion itself (proof of possession).
        cert.write_text(certify(companion.vkey().text, "root-companion", [root, companion]))
        (public_dir / "root-mldsa65.vkey").write_text(companion.vkey().text + "\n")
    return companion
