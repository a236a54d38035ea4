"""Sealing a closed school year into an archive package: a BagIt bag (RFC 8493) laid out as
docs/ARCHIVE.md says, signed by the school root key twice (Ed25519 and ML-DSA-65)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ejournal import __version__
from ejournal.blobs.store import BLOBS, blob_path, is_sha256
from ejournal.log.checkpoint import frame_note, parse_checkpoint, read_notes
from ejournal.log.note import Ed25519Signer, b64encode, parse_note
from ejournal.log.storage import COSIGNATURES

from . import verify_package as vp
from .errors import ArchiveError
from .keys import MLDSASigner, now_text, sign_text
from .proofs import ProofBuilder
from .verify import fast_parse_lines
from .years import FeedData, YearRange, entry_type, find_year, read_feeds

DocumentsHook = Callable[[str], Iterable[tuple[str, bytes]]]
DOCS = Path(__file__).resolve().parents[1] / "docs"
_SAFE = re.compile(r"[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*")
# Entries before the year that its package carries as context (with inclusion proofs).
_ALWAYS = {b"key.certify", b"key.revoke", b"school.configured", b"subject.defined"}
_PEOPLE = {b"person.registered", b"person.updated"}


@dataclass(frozen=True)
class SealResult:
    path: Path
    year: str
    entries: int
    summary_sheets: int
    documents: int
    final_checkpoints: dict[str, tuple[int, str]]


def package_name(root: Ed25519Signer, year: str) -> str:
    return f"ejournal-{root.key_id:08x}-{year.replace('/', '-')}"


def seal_year(
    data_dir: Path,
    year: str,
    out_dir: Path,
    root: Ed25519Signer,
    companion: MLDSASigner,
    *,
    documents: DocumentsHook | None = None,
    archive_dir: Path | None = None,
    feeds: list[FeedData] | None = None,
) -> SealResult:
    """Write the package of a closed ``year`` into ``out_dir/<name>``.

    Args:
        data_dir: the school's data directory (read only; the log is not opened).
        year: "2025/2026".
        out_dir: where the package folder goes (created; the package must not exist).
        root: the school root key; ``companion``: its ML-DSA-65 companion.
        documents: the hook giving the year's PDF/A documents as (path under
            data/documents/, bytes) pairs; None for none.
        archive_dir: DATA_DIR/archive (witness certificates, archive cosignatures, keys).
        feeds: the feeds already read (to seal many years with one read).

    Raises:
        YearNotSealable: the year is not closed and signed; ArchiveError: bad input.
    """
    archive_dir = archive_dir or data_dir / "archive"
    feeds = feeds if feeds is not None else read_feeds(data_dir)
    span = find_year(feeds, year)
    if (out_dir / package_name(root, year)).exists():  # before the slow part: the documents
        raise ArchiveError(
            f"{out_dir / package_name(root, year)} exists already: a package is never overwritten"
        )
    if root.verifier().vkey() != (data_dir / "keys" / "root.vkey").read_text().strip():
        raise ArchiveError("the root key given is not this school's root key (keys/root.vkey)")
    files: dict[str, bytes] = {}
    described, all_rows, finals = [], [], {}
    refs: dict[str, tuple[int, str]] = {}
    for f in feeds:
        a, b = span.ranges[f.feed]
        desc, rows = _feed_files(f, a, b, span, archive_dir, files, refs)
        described.append(desc)
        all_rows.extend(rows)
        finals[f.feed] = (b, desc["end_root"])
    blobs = _blob_sources(data_dir, refs)
    all_rows.sort(key=lambda mr: (mr[0], mr[1].feed, mr[1].seq))
    sheets = vp.summary_sheets([r for _, r in all_rows], year)
    files.update({"data/" + k: v for k, v in sheets.items()})
    docs = []
    for rel, content in documents(year) if documents else ():
        if not _SAFE.fullmatch(rel) or ".." in rel.split("/"):
            raise ArchiveError(f"document path {rel!r} is not a plain relative path")
        files["data/documents/" + rel] = content
        docs.append("documents/" + rel)
    _keys(files, root, companion, archive_dir)
    files["data/docs/FORMAT.md"] = (DOCS / "FORMAT.md").read_bytes()
    files["data/docs/ARCHIVE.md"] = (DOCS / "ARCHIVE.md").read_bytes()
    files["data/verify_package.py"] = Path(vp.__file__).read_bytes()
    school = _school(all_rows)
    files[vp.DESCRIPTION] = _description(
        school, span, root, companion, described, sheets, docs, sorted(blobs)
    )
    name = package_name(root, year)
    target = out_dir / name
    _write_bag(out_dir, name, files, blobs, school, span, root, companion, finals)
    return SealResult(
        target, year, sum(d["end"] - d["start"] for d in described), len(sheets), len(docs), finals
    )


def _feed_files(
    f: FeedData,
    a: int,
    b: int,
    span: YearRange,
    archive_dir: Path,
    files: dict[str, bytes],
    refs: dict[str, tuple[int, str]],
) -> tuple[dict, list]:
    base = f"data/feeds/{f.feed}/"
    proofs = f.proofs()
    front = [] if a == 0 else _frontier(proofs, a)
    year_lines = f.lines[a:b]
    files[base + "entries.jsonl"] = b"".join(line + b"\n" for line in year_lines)
    cps = [(r, cp) for r, cp in f.checkpoints if a <= cp.size <= b]
    files[base + "checkpoints"] = b"".join(frame_note(r.note) for r, _ in cps)
    rows, moments = fast_parse_lines(year_lines, b"\n".join(year_lines))
    context = _context(f, a, span.year, rows)
    files[base + "context.jsonl"] = b"".join(
        json.dumps(
            {
                "seq": seq,
                "line": f.lines[seq].decode(),
                "proof": [b64encode(h) for h in proofs.inclusion(seq, a)],
            },
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        + b"\n"
        for seq in context
    )
    ctx_lines = [f.lines[s] for s in context]
    _collect_refs(f.feed, a, year_lines, refs)
    for seq, line in zip(context, ctx_lines, strict=True):
        _collect_refs(f.feed, seq, [line], refs)
    ctx_rows, ctx_moments = fast_parse_lines(ctx_lines, b"\n".join(ctx_lines))
    end_cp = next(cp for _, cp in cps if cp.size == b)
    files[base + "witnessed.jsonl"] = _witnessed(f, a, b, archive_dir, proofs)
    desc = {
        "feed": f.feed,
        "start": a,
        "end": b,
        "frontier": [b64encode(h) for h in front],
        "end_root": b64encode(end_cp.root),
    }
    return desc, list(zip(ctx_moments, ctx_rows, strict=True)) + list(
        zip(moments, rows, strict=True)
    )


def _collect_refs(
    feed: str, first: int, lines: list[bytes], refs: dict[str, tuple[int, str]]
) -> None:
    """The blobs referenced by ``lines`` (entries ``first``…): digest → (size, entry)."""
    for i in vp.blob_lines(b"\n".join(lines)):
        for digest, size in vp.blob_refs_in(json.loads(lines[i])["data"]):
            refs.setdefault(digest, (size, f"{feed}#{first + i}"))


@dataclass(frozen=True)
class BlobSource:
    """A blob to copy into the package: where it is in the school's store, what it must be."""

    path: Path
    digest: str
    size: int
    entry: str  # the first entry referencing it, "<feed>#<seq>"


