"""Tests of ejournal.log.merkle: third-party RFC 6962 vectors, known roots, and a slow reference.

The reference below is RFC 6962 §2.1 written out word for word (recursive MTH, PATH and
SUBPROOF over raw entries, hashing with hashlib directly); the fast code must agree with it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ejournal.log.errors import ProofError
from ejournal.log.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).parent / "data" / "transparency-dev" / "testdata"
PROPERTIES = settings(max_examples=200, deadline=None)

# The Certificate Transparency reference leaves and the roots of their first 1…8 leaves,
# as published in transparency-dev/merkle (testonly/constants.go).
CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
EMPTY_TREE_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


# --- the slow, obvious reference (RFC 6962 §2.1) ------------------------------------------


def ref_split(n: int) -> int:
    """The largest power of two smaller than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: Sequence[bytes]) -> bytes:
    """MTH(D[n])."""
    n = len(d)
    if n == 0:
        return sha256(b"").digest()
    if n == 1:
        return sha256(b"\x00" + d[0]).digest()
    k = ref_split(n)
    return sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n])."""
    n = len(d)
    if n == 1:
        return []
    k = ref_split(n)
    if m < k:
        return ref_path(m, d[:k]) + [ref_mth(d[k:])]
    return ref_path(m - k, d[k:]) + [ref_mth(d[:k])]


def ref_proof(m: int, d: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true)."""
    return ref_subproof(m, d, True)


def ref_subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = ref_split(n)
    if m <= k:
        return ref_subproof(m, d[:k], b) + [ref_mth(d[k:])]
    return ref_subproof(m - k, d[k:], False) + [ref_mth(d[:k])]


# --- strategies ---------------------------------------------------------------------------


@st.composite
def entries(draw: st.DrawFn, min_size: int = 0, max_size: int = 300) -> list[bytes]:
    """Raw leaf data: the tree's shape depends on the count, so draw the count evenly."""
    n = draw(st.integers(min_size, max_size))
    salt = draw(st.binary(max_size=4))
    return [salt + i.to_bytes(2, "big") for i in range(n)]


def hashes_of(d: Sequence[bytes]) -> list[bytes]:
    return [leaf_hash(x) for x in d]


# --- third-party vectors (transparency-dev/merkle) ----------------------------------------


def _cases(kind: str) -> list[Any]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    return [pytest.param(f, id=str(f.relative_to(VECTORS))) for f in files]


