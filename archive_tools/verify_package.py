#!/usr/bin/env python3
"""Verifier of an ejournal archive package: one file, the Python standard library alone.

Usage:  python3 verify_package.py PACKAGE_DIR [--previous PKG] [--root-key VKEY] [--fixity]
                                              [--json] [--html FILE]

An archive package is a BagIt bag (RFC 8493) holding one school year of an ejournal school's
signed log (docs/FORMAT.md) and what is needed to check it alone: docs/ARCHIVE.md in the
package says what every file is. This program checks all of it: the bag's fixity, the seal of
the school root key (Ed25519 and ML-DSA-65), every log entry against the Merkle tree, every
checkpoint signature and witness cosignature, the tree state at the year's start, the chain to
the previous year's package, the summary sheets recomputed from the entries, and the renewal
records (RFC 4998 style). Exit code 0: whole and authentic; 1: a problem was found; 2: usage.

It uses the `cryptography` package for Ed25519 and ML-DSA when it can be imported; otherwise it
verifies Ed25519 with the pure-Python code below (RFC 8032 §5.1.7; slow but exact) and reports
ML-DSA signatures as "not checked here" (never as good).

The same file is the core of `ejournal archive verify` (archive_tools/verify_package.py in the
ejournal sources): the core is pure (bytes in, verdicts out); only main() and DirSource do I/O.
"""

import base64
import binascii
import csv
import datetime as _dt
import gc
import hashlib
import html as _html
import io
import itertools
import json
import operator
import os
import re
import struct
import sys

TOOL = "ejournal-archive-verifier/1"
PACKAGE_FORMAT = "ejournal-archive/v2"  # v2: the blobs the entries reference (ARCHIVE.md §11)
PACKAGE_FORMATS = ("ejournal-archive/v1", PACKAGE_FORMAT)  # both verify
PAYLOAD_MANIFEST = "manifest-sha256.txt"
TAG_MANIFEST = "tagmanifest-sha256.txt"
SEAL_FILE = "seal.txt"
SEAL_FIXITY = "seal-fixity.txt"
SEAL_FIXITY_HEADER = "ejournal/archive-seal-fixity/v1"
EVIDENCE_DIR = "evidence"
DESCRIPTION = "data/package.json"
SEAL_HEADER = "ejournal/archive-seal/v1"
RENEWAL_HEADER = "ejournal/archive-renewal/v1"
ARCHIVE_CERT_HEADER = "ejournal/archive-key-certificate/v1"
KEY_CERT_HEADER = "ejournal/key-certificate/v1"
KEY_REVOKE_HEADER = "ejournal/key-revocation/v1"
ED25519, COSIGNATURE_V1, MLDSA44 = 0x01, 0x04, 0x06
# C2SP signed-note: 0xff "followed by a longer identifier" for types it does not assign.
MLDSA65 = 0xFF
MLDSA65_ID = b"ejournal/ml-dsa-65\x00"
NOT_CHECKED = "not checked here"

try:  # optional: fast Ed25519 and ML-DSA
    from cryptography.exceptions import InvalidSignature as _InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PublicKey as _Ed25519PublicKey,
    )
except Exception:  # pragma: no cover - exercised by the test that runs without it
    _Ed25519PublicKey = None
try:
    from cryptography.hazmat.primitives.asymmetric import mldsa as _mldsa
except Exception:  # pragma: no cover
    _mldsa = None
if os.environ.get("EJOURNAL_VERIFY_PURE") == "1":  # for tests: force the pure path
    _Ed25519PublicKey = None
    _mldsa = None


# --- pure-Python Ed25519 (RFC 8032 §5.1.7), used when cryptography is absent ---
import hashlib as _hashlib

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = (-121665 * pow(121666, _P - 2, _P)) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _ed_add(a, b):
    # Extended coordinates (X, Y, Z, T), x = X/Z, y = Y/Z, x*y = T/Z (RFC 8032 §5.1.4).
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa = (y1 - x1) * (y2 - x2) % _P
    bb = (y1 + x1) * (y2 + x2) % _P
    cc = 2 * t1 * t2 * _D % _P
    dd = 2 * z1 * z2 % _P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _ed_mul(s, point):
    result = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            result = _ed_add(result, point)
        point = _ed_add(point, point)
        s >>= 1
    return result


def _ed_equal(a, b):
    x1, y1, z1, _ = a
    x2, y2, z2, _ = b
    return (x1 * z2 - x2 * z1) % _P == 0 and (y1 * z2 - y2 * z1) % _P == 0


def _ed_recover_x(y, sign):
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P)
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


def _ed_decompress(data):
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _ed_recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % _P)


_G_Y = 4 * pow(5, _P - 2, _P) % _P
_G = (_ed_recover_x(_G_Y, 0), _G_Y, 1, _ed_recover_x(_G_Y, 0) * _G_Y % _P)


def ed25519_verify_pure(public_key, signature, message):
    """True when ``signature`` is a valid Ed25519 signature of ``message`` (RFC 8032 §5.1.7)."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    a = _ed_decompress(public_key)
    r = _ed_decompress(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= _L:
        return False
    k = int.from_bytes(_hashlib.sha512(signature[:32] + public_key + message).digest(), "little")
    left = _ed_mul(8 * s, _G)
    right = _ed_add(_ed_mul(8, r), _ed_mul(8 * (k % _L), a))
    return _ed_equal(left, right)


def ed25519_verify(public_key, signature, message):
    """True when ``signature`` is a valid Ed25519 signature (with `cryptography`, or pure)."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    if _Ed25519PublicKey is not None:
        try:
            _Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        except (_InvalidSignature, ValueError):
            return False
        return True
    return ed25519_verify_pure(public_key, signature, message)


def mldsa_verify(kind, public_key, signature, message):
    """True or False; None when ML-DSA cannot be checked here (no `cryptography` ≥ 46)."""
    if _mldsa is None:
        return None
    cls = _mldsa.MLDSA44PublicKey if kind == MLDSA44 else _mldsa.MLDSA65PublicKey
    try:
        cls.from_public_bytes(public_key).verify(signature, message)
    except Exception:
        return False
    return True


def crypto_backend():
    """Which implementations this run uses (printed in every report)."""
    ed = "cryptography" if _Ed25519PublicKey is not None else "pure Python (RFC 8032)"
    ml = "cryptography" if _mldsa is not None else NOT_CHECKED
    return {"ed25519": ed, "ml-dsa": ml}


# --- strict base64, signed notes (C2SP signed-note), keys ----------------------------------


class FormatProblem(Exception):
    """Bytes that do not follow the format (the message says how)."""


def b64decode(text, what="base64"):
    try:  # the common case, canonical base64, in two C calls (tens of thousands per package)
        raw = text.encode("ascii")
        data = binascii.a2b_base64(raw)
        if binascii.b2a_base64(data, newline=False) == raw:
            return data
    except (binascii.Error, UnicodeEncodeError, ValueError):
        pass
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as e:
        raise FormatProblem(what + " is not valid base64") from e
    if base64.b64encode(data).decode("ascii") != text:
        raise FormatProblem(what + " is not canonical base64")
    return data


def b64encode(data):
    return base64.b64encode(data).decode("ascii")


def key_id(name, type_and_key):
    """SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4] as an int (C2SP signed-note)."""
    return int.from_bytes(hashlib.sha256(name.encode() + b"\n" + type_and_key).digest()[:4], "big")


class VKey:
    """A verifier key: name, signature type, raw public key (see ARCHIVE.md §Keys)."""

    __slots__ = ("name", "kind", "public", "id", "text")

    def __init__(self, name, kind, public, text=""):
        self.name, self.kind, self.public = name, kind, public
        self.id = key_id(name, self.encoded())
        self.text = text or "%s+%08x+%s" % (name, self.id, b64encode(self.encoded()))

    def encoded(self):
        prefix = bytes([self.kind]) + (MLDSA65_ID if self.kind == MLDSA65 else b"")
        return prefix + self.public

    @property
    def algorithm(self):
        return {
            ED25519: "Ed25519",
            COSIGNATURE_V1: "Ed25519 cosignature/v1",
            MLDSA44: "ML-DSA-44 subtree/v1",
            MLDSA65: "ML-DSA-65",
        }[self.kind]

    def __eq__(self, other):
        return isinstance(other, VKey) and self.text == other.text

    def __hash__(self):
        return hash(self.text)


_KEY_SIZES = {ED25519: 32, COSIGNATURE_V1: 32, MLDSA44: 1312, MLDSA65: 1952}


def parse_vkey(text):
    """Parse ``name+hex8+base64(type ‖ key)``; raises FormatProblem."""
    text = text.strip()
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise FormatProblem("a verifier key is name+hash+key")
    name, hash_text, blob_text = parts
    check_key_name(name)
    if not re.fullmatch(r"[0-9a-f]{8}", hash_text):
        raise FormatProblem("a verifier key hash is 8 lowercase hex digits")
    blob = b64decode(blob_text, "verifier key")
    if not blob:
        raise FormatProblem("empty verifier key")
    kind = blob[0]
    public = blob[1:]
    if kind == MLDSA65:
        if not public.startswith(MLDSA65_ID):
            raise FormatProblem("a 0xff key must start with " + MLDSA65_ID[:-1].decode())
        public = public[len(MLDSA65_ID) :]
    if kind not in _KEY_SIZES or len(public) != _KEY_SIZES[kind]:
        raise FormatProblem("verifier key of unknown type or size")
    key = VKey(name, kind, public)
    if key.id != int(hash_text, 16):
        raise FormatProblem("verifier key hash does not match the key")
    return key


def check_key_name(name):
    if not name or "+" in name or any(ch.isspace() or ord(ch) < 0x20 for ch in name):
        raise FormatProblem("invalid key name %r" % name)


