"""Write the worked test vectors of docs/FORMAT.md: a tiny feed made with fixed keys and a
fixed clock, so the bytes are the same on every run. tests/test_format_vectors.py runs this
into a temporary folder and compares byte for byte with docs/vectors/.

Usage: python scripts/make_format_vectors.py [OUT_DIR]   (default: docs/vectors)
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from hashlib import sha256
from pathlib import Path

from ejournal.log.checkpoint import read_notes
from ejournal.log.feed import Feed, NewEntry, SigningPolicy
from ejournal.log.keys import Certificate, feed_id_for, origin_for, sign_statement
from ejournal.log.merkle import CompactRange, leaf_hash
from ejournal.log.note import COSIGNATURE_V1, Ed25519Signer
from ejournal.log.resume import RESUME
from ejournal.log.storage import CHECKPOINTS
from ejournal.log.witness import cosign, record_cosignature

KRASNOYARSK = timezone(timedelta(hours=7))
START = datetime(2026, 9, 1, 8, 30, 0, tzinfo=KRASNOYARSK)


def _seed(label: str) -> bytes:
    """Fixed, published test seeds: never use these keys for a real school."""
    return sha256(f"ejournal format vector key: {label}".encode()).digest()


class _Clock:
    """A clock that moves 1.5 seconds on each reading."""

    def __init__(self) -> None:
        self.moment = START

    def now(self) -> datetime:
        self.moment += timedelta(milliseconds=1500)
        return self.moment


def build(out: Path) -> None:
    root = Ed25519Signer("ejournal/root/vectors", _seed("root"))
    device_seed = _seed("device")
    feed_id = feed_id_for(Ed25519Signer("x", device_seed).public_key)
    device = Ed25519Signer(origin_for(feed_id), device_seed)
    witness = Ed25519Signer("ejournal/witness/vectors", _seed("witness"), COSIGNATURE_V1)
    feed_dir = out / "feeds" / feed_id
    if feed_dir.exists():
        raise SystemExit(f"{feed_dir} exists; write the vectors into an empty folder")
    clock = _Clock()
    policy = SigningPolicy(max_unsigned_entries=3, background=False)
    feed = Feed.open(feed_dir, device, clock=clock, policy=policy)
    cert = Certificate(device.verifier(), "device", feed_id, "2026-09-01T08:30:00.000+07:00")
    wcert = Certificate(witness.verifier(), "witness", "*", "2026-09-01T08:30:00.000+07:00")
    feed.append([NewEntry("key.certify", {"certificate": sign_statement(cert, root)}, "system")])
    feed.append([NewEntry("key.certify", {"certificate": sign_statement(wcert, root)}, "system")])
    feed.append_one(
        "school.created", {"name": "МБОУ «Берёзовская СОШ»", "inn": "2450000000"}, "u-admin"
    )
    feed.append(
        [
            NewEntry(
                "mark.set", {"lesson": "l-1", "student": "s-7", "value": "5", "kind": "КР"}, "u-12"
            ),
            NewEntry(
                "mark.set", {"lesson": "l-1", "student": "s-8", "value": "4", "kind": "КР"}, "u-12"
            ),
        ]
    )
    feed.append_one("attendance.set", {"lesson": "l-1", "student": "s-9", "code": "Б"}, "u-12")
    feed.close()
    latest = read_notes((feed_dir / CHECKPOINTS).read_bytes()).records[-1].note
    record_cosignature(feed_dir, cosign(latest, witness, timestamp=1788226200))
    (feed_dir / "lock").unlink()
    (feed_dir / RESUME).unlink()  # the writer's cache, not part of the format
    _write_keys(out, root, device, witness)
    _write_hashes(out, feed_dir)


def _write_keys(
    out: Path, root: Ed25519Signer, device: Ed25519Signer, witness: Ed25519Signer
) -> None:
    keys = out / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    for name, signer in (("root", root), ("device", device), ("witness", witness)):
        (keys / f"{name}.vkey").write_text(signer.verifier().vkey() + "\n", encoding="ascii")
        (keys / f"{name}.key").write_text(signer.skey() + "\n", encoding="ascii")


def _write_hashes(out: Path, feed_dir: Path) -> None:
    """Leaf hashes and the root at every size, in hex, one line per entry."""
    lines = b"".join(p.read_bytes() for p in sorted(feed_dir.glob("seg-*.jsonl"))).split(b"\n")[:-1]
    tree = CompactRange()
    rows = ["# seq leaf_hash root_of_first_seq+1_entries (hex)"]
    for seq, line in enumerate(lines):
        leaf = leaf_hash(line)
        tree.append(leaf)
        rows.append(f"{seq} {leaf.hex()} {tree.root().hex()}")
    (out / "tree.txt").write_text("\n".join(rows) + "\n", encoding="ascii")


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/vectors"))