def _load(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    case["proof"] = [base64.b64decode(h) for h in case.get("proof") or []]
    return case


def test_vector_folders_hold_every_case_of_the_upstream_set() -> None:
    # Guards the parametrized tests below against passing vacuously on a missing folder.
    inclusion = list((VECTORS / "inclusion").rglob("*.json"))
    consistency = list((VECTORS / "consistency").rglob("*.json"))
    assert len(inclusion) == 98
    assert len(consistency) == 98
    wanted = [json.loads(p.read_text())["wantErr"] for p in inclusion + consistency]
    assert wanted.count(False) == 12


@pytest.mark.parametrize("path", _cases("inclusion"))
def test_inclusion_vector_is_refused_exactly_when_upstream_wants_an_error(path: Path) -> None:
    case = _load(path)
    args = (
        case["leafIdx"],
        case["treeSize"],
        base64.b64decode(case["leafHash"]),
        case["proof"],
        base64.b64decode(case["root"]),
    )
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", _cases("consistency"))
def test_consistency_vector_is_refused_exactly_when_upstream_wants_an_error(path: Path) -> None:
    case = _load(path)
    args = (
        case["size1"],
        case["size2"],
        case["proof"],
        base64.b64decode(case["root1"]),
        base64.b64decode(case["root2"]),
    )
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


@pytest.mark.parametrize(
    "path", [p for p in _cases("inclusion") if p.values[0].name == "happy-path.json"]
)
def test_inclusion_proof_reproduces_the_upstream_happy_path_proof(path: Path) -> None:
    case = _load(path)
    leaves = hashes_of(CT_LEAVES)
    assert leaves[case["leafIdx"]] == base64.b64decode(case["leafHash"])
    assert inclusion_proof(leaves, case["leafIdx"], case["treeSize"]) == case["proof"]


@pytest.mark.parametrize(
    "path", [p for p in _cases("consistency") if p.values[0].name == "happy-path.json"]
)
def test_consistency_proof_reproduces_the_upstream_happy_path_proof(path: Path) -> None:
    case = _load(path)
    leaves = hashes_of(CT_LEAVES)
    assert root_of(leaves[: case["size2"]]) == base64.b64decode(case["root2"])
    assert consistency_proof(leaves, case["size1"], case["size2"]) == case["proof"]


# --- known roots -----------------------------------------------------------------------------


def test_root_of_the_eight_ct_reference_leaves_is_the_published_one() -> None:
    root = root_of(hashes_of(CT_LEAVES))
    assert root.hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


@pytest.mark.parametrize("n", range(1, 9))
def test_roots_of_the_first_n_ct_reference_leaves_are_the_published_ones(n: int) -> None:
    tree = CompactRange()
    for h in hashes_of(CT_LEAVES[:n]):
        tree.append(h)
    assert root_of(hashes_of(CT_LEAVES[:n])).hex() == CT_ROOTS[n - 1]
    assert tree.root().hex() == CT_ROOTS[n - 1]
    assert ref_mth(CT_LEAVES[:n]).hex() == CT_ROOTS[n - 1]


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == EMPTY_TREE_ROOT
    assert root_of([]).hex() == EMPTY_TREE_ROOT
    assert CompactRange().root().hex() == EMPTY_TREE_ROOT


def test_leaf_and_node_hashes_use_the_rfc6962_domain_prefixes() -> None:
    assert leaf_hash(b"abc") == sha256(b"\x00abc").digest()
    assert node_hash(b"L" * 32, b"R" * 32) == sha256(b"\x01" + b"L" * 32 + b"R" * 32).digest()


# --- the fast code against the reference -----------------------------------------------------


@PROPERTIES
@given(entries())
def test_compact_range_built_by_append_has_the_reference_root(d: list[bytes]) -> None:
    tree = CompactRange()
    for h in hashes_of(d):
        tree.append(h)
    assert tree.size == len(d)
    assert tree.root() == ref_mth(d)


CHUNKS = st.lists(st.tuples(st.booleans(), st.integers(0, 80)), max_size=40)


@PROPERTIES
@given(entries(), st.lists(st.integers(1, 80), max_size=40))
def test_compact_range_built_by_extend_in_any_chunking_has_the_reference_root(
    d: list[bytes], chunks: list[int]
) -> None:
    leaves = hashes_of(d)
    tree, done = CompactRange(), 0
    for step in [*chunks, len(leaves)]:
        step = min(step, len(leaves) - done)
        tree.extend(leaves[done : done + step])
        done += step
        assert tree.size == done
        assert tree.root() == ref_mth(d[:done])
    assert tree.root() == ref_mth(d)


@PROPERTIES
@given(entries(), CHUNKS)
def test_compact_range_mixing_append_and_extend_has_the_reference_root(
    d: list[bytes], chunks: list[tuple[bool, int]]
) -> None:
    leaves = hashes_of(d)
    tree, done = CompactRange(), 0
    for one_by_one, step in [*chunks, (False, len(leaves))]:
        chunk = leaves[done : done + step]
        if one_by_one:
            for h in chunk:
                tree.append(h)
        else:
            tree.extend(chunk)
        done += len(chunk)
    assert tree.size == len(leaves)
    assert tree.root() == ref_mth(d)


@PROPERTIES
@given(entries())
def test_root_of_is_the_reference_root(d: list[bytes]) -> None:
    assert root_of(hashes_of(d)) == ref_mth(d)


@PROPERTIES
@given(entries(min_size=1, max_size=64), st.data())
def test_copy_of_a_compact_range_grows_independently(d: list[bytes], data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(d) - 1), label="cut")
    tree = CompactRange()
    tree.extend(hashes_of(d[:cut]))
    other = tree.copy()
    other.extend(hashes_of(d[cut:]))
    assert tree.size == cut
    assert tree.root() == ref_mth(d[:cut])
    assert other.root() == ref_mth(d)


