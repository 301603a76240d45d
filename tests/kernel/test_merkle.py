"""RFC 9162 Merkle trees: published test vectors, the RFC's own example, and properties.

The vectors are the RFC 6962 test data shared by Certificate Transparency implementations,
copied (data only) from transparency-dev/merkle (Apache-2.0):

- ``testonly/constants.go``: the eight leaf inputs and the root of every tree size 0..8;
- ``proof/verify_test.go``: ``inclusionProofs`` (leaf numbers there are 1-based) and
  ``consistencyProofs``.

https://github.com/transparency-dev/merkle/blob/main/testonly/constants.go
https://github.com/transparency-dev/merkle/blob/main/proof/verify_test.go
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

import pytest

from gangting.kernel.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    MerkleAccumulator,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

h = bytes.fromhex

LEAVES = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]

# ROOTS[n] is the root of the tree of the first n leaves.
ROOTS = [
    h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

# (0-based leaf index, tree size, audit path)
INCLUSION_VECTORS = [
    (0, 1, []),
    (
        0,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        5,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        3,
        [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")],
    ),
    (
        1,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]

# (old size, new size, proof)
CONSISTENCY_VECTORS = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]

LEAF_HASHES = [leaf_hash(d) for d in LEAVES]
SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


def reference_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH straight from the recursive definition of RFC 9162 §2.1.1."""
    n = len(leaf_hashes)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaf_hashes[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(reference_root(leaf_hashes[:k]), reference_root(leaf_hashes[k:]))


def flip(value: bytes, bit: int = 3) -> bytes:
    return bytes([value[0] ^ (1 << bit)]) + value[1:]


# --- published vectors -------------------------------------------------------------------


def test_hash_prefixes() -> None:
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert EMPTY_ROOT == ROOTS[0]
    assert len(EMPTY_ROOT) == HASH_SIZE


@pytest.mark.parametrize("size", range(len(ROOTS)))
def test_roots_of_the_vector_trees(size: int) -> None:
    assert root(LEAVES[:size]) == ROOTS[size]
    assert root_from_leaf_hashes(iter(LEAF_HASHES[:size])) == ROOTS[size]


def test_accumulator_root_at_every_size() -> None:
    accumulator = MerkleAccumulator()
    assert accumulator.size == 0
    assert accumulator.root() == ROOTS[0]
    for size, value in enumerate(LEAF_HASHES, start=1):
        accumulator.append(value)
        assert accumulator.size == size
        assert accumulator.root() == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION_VECTORS)
def test_inclusion_vectors(index: int, size: int, path: list[bytes]) -> None:
    assert inclusion_proof(index, LEAF_HASHES[:size]) == path
    assert verify_inclusion(index, size, LEAF_HASHES[index], path, ROOTS[size])
    assert root_from_inclusion_proof(index, size, LEAF_HASHES[index], path) == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION_VECTORS)
