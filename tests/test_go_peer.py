"""A second implementation checks our files: Go's golang.org/x/mod/sumdb/note (C2SP signed
notes) and sumdb/tlog (RFC 6962 trees), from Debian's golang-go and golang-golang-x-mod-dev
(installed by `make test`). The Go program is tests/peers/checkpeer.go."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ejournal.datadir import DataDir, init_data_dir
from ejournal.log import SigningPolicy
from ejournal.log.checkpoint import read_notes
from ejournal.log.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)

PEER = Path(__file__).parent / "peers" / "checkpeer.go"
GOPATH = "/usr/share/gocode"


@pytest.fixture(scope="module")
def checkpeer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    assert go, "Go is missing: `make test` installs golang-go and golang-golang-x-mod-dev"
    out = tmp_path_factory.mktemp("peer") / "checkpeer"
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": GOPATH,
        "GOCACHE": str(out.parent / "cache"),
    }
    subprocess.run([go, "build", "-o", str(out), str(PEER)], check=True, env=env)
    return out


def run_peer(
    checkpeer: Path, vkey: str, note: bytes, segment: Path, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    note_file = tmp_path / "note"
    note_file.write_bytes(note)
    return subprocess.run(
        [str(checkpeer), vkey, str(note_file), str(segment)], capture_output=True, text=True
    )


def test_go_verifies_our_checkpoints_and_trees(checkpeer: Path, tmp_path: Path) -> None:
    init_data_dir(tmp_path / "school")
    dd = DataDir(tmp_path / "school")
    with dd.open_feed(policy=SigningPolicy(max_unsigned_entries=7, background=False)) as feed:
        for i in range(40):
            feed.append_one(
                "mark.given", {"lesson": f"l-{i // 5}", "student": f"s-{i}", "value": "5"}, "u-1"
            )
        feed_dir = feed.dir
    segment = feed_dir / "seg-000000000000.jsonl"
    lines = segment.read_bytes().split(b"\n")[:-1]
    leaves = [leaf_hash(line) for line in lines]
    vkey = dd.device_signer().verifier().vkey()
    notes = read_notes((feed_dir / "checkpoints").read_bytes()).records
    assert len(notes) >= 5
    for record in notes:
        result = run_peer(checkpeer, vkey, record.note.encode(), segment, tmp_path)
        assert result.returncode == 0, result.stderr
        out = result.stdout.split("\n")
        size = int(out[0].split()[1])
        split = out.index("consistency")
        inclusion = [base64.b64decode(h) for h in out[2:split]]
        consistency = [base64.b64decode(h) for h in out[split + 1 :] if h]
        root = root_of(leaves[:size])
        # Go's proofs verify with our verifier, and equal the proofs we compute ourselves.
        verify_inclusion(0, size, leaves[0], inclusion, root)
        assert inclusion == inclusion_proof(leaves, 0, size)
        if size > 1:
            verify_consistency(1, size, consistency, root_of(leaves[:1]), root)
            assert consistency == consistency_proof(leaves, 1, size)


def test_go_rejects_a_checkpoint_whose_text_was_edited(checkpeer: Path, tmp_path: Path) -> None:
    init_data_dir(tmp_path / "school")
    dd = DataDir(tmp_path / "school")
    with dd.open_feed(policy=SigningPolicy(background=False)) as feed:
        feed.append_one("mark.given", {"value": "5"}, "u-1")
        feed_dir = feed.dir
    note = read_notes((feed_dir / "checkpoints").read_bytes()).records[-1].note.encode()
    forged = note.replace(b"\n2\n", b"\n1\n", 1)
    assert forged != note
    result = run_peer(
        checkpeer,
        dd.device_signer().verifier().vkey(),
        forged,
        feed_dir / "seg-000000000000.jsonl",
        tmp_path,
    )
    assert result.returncode == 1
    assert "note.Open" in result.stderr