def _blob_sources(data_dir: Path, refs: dict[str, tuple[int, str]]) -> dict[str, BlobSource]:
    """Package path → source of every referenced blob; a package is never sealed without one
    (FORMAT.md §14: a missing or damaged blob is restored from a backup first)."""
    out = {}
    for digest, (size, entry) in sorted(refs.items()):
        if not is_sha256(digest):
            raise ArchiveError(f"entry {entry} references a malformed blob digest {digest!r}")
        source = blob_path(data_dir / BLOBS, digest)
        if not source.is_file():
            raise ArchiveError(
                f"the file {source} referenced by entry {entry} is missing: restore it from a "
                "backup (ejournal verify lists the blobs) before sealing"
            )
        out[vp.blob_path(digest)] = BlobSource(source, digest, size, entry)
    return out


def _copy_blob(blob: BlobSource, target: Path) -> None:
    """Copy a blob, checking on the way that it has its hash and size."""
    h, size = hashlib.sha256(), 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(blob.path, "rb") as src, open(target, "xb") as out:
        while chunk := src.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if h.hexdigest() != blob.digest or size != blob.size:
        raise ArchiveError(
            f"the file {blob.path} referenced by entry {blob.entry} is damaged (SHA-256 "
            f"{h.hexdigest()}, {size} bytes; the entry says {blob.size} bytes): restore it "
            "from a backup before sealing"
        )