def test_corrupted_inclusion_vectors_fail(index: int, size: int, path: list[bytes]) -> None:
    leaf = LEAF_HASHES[index]
    good = ROOTS[size]
    probes: list[tuple[int, int, bytes, list[bytes], bytes]] = [
        (index - 1, size, leaf, path, good),
        (index + 1, size, leaf, path, good),
        (index ^ 2, size, leaf, path, good),
        (index, size * 2, leaf, path, good),
        (index, size // 2, leaf, path, good),
        (index, size, leaf_hash(b"WrongLeaf"), path, good),
        (index, size, b"WrongLeaf", path, good),
        (index, size, leaf, path, EMPTY_ROOT),
        (index, size, leaf, path, SOME_HASH),
        (index, size, leaf, [*path, b""], good),
        (index, size, leaf, [*path, good], good),
        (index, size, leaf, [b"", *path], good),
        (index, size, leaf, [good, *path], good),
    ]
    for i in range(len(path)):
        probes.append((index, size, leaf, [*path[:i], flip(path[i]), *path[i + 1 :]], good))
    if path:
        probes.append((index, size, leaf, path[:-1], good))
    if len(path) > 1:
        probes.append((index, size, leaf, [path[0], SOME_HASH, *path[1:]], good))
    for probe in probes:
        assert not verify_inclusion(*probe), probe


@pytest.mark.parametrize(("m", "n", "proof"), CONSISTENCY_VECTORS)
def test_consistency_vectors(m: int, n: int, proof: list[bytes]) -> None:
    assert consistency_proof(m, LEAF_HASHES[:n]) == proof
    assert verify_consistency(m, n, ROOTS[m], ROOTS[n], proof)


@pytest.mark.parametrize(("m", "n", "proof"), [v for v in CONSISTENCY_VECTORS if v[2]])
def test_corrupted_consistency_vectors_fail(m: int, n: int, proof: list[bytes]) -> None:
    r1, r2 = ROOTS[m], ROOTS[n]
    probes: list[tuple[int, int, bytes, bytes, list[bytes]]] = [
        (m - 1, n, r1, r2, proof),
        (m + 1, n, r1, r2, proof),
        (m ^ 2, n, r1, r2, proof),
        (m, n * 2, r1, r2, proof),
        (m, n // 2, r1, r2, proof),
        (m, n, b"WrongRoot", r2, proof),
        (m, n, r1, b"WrongRoot", proof),
        (m, n, SOME_HASH, r2, proof),
        (m, n, r1, SOME_HASH, proof),
        (m, n, r2, r1, proof),
        (m, n, r1, r2, []),
        (m, n, r1, r2, [*proof, b""]),
        (m, n, r1, r2, [*proof, r1]),
        (m, n, r1, r2, [*proof, r2]),
        (m, n, r1, r2, [b"", *proof]),
        (m, n, r1, r2, [r1, *proof]),
        (m, n, r1, r2, [r2, *proof]),
        (m, n, r1, r2, [proof[0], *proof]),
        (m, n, r1, r2, proof[:-1]),
    ]
    for i in range(len(proof)):
        probes.append((m, n, r1, r2, [*proof[:i], flip(proof[i], 4), *proof[i + 1 :]]))
    for probe in probes:
        assert not verify_consistency(*probe), probe


def test_trivial_consistency() -> None:
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 5, EMPTY_ROOT, ROOTS[5], [])
    assert verify_consistency(3, 3, ROOTS[3], ROOTS[3], [])
    assert not verify_consistency(3, 3, ROOTS[3], ROOTS[4], [])
    assert not verify_consistency(0, 5, ROOTS[1], ROOTS[5], [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])
    assert not verify_consistency(3, 3, ROOTS[3], ROOTS[3], [EMPTY_ROOT])
    assert not verify_consistency(2, 1, ROOTS[2], ROOTS[1], [])
    assert not verify_consistency(-1, 1, ROOTS[0], ROOTS[1], [])
    assert not verify_consistency(1, 2, ROOTS[1], ROOTS[2], [])
    assert consistency_proof(0, LEAF_HASHES) == []
    assert consistency_proof(8, LEAF_HASHES) == []


def test_inclusion_edge_cases() -> None:
    single = leaf_hash(b"data")
    assert verify_inclusion(0, 1, single, [], single)
    assert not verify_inclusion(0, 1, single, [], b"")
    assert not verify_inclusion(0, 1, b"", [], single)
    assert not verify_inclusion(0, 1, b"", [], b"")
    for index, size in [(0, 0), (1, 0), (2, 1), (1, 1), (-1, 1)]:
        assert not verify_inclusion(index, size, SOME_HASH, [], EMPTY_ROOT)
        assert root_from_inclusion_proof(index, size, SOME_HASH, []) is None


def test_proof_arguments_out_of_range_raise() -> None:
    with pytest.raises(ValueError):
        inclusion_proof(0, [])
    with pytest.raises(ValueError):
        inclusion_proof(8, LEAF_HASHES)
    with pytest.raises(ValueError):
        inclusion_proof(-1, LEAF_HASHES)
    with pytest.raises(ValueError):
        consistency_proof(9, LEAF_HASHES)
    with pytest.raises(ValueError):
        consistency_proof(-1, LEAF_HASHES)


def test_leaf_hashes_must_be_32_bytes() -> None:
    with pytest.raises(ValueError):
        root_from_leaf_hashes([b"not a hash"])
    with pytest.raises(ValueError):
        MerkleAccumulator().append(b"\x00" * 33)


# --- RFC 9162 §2.1.5 example: seven leaves d0..d6 ----------------------------------------


def test_rfc_9162_example_proofs() -> None:
    leaves = [leaf_hash(f"d{i}".encode()) for i in range(7)]
    a, b, c, d, e, f, j = leaves
    g, hh, i = node_hash(a, b), node_hash(c, d), node_hash(e, f)
    k, ll = node_hash(g, hh), node_hash(i, j)
    assert root_from_leaf_hashes(leaves) == node_hash(k, ll)
    # §2.1.5.1 audit paths
    assert inclusion_proof(0, leaves) == [b, hh, ll]
    assert inclusion_proof(3, leaves) == [c, g, ll]
    assert inclusion_proof(4, leaves) == [f, j, k]
    assert inclusion_proof(6, leaves) == [i, k]
    # §2.1.5.2 consistency proofs
    assert consistency_proof(3, leaves) == [c, d, g, ll]
    assert consistency_proof(4, leaves) == [ll]
    assert consistency_proof(6, leaves) == [i, j, k]


# --- properties over random trees --------------------------------------------------------

MAX_LEAVES = 70


@pytest.fixture(scope="module")
def random_leaves() -> list[bytes]:
    rng = random.Random(9162)
    return [leaf_hash(rng.randbytes(rng.randrange(0, 48))) for _ in range(MAX_LEAVES)]


@pytest.fixture(scope="module")
def random_roots(random_leaves: list[bytes]) -> list[bytes]:
    return [reference_root(random_leaves[:n]) for n in range(MAX_LEAVES + 1)]


def test_root_matches_the_recursive_definition(
    random_leaves: list[bytes], random_roots: list[bytes]
) -> None:
    accumulator = MerkleAccumulator()
    assert accumulator.root() == random_roots[0]
    for n in range(1, MAX_LEAVES + 1):
        accumulator.append(random_leaves[n - 1])
        assert accumulator.root() == random_roots[n]
        assert root_from_leaf_hashes(iter(random_leaves[:n])) == random_roots[n]


def test_every_inclusion_proof_verifies_and_tampering_fails(
    random_leaves: list[bytes], random_roots: list[bytes]
) -> None:
    for n in range(1, MAX_LEAVES + 1):
        tree = random_leaves[:n]
        good = random_roots[n]
        for index in range(n):
            path = inclusion_proof(index, tree)
            leaf = tree[index]
            assert verify_inclusion(index, n, leaf, path, good), (index, n)
            assert not verify_inclusion(index, n, flip(leaf), path, good)
            assert not verify_inclusion(index, n, leaf, path, flip(good))
            if n > 1:
                assert not verify_inclusion((index + 1) % n, n, leaf, path, good)
                assert not verify_inclusion(index, n, tree[(index + 1) % n], path, good)
            for pos in range(len(path)):
                tampered = [*path[:pos], flip(path[pos]), *path[pos + 1 :]]
                assert not verify_inclusion(index, n, leaf, tampered, good)
            if path:
                assert not verify_inclusion(index, n, leaf, path[:-1], good)
            assert not verify_inclusion(index, n, leaf, [*path, good], good)


def test_every_consistency_proof_verifies_and_tampering_fails(
    random_leaves: list[bytes], random_roots: list[bytes]
) -> None:
    for n in range(1, MAX_LEAVES + 1):
        tree = random_leaves[:n]
        new = random_roots[n]
        for m in range(0, n + 1):
            old = random_roots[m]
            proof = consistency_proof(m, tree)
            assert verify_consistency(m, n, old, new, proof), (m, n)
            if m == 0 or m == n:
                assert proof == []
                continue
            assert not verify_consistency(m, n, flip(old), new, proof)
            assert not verify_consistency(m, n, old, flip(new), proof)
            assert not verify_consistency(m, n, new, old, proof)
            for pos in range(len(proof)):
                tampered = [*proof[:pos], flip(proof[pos]), *proof[pos + 1 :]]
                assert not verify_consistency(m, n, old, new, tampered)
            assert not verify_consistency(m, n, old, new, proof[:-1])
            assert not verify_consistency(m, n, old, new, [*proof, new])


def test_a_rewritten_history_is_not_consistent(random_leaves: list[bytes]) -> None:
    original = random_leaves[:40]
    rewritten = [*original[:17], leaf_hash(b"forged"), *original[18:]]
    proof = consistency_proof(30, rewritten)
    assert not verify_consistency(
        30, 40, root_from_leaf_hashes(original[:30]), root_from_leaf_hashes(rewritten), proof
    )
    assert verify_consistency(
        30, 40, root_from_leaf_hashes(rewritten[:30]), root_from_leaf_hashes(rewritten), proof
    )


def test_streams_many_leaves() -> None:
    n = 10_007
    leaves = (hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(n))
    streamed = root_from_leaf_hashes(leaf_hash(x) for x in leaves)
    listed = [leaf_hash(hashlib.sha256(i.to_bytes(4, "big")).digest()) for i in range(n)]
    assert streamed == reference_root(listed)
    path = inclusion_proof(5_000, listed)
    assert len(path) == 14
    assert verify_inclusion(5_000, n, listed[5_000], path, streamed)