class Note:
    """A signed note: its text (ending in LF) and its signature lines (name, key id, bytes)."""

    __slots__ = ("text", "signatures")

    def __init__(self, text, signatures):
        self.text, self.signatures = text, signatures

    def encode(self):
        lines = "".join(
            "\u2014 %s %s\n" % (n, b64encode(i.to_bytes(4, "big") + s))
            for n, i, s in self.signatures
        )
        return (self.text + "\n" + lines).encode()


def parse_note(data):
    """Parse a signed note strictly (signatures are not checked here)."""
    try:
        whole = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FormatProblem("note is not UTF-8") from e
    if any(ch < " " and ch != "\n" for ch in whole):
        raise FormatProblem("note has a control character")
    if not whole.endswith("\n"):
        raise FormatProblem("note does not end with a newline")
    cut = whole.rfind("\n\n")
    if cut < 0:
        raise FormatProblem("note has no blank line before its signatures")
    text, block = whole[: cut + 1], whole[cut + 2 :]
    lines = block.split("\n")[:-1]
    if not lines or len(lines) > 64:
        raise FormatProblem("note has no signature lines, or too many")
    sigs = []
    for line in lines:
        if not line.startswith("\u2014 "):
            raise FormatProblem("signature line does not start with an em dash")
        parts = line[2:].split(" ")
        if len(parts) != 2:
            raise FormatProblem("a signature line is '\u2014 <name> <base64>'")
        check_key_name(parts[0])
        blob = b64decode(parts[1], "signature")
        if len(blob) < 5:
            raise FormatProblem("signature is too short")
        sigs.append((parts[0], int.from_bytes(blob[:4], "big"), blob[4:]))
    return Note(text, tuple(sigs))


def signature_of(note, key):
    """The signature bytes of ``key`` on the note, or None (name and key id must both match)."""
    for name, kid, sig in note.signatures:
        if name == key.name and kid == key.id:
            return sig
    return None


def check_signature(key, message, sig):
    """True / False / None (None: ML-DSA that cannot be checked here)."""
    if key.kind == ED25519:
        return ed25519_verify(key.public, sig, message)
    if key.kind == MLDSA65:
        return mldsa_verify(MLDSA65, key.public, sig, message)
    raise ValueError("not a plain note signing key")


def cosigned_v1(text, timestamp):
    return b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + text


def subtree_v1(name, timestamp, origin, start, end, root):
    """The ML-DSA-44 cosigned_message of C2SP tlog-cosignature (subtree/v1)."""
    n, o = name.encode(), origin.encode()
    return (
        b"subtree/v1\n\x00"
        + bytes([len(n)])
        + n
        + struct.pack(">Q", timestamp)
        + bytes([len(o)])
        + o
        + struct.pack(">QQ", start, end)
        + root
    )


def check_cosignature(key, checkpoint, sig):
    """Verify a witness cosignature line; returns (verdict, timestamp)."""
    if len(sig) < 8:
        return False, 0
    (stamp,) = struct.unpack(">Q", sig[:8])
    if stamp > 2**63 - 1:
        return False, stamp
    if key.kind == COSIGNATURE_V1:
        return ed25519_verify(
            key.public, sig[8:], cosigned_v1(checkpoint.text.encode(), stamp)
        ), stamp
    if key.kind == MLDSA44:
        msg = subtree_v1(key.name, stamp, checkpoint.origin, 0, checkpoint.size, checkpoint.root)
        return mldsa_verify(MLDSA44, key.public, sig[8:], msg), stamp
    return False, stamp


# --- RFC 6962 Merkle trees (docs/FORMAT.md §4) ---------------------------------------------

_sha256 = hashlib.sha256
EMPTY_ROOT = _sha256(b"").digest()


def leaf_hash(line):
    return _sha256(b"\x00" + line).digest()


def node_hash(left, right):
    return _sha256(b"\x01" + left + right).digest()


def _perfect_root(hashes):
    while len(hashes) > 1:
        it = iter(hashes)
        hashes = [_sha256(b"\x01" + a + b).digest() for a, b in zip(it, it)]
    return hashes[0]


class Tree:
    """An append-only tree kept as its frontier: the roots of its perfect subtrees."""

    __slots__ = ("size", "stack")

    def __init__(self, size=0, frontier=()):
        if len(frontier) != bin(size).count("1"):
            raise FormatProblem(
                "a frontier of a tree of size %d has %d hashes, not %d"
                % (size, bin(size).count("1"), len(frontier))
            )
        self.size, self.stack = size, list(frontier)

    def _push(self, h, block):
        bit = block
        while self.size & bit:
            h = _sha256(b"\x01" + self.stack.pop() + h).digest()
            bit <<= 1
        self.stack.append(h)
        self.size += block

    def extend(self, leaves):
        i, n = 0, len(leaves)
        while i < n:
            room = self.size & -self.size if self.size else 1 << 62
            block = min(room, 1 << ((n - i).bit_length() - 1))
            self._push(leaves[i] if block == 1 else _perfect_root(leaves[i : i + block]), block)
            i += block

    def root(self):
        if not self.stack:
            return EMPTY_ROOT
        r = self.stack[-1]
        for h in reversed(self.stack[:-1]):
            r = _sha256(b"\x01" + h + r).digest()
        return r


