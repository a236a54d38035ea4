"""Many RFC 6962 proofs over one tree at once: subtree hashes are computed once and kept.

ejournal.log.merkle computes each proof from the leaves alone (O(n) a proof); a package needs
hundreds of inclusion proofs into the tree at its year's start, so large subtrees are memoised
(those of at least 1,024 leaves: memory stays O(n / 1024)).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ejournal.log.merkle import CompactRange, _perfect_root, _split, node_hash

_MEMO_FROM = 1024


class ProofBuilder:
    """Inclusion and consistency proofs over the leaf hashes given (RFC 6962 §2.1.1–2.1.2)."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.leaves = leaves
        self._memo: dict[tuple[int, int], bytes] = {}

    def subtree(self, lo: int, hi: int) -> bytes:
        n = hi - lo
        if n == 1:
            return self.leaves[lo]
        if n < _MEMO_FROM and n & (n - 1) == 0:
            return _perfect_root(self.leaves[lo:hi])
        got = self._memo.get((lo, hi))
        if got is None:
            k = _split(n)
            got = node_hash(self.subtree(lo, lo + k), self.subtree(lo + k, hi))
            if n >= _MEMO_FROM:
                self._memo[(lo, hi)] = got
        return got

    def inclusion(self, index: int, size: int) -> list[bytes]:
        if not 0 <= index < size <= len(self.leaves):
            raise ValueError(f"no leaf {index} in a tree of size {size}")
        path: list[bytes] = []
        lo, hi = 0, size
        while hi - lo > 1:
            k = _split(hi - lo)
            if index < lo + k:
                path.append(self.subtree(lo + k, hi))
                hi = lo + k
            else:
                path.append(self.subtree(lo, lo + k))
                lo = lo + k
        path.reverse()
        return path

    def consistency(self, size1: int, size2: int) -> list[bytes]:
        if not 0 < size1 <= size2 <= len(self.leaves):
            raise ValueError(f"no consistency proof from {size1} to {size2}")
        proof: list[bytes] = []
        lo, hi, whole, m = 0, size2, True, size1
        while True:
            n = hi - lo
            if m == n:
                if not whole:
                    proof.append(self.subtree(lo, hi))
                break
            k = _split(n)
            if m <= k:
                proof.append(self.subtree(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self.subtree(lo, lo + k))
                lo, m, whole = lo + k, m - k, False
        proof.reverse()
        return proof


def frontier(leaves: Iterable[bytes]) -> tuple[int, list[bytes]]:
    """The size and the frontier (roots of the perfect subtrees, left first) of a tree."""
    tree = CompactRange()
    tree.extend(list(leaves))
    return tree.size, list(tree._stack)  # noqa: SLF001 - the frontier is exactly that stack
