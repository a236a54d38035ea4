"""Witnesses (C2SP tlog-cosignature): a second party's keys cosign a school's checkpoints,
Ed25519 ``cosignature/v1`` and ML-DSA-44 ``subtree/v1`` at once, only after checking that the
log is consistent with what this witness cosigned before (its state file beside its key)."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from ejournal.log.checkpoint import frame_note, parse_checkpoint
from ejournal.log.errors import ProofError
from ejournal.log.keys import new_witness_key
from ejournal.log.merkle import verify_consistency
from ejournal.log.note import COSIGNATURE_V1, Ed25519Signer, Note, b64decode, b64encode
from ejournal.log.storage import append_durably, open_append
from ejournal.log.verify import verify_feed
from ejournal.log.witness import latest_checkpoint_note

from .errors import ArchiveKeyError, WitnessRefused
from .keys import (
    MLDSA44,
    MLDSASigner,
    Signer,
    certify,
    load_private_keys,
    public_text,
    write_private_keys,
)
from .proofs import ProofBuilder
from .years import FeedData


def make_witness_key(path: Path, name: str) -> list[str]:
    """Create a witness's key file (Ed25519 cosignature/v1 and ML-DSA-44 subtree/v1 keys)
    and its public key file ``PATH.pub``; returns the two verifier keys."""
    keys: list[Signer] = [new_witness_key(name), MLDSASigner.generate(name, MLDSA44)]
    write_private_keys(path, keys)
    texts = [public_text(k) for k in keys]
    path.with_name(path.name + ".pub").write_text("".join(t + "\n" for t in texts))
    return texts


def certify_witness(archive_dir: Path, pub_file: Path, signers: list[Signer]) -> list[Path]:
    """The school root's certificates of a witness's public keys (DATA_DIR/archive/witnesses)."""
    out = []
    target = archive_dir / "witnesses"
    target.mkdir(parents=True, exist_ok=True)
    for text in pub_file.read_text().split():
        name, key_hash, _ = text.split("+", 2)
        path = target / f"{name.replace('/', '_')}-{key_hash}.cert"
        path.write_text(certify(text, "witness", signers))
        out.append(path)
    return out


@dataclass(frozen=True)
class Cosigned:
    feed: str
    size: int
    previous: int | None


def _witness_keys(path: Path) -> tuple[Ed25519Signer, MLDSASigner]:
    keys = load_private_keys(path)
    ed = [k for k in keys if isinstance(k, Ed25519Signer) and k.sig_type == COSIGNATURE_V1]
    ml = [k for k in keys if isinstance(k, MLDSASigner) and k.kind == MLDSA44]
    if not ed or not ml:
        raise ArchiveKeyError(f"{path} is not a witness key file (Ed25519 and ML-DSA-44 keys)")
    return ed[0], ml[0]


def cosign(data_dir: Path, key_file: Path, *, now: int | None = None) -> list[Cosigned]:
    """Cosign each feed's latest checkpoint, after verifying the feed and its consistency
    with what this witness cosigned before; cosigned notes go to DATA_DIR/archive/cosignatures.

    Raises:
        WitnessRefused: the feed does not verify, or is not consistent with the state.
    """
    from ejournal.log.keys import load_public_key

    ed, ml = _witness_keys(key_file)
    root = load_public_key(data_dir / "keys" / "root.vkey")
    state_file = key_file.with_name(key_file.name + ".state")
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    stamp = int(time.time()) if now is None else now
    done = []
    for feed_dir in sorted((data_dir / "feeds").iterdir()):
        if not feed_dir.is_dir():
            continue
        report = verify_feed(feed_dir, root)
        if report.problems:
            raise WitnessRefused(f"feed {feed_dir.name} does not verify: {report.problems[0]}")
        note = latest_checkpoint_note(feed_dir)
        cp = parse_checkpoint(note.text)
        seen = state.get(cp.origin)
        if seen:
            _check_consistent(feed_dir, seen, cp.size, cp.root)
        lines = [
            ed.sign(note.text.encode(), timestamp=stamp),
            ml.cosign(cp.origin, cp.size, cp.root, stamp),
        ]
        cosigned = Note(note.text, note.signatures + tuple(lines))
        target = data_dir / "archive" / "cosignatures"
        target.mkdir(parents=True, exist_ok=True)
        fd = open_append(target / feed_dir.name)
        try:
            append_durably(fd, frame_note(cosigned))
        finally:
            os.close(fd)
        state[cp.origin] = {"size": cp.size, "root": b64encode(cp.root), "time": stamp}
        done.append(Cosigned(feed_dir.name, cp.size, seen["size"] if seen else None))
    tmp = state_file.with_name(state_file.name + ".tmp")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, state_file)
    return done


def _check_consistent(feed_dir: Path, seen: dict, size: int, root: bytes) -> None:
    old_size, old_root = int(seen["size"]), b64decode(seen["root"], "root")
    if size < old_size:
        raise WitnessRefused(
            f"feed {feed_dir.name}: latest checkpoint has {size} entries but this witness "
            f"cosigned {old_size} before (a rollback)"
        )
    if size == old_size:
        if root != old_root:
            raise WitnessRefused(f"feed {feed_dir.name}: a fork at size {size}")
        return
    from hashlib import sha256

    leaves = [sha256(b"\x00" + line).digest() for line in FeedData.read(feed_dir).lines[:size]]
    proof = ProofBuilder(leaves).consistency(old_size, size)
    try:
        verify_consistency(old_size, size, proof, old_root, root)
    except ProofError as e:
        raise WitnessRefused(
            f"feed {feed_dir.name}: not consistent with the checkpoint of size {old_size} this "
            f"witness cosigned before (the log was rewritten): {e}"
        ) from e