def root_from_inclusion(index, size, leaf, proof):
    """RFC 9162 §2.1.3.2; None when the proof is malformed."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if len(p) != 32 or sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def consistent(size1, size2, proof, root1, root2):
    """RFC 9162 §2.1.4.2: True when (size1, root1) is a prefix of (size2, root2)."""
    if size1 == size2:
        return not proof and root1 == root2
    if size1 == 0 or size2 < size1 or not proof or any(len(p) != 32 for p in proof):
        return False
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root1 and sr == root2


# --- checkpoints (FORMAT.md §5) ------------------------------------------------------------


class Checkpoint:
    __slots__ = ("origin", "size", "root", "text", "note", "line")

    def __init__(self, note, line):
        lines = note.text[:-1].split("\n")
        if len(lines) != 3:
            raise FormatProblem("a checkpoint has 3 lines")
        origin, size_text, root_text = lines
        if not re.fullmatch(r"0|[1-9][0-9]{0,18}", size_text):
            raise FormatProblem("tree size %r is not a decimal number" % size_text)
        root = b64decode(root_text, "root hash")
        if len(root) != 32:
            raise FormatProblem("root hash is not 32 bytes")
        self.origin, self.size, self.root = origin, int(size_text), root
        self.text, self.note, self.line = note.text, note, line


def split_notes(data, what):
    """The notes of a checkpoints-style file: (line number, Note) pairs."""
    out, pos, line = [], 0, 1
    while pos < len(data):
        blank = data.find(b"\n\n", pos)
        close = data.find(b"\n\n", blank + 2) if blank >= 0 else -1
        if close < 0:
            raise FormatProblem("%s: incomplete note at line %d" % (what, line))
        raw = data[pos : close + 1]
        try:
            out.append((line, parse_note(raw)))
        except FormatProblem as e:
            raise FormatProblem("%s line %d: %s" % (what, line, e)) from e
        line += raw.count(b"\n") + 1
        pos = close + 2
    return out


# --- entries (FORMAT.md §2–3), with the standard library's json ----------------------------

_ENTRY_KEYS = frozenset(("v", "feed", "seq", "time", "actor", "type", "data"))
_TYPE_RE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
_TIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}"
)
_MAX_INT = 2**53 - 1


class BadLine(Exception):
    """Line ``index`` (0-based, of the lines given) is not a valid entry."""

    def __init__(self, message, index):
        super().__init__(message)
        self.message, self.index = message, index


class Row:
    """One parsed entry: the fields the verifier needs."""

    __slots__ = ("seq", "feed", "time", "actor", "type", "data")

    def __init__(self, obj):
        self.seq, self.feed, self.time = obj["seq"], obj["feed"], obj["time"]
        self.actor, self.type, self.data = obj["actor"], obj["type"], obj["data"]


def _no_float(text):
    raise ValueError("number %s is not an integer" % text)


def _no_constant(text):
    raise ValueError("%s is not allowed" % text)


def _int(text):
    value = int(text)
    if not -_MAX_INT <= value <= _MAX_INT:
        raise ValueError("integer %s is outside ±(2**53-1)" % text)
    return value


_DECODER = json.JSONDecoder(parse_float=_no_float, parse_int=_int, parse_constant=_no_constant)


def jcs(value):
    """RFC 8785 canonical JSON for the format's domain (keys sorted by UTF-16 code units)."""
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: kv[0].encode("utf-16-be"))
        return "{" + ",".join(jcs(k) + ":" + jcs(v) for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _canonical(obj, line):
    if _ASTRAL.search(line):  # a 4-byte character: JCS key order (UTF-16) may differ
        return jcs(obj).encode("utf-8")
    return _ENCODE(obj).encode("utf-8")


_ASTRAL = re.compile(b"[\xf0-\xf4]")
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode
_times = {}


def _moment(text):
    m = _times.get(text)
    if m is None:
        if not _TIME_RE.fullmatch(text):
            raise ValueError("time %r is not YYYY-MM-DDTHH:MM:SS.mmm±HH:MM" % text)
        m = _dt.datetime.fromisoformat(text)
        if len(_times) > 100000:
            _times.clear()
        _times[text] = m
    return m


def parse_entry(line):
    """Parse one line (without LF) as an entry; raises ValueError naming what is wrong."""
    if len(line) > 1 << 20:
        raise ValueError("line is longer than 1 MiB")
    try:
        obj = _DECODER.decode(line.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ValueError("line is not valid UTF-8") from e
    except json.JSONDecodeError as e:
        raise ValueError("not JSON: %s" % e) from e
    if type(obj) is not dict or obj.keys() != _ENTRY_KEYS:
        raise ValueError("an entry has exactly the keys v, feed, seq, time, actor, type, data")
    if obj["v"] != 1 or type(obj["v"]) is not int:
        raise ValueError("format version is not 1")
    if type(obj["seq"]) is not int or obj["seq"] < 0:
        raise ValueError("seq is not a non-negative integer")
    for key in ("feed", "time", "actor", "type"):
        if type(obj[key]) is not str:
            raise ValueError("%s is not a string" % key)
    if not obj["actor"]:
        raise ValueError("actor is empty")
    if not _TYPE_RE.fullmatch(obj["type"]):
        raise ValueError("type %r is not dotted lowercase words" % obj["type"])
    if type(obj["data"]) is not dict:
        raise ValueError("data is not an object")
    moment = _moment(obj["time"])
    try:
        canonical = _canonical(obj, line)
    except UnicodeEncodeError as e:
        raise ValueError("a string holds a lone surrogate") from e
    if canonical != line:
        raise ValueError("line is not canonical JSON (RFC 8785)")
    return Row(obj), moment


def parse_lines_stdlib(lines, buffer=b""):
    """Parse many lines; raises BadLine with the index of the first bad one."""
    rows, moments = [], []
    for i, line in enumerate(lines):
        try:
            row, moment = parse_entry(line)
        except ValueError as e:
            raise BadLine(str(e), i) from e
        rows.append(row)
        moments.append(moment)
    return rows, moments


# --- root-signed statements in the log (FORMAT.md §7) and in the archive (ARCHIVE.md) -----


def statement_fields(text, header, names):
    lines = text[:-1].split("\n") if text.endswith("\n") else []
    if not lines or lines[0] != header or len(lines) != len(names) + 1:
        raise FormatProblem("not a %s statement" % header)
    out = {}
    for name, line in zip(names, lines[1:]):
        key, sep, value = line.partition(" ")
        if key != name or not sep or not value:
            raise FormatProblem("%s: expected '%s …'" % (header, name))
        out[name] = value
    return out


def open_root_note(note_text, root):
    """Parse a note and check its root Ed25519 signature; raises FormatProblem."""
    note = parse_note(note_text.encode("utf-8"))
    sig = signature_of(note, root)
    if sig is None:
        raise FormatProblem("not signed by the school root key")
    if not ed25519_verify(root.public, sig, note.text.encode()):
        raise FormatProblem("the school root key's signature does not verify")
    return note


class LogCert:
    __slots__ = ("key", "role", "feed", "time", "holder", "seq")

    def __init__(self, key, role, feed, time, holder, seq):
        self.key, self.role, self.feed, self.time = key, role, feed, time
        self.holder, self.seq = holder, seq


def read_key_statement(row, root):
    """A key.certify / key.revoke entry's statement: ('cert', LogCert) or ('revoke', dict)."""
    if row.type == "key.certify":
        note = open_root_note(str(row.data.get("certificate", "")), root)
        f = statement_fields(note.text, KEY_CERT_HEADER, ("key", "role", "feed", "time"))
        if f["role"] not in ("device", "witness"):
            raise FormatProblem("unknown key role %r" % f["role"])
        key = parse_vkey(f["key"])
        return "cert", LogCert(key, f["role"], f["feed"], f["time"], row.feed, row.seq)
    note = open_root_note(str(row.data.get("revocation", "")), root)
    f = statement_fields(
        note.text, KEY_REVOKE_HEADER, ("key", "feed", "valid-through", "time", "reason")
    )
    if not re.fullmatch(r"0|[1-9][0-9]{0,18}", f["valid-through"]):
        raise FormatProblem("valid-through is not a decimal number")
    return "revoke", (parse_vkey(f["key"]), f["feed"], int(f["valid-through"]))


# --- summary sheets (сводные ведомости), recomputed from entries (ARCHIVE.md §Summary) ----

SUMMARY_TYPES = frozenset(
    (
        "class.created",
        "group.created",
        "subject.defined",
        "person.registered",
        "person.updated",
        "course.created",
        "student.enrolled",
        "period.defined",
        "final_mark.given",
        "school.configured",
    )
)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def _person_name(p):
    return " ".join(x for x in (p.get("last_name"), p.get("first_name"), p.get("middle_name")) if x)


def summary_sheets(rows, year):
    """The summary sheet CSV files of ``year`` from entries in log order.

    Returns:
        {relative path under data/: bytes}: one ``summary/<class id>.csv`` per class of the
        year that has final marks: rows student × subject; columns the period marks of the
        periods defined for the class's grade, then the year, exam and final marks. The latest
        ``final_mark.given`` for a (student, subject, kind, period) wins (R-MRK-3).
    """
    classes, groups, subjects, people, courses, periods = {}, {}, {}, {}, {}, {}
    enrolled, marks = {}, {}
    for row in rows:
        t, d = row.type, row.data
        if t == "final_mark.given":  # most of the rows: tested first
            if d.get("course") in courses:
                subject = courses[d["course"]]["subject"]
                key = (d["student"], subject, d["kind"], d.get("period", ""))
                marks[key] = (d["value"], d["course"])
            continue
        if t not in SUMMARY_TYPES:
            continue
        if t == "class.created" and d.get("year") == year:
            classes[d["class"]] = d
        elif t == "group.created" and d.get("year") == year:
            groups[d["group"]] = d
        elif t == "subject.defined":
            subjects[d["subject"]] = d.get("name", "")
        elif t == "person.registered":
            people[d["person"]] = dict(d)
        elif t == "person.updated" and d.get("person") in people:
            for k in ("last_name", "first_name", "middle_name"):
                if d.get(k):
                    people[d["person"]][k] = d[k]
        elif t == "course.created" and d.get("year") == year:
            courses[d["course"]] = d
        elif t == "period.defined" and d.get("year") == year:
            periods[d["period"]] = d
        elif t == "student.enrolled":
            enrolled.setdefault(d["student"], []).append(d["group"])
    by_class, class_of = {}, {}
    for (student, subject, kind, period), (value, course) in marks.items():
        group = courses[course]["group"]
        if (student, group) not in class_of:
            class_of[student, group] = _class_of(student, group, enrolled, classes, groups)
        klass = class_of[student, group]
        if klass is None:
            continue
        by_class.setdefault(klass, {}).setdefault((student, subject), {})[(kind, period)] = value
    out = {}
    for klass in sorted(by_class):
        info = classes[klass]
        grade = info.get("grade", 0)
        mine = sorted(
            (p for p in periods.values() if grade in p.get("grades", [])),
            key=lambda p: (p.get("start", ""), p.get("number", 0), p["period"]),
        )
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(
            ["класс", "ученик_id", "ученик", "предмет_id", "предмет"]
            + [p["name"] for p in mine]
            + ["годовая", "экзамен", "итоговая"]
        )
        name = "%s%s" % (grade, info.get("letter", ""))
        table = by_class[klass]
        names = {k[0]: _person_name(people.get(k[0], {})) for k in table}
        for student, subject in sorted(
            table, key=lambda k: (names[k[0]], k[0], subjects.get(k[1], ""), k[1])
        ):
            got = table[(student, subject)]
            w.writerow(
                [
                    name,
                    student,
                    names[student],
                    subject,
                    subjects.get(subject, ""),
                ]
                + [got.get(("period", p["period"]), "") for p in mine]
                + [got.get((k, ""), "") for k in ("year", "exam", "final")]
            )
        out["summary/%s.csv" % _SAFE_NAME.sub("_", klass)] = buf.getvalue().encode("utf-8")
    return out


def _class_of(student, group, enrolled, classes, groups):
    """The class of ``year`` a student was last enrolled in; else the course's class."""
    mine = [g for g in enrolled.get(student, []) if g in classes]
    if mine:
        return mine[-1]
    if group in classes:
        return group
    owners = groups.get(group, {}).get("classes", [])
    return owners[0] if len(owners) == 1 and owners[0] in classes else None


def csv_difference(expected, found):
    """The first differing cell of two CSV files: (row, column, expected, found) or None."""
    a = list(csv.reader(io.StringIO(expected.decode("utf-8", "replace"))))
    b = list(csv.reader(io.StringIO(found.decode("utf-8", "replace"))))
    for r in range(max(len(a), len(b))):
        ra = a[r] if r < len(a) else []
        rb = b[r] if r < len(b) else []
        for c in range(max(len(ra), len(rb))):
            va = ra[c] if c < len(ra) else "<none>"
            vb = rb[c] if c < len(rb) else "<none>"
            if va != vb:
                head = a[0][c] if a and c < len(a[0]) else str(c + 1)
                return r + 1, head, va, vb
    return None


# --- the report ----------------------------------------------------------------------------


class Report:
    """What one package's audit found: problems (each naming file, entry, expected, found)
    and facts (what was checked, who witnessed what, the renewal chain)."""

    def __init__(self, package):
        self.package = package
        self.problems = []
        self.facts = []
        self.data = {
            "package": package,
            "backend": crypto_backend(),
            "feeds": [],
            "witnessed": [],
            "seal": {},
            "renewals": [],
            "entries": 0,
        }

    def problem(self, code, file, message, entry="", expected="", found=""):
        self.problems.append(
            {
                "code": code,
                "file": file,
                "entry": str(entry),
                "expected": str(expected),
                "found": str(found),
                "message": message,
            }
        )

    def fact(self, text):
        self.facts.append(text)

    @property
    def ok(self):
        return not self.problems

    def as_json(self):
        out = dict(self.data)
        out.update(ok=self.ok, problems=self.problems, facts=self.facts, tool=TOOL)
        return out


# --- package sources: the only I/O of the core --------------------------------------------


class DirSource:
    """A package on disk (a folder)."""

    def __init__(self, path):
        self.path = os.path.abspath(path)
        self._digests = {}
        # A full audit reads the log files after hashing them: the bytes hashed are kept for
        # that one read (one read from disk, and the bytes checked are the bytes hashed).
        self.keep_logs = False
        self._kept = {}

    def files(self):
        out = []
        for top, dirs, names in os.walk(self.path):
            dirs.sort()
            for name in sorted(names):
                full = os.path.join(top, name)
                if os.path.isfile(full):
                    out.append(os.path.relpath(full, self.path).replace(os.sep, "/"))
        return out

    def read(self, rel):
        kept = self._kept.pop(rel, None)
        if kept is not None:
            return kept
        with open(os.path.join(self.path, rel), "rb") as f:
            return f.read()

    def digest(self, rel, algorithm="sha256", progress=None):
        got = self._digests.get((rel, algorithm))
        if got is None:
            got = self._digests[(rel, algorithm)] = self._hash(rel, algorithm, progress)
        return got

    def _hash(self, rel, algorithm, progress):
        h = hashlib.new(algorithm)
        if self.keep_logs and rel.endswith(".jsonl"):
            with open(os.path.join(self.path, rel), "rb") as f:
                data = self._kept[rel] = f.read()
            h.update(data)
            if progress:
                progress(len(data))
            return h.hexdigest()
        buf = bytearray(1 << 20)
        view = memoryview(buf)
        with open(os.path.join(self.path, rel), "rb", buffering=0) as f:
            while True:
                n = f.readinto(buf)
                if not n:
                    break
                h.update(view[:n])
                if progress:
                    progress(n)
        return h.hexdigest()

    def size(self, rel):
        return os.path.getsize(os.path.join(self.path, rel))


class MemorySource:
    """A package held in memory, {relative path: bytes} (tests; the core is pure)."""

    def __init__(self, files):
        self._files = dict(files)

    def files(self):
        return sorted(self._files)

    def read(self, rel):
        return self._files[rel]

    def digest(self, rel, algorithm="sha256", progress=None):
        return hashlib.new(algorithm, self._files[rel]).hexdigest()

    def size(self, rel):
        return len(self._files[rel])


# --- BagIt (RFC 8493) fixity ---------------------------------------------------------------

_MANIFEST_LINE = re.compile(r"([0-9a-fA-F]+)[ \t]+(.+)")


def parse_manifest(data, name):
    entries = {}
    for number, line in enumerate(data.decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        m = _MANIFEST_LINE.fullmatch(line)
        if not m:
            raise FormatProblem("%s line %d is not '<checksum> <path>'" % (name, number))
        path = m.group(2).replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
        entries[path] = m.group(1).lower()
    return entries


def check_fixity(src, report, progress=None):
    """BagIt fixity: every payload file listed and matching, every listed tag file matching."""
    files = src.files()
    present = set(files)
    for required in ("bagit.txt", "bag-info.txt", PAYLOAD_MANIFEST, TAG_MANIFEST):
        if required not in present:
            report.problem("bag_incomplete", required, "a required bag file is missing")
    if "bagit.txt" in present:
        text = src.read("bagit.txt").decode("utf-8", "replace")
        if not text.startswith("BagIt-Version: "):
            report.problem(
                "bag_declaration",
                "bagit.txt",
                "not a BagIt declaration",
                expected="BagIt-Version: 1.0",
                found=text[:40],
            )
    checked = 0
    for manifest, scope in ((PAYLOAD_MANIFEST, "payload"), (TAG_MANIFEST, "tag")):
        if manifest not in present:
            continue
        try:
            listed = parse_manifest(src.read(manifest), manifest)
        except (FormatProblem, UnicodeDecodeError) as e:
            report.problem("bag_manifest", manifest, str(e))
            continue
        for rel, want in sorted(listed.items()):
            if rel not in present:
                report.problem("file_missing", rel, "listed in %s but missing" % manifest)
                continue
            got = src.digest(rel, "sha256", progress)
            checked += 1
            if got != want:
                report.problem(
                    "fixity",
                    rel,
                    "the file's SHA-256 is not the one in " + manifest,
                    expected=want,
                    found=got,
                )
        if scope == "payload":
            for rel in files:
                if rel.startswith("data/") and rel not in listed:
                    report.problem(
                        "file_unlisted",
                        rel,
                        "payload file not in %s (added after sealing)" % manifest,
                    )
        else:
            for rel in files:
                if (
                    not rel.startswith("data/")
                    and rel not in listed
                    and rel != TAG_MANIFEST
                    and rel not in (SEAL_FILE, SEAL_FIXITY)
                    and not rel.startswith(EVIDENCE_DIR + "/")
                ):
                    report.problem(
                        "file_unlisted", rel, "tag file not in %s (added after sealing)" % manifest
                    )
    report.data["fixity_files"] = checked
    return files


# --- the audit -----------------------------------------------------------------------------


def audit(
    src,
    root_key=None,
    parse_lines=None,
    fixity_only=False,
    progress=None,
    name="",
    renewal_keys=None,
):
    """Check a package completely (or only its fixity). Pure apart from ``src``'s reads.

    Args:
        src: a DirSource or MemorySource.
        root_key: the school root key known out of band (a VKey); None trusts the package's.
        parse_lines: a faster entry parser with the verdicts of parse_lines_stdlib. It may
            carry ``clean_feed(data, feed, start, end, tree, checkpoints)``: for a feed's
            entries file (no torn line), the seqs it should hold, the Tree at ``start`` and the
            checkpoints above it, None unless it holds exactly those entries and every line
            passes every check made here on entries (schema, sequence, time order, the root at
            each checkpoint); else the key statements as (entry, place), the (moment, entry)
            pairs of SUMMARY_TYPES and the blob references as (digest, size, place), in order.
        fixity_only: check the bag's manifests only.
        progress: called with a byte count as files are hashed.
        renewal_keys: VKeys trusted out of band to sign renewal links (None: any key, shown).
    Returns:
        A Report.
    """
    # The audit makes hundreds of thousands of objects and no reference cycles: the cyclic
    # garbage collector would only walk them again and again (a quarter of the time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _audit(src, root_key, parse_lines, fixity_only, progress, name, renewal_keys)
    finally:
        if collecting:
            gc.enable()


def _audit(src, root_key, parse_lines, fixity_only, progress, name, renewal_keys):
    report = Report(name or getattr(src, "path", "package"))
    src.keep_logs = not fixity_only
    files = check_fixity(src, report, progress)
    if fixity_only:
        report.fact("fixity: %d files checked against the manifests" % report.data["fixity_files"])
        return report
    present = set(files)
    if DESCRIPTION not in present:
        report.problem("description_missing", DESCRIPTION, "the package description is missing")
        return report
    try:
        desc = json.loads(src.read(DESCRIPTION).decode("utf-8"))
        if desc.get("format") not in PACKAGE_FORMATS:
            raise FormatProblem("format is %r" % desc.get("format"))
    except (ValueError, FormatProblem, AttributeError) as e:
        report.problem(
            "description", DESCRIPTION, "not a package description: %s" % e, expected=PACKAGE_FORMAT
        )
        return report
    report.data.update(school=desc.get("school", {}), year=desc.get("year", ""))
    root = _guarded(report, "keys", _check_keys, src, present, desc, root_key, report)
    if root is None:
        return report
    _guarded(report, SEAL_FILE, _check_seal, src, present, root, report)
    _guarded(report, SEAL_FIXITY, _check_seal_fixity, src, present, root, report)
    rows, blobs = [], []
    for feed in desc.get("feeds", []):
        rows.extend(
            _guarded(
                report,
                "feed %s" % feed.get("feed"),
                _check_feed,
                src,
                present,
                feed,
                root,
                report,
                parse_lines or parse_lines_stdlib,
                blobs,
            )
            or []
        )
    _guarded(report, "summary", _check_summary, src, present, desc, rows, report)
    _guarded(report, "documents", _check_documents, present, desc, report)
    _guarded(report, "blobs", check_blobs, src, present, desc, blobs, report)
    _guarded(report, EVIDENCE_DIR, check_renewals, src, files, report, renewal_keys)
    return report


def _guarded(report, step, check, *args):
    """Run one part of the audit; damage it did not foresee is a problem, never a crash."""
    try:
        return check(*args)
    except (FormatProblem, ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
        report.problem(
            "malformed", step, "cannot be read as the format says: %s: %s" % (type(e).__name__, e)
        )
        return None


def _read_vkey(src, present, rel, report):
    if rel not in present:
        report.problem("key_missing", rel, "a public key file is missing")
        return None
    try:
        return parse_vkey(src.read(rel).decode("ascii"))
    except (FormatProblem, UnicodeDecodeError) as e:
        report.problem("key_malformed", rel, str(e))
        return None


def _check_keys(src, present, desc, pinned, report):
    root = _read_vkey(src, present, "data/keys/root.vkey", report)
    if root is None:
        return None
    if root.kind != ED25519:
        report.problem("key_malformed", "data/keys/root.vkey", "the root key is not Ed25519")
        return None
    if pinned is not None and pinned != root:
        report.problem(
            "root_key_replaced",
            "data/keys/root.vkey",
            "the package's root key is not the school root key given",
            expected=pinned.text,
            found=root.text,
        )
        root = pinned
    if desc.get("root_key") != root.text:
        report.problem(
            "root_key_replaced",
            DESCRIPTION,
            "the root key named in the package description differs",
            expected=root.text,
            found=desc.get("root_key"),
        )
    report.data["root_key"] = root.text
    report.fact("school root key: " + root.text)
    return root


def archive_certificates(src, present, root, report, role=None):
    """Keys certified by the root in data/keys/*.cert (ARCHIVE.md §Keys): [(VKey, role, time)]."""
    out = []
    for rel in sorted(p for p in present if p.startswith("data/keys/") and p.endswith(".cert")):
        try:
            note = open_root_note(src.read(rel).decode("utf-8"), root)
            f = statement_fields(note.text, ARCHIVE_CERT_HEADER, ("key", "role", "time"))
            key = parse_vkey(f["key"])
        except (FormatProblem, UnicodeDecodeError) as e:
            report.problem("certificate", rel, "archive key certificate: %s" % e)
            continue
        if role is None or f["role"] == role:
            out.append((key, f["role"], f["time"], rel, note))
    return out


def _check_seal_fixity(src, present, root, report):
    """The seal file's own fixity: its SHA-256, signed by the root (Ed25519). Without it a
    damaged ML-DSA seal line would go unseen where ML-DSA cannot be checked."""
    if SEAL_FIXITY not in present:
        report.problem("seal_fixity", SEAL_FIXITY, "the seal's fixity record is missing")
        return
    note = parse_note(src.read(SEAL_FIXITY))
    fields = statement_fields(note.text, SEAL_FIXITY_HEADER, ("seal-sha256",))
    sig = signature_of(note, root)
    if sig is None or not ed25519_verify(root.public, sig, note.text.encode()):
        report.problem("seal_fixity", SEAL_FIXITY, "not signed by the school root key")
    elif SEAL_FILE in present and src.digest(SEAL_FILE) != fields["seal-sha256"]:
        report.problem(
            "seal_fixity",
            SEAL_FILE,
            "the seal file is not the one the school made (damaged or edited)",
            expected=fields["seal-sha256"],
            found=src.digest(SEAL_FILE),
        )


def _check_seal(src, present, root, report):
    if SEAL_FILE not in present:
        report.problem("seal_missing", SEAL_FILE, "the package has no seal")
        return
    try:
        note = parse_note(src.read(SEAL_FILE))
        fields, sealed = {}, {}
        for line in note.text[:-1].split("\n")[1:]:
            key, _, value = line.partition(" ")
            if key == "file":
                digest, _, path = value.partition(" ")
                sealed[path] = digest
            else:
                fields[key] = value
        if not note.text.startswith(SEAL_HEADER + "\n"):
            raise FormatProblem("not a seal")
    except (FormatProblem, UnicodeDecodeError) as e:
        report.problem("seal_malformed", SEAL_FILE, str(e))
        return
    want = fields.get("tagmanifest-sha256", "")
    if TAG_MANIFEST in present:
        got = src.digest(TAG_MANIFEST)
        if got != want:
            report.problem(
                "seal_manifest",
                TAG_MANIFEST,
                "the tag manifest is not the one the school sealed (files or "
                "manifests were changed after sealing)",
                expected=want,
                found=got,
            )
    # The seal names every payload file's SHA-256: a file changed under recomputed manifests
    # is named, not only the manifest.
    for path in sorted(set(sealed) | {p for p in present if p.startswith("data/")}):
        if path not in sealed:
            report.problem("seal_file", path, "a payload file the school did not seal")
        elif path not in present:
            report.problem("seal_file", path, "a sealed payload file is missing")
        else:
            got = src.digest(path)
            if got != sealed[path]:
                report.problem(
                    "seal_file",
                    path,
                    "the file is not the one the school sealed",
                    expected=sealed[path],
                    found=got,
                )
    seal = {"time": fields.get("time", ""), "signatures": []}
    sig = signature_of(note, root)
    if sig is None:
        report.problem(
            "seal_signature",
            SEAL_FILE,
            "the seal is not signed by the school root key (signed with another key?)",
            expected=root.text,
            found=", ".join(n for n, _, _ in note.signatures),
        )
    elif not ed25519_verify(root.public, sig, note.text.encode()):
        report.problem("seal_signature", SEAL_FILE, "the root key's Ed25519 seal signature is bad")
    else:
        seal["signatures"].append({"key": root.name, "algorithm": "Ed25519", "verdict": "good"})
    companions = archive_certificates(src, present, root, report, "root-companion")
    if not companions:
        report.problem(
            "seal_mldsa_missing",
            "data/keys/root-mldsa65.cert",
            "no ML-DSA-65 companion key certified by the root key",
        )
    for key, _, _, _, _ in companions:
        sig = signature_of(note, key)
        if sig is None:
            report.problem(
                "seal_mldsa_missing",
                SEAL_FILE,
                "the seal has no ML-DSA-65 signature of the certified companion key "
                "(cut, or made with another key)",
                expected=key.name + " %08x" % key.id,
            )
            continue
        verdict = check_signature(key, note.text.encode(), sig)
        if verdict is False:
            report.problem(
                "seal_signature",
                SEAL_FILE,
                "the ML-DSA-65 seal signature is bad",
                expected=key.name,
            )
        seal["signatures"].append(
            {
                "key": key.name,
                "algorithm": "ML-DSA-65",
                "verdict": "good" if verdict else ("bad" if verdict is False else NOT_CHECKED),
            }
        )
    report.data["seal"] = seal
    report.fact(
        "seal of %s: %s"
        % (
            seal["time"],
            "; ".join("%s %s" % (s["algorithm"], s["verdict"]) for s in seal["signatures"])
            or "none good",
        )
    )


_SEQ, _FEED, _TYPE = (operator.attrgetter(a) for a in ("seq", "feed", "type"))
_KEY_TYPES = frozenset(("key.certify", "key.revoke"))


def _lines_of(data):
    lines = data.split(b"\n")
    torn = lines.pop()
    return lines, torn


def _check_feed(src, present, feed, root, report, parse_lines, blobs):
    fid = str(feed.get("feed", ""))
    base = "data/feeds/%s/" % fid
    start, end = int(feed.get("start", -1)), int(feed.get("end", -1))
    origin = "ejournal/feed/" + fid
    info = {"feed": fid, "start": start, "end": end, "checkpoints": 0, "entries": 0}
    report.data["feeds"].append(info)
    if not re.fullmatch(r"[0-9a-f]{32}", fid) or not 0 <= start <= end:
        report.problem("description", DESCRIPTION, "bad feed range", found=feed)
        return []
    # Checkpoints: sizes strictly increase; two of one size with different roots are a fork.
    cps, by_size = [], {}
    rel = base + "checkpoints"
    try:
        notes = split_notes(src.read(rel), rel) if rel in present else []
    except FormatProblem as e:
        report.problem("checkpoint_malformed", rel, str(e))
        notes = []
    previous = None
    for line, note in notes:
        try:
            cp = Checkpoint(note, line)
        except FormatProblem as e:
            report.problem("checkpoint_malformed", rel, str(e), entry="line %d" % line)
            continue
        where = "line %d" % line
        if cp.origin != origin:
            report.problem(
                "checkpoint_other_feed",
                rel,
                "a checkpoint of another log",
                entry=where,
                expected=origin,
                found=cp.origin,
            )
            continue
        if cp.size in by_size:
            if by_size[cp.size].root != cp.root:
                report.problem(
                    "fork",
                    rel,
                    "two different signed checkpoints of size %d: the "
                    "log was forked (rewritten) at some point" % cp.size,
                    entry=where,
                    expected=b64encode(by_size[cp.size].root),
                    found=b64encode(cp.root),
                )
            else:
                report.problem("checkpoint_repeated", rel, "checkpoint repeated", entry=where)
            continue
        if previous is not None and cp.size < previous:
            report.problem(
                "checkpoint_order",
                rel,
                "checkpoint sizes do not increase",
                entry=where,
                expected="> %d" % previous,
                found=cp.size,
            )
        if not start <= cp.size <= end:
            report.problem(
                "checkpoint_range",
                rel,
                "checkpoint outside the package's range",
                entry=where,
                expected="%d..%d" % (start, end),
                found=cp.size,
            )
            continue
        previous = cp.size
        cps.append(cp)
        by_size[cp.size] = cp
    info["checkpoints"] = len(cps)
    for size, what in ((start, "start"), (end, "end")):
        if size and size not in by_size:
            report.problem(
                "checkpoint_missing",
                rel,
                "no signed checkpoint at the year's %s" % what,
                expected="size %d" % size,
            )
    # The tree state at the year's start, certified by the checkpoint of that size.
    try:
        frontier = [b64decode(h, "frontier hash") for h in feed.get("frontier", [])]
        tree = Tree(start, frontier)
    except FormatProblem as e:
        report.problem("frontier", DESCRIPTION, str(e), entry="feed " + fid)
        return []
    if start and start in by_size and tree.root() != by_size[start].root:
        report.problem(
            "frontier",
            DESCRIPTION,
            "the tree state at the year's start is not the one the start checkpoint signs",
            entry="size %d" % start,
            expected=b64encode(by_size[start].root),
            found=b64encode(tree.root()),
        )
    certs, revoked, rows = [], [], []
    _check_context(
        src,
        present,
        base,
        fid,
        start,
        by_size.get(start),
        root,
        report,
        parse_lines,
        certs,
        revoked,
        rows,
        blobs,
    )
    # The year's entries: schema, sequence, time order, tree, roots at checkpoint sizes.
    rel = base + "entries.jsonl"
    data = src.read(rel) if rel in present else b""
    if rel not in present:
        report.problem("file_missing", rel, "the year's log entries are missing")
    torn = data[data.rfind(b"\n") + 1 :]
    # A faster parser may vouch for a whole feed at once (its ``clean_feed``: see audit());
    # else, or when it cannot, the lines are parsed and checked here, and problems named.
    clean = getattr(parse_lines, "clean_feed", None)
    found = None
    if clean is not None and data and not torn:
        found = clean(data, fid, start, end, tree, [cp for cp in cps if cp.size > start])
    n = end - start if found is not None else data.count(b"\n")
    if torn:
        report.problem("torn_line", rel, "the last line has no newline", entry="line %d" % (n + 1))
    info["entries"] = n
    report.data["entries"] += n
    if n != end - start:
        report.problem(
            "entry_count",
            rel,
            "the package should hold entries %d..%d" % (start, end - 1)
            + (" (a shortened log: rollback)" if n < end - start else ""),
            expected=end - start,
            found=n,
        )
    if found is not None:
        for row, where in found[0]:
            _collect_key(row, root, report, rel, where, certs, revoked)
        _check_checkpoint_signatures(cps, certs, revoked, fid, base + "checkpoints", report)
        _feed_tail(src, present, base, fid, start, end, by_size, certs, revoked, root, report, info)
        rows.extend(found[1])
        blobs.extend(found[2])
        report.fact(_feed_fact(fid, start, end, n, cps))
        return rows
    lines = _lines_of(data)[0]
    try:
        parsed, moments = parse_lines(lines, data)
    except BadLine as e:
        report.problem(
            "entry_schema",
            rel,
            e.message,
            entry="line %d (seq %d)" % (e.index + 1, start + e.index),
        )
        return rows
    in_place = list(map(_SEQ, parsed)) == list(range(start, start + len(parsed))) and not (
        set(map(_FEED, parsed)) - {fid}
    )
    for i, row in enumerate([] if in_place else parsed):  # C loops above; this names the line
        if row.seq != start + i or row.feed != fid:
            report.problem(
                "entry_sequence",
                rel,
                "entry out of place",
                entry="line %d" % (i + 1),
                expected="feed %s seq %d" % (fid, start + i),
                found="feed %s seq %s" % (row.feed, row.seq),
            )
            return rows
    if moments != sorted(moments):
        bad = next(i for i in range(1, len(moments)) if moments[i] < moments[i - 1])
        report.problem(
            "entry_time",
            rel,
            "entry time earlier than the entry before it",
            entry="line %d (seq %d)" % (bad + 1, start + bad),
        )
    with_keys = start == 0 or not _KEY_TYPES.isdisjoint(map(_TYPE, parsed))
    for i, row in enumerate(parsed if with_keys else []):
        if row.type in _KEY_TYPES or row.seq == 0:
            _collect_key(
                row, root, report, rel, "line %d (seq %d)" % (i + 1, row.seq), certs, revoked
            )
    leaves = [_sha256(b"\x00" + line).digest() for line in lines]
    done, since = 0, start
    for cp in cps:
        if cp.size <= start:
            continue
        upto = cp.size - start
        if upto > n:
            report.problem(
                "entry_count",
                rel,
                "a signed checkpoint covers %d entries but the "
                "package holds only %d: entries were removed" % (cp.size, start + n),
                entry="checkpoints line %d" % cp.line,
                expected=cp.size,
                found=start + n,
            )
            break
        tree.extend(leaves[done:upto])
        done = upto
        if tree.root() != cp.root:
            report.problem(
                "root_mismatch",
                rel,
                "entries %d..%d do not hash to the root of the "
                "signed checkpoint of size %d: one was changed, removed or inserted"
                % (since, cp.size - 1, cp.size),
                entry="lines %d..%d" % (since - start + 1, upto),
                expected=b64encode(cp.root),
                found=b64encode(tree.root()),
            )
            break
        since = cp.size
    _check_checkpoint_signatures(cps, certs, revoked, fid, base + "checkpoints", report)
    _feed_tail(src, present, base, fid, start, end, by_size, certs, revoked, root, report, info)
    for i in blob_lines(data) if parsed else ():
        if i >= len(parsed):  # the torn last line, reported above
            break
        where = "feed %s seq %d (%s line %d)" % (fid, start + i, rel, i + 1)
        blobs.extend((d, n, where) for d, n in blob_refs_in(parsed[i].data))
    # Only what the summary sheets read goes on (a tuple per entry would cost more than that).
    wanted = [t in SUMMARY_TYPES for t in map(_TYPE, parsed)]
    rows.extend(itertools.compress(zip(moments, parsed), wanted))
    report.fact(_feed_fact(fid, start, end, n, cps))
    return rows


def _feed_fact(fid, start, end, n, cps):
    return "feed %s: entries %d..%d (%d), %d checkpoints" % (fid, start, end - 1, n, len(cps))


def _feed_tail(src, present, base, fid, start, end, by_size, certs, revoked, root, report, info):
    """The year's first and last checkpoints in the report, and who witnessed the last."""
    end_cp = by_size.get(end)
    info["end_checkpoint"] = [end, b64encode(end_cp.root)] if end_cp else None
    start_cp = by_size.get(start)
    info["start_checkpoint"] = (
        [start, b64encode(start_cp.root)]
        if start_cp
        else ([0, b64encode(EMPTY_ROOT)] if start == 0 else None)
    )
    _check_witnessed(src, present, base, fid, end_cp, by_size, certs, revoked, root, report)


def _collect_key(row, root, report, rel, where, certs, revoked):
    if row.seq == 0 and row.type != "key.certify":
        report.problem(
            "key_statement",
            rel,
            "a feed begins with its key's certificate",
            entry=where,
            found=row.type,
        )
        return
    try:
        kind, value = read_key_statement(row, root)
    except FormatProblem as e:
        report.problem(
            "key_statement",
            rel,
            "key statement not signed by the school root key or malformed: %s" % e,
            entry=where,
        )
        return
    if kind == "cert":
        certs.append(value)
    else:
        revoked.append(value)


def _check_context(
    src, present, base, fid, start, start_cp, root, report, parse_lines, certs, revoked, rows, blobs
):
    """Earlier entries the year needs (keys, people, subjects…), each proven by an inclusion
    proof in the tree at the year's start."""
    rel = base + "context.jsonl"
    if rel not in present:
        if start:
            report.problem("file_missing", rel, "the context entries are missing")
        return
    proven = []
    for number, text in enumerate(src.read(rel).decode("utf-8").splitlines(), 1):
        where = "line %d" % number
        try:
            item = json.loads(text)
            seq, line = int(item["seq"]), item["line"].encode("utf-8")
            proof = [b64decode(p, "proof hash") for p in item["proof"]]
        except (ValueError, KeyError, TypeError, FormatProblem) as e:
            report.problem("context_malformed", rel, str(e), entry=where)
            continue
        got = root_from_inclusion(seq, start, leaf_hash(line), proof)
        if start_cp is None or got != start_cp.root:
            report.problem(
                "context_proof",
                rel,
                "an earlier entry's inclusion proof does not lead to the start checkpoint's root",
                entry="%s (seq %d)" % (where, seq),
                expected=b64encode(start_cp.root) if start_cp else "a start checkpoint",
                found=b64encode(got) if got else "a malformed proof",
            )
            continue
        proven.append((where, seq, line))
    lines = [line for _, _, line in proven]
    try:  # all at once (fast); line by line only to name a bad one
        parsed = list(zip(*parse_lines(lines, b"\n".join(lines))))
    except BadLine:
        parsed = []
        for where, seq, line in proven:
            try:
                rows1, moments1 = parse_lines([line], line)
                parsed.append((rows1[0], moments1[0]))
            except BadLine as e:
                report.problem("entry_schema", rel, e.message, entry="%s (seq %d)" % (where, seq))
                parsed.append((None, None))
    for (where, seq, line), (row, moment) in zip(proven, parsed):
        if row is None:
            continue
        if row.seq != seq or row.feed != fid:
            report.problem(
                "entry_sequence",
                rel,
                "context entry out of place",
                entry=where,
                expected="feed %s seq %d" % (fid, seq),
                found="feed %s seq %s" % (row.feed, row.seq),
            )
            continue
        if row.type in ("key.certify", "key.revoke") or row.seq == 0:
            _collect_key(row, root, report, rel, "%s (seq %d)" % (where, seq), certs, revoked)
        rows.append((moment, row))
        if BLOB_MARK in line:
            place = "feed %s seq %d (%s %s)" % (fid, seq, rel, where)
            blobs.extend((d, n, place) for d, n in blob_refs_in(row.data))


def _device_keys(certs, revoked, fid, size):
    out = []
    for c in certs:
        if c.role != "device" or c.feed != fid or c.holder != fid or c.seq >= size:
            continue
        if any(k == c.key and f == fid and size > through for k, f, through in revoked):
            continue
        out.append(c.key)
    return out


def _open_by(note, keys):
    """'good' when a known key signed and verified; else the problem's text."""
    found = False
    for key in keys:
        sig = signature_of(note, key)
        if sig is None:
            continue
        if not ed25519_verify(key.public, sig, note.text.encode()):
            return "the signature of %s does not verify" % key.name
        found = True
    return "good" if found else "no signature by a device key certified for this feed"


def _check_checkpoint_signatures(cps, certs, revoked, fid, rel, report):
    for cp in cps:
        verdict = _open_by(cp.note, _device_keys(certs, revoked, fid, cp.size))
        if verdict != "good":
            report.problem(
                "checkpoint_signature",
                rel,
                "checkpoint of size %d: %s" % (cp.size, verdict),
                entry="line %d" % cp.line,
            )


def _check_witnessed(src, present, base, fid, end_cp, by_size, certs, revoked, root, report):
    rel = base + "witnessed.jsonl"
    if rel not in present:
        return
    witnesses = [c.key for c in certs if c.role == "witness" and c.feed in (fid, "*")]
    for key, _, _, _, _ in archive_certificates(src, present, root, report, "witness"):
        witnesses.append(key)
    for number, text in enumerate(src.read(rel).decode("utf-8").splitlines(), 1):
        where = "line %d" % number
        try:
            item = json.loads(text)
            note = parse_note(item["note"].encode("utf-8"))
            cp = Checkpoint(note, number)
            proof = [b64decode(p, "proof hash") for p in item.get("proof", [])]
        except (ValueError, KeyError, TypeError, FormatProblem) as e:
            report.problem("witness_malformed", rel, str(e), entry=where)
            continue
        if cp.origin != "ejournal/feed/" + fid:
            report.problem(
                "checkpoint_other_feed",
                rel,
                "a cosigned checkpoint of another log",
                entry=where,
                expected="ejournal/feed/" + fid,
                found=cp.origin,
            )
            continue
        if cp.size in by_size:
            if by_size[cp.size].text != cp.text:
                report.problem(
                    "fork",
                    rel,
                    "a witness cosigned a checkpoint of size %d that is "
                    "not the package's" % cp.size,
                    entry=where,
                    expected=b64encode(by_size[cp.size].root),
                    found=b64encode(cp.root),
                )
                continue
        elif (
            end_cp is None
            or cp.size <= end_cp.size
            or not consistent(end_cp.size, cp.size, proof, end_cp.root, cp.root)
        ):
            report.problem(
                "witness_inconsistent",
                rel,
                "a cosigned later checkpoint (size %d) is "
                "not proven consistent with the year's final checkpoint" % cp.size,
                entry=where,
            )
            continue
        verdict = _open_by(note, _device_keys(certs, revoked, fid, cp.size))
        if verdict != "good":
            report.problem(
                "checkpoint_signature",
                rel,
                "cosigned checkpoint of size %d: %s" % (cp.size, verdict),
                entry=where,
            )
            continue
        seen = False
        for key in witnesses:
            sig = signature_of(note, key)
            if sig is None:
                continue
            seen = True
            good, stamp = check_cosignature(key, cp, sig)
            when = (
                _dt.datetime.fromtimestamp(stamp, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                if stamp < 2**40
                else str(stamp)
            )
            if good is False:
                report.problem(
                    "cosignature",
                    rel,
                    "the cosignature of %s (%s) does not verify" % (key.name, key.algorithm),
                    entry=where,
                )
                continue
            report.data["witnessed"].append(
                {
                    "feed": fid,
                    "size": cp.size,
                    "witness": key.name,
                    "algorithm": key.algorithm,
                    "time": when,
                    "verdict": "good" if good else NOT_CHECKED,
                }
            )
        if not seen:
            report.problem(
                "cosignature", rel, "no cosignature by a witness the school certified", entry=where
            )
    for w in [w for w in report.data["witnessed"] if w["feed"] == fid]:
        report.fact(
            "witnessed: feed %s size %d by %s (%s) at %s: %s"
            % (w["feed"], w["size"], w["witness"], w["algorithm"], w["time"], w["verdict"])
        )


def _check_summary(src, present, desc, rows, report):
    rows = [mr for mr in rows if mr[1].type in SUMMARY_TYPES]
    rows.sort(key=lambda mr: (mr[0], mr[1].feed, mr[1].seq))
    expected = summary_sheets([r for _, r in rows], desc.get("year", ""))
    listed = set(desc.get("summary", []))
    actual = {p[len("data/") :] for p in present if p.startswith("data/summary/")}
    for rel in sorted(set(expected) | listed | actual):
        where = "data/" + rel
        if rel not in expected:
            report.problem("summary_extra", where, "a summary sheet the log does not give")
        elif rel not in actual:
            report.problem("summary_missing", where, "a summary sheet is missing")
        elif rel not in listed:
            report.problem("summary_unlisted", where, "summary sheet not named in package.json")
        else:
            found = src.read(where)
            if found != expected[rel]:
                diff = csv_difference(expected[rel], found)
                if diff:
                    report.problem(
                        "summary_mismatch",
                        where,
                        "the summary sheet differs from what the log entries give",
                        entry="row %d, column %s" % (diff[0], diff[1]),
                        expected=diff[2],
                        found=diff[3],
                    )
                else:
                    report.problem(
                        "summary_mismatch",
                        where,
                        "the summary sheet's bytes differ from what the log entries give",
                    )
    report.fact("summary sheets: %d recomputed from the entries and compared" % len(expected))


def _check_documents(present, desc, report):
    listed = set(desc.get("documents", []))
    actual = {p[len("data/") :] for p in present if p.startswith("data/documents/")}
    for rel in sorted(listed - actual):
        report.problem(
            "document_missing", "data/" + rel, "a document named in package.json is missing"
        )
    for rel in sorted(actual - listed):
        report.problem("document_unlisted", "data/" + rel, "a document not named in package.json")
    report.fact("documents: %d" % len(actual & listed))


# --- blobs: files the entries reference (FORMAT.md §14, ARCHIVE.md §11) ------------------

BLOB_MARK = b'"sha256":"'
BLOBS_DIR = "data/blobs/"
_HEX64 = re.compile(r"[0-9a-f]{64}")


def blob_lines(data):
    """Indexes of the lines of ``data`` that may hold a blob reference (a byte search: nearly
    every line holds none and is not looked at again)."""
    out, line, at = [], 0, 0
    pos = data.find(BLOB_MARK)
    while pos >= 0:
        line += data.count(b"\n", at, pos)
        out.append(line)
        at = data.find(b"\n", pos)
        if at < 0:
            break
        line, at = line + 1, at + 1
        pos = data.find(BLOB_MARK, at)
    return out


def blob_refs_in(value):
    """The (sha256, size) of every blob reference inside an entry's data: an object with a
    string ``sha256`` and an integer ``size`` member, at any depth (FORMAT.md §14)."""
    out, todo = [], [value]
    while todo:
        v = todo.pop()
        if isinstance(v, dict):
            digest, size = v.get("sha256"), v.get("size")
            if isinstance(digest, str) and type(size) is int:
                out.append((digest, size))
            todo.extend(v.values())
        elif isinstance(v, list):
            todo.extend(v)
    return out


def blob_path(digest):
    """Where a package holds the blob of ``digest``: data/blobs/<2 hex>/<64 hex>."""
    return "%s%s/%s" % (BLOBS_DIR, digest[:2], digest)


def check_blobs(src, present, desc, refs, report):
    """Every blob an entry of the package references is in the package, with its SHA-256 and
    size; the package holds no other blob (format v2; a v1 package carries none)."""
    if desc.get("format") == "ejournal-archive/v1":
        report.fact(
            "blobs: %d referenced by the entries; not carried by a package of format v1"
            % len({d for d, _, _ in refs})
        )
        return
    listed = set(desc.get("blobs", []))
    actual = {p[len("data/") :] for p in present if p.startswith(BLOBS_DIR)}
    wanted, checked, size_total = set(), set(), 0
    for digest, size, where in refs:
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            report.problem(
                "blob_reference", BLOBS_DIR, "a malformed blob digest", entry=where, found=digest
            )
            continue
        rel = blob_path(digest)
        wanted.add(rel[len("data/") :])
        if (rel, size) in checked:
            continue
        checked.add((rel, size))
        if rel not in present:
            report.problem(
                "blob_missing",
                rel,
                "a file the entry references is missing",
                entry=where,
                expected="%d bytes, SHA-256 %s" % (size, digest),
            )
            continue
        got = src.digest(rel)
        if got != digest:
            report.problem(
                "blob_mismatch",
                rel,
                "the file the entry references is not the one it names (changed)",
                entry=where,
                expected=digest,
                found=got,
            )
            continue
        found = src.size(rel)
        if found != size:
            report.problem(
                "blob_size",
                rel,
                "the file's size is not the one the entry names",
                entry=where,
                expected=size,
                found=found,
            )
        size_total += found
    # Only when every feed's entries were read: else their references are not all known.
    unread = {"entry_schema", "entry_sequence", "description", "frontier", "malformed"}
    for rel in (
        sorted((actual | listed) - wanted)
        if unread.isdisjoint(p["code"] for p in report.problems)
        else ()
    ):
        report.problem("blob_extra", "data/" + rel, "a blob no entry of the package references")
    for rel in sorted((wanted & actual) - listed):
        report.problem("blob_unlisted", "data/" + rel, "a blob not named in package.json")
    report.fact(
        "blobs: %d referenced, checked against their SHA-256 and size (%d bytes)"
        % (len(wanted), size_total)
    )


# --- renewal records (RFC 4998 style, ARCHIVE.md §Renewal) ---------------------------------

RENEWAL_HASHES = ("sha3_512", "sha512")
_RENEWAL_NAME = re.compile(r"evidence/renewal-([0-9]{4})\.txt")


def renewal_files(files):
    return sorted((int(m.group(1)), p) for p in files for m in [_RENEWAL_NAME.fullmatch(p)] if m)


def check_renewals(src, files, report, trusted=None):
    """Every renewal link: its signatures, its previous-link hash, every file hash it lists."""
    links = renewal_files(files)
    for expected, (number, rel) in enumerate(links, 1):
        if number != expected:
            report.problem(
                "renewal_gap",
                rel,
                "renewal links are not consecutive (one removed?)",
                expected=expected,
                found=number,
            )
            return
    previous_rel = SEAL_FILE
    for number, rel in links:
        link = {"link": number, "file": rel}
        report.data["renewals"].append(link)
        try:
            note = parse_note(src.read(rel))
            lines = note.text[:-1].split("\n")
            if lines[0] != RENEWAL_HEADER:
                raise FormatProblem("not a renewal record")
            fields, keys, listed = {}, [], {}
            for line in lines[1:]:
                key, _, value = line.partition(" ")
                if key == "key":
                    keys.append(parse_vkey(value))
                elif key == "file":
                    digest, _, path = value.partition(" ")
                    listed[path] = digest
                else:
                    fields[key] = value
            algorithm = fields.get("hash", "")
            if algorithm not in RENEWAL_HASHES:
                raise FormatProblem("unknown hash %r" % algorithm)
        except (FormatProblem, UnicodeDecodeError, IndexError) as e:
            report.problem("renewal_malformed", rel, str(e))
            return
        link.update(time=fields.get("time", ""), hash=algorithm, signatures=[])
        if fields.get("link") != str(number):
            report.problem(
                "renewal_link",
                rel,
                "the record names another link number",
                expected=number,
                found=fields.get("link"),
            )
        want_prev = src.digest(previous_rel, algorithm)
        if fields.get("previous") != "%s %s" % (previous_rel, want_prev):
            report.problem(
                "renewal_chain",
                rel,
                "the record does not chain to the previous evidence",
                expected="%s %s" % (previous_rel, want_prev),
                found=fields.get("previous"),
            )
        if not keys:
            report.problem("renewal_signature", rel, "the record names no signing key")
        for key in keys:
            sig = signature_of(note, key)
            verdict = (
                None
                if sig is None
                else (
                    ed25519_verify(key.public, sig, note.text.encode())
                    if key.kind == ED25519
                    else check_signature(key, note.text.encode(), sig)
                    if key.kind == MLDSA65
                    else False
                )
            )
            if sig is None or verdict is False:
                report.problem(
                    "renewal_signature",
                    rel,
                    "the %s signature of %s is %s"
                    % (key.algorithm, key.name, "missing" if sig is None else "bad"),
                    expected=key.text[:60] + "…",
                )
            link["signatures"].append(
                {
                    "key": key.name,
                    "algorithm": key.algorithm,
                    "verdict": "good" if verdict else ("bad" if verdict is False else NOT_CHECKED),
                }
            )
        if trusted is not None and not any(k in trusted for k in keys):
            report.problem(
                "renewal_untrusted",
                rel,
                "the link is not signed by a renewal key trusted here",
                found=", ".join(k.name for k in keys),
            )
        covered = {
            p
            for p in files
            if not (
                _RENEWAL_NAME.fullmatch(p) and int(_RENEWAL_NAME.fullmatch(p).group(1)) >= number
            )
        }
        for path in sorted(covered - set(listed)):
            report.problem(
                "renewal_files",
                rel,
                "a file is not covered by this renewal link (added later?)",
                entry=path,
            )
        for path in sorted(set(listed) - covered):
            report.problem(
                "renewal_files", rel, "a file this renewal covered is missing", entry=path
            )
        for path in sorted(covered & set(listed)):
            got = src.digest(path, algorithm)
            if got != listed[path]:
                report.problem(
                    "renewal_hash",
                    rel,
                    "a file changed since this renewal link",
                    entry=path,
                    expected=listed[path],
                    found=got,
                )
        previous_rel = rel
        report.fact(
            "renewal link %d of %s: %s; %s — vouches from %s"
            % (
                number,
                rel,
                algorithm.upper().replace("_", "-"),
                ", ".join(
                    "%s %s %s" % (s["algorithm"], s["key"], s["verdict"])
                    for s in link["signatures"]
                ),
                link["time"],
            )
        )


# --- chaining packages of consecutive years ------------------------------------------------


def check_chain(previous, current):
    """The year's start state must be the previous package's final checkpoint, per feed."""
    prev = previous.data
    cur = current.data
    if prev.get("root_key") != cur.get("root_key"):
        current.problem(
            "chain_root_key",
            DESCRIPTION,
            "the previous package has another school root key",
            expected=prev.get("root_key"),
            found=cur.get("root_key"),
        )
        return
    ends = {f["feed"]: f.get("end_checkpoint") for f in prev["feeds"]}
    for feed in cur["feeds"]:
        if feed["feed"] not in ends:
            if feed.get("start"):
                current.problem(
                    "chain",
                    DESCRIPTION,
                    "the feed starts at %d but the previous "
                    "package does not hold it" % feed["start"],
                    entry=feed["feed"],
                )
            continue
        if ends[feed["feed"]] != feed.get("start_checkpoint"):
            current.problem(
                "chain",
                DESCRIPTION,
                "the year does not start where the previous "
                "year's package ends (a rollback or a fork between the years)",
                entry="feed " + feed["feed"],
                expected=ends[feed["feed"]],
                found=feed.get("start_checkpoint"),
            )
    current.fact("chained to the previous package %s" % previous.package)


# --- reports: text, JSON, HTML -------------------------------------------------------------


def render_text(reports):
    out = []
    for r in reports:
        out.append(
            "package %s (%s, %s)"
            % (r.package, r.data.get("school", {}).get("name", "?"), r.data.get("year", "?"))
        )
        out.append("  checked with: Ed25519: %(ed25519)s; ML-DSA: %(ml-dsa)s" % r.data["backend"])
        out.extend("  " + f for f in r.facts)
        for p in r.problems:
            line = "  FAIL [%s] %s" % (p["code"], p["file"])
            if p["entry"]:
                line += " — " + p["entry"]
            line += ": " + p["message"]
            if p["expected"] or p["found"]:
                line += " (expected %s, found %s)" % (p["expected"] or "—", p["found"] or "—")
            out.append(line)
        out.append(
            "  %s" % ("OK: whole and authentic" if r.ok else "PROBLEMS: %d found" % len(r.problems))
        )
    return "\n".join(out) + "\n"


def render_json(reports):
    return json.dumps(
        {"ok": all(r.ok for r in reports), "packages": [r.as_json() for r in reports]},
        ensure_ascii=False,
        indent=1,
    )


def render_html(reports):
    """A whole HTML page of the reports."""
    return (
        "<!DOCTYPE html><html lang='ru'><head><meta charset='utf-8'>"
        "<title>Проверка архивных пакетов</title><style>body{font-family:sans-serif;"
        "max-width:60em;margin:auto}td,th{border:1px solid #ccc;padding:.2em .4em;"
        "vertical-align:top}table{border-collapse:collapse}.ok{color:#060}.bad{color:#a00}"
        "</style></head><body><h1>Проверка архивных пакетов</h1>"
        + render_html_body(reports)
        + "</body></html>\n"
    )


def render_html_body(reports):
    """The reports as HTML sections (for a page of one's own)."""
    e = _html.escape
    parts = []
    for r in reports:
        school = r.data.get("school", {}).get("name", "?")
        parts.append(
            "<section><h2>%s — %s</h2><p>%s</p>"
            % (e(school), e(r.data.get("year", "?")), e(r.package))
        )
        verdict = (
            "<p class='ok'><strong>Пакет цел и подлинен.</strong></p>"
            if r.ok
            else "<p class='bad'><strong>Найдены проблемы: %d.</strong></p>" % len(r.problems)
        )
        parts.append(verdict + "<ul>" + "".join("<li>%s</li>" % e(f) for f in r.facts) + "</ul>")
        if r.problems:
            parts.append(
                "<table><tr><th>код</th><th>файл</th><th>запись</th><th>ожидалось</th>"
                "<th>найдено</th><th>что не так</th></tr>"
            )
            for p in r.problems:
                parts.append(
                    "<tr>"
                    + "".join(
                        "<td>%s</td>" % e(p[k])
                        for k in ("code", "file", "entry", "expected", "found", "message")
                    )
                    + "</tr>"
                )
            parts.append("</table>")
        parts.append("</section>")
    return "".join(parts)


# --- command line --------------------------------------------------------------------------


def verify_paths(
    paths,
    previous=None,
    root_key=None,
    fixity_only=False,
    parse_lines=None,
    progress=None,
    renewal_keys=None,
):
    """Audit packages in order; each is chained to the one before it (and the first to
    ``previous`` when given). Returns the reports (the previous package's first)."""
    reports = []
    chain_from = None
    if previous:
        chain_from = audit(
            DirSource(previous), root_key, parse_lines, False, progress, previous, renewal_keys
        )
        reports.append(chain_from)
    for path in paths:
        r = audit(DirSource(path), root_key, parse_lines, fixity_only, progress, path, renewal_keys)
        if chain_from is not None and not fixity_only:
            check_chain(chain_from, r)
        reports.append(r)
        chain_from = r
    return reports


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("packages", nargs="+", metavar="PACKAGE")
    parser.add_argument("--previous", help="the previous year's package (checked and chained)")
    parser.add_argument("--root-key", help="the school root key (vkey line), known out of band")
    parser.add_argument("--fixity", action="store_true", help="check only the BagIt manifests")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--html", metavar="FILE", help="also write the report as an HTML page")
    parser.add_argument(
        "--renewal-key",
        action="append",
        default=None,
        metavar="VKEY",
        help="a key trusted to sign renewal links (repeatable)",
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    for p in args.packages + ([args.previous] if args.previous else []):
        if not os.path.isdir(p):
            print("error: %s is not a folder" % p, file=sys.stderr)
            return 2
    try:
        pinned = parse_vkey(args.root_key) if args.root_key else None
        renewal = [parse_vkey(k) for k in args.renewal_key] if args.renewal_key else None
    except FormatProblem as e:
        print("error: --root-key / --renewal-key: %s" % e, file=sys.stderr)
        return 2
    reports = verify_paths(args.packages, args.previous, pinned, args.fixity, renewal_keys=renewal)
    sys.stdout.write(render_json(reports) + "\n" if args.json else render_text(reports))
    if args.html:
        with open(args.html, "w", encoding="utf-8") as f:
            f.write(render_html(reports))
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