@PROPERTIES
@given(entries(min_size=1), st.data())
def test_inclusion_proof_is_the_reference_path_and_verifies(
    d: list[bytes], data: st.DataObject
) -> None:
    size = data.draw(st.integers(1, len(d)), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    leaves = hashes_of(d)
    proof = inclusion_proof(leaves, index, size)
    assert proof == ref_path(index, d[:size])
    verify_inclusion(index, size, leaves[index], proof, ref_mth(d[:size]))


@PROPERTIES
@given(entries(min_size=1), st.data())
def test_consistency_proof_is_the_reference_proof_and_verifies(
    d: list[bytes], data: st.DataObject
) -> None:
    size2 = data.draw(st.integers(1, len(d)), label="size2")
    size1 = data.draw(st.integers(1, size2), label="size1")
    proof = consistency_proof(hashes_of(d), size1, size2)
    assert proof == ref_proof(size1, d[:size2])
    verify_consistency(size1, size2, proof, ref_mth(d[:size1]), ref_mth(d[:size2]))


TAMPERINGS = st.sampled_from(["flip", "remove", "add"])


def _tamper(proof: list[bytes], how: str, data: st.DataObject) -> list[bytes]:
    bad = list(proof)
    if how == "flip":
        i = data.draw(st.integers(0, len(bad) - 1), label="hash")
        j = data.draw(st.integers(0, 31), label="byte")
        bit = data.draw(st.sampled_from([1, 2, 4, 8, 16, 32, 64, 128]), label="bit")
        h = bytearray(bad[i])
        h[j] ^= bit
        bad[i] = bytes(h)
    elif how == "remove":
        del bad[data.draw(st.integers(0, len(bad) - 1), label="removed")]
    else:
        extra = data.draw(st.binary(min_size=32, max_size=32), label="extra")
        bad.insert(data.draw(st.integers(0, len(bad)), label="at"), extra)
    return bad


@PROPERTIES
@given(entries(min_size=2), st.data(), TAMPERINGS)
def test_inclusion_proof_with_a_byte_flipped_or_a_hash_removed_or_added_fails(
    d: list[bytes], data: st.DataObject, how: str
) -> None:
    size = data.draw(st.integers(2, len(d)), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    leaves = hashes_of(d)
    proof = _tamper(inclusion_proof(leaves, index, size), how, data)
    with pytest.raises(ProofError):
        verify_inclusion(index, size, leaves[index], proof, ref_mth(d[:size]))


@PROPERTIES
@given(entries(min_size=2), st.data(), TAMPERINGS)
def test_consistency_proof_with_a_byte_flipped_or_a_hash_removed_or_added_fails(
    d: list[bytes], data: st.DataObject, how: str
) -> None:
    size2 = data.draw(st.integers(2, len(d)), label="size2")
    size1 = data.draw(st.integers(1, size2 - 1), label="size1")
    proof = _tamper(consistency_proof(hashes_of(d), size1, size2), how, data)
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, proof, ref_mth(d[:size1]), ref_mth(d[:size2]))


@PROPERTIES
@given(entries(min_size=1, max_size=64), st.data())
def test_inclusion_proof_does_not_verify_for_another_leaf_index(
    d: list[bytes], data: st.DataObject
) -> None:
    size = data.draw(st.integers(1, len(d)), label="size")
    index = data.draw(st.integers(0, size - 1), label="index")
    other = data.draw(st.integers(0, size).filter(lambda i: i != index), label="other")
    leaves = hashes_of(d)
    proof = inclusion_proof(leaves, index, size)
    with pytest.raises(ProofError):
        verify_inclusion(other, size, leaves[index], proof, ref_mth(d[:size]))


@pytest.mark.parametrize(("index", "size"), [(0, 0), (3, 3), (-1, 3), (0, 9)])
def test_inclusion_proof_of_a_leaf_outside_the_tree_is_a_caller_error(
    index: int, size: int
) -> None:
    with pytest.raises(ValueError, match="no leaf"):
        inclusion_proof(hashes_of(CT_LEAVES), index, size)


@pytest.mark.parametrize(("size1", "size2"), [(0, 4), (5, 4), (2, 9)])
def test_consistency_proof_between_impossible_sizes_is_a_caller_error(
    size1: int, size2: int
) -> None:
    with pytest.raises(ValueError, match="no consistency proof"):
        consistency_proof(hashes_of(CT_LEAVES), size1, size2)