def _frontier(proofs: ProofBuilder, size: int) -> list[bytes]:
    out, lo = [], 0
    for bit in reversed(range(size.bit_length())):
        if size & (1 << bit):
            out.append(proofs.subtree(lo, lo + (1 << bit)))
            lo += 1 << bit
    return out


def _context(f: FeedData, a: int, year: str, rows: list) -> list[int]:
    """Entries before the year that it needs: keys, the school, subjects, the year's own
    structure recorded early, enrolments into its classes and the people involved."""
    marker = f'"year":"{year}"'.encode()
    picked: set[int] = set()
    groups: set[str] = set()
    people: set[str] = set()
    candidates: list[int] = []
    for seq in range(a):
        line = f.lines[seq]
        t = entry_type(line)
        if t in _ALWAYS or (marker in line and t != b"final_mark.given"):
            picked.add(seq)
        elif t in _PEOPLE or t == b"student.enrolled":
            candidates.append(seq)
    for seq in picked:
        d = json.loads(f.lines[seq])["data"]
        if d.get("year") == year:
            groups.update(x for x in (d.get("class"), d.get("group")) if x)
            people.update(x for x in (d.get("teacher"),) if x)
    for row in rows:
        if row.data.get("year") == year:
            groups.update(x for x in (row.data.get("class"), row.data.get("group")) if x)
        if row.type == "student.enrolled":
            people.add(row.data.get("student"))
    for seq in candidates:
        d = json.loads(f.lines[seq])["data"]
        if d.get("group") in groups:
            picked.add(seq)
            people.add(d.get("student"))
    for seq in candidates:
        d = json.loads(f.lines[seq])["data"]
        if "person" in d and d["person"] in people:
            picked.add(seq)
    return sorted(picked)


def _witnessed(f: FeedData, a: int, b: int, archive_dir: Path, proofs: ProofBuilder) -> bytes:
    """Cosigned checkpoints of the year, and each witness's first one after it, with a
    consistency proof from the year's final checkpoint (docs/ARCHIVE.md §Witnesses)."""
    out, later_seen = [], set()
    for path in (f.dir / COSIGNATURES, archive_dir / "cosignatures" / f.feed):
        if not path.exists():
            continue
        for record in read_notes(path.read_bytes()).records:
            cp = parse_checkpoint(record.note.text)
            if cp.size < a or cp.size > len(proofs.leaves):
                continue
            proof: list[bytes] = []
            if cp.size > b:
                who = tuple(s.name for s in record.note.signatures)
                if who in later_seen:
                    continue
                later_seen.add(who)
                proof = proofs.consistency(b, cp.size)
            note = record.note.encode().decode()
            out.append(
                json.dumps(
                    {"note": note, "proof": [b64encode(p) for p in proof]},
                    ensure_ascii=False,
                    sort_keys=True,
                ).encode()
                + b"\n"
            )
    return b"".join(out)


def _keys(
    files: dict[str, bytes], root: Ed25519Signer, companion: MLDSASigner, archive_dir: Path
) -> None:
    files["data/keys/root.vkey"] = (root.verifier().vkey() + "\n").encode()
    files["data/keys/root-mldsa65.vkey"] = (companion.vkey().text + "\n").encode()
    cert = archive_dir / "keys" / "root-mldsa65.cert"
    files["data/keys/root-mldsa65.cert"] = cert.read_bytes()
    wdir = archive_dir / "witnesses"
    for path in sorted(wdir.glob("*.cert")) if wdir.is_dir() else ():
        parse_note(path.read_bytes())
        files[f"data/keys/witness-{path.name}"] = path.read_bytes()


def _school(rows: list) -> dict[str, str]:
    school: dict[str, str] = {}
    for _, row in rows:
        if row.type == "school.configured":
            school = {k: row.data.get(k, "") for k in ("name", "inn", "ogrn")}
    return school


