"""Encrypted copies on a medium (R-SEC-4: personal data on a lost flash drive).

Every file of the copy's ``feeds/`` and ``blobs/`` is stored encrypted on its own with AES-256-GCM
(``cryptography``), its path inside the copy (``feeds/<feed>/<file>``) bound as associated
data (``blobs/<sha256>`` for an attached file, stored under an HMAC of its hash: see
``sync.blobs``), so a file renamed, moved to another feed or swapped with another one no longer
opens.
A stored file is::

    b"EJENC1\\n" ‖ nonce (12 random bytes) ‖ AES-GCM ciphertext with its 16-byte tag

The 32-byte key is either a key file the school keeps (``ejournal keygen-backup FILE``: 64 hex
digits on one line) or derived from a passphrase with scrypt (N = 2^15, r = 8, p = 1, a random
16-byte salt). The medium's ``encryption.json`` says which, holds the salt, and a check value
(the encryption of a fixed text under the path ``encryption.json``) so that a wrong passphrase
is told as such before anything is read or written. Public keys, ``backups.jsonl`` and the
verified-state files stay in clear: they hold no personal data.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"EJENC1\n"
NONCE = 12
PARAMS = "encryption.json"
_CHECK = b"ejournal encrypted copy v1"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1


class EncryptionError(Exception):
    """A wrong passphrase or key, a damaged encrypted file, or encryption settings that differ."""

    message_ru = "Не удалось расшифровать копию: неверный пароль или ключ, или файл повреждён."


class Codec:
    """Plain files: what is stored is what is meant."""

    encrypted = False

    def encode(self, name: str, data: bytes) -> bytes:
        return data

    def decode(self, name: str, stored: bytes) -> bytes:
        return stored

    def blob_name(self, digest: str) -> str:
        """The file name of the blob ``digest`` in the copy: its digest, in a plain copy."""
        return digest


@dataclass(frozen=True)
class AeadCodec(Codec):
    """AES-256-GCM per file, the file's path in the copy as associated data."""

    key: bytes
    encrypted = True

    def encode(self, name: str, data: bytes) -> bytes:
        nonce = os.urandom(NONCE)
        return MAGIC + nonce + AESGCM(self.key).encrypt(nonce, data, name.encode())

    def decode(self, name: str, stored: bytes) -> bytes:
        if not stored.startswith(MAGIC):
            raise EncryptionError(f"{name} is not an encrypted file of this copy")
        nonce = stored[len(MAGIC) : len(MAGIC) + NONCE]
        try:
            return AESGCM(self.key).decrypt(nonce, stored[len(MAGIC) + NONCE :], name.encode())
        except InvalidTag as e:
            raise EncryptionError(
                f"{name} does not decrypt: a wrong key, or the file was changed or moved"
            ) from e

    @cached_property
    def _name_key(self) -> bytes:
        info = b"ejournal encrypted copy v1: blob names"
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(self.key)

    def blob_name(self, digest: str) -> str:
        """An encrypted copy names a blob by an HMAC-SHA256 of its digest under a key derived
        from the copy's (HKDF): the medium does not show which files it holds."""
        return hmac.new(self._name_key, digest.encode("ascii"), "sha256").hexdigest()


PLAIN = Codec()


def read_key_file(path: Path) -> bytes:
    """A key file: 64 hexadecimal digits (32 bytes), one line.

    Raises:
        EncryptionError: not such a file.
    """
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise EncryptionError(f"{path} is not a backup key file (64 hex digits)") from e
    if len(key) != 32:
        raise EncryptionError(f"{path} is not a backup key file (64 hex digits)")
    return key


def new_key_file(path: Path) -> None:
    """Write a new random key file (0600); refuses to overwrite one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(32) + "\n")


def _scrypt(passphrase: str, salt: bytes) -> bytes:
    kdf = Scrypt(salt=salt, length=32, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return kdf.derive(passphrase.encode("utf-8"))


def codec_for(
    folder: Path, *, passphrase: str | None = None, key: bytes | None = None, create: bool
) -> Codec:
    """The codec of the copy in ``folder``: reads ``encryption.json``, or writes it (``create``).

    With neither a passphrase nor a key: plain files, and a copy that is encrypted is refused.

    Raises:
        EncryptionError: a wrong passphrase or key; a plain copy asked to be encrypted or the
            other way round (one copy is never half encrypted).
    """
    params_path = folder / PARAMS
    params = json.loads(params_path.read_text(encoding="utf-8")) if params_path.exists() else None
    has_copy = (folder / "feeds").is_dir()
    if params is not None and not has_copy and create:
        params = None  # settings left by a first run that wrote nothing else: made again
    if passphrase is None and key is None:
        if params is not None:
            raise EncryptionError(
                f"the copy in {folder} is encrypted: give its passphrase or key file"
            )
        return PLAIN
    if params is None:
        if has_copy or not create:
            raise EncryptionError(
                f"the copy in {folder} is not encrypted; encrypt a new copy on another medium "
                "or folder (a copy is never half encrypted)"
            )
        params = {"v": 1, "cipher": "AES-256-GCM", "kdf": "key-file" if key else "scrypt"}
        if key is None:
            salt = os.urandom(16)
            params |= {"salt": base64.b64encode(salt).decode(), "n": SCRYPT_N, "r": SCRYPT_R}
            params["p"] = SCRYPT_P
        codec = AeadCodec(key if key is not None else _scrypt(passphrase or "", salt))
        params["check"] = base64.b64encode(codec.encode(PARAMS, _CHECK)).decode()
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{PARAMS}.tmp"
        tmp.write_text(json.dumps(params, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, params_path)
        return codec
    if params.get("kdf") == "scrypt":
        if passphrase is None:
            raise EncryptionError(f"the copy in {folder} is encrypted with a passphrase")
        salt = base64.b64decode(params["salt"], validate=True)
        kdf = Scrypt(
            salt=salt, length=32, n=int(params["n"]), r=int(params["r"]), p=int(params["p"])
        )
        codec = AeadCodec(kdf.derive(passphrase.encode("utf-8")))
    else:
        if key is None:
            raise EncryptionError(f"the copy in {folder} is encrypted with a key file")
        codec = AeadCodec(key)
    try:
        codec.decode(PARAMS, base64.b64decode(params["check"], validate=True))
    except EncryptionError as e:
        raise EncryptionError(f"wrong passphrase or key for the copy in {folder}") from e
    return codec
