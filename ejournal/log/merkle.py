"""RFC 6962 / RFC 9162 Merkle trees: hashing, an incremental tree, proofs and their checks.

Pure functions over bytes. The incremental :class:`CompactRange` keeps only the roots of the
perfect subtrees that make up the tree (one per set bit of its size), so appending is
O(log n) and memory is O(log n); proofs are computed from a list of leaf hashes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from hashlib import sha256

from .errors import ProofError

HASH_SIZE = 32
EMPTY_ROOT = sha256(b"").digest()
_LEAF = b"\x00"
_NODE = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 ‖ data): the hash of one leaf (one log line without its newline)."""
    return sha256(_LEAF + data).digest()


# Copying a hash already fed its prefix is cheaper than starting one (OpenSSL 3 sets a new
# context up at length): the bulk functions below hash this way.
_LEAF_START = sha256(_LEAF)
_NODE_START = sha256(_NODE)


def leaf_hashes(lines: Iterable[bytes]) -> list[bytes]:
    """The leaf hashes of many lines (each without its newline)."""
    start = _LEAF_START.copy
    out = []
    for line in lines:
        h = start()
        h.update(line)
        out.append(h.digest())
    return out


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right): the hash of an interior node."""
    return sha256(_NODE + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _perfect_root(level: Sequence[bytes]) -> bytes:
    """Root of a perfect tree whose leaf-level hashes are given (len is a power of two)."""
    hashes = list(level)
    start = _NODE_START.copy
    while len(hashes) > 1:
        it = iter(hashes)
        above = []
        for left, right in zip(it, it, strict=True):
            h = start()
            h.update(left)
            h.update(right)
            above.append(h.digest())
        hashes = above
    return hashes[0]


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of RFC 6962 §2.1 over already hashed leaves."""
    if not leaf_hashes:
        return EMPTY_ROOT
    tree = CompactRange()
    tree.extend(leaf_hashes)
    return tree.root()


class CompactRange:
    """An append-only Merkle tree that remembers only what it needs to grow and give its root."""

    __slots__ = ("size", "_stack")

    def __init__(self) -> None:
        self.size = 0
        # Roots of the perfect subtrees, largest (leftmost) first; sizes are the set bits of size.
        self._stack: list[bytes] = []

    @classmethod
    def from_hashes(cls, size: int, hashes: Sequence[bytes]) -> CompactRange:
        """The tree of ``size`` leaves given by its perfect-subtree roots (see :attr:`hashes`).

        Raises:
            ValueError: the number of hashes is not the number of set bits of ``size``.
        """
        wrong = any(len(h) != HASH_SIZE for h in hashes)
        if size < 0 or len(hashes) != bin(size).count("1") or wrong:
            raise ValueError("a compact range needs one 32-byte hash per set bit of its size")
        tree = cls()
        tree.size = size
        tree._stack = list(hashes)
        return tree

    @property
    def hashes(self) -> list[bytes]:
        """The roots of the perfect subtrees, largest first: with ``size``, the whole state."""
        return list(self._stack)

    def copy(self) -> CompactRange:
        other = CompactRange()
        other.size = self.size
        other._stack = list(self._stack)
        return other

    def _push(self, subtree_root: bytes, block: int) -> None:
        # Binary addition: a block equal to the lowest set bit of size merges and carries.
        h, bit, stack = subtree_root, block, self._stack
        while self.size & bit:
            h = sha256(_NODE + stack.pop() + h).digest()
            bit <<= 1
        stack.append(h)
        self.size += block

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash."""
        self._push(leaf, 1)

    def extend(self, leaves: Sequence[bytes]) -> None:
        """Add many leaf hashes, hashing aligned power-of-two blocks level by level (fast)."""
        i, n = 0, len(leaves)
        while i < n:
            room = self.size & -self.size if self.size else 1 << 62
            block = min(room, 1 << ((n - i).bit_length() - 1))
            if block == 1:
                self._push(leaves[i], 1)
            else:
                self._push(_perfect_root(leaves[i : i + block]), block)
            i += block

    def root(self) -> bytes:
        """The root hash of the tree as it is now (the empty tree's root when size is 0)."""
        if not self._stack:
            return EMPTY_ROOT
        stack = self._stack
        r = stack[-1]
        for h in reversed(stack[:-1]):
            r = sha256(_NODE + h + r).digest()
        return r


def _subtree(leaves: Sequence[bytes], lo: int, hi: int) -> bytes:
    n = hi - lo
    if n == 1:
        return leaves[lo]
    if n & (n - 1) == 0:
        return _perfect_root(leaves[lo:hi])
    k = _split(n)
    return node_hash(_subtree(leaves, lo, lo + k), _subtree(leaves, lo + k, hi))


def inclusion_proof(leaves: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) of RFC 6962 §2.1.1: the audit path of a leaf in the first ``size``."""
    if not 0 <= index < size <= len(leaves):
        raise ValueError(f"no leaf {index} in a tree of size {size}")
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append(_subtree(leaves, lo + k, hi))
            hi = lo + k
        else:
            path.append(_subtree(leaves, lo, lo + k))
            lo = lo + k
    path.reverse()
    return path


def consistency_proof(leaves: Sequence[bytes], size1: int, size2: int) -> list[bytes]:
    """PROOF(size1, D[size2]) of RFC 6962 §2.1.2: the tree of size1 is a prefix of size2's."""
    if not 0 < size1 <= size2 <= len(leaves):
        raise ValueError(f"no consistency proof from {size1} to {size2}")
    proof: list[bytes] = []
    lo, hi, whole = 0, size2, True
    m = size1
    while True:
        n = hi - lo
        if m == n:
            if not whole:
                proof.append(_subtree(leaves, lo, hi))
            break
        k = _split(n)
        if m <= k:
            proof.append(_subtree(leaves, lo + k, hi))
            hi = lo + k
        else:
            proof.append(_subtree(leaves, lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    proof.reverse()
    return proof


def _check_hash(h: bytes, what: str) -> None:
    if len(h) != HASH_SIZE:
        raise ProofError(f"{what} has {len(h)} bytes, expected {HASH_SIZE}")


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root implied by an inclusion proof (RFC 9162 §2.1.3.2), or ProofError."""
    if index >= size or index < 0:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    _check_hash(leaf, "leaf hash")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        _check_hash(p, "proof hash")
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf`` is at ``index`` in the tree of ``size`` with ``root``.

    Raises:
        ProofError: the proof does not lead to ``root``.
    """
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError(f"inclusion proof for leaf {index} of {size} does not match the root")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree (size1, root1) is a prefix of (size2, root2) (RFC 9162 §2.1.4.2).

    As transparency-dev/merkle does: a proof from the empty tree is refused as meaningless,
    and equal sizes need an empty proof and equal roots.

    Raises:
        ProofError: the proof does not show consistency.
    """
    if size2 < size1:
        raise ProofError(f"size2 ({size2}) is smaller than size1 ({size1})")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if size1 == size2:
        if proof:
            raise ProofError("equal sizes need an empty proof")
        if root1 != root2:
            raise ProofError("equal sizes but different roots")
        return
    if not proof:
        raise ProofError("empty consistency proof")
    for p in proof:
        _check_hash(p, "proof hash")
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
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != root1:
        raise ProofError(f"consistency proof does not lead to the root of size {size1}")
    if sr != root2:
        raise ProofError(f"consistency proof does not lead to the root of size {size2}")