def _description(
    school: dict,
    span: YearRange,
    root: Ed25519Signer,
    companion: MLDSASigner,
    described: list[dict],
    sheets: dict,
    docs: list[str],
    blobs: list[str],
) -> bytes:
    desc = {
        "format": vp.PACKAGE_FORMAT,
        "school": school,
        "year": span.year,
        "closed": {"feed": span.closed_feed, "seq": span.closed_seq, "time": span.closed_time},
        "root_key": root.verifier().vkey(),
        "root_mldsa65": companion.vkey().text,
        "feeds": [{k: d[k] for k in ("feed", "start", "end", "frontier")} for d in described],
        "summary": sorted(sheets),
        "documents": sorted(docs),
        "blobs": [rel[len("data/") :] for rel in blobs],
        "tool": f"ejournal {__version__}",
        "sealed": now_text(),
    }
    return (json.dumps(desc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def _write_bag(
    out_dir: Path,
    name: str,
    files: dict[str, bytes],
    blobs: dict[str, BlobSource],
    school: dict,
    span: YearRange,
    root: Ed25519Signer,
    companion: MLDSASigner,
    finals: dict[str, tuple[int, str]],
) -> None:
    tmp = out_dir / (name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    for rel, content in files.items():
        path = tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    try:
        for rel, blob in blobs.items():
            _copy_blob(blob, tmp / rel)
    except ArchiveError:
        shutil.rmtree(tmp)
        raise
    digests = {p: hashlib.sha256(v).hexdigest() for p, v in files.items()}
    digests.update((rel, blob.digest) for rel, blob in blobs.items())
    payload = sorted(digests)
    manifest = "".join(f"{digests[p]}  {p}\n" for p in payload)
    size = sum(len(v) for v in files.values()) + sum(b.size for b in blobs.values())
    oxum = f"{size}.{len(payload)}"
    final = "; ".join(f"{fid} {size} {r}" for fid, (size, r) in sorted(finals.items()))
    info = {
        "Source-Organization": school.get("name", "") or "?",
        "External-Identifier": name,
        "External-Description": f"Электронный классный журнал: {span.year} учебный год",
        "Bagging-Date": datetime.now().date().isoformat(),
        "Bag-Software-Agent": f"ejournal {__version__} (archive_tools)",
        "Payload-Oxum": oxum,
        "Ejournal-School": school.get("name", ""),
        "Ejournal-School-Year": span.year,
        "Ejournal-Final-Checkpoint": final,
        "Ejournal-Root-Key": root.verifier().vkey(),
    }
    tags = {
        "bagit.txt": b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
        "bag-info.txt": "".join(f"{k}: {v}\n" for k, v in info.items()).encode(),
        vp.PAYLOAD_MANIFEST: manifest.encode(),
    }
    for rel, content in tags.items():
        (tmp / rel).write_bytes(content)
    tagmanifest = "".join(f"{hashlib.sha256(v).hexdigest()}  {k}\n" for k, v in tags.items())
    (tmp / vp.TAG_MANIFEST).write_text(tagmanifest)
    lines = [vp.SEAL_HEADER, f"school {school.get('name', '') or '?'}", f"year {span.year}"]
    lines += [f"feed {fid} {size} {r}" for fid, (size, r) in sorted(finals.items())]
    lines += [f"file {digests[p]} {p}" for p in payload]
    lines += [
        f"tagmanifest-sha256 {hashlib.sha256(tagmanifest.encode()).hexdigest()}",
        f"time {now_text()}",
    ]
    seal = sign_text("\n".join(lines) + "\n", [root, companion])
    (tmp / vp.SEAL_FILE).write_text(seal)
    fixity = f"{vp.SEAL_FIXITY_HEADER}\nseal-sha256 {hashlib.sha256(seal.encode()).hexdigest()}\n"
    (tmp / vp.SEAL_FIXITY).write_text(sign_text(fixity, [root]))
    _fsync_tree(tmp)
    os.rename(tmp, out_dir / name)


def _fsync_tree(top: Path) -> None:
    """Make the written package durable before it gets its final name."""
    for path in sorted(top.rglob("*")):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
