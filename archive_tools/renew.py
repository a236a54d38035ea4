"""Renewal of a package's evidence, RFC 4998 (Evidence Record Syntax) style, for algorithm aging.

A renewal link ``evidence/renewal-NNNN.txt`` is a signed note listing a fresh hash (SHA3-512 or
SHA-512) of every file of the bag, the seal and all earlier links included, and the hash of the
previous link (the seal for the first), signed with the current keys (Ed25519 and ML-DSA-65).
So while a link's algorithms hold, it vouches, from its time on, for everything before it,
even after the older algorithms are broken (docs/ARCHIVE.md §Renewal)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ejournal.log.note import ED25519, Ed25519Signer

from . import verify_package as vp
from .errors import ArchiveError, ArchiveKeyError
from .keys import (
    MLDSA65,
    MLDSASigner,
    Signer,
    load_private_keys,
    now_text,
    public_text,
    sign_text,
    write_private_keys,
)


@dataclass(frozen=True)
class Renewal:
    path: Path
    link: int
    files: int
    algorithm: str


def make_renewal_key(path: Path, name: str) -> list[str]:
    """A renewal key file: an Ed25519 and an ML-DSA-65 key under one name."""
    keys: list[Signer] = [Ed25519Signer.generate(name), MLDSASigner.generate(name, MLDSA65)]
    write_private_keys(path, keys)
    texts = [public_text(k) for k in keys]
    path.with_name(path.name + ".pub").write_text("".join(t + "\n" for t in texts))
    return texts


def renew(
    package: Path, key_file: Path, *, algorithm: str = "sha3_512", when: str | None = None
) -> Renewal:
    """Add the next renewal link to ``package``.

    Raises:
        ArchiveError: not a package, or an unknown hash; ArchiveKeyError: no usable key.
    """
    if algorithm not in vp.RENEWAL_HASHES:
        raise ArchiveError(f"renewal hash must be one of {', '.join(vp.RENEWAL_HASHES)}")
    if not (package / vp.SEAL_FILE).is_file():
        raise ArchiveError(f"{package} is not a sealed archive package (no {vp.SEAL_FILE})")
    signers = [
        k
        for k in load_private_keys(key_file)
        if (isinstance(k, Ed25519Signer) and k.sig_type == ED25519)
        or (isinstance(k, MLDSASigner) and k.kind == MLDSA65)
    ]
    if not signers:
        raise ArchiveKeyError(f"{key_file} holds no Ed25519 or ML-DSA-65 signing key")
    src = vp.DirSource(str(package))
    files = src.files()
    links = vp.renewal_files(files)
    number = links[-1][0] + 1 if links else 1
    previous = links[-1][1] if links else vp.SEAL_FILE
    lines = [
        vp.RENEWAL_HEADER,
        f"link {number}",
        f"time {when or now_text()}",
        f"hash {algorithm}",
        f"previous {previous} {src.digest(previous, algorithm)}",
    ]
    lines += [f"key {public_text(k)}" for k in signers]
    lines += [f"file {src.digest(rel, algorithm)} {rel}" for rel in files]
    text = sign_text("\n".join(lines) + "\n", signers)
    target = package / vp.EVIDENCE_DIR / f"renewal-{number:04d}.txt"
    target.parent.mkdir(exist_ok=True)
    tmp = target.with_suffix(".partial")
    tmp.write_text(text)
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.rename(tmp, target)
    return Renewal(target, number, len(files), algorithm)


def digest(path: Path, algorithm: str) -> str:
    return hashlib.file_digest(path.open("rb"), algorithm).hexdigest()
