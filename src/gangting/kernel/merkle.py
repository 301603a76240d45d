"""RFC 9162 Merkle trees over SHA-256: tree hashes, inclusion and consistency proofs.

The audit ledger's signed checkpoints commit to a Merkle Tree Hash (RFC 9162 §2.1.1)
over the ledger's entries, in the same shape as Certificate Transparency logs, so any
RFC 6962/9162 verifier can check them:

- ``leaf_hash(d) = SHA-256(0x00 || d)``, ``node_hash(l, r) = SHA-256(0x01 || l || r)``;
- the hash of an empty tree is ``SHA-256("")``;
- a tree of ``n > 1`` leaves splits at ``k``, the largest power of two below ``n``:
  ``MTH(D[n]) = node_hash(MTH(D[0:k]), MTH(D[k:n]))``.

Most functions work on *leaf hashes* (32 bytes each), not on leaf data: the ledger keeps
one hash per entry and feeds those entry hashes to :func:`leaf_hash` once, as leaf data.
Tree hashes are computed iteratively with a stack of at most ``log2(n) + 1`` subtree
hashes (:class:`MerkleAccumulator`), so leaf hashes can be streamed from an iterator:
millions of leaves need no more memory than a few dozen hashes.

Proofs are lists of 32-byte hashes ordered from the leaves towards the root, exactly the
``PATH`` and ``PROOF`` of RFC 9162 §2.1.3.1 and §2.1.4.1. Verification follows the
algorithms of §2.1.3.2 and §2.1.4.2 and answers a plain ``bool``.

Pure: the standard library only (hashlib).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
"""Bytes in every hash of the tree (SHA-256)."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The Merkle Tree Hash of the empty tree: SHA-256 of the empty string."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """The hash of one leaf: ``SHA-256(0x00 || data)`` (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: ``SHA-256(0x01 || left || right)`` (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ValueError(f"{what} is {len(value)} bytes, not {HASH_SIZE}")


def _split(size: int) -> int:
    """The largest power of two strictly below ``size`` (``size >= 2``)."""
    return 1 << ((size - 1).bit_length() - 1)


class MerkleAccumulator:
    """A tree grown one leaf hash at a time, whose root is available at any size.

    It keeps the roots of the perfect subtrees that make up the tree so far (a "compact
    range"): one per set bit of the size, largest first, so at most ``log2(n) + 1`` hashes.
    """

    __slots__ = ("_size", "_stack")

    def __init__(self) -> None:
        self._size = 0
        self._stack: list[bytes] = []

    @property
    def size(self) -> int:
        """The number of leaves appended so far."""
        return self._size

    def append(self, leaf_hash: bytes) -> None:
        """Append the next leaf, given as its 32-byte leaf hash."""
        _check_hash(leaf_hash, "leaf hash")
        self._stack.append(leaf_hash)
        self._size += 1
        # Each trailing one bit of the old size is a perfect subtree that now has an
        # equally large right sibling: merge them (like carrying in binary addition).
        count = self._size
        while count & 1 == 0:
            right = self._stack.pop()
            left = self._stack.pop()
            self._stack.append(node_hash(left, right))
            count >>= 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append leaf hashes in order."""
        for value in leaf_hashes:
            self.append(value)

    def root(self) -> bytes:
        """The Merkle Tree Hash of the leaves appended so far."""
        if not self._stack:
            return EMPTY_ROOT
        # The smaller subtrees sit on the right: fold them from the right.
        result = self._stack[-1]
        for subtree in reversed(self._stack[:-1]):
            result = node_hash(subtree, result)
        return result


def root_from_leaf_hashes(leaf_hashes: Iterable[bytes]) -> bytes:
    """The Merkle Tree Hash of a tree given by its leaf hashes, streamed in order.

    Memory stays logarithmic in the number of leaves; every item must be 32 bytes.
    """
    accumulator = MerkleAccumulator()
    accumulator.extend(leaf_hashes)
    return accumulator.root()


def root(leaves: Iterable[bytes]) -> bytes:
    """The Merkle Tree Hash of a tree given by its leaf *data* (RFC 9162 §2.1.1)."""
    return root_from_leaf_hashes(leaf_hash(data) for data in leaves)


def _subtree_root(leaf_hashes: Sequence[bytes], start: int, end: int) -> bytes:
    return root_from_leaf_hashes(leaf_hashes[i] for i in range(start, end))


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``leaf_hashes`` (RFC 9162 §2.1.3.1).

    The path lists the sibling subtree roots from the leaf up to the root; a tree of one
    leaf has an empty path. Raises ``ValueError`` when ``index`` is not a leaf of the tree.
    """
    size = len(leaf_hashes)
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} outside a tree of {size} leaves")
    top_down: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            top_down.append(_subtree_root(leaf_hashes, start + k, end))
            end = start + k
        else:
            top_down.append(_subtree_root(leaf_hashes, start, start + k))
            start += k
    top_down.reverse()
    return top_down


def root_from_inclusion_proof(
    index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes]
) -> bytes | None:
    """The root that ``proof`` places leaf ``index`` under, or ``None`` if it cannot fit.

    This is RFC 9162 §2.1.3.2 without its final comparison with the expected root.
    """
    if not 0 <= index < tree_size:
        return None
    if len(leaf_hash) != HASH_SIZE or any(len(p) != HASH_SIZE for p in proof):
        return None
    fn, sn = index, tree_size - 1
    result = leaf_hash
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            result = node_hash(p, result)
            while fn != 0 and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        return None
    return result


def verify_inclusion(
    index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``proof`` shows leaf hash ``leaf_hash`` at ``index`` in the tree ``root``.

    RFC 9162 §2.1.3.2. Every hash must be 32 bytes; an index outside the tree fails.
    """
    computed = root_from_inclusion_proof(index, tree_size, leaf_hash, proof)
    return computed is not None and computed == root


def consistency_proof(m: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """The proof that the tree of the first ``m`` leaves is a prefix of the whole tree.

    RFC 9162 §2.1.4.1 ``PROOF(m, D[n])`` with ``n = len(leaf_hashes)``. The proof is empty
    when ``m == 0`` or ``m == n`` (nothing to prove); ``m`` outside ``0..n`` raises
    ``ValueError``.
    """
    size = len(leaf_hashes)
    if not 0 <= m <= size:
        raise ValueError(f"old size {m} outside 0..{size}")
    if m in (0, size):
        return []
    # SUBPROOF(m, D[start:end], b), unrolled: each step appends one subtree root and
    # descends into the other half; the list is built top-down, then reversed.
    top_down: list[bytes] = []
    start, end, first = 0, size, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            top_down.append(_subtree_root(leaf_hashes, start + k, end))
            end = start + k
        else:
            top_down.append(_subtree_root(leaf_hashes, start, start + k))
            start += k
            m -= k
            first = False
    if not first:
        top_down.append(_subtree_root(leaf_hashes, start, end))
    top_down.reverse()
    return top_down


def verify_consistency(
    m: int, n: int, root_m: bytes, root_n: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows the tree ``root_m`` of size ``m`` is a prefix of ``root_n``.

    RFC 9162 §2.1.4.2 for ``0 < m < n``. The trivial cases need an empty proof: ``m == n``
    holds when the roots are equal, ``m == 0`` when ``root_m`` is the empty tree's hash.
    Every hash must be 32 bytes; ``m > n`` or a negative size fails.
    """
    if not 0 <= m <= n:
        return False
    if len(root_m) != HASH_SIZE or len(root_n) != HASH_SIZE:
        return False
    if any(len(p) != HASH_SIZE for p in proof):
        return False
    if m == 0:
        return not proof and root_m == EMPTY_ROOT
    if m == n:
        return not proof and root_m == root_n
    if not proof:
        return False
    path = list(proof)
    if m & (m - 1) == 0:  # m is a power of two: the old tree is a subtree of the new one
        path.insert(0, root_m)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn != 0 and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root_m and sr == root_n
