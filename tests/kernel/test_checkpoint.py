"""Signed checkpoints: message, signature, line format and the key file."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gangting.kernel.checkpoint import (
    Checkpoint,
    checkpoint_message,
    from_line,
    generate_key,
    key_id,
    load_or_create_key,
    load_public_key_pem,
    private_key_pem,
    public_key_pem,
    sign_checkpoint,
    to_line,
    verify_checkpoint,
)
from gangting.kernel.merkle import root

ROOT = root([b"entry one", b"entry two", b"entry three"])
AT = datetime(2026, 12, 6, 16, 32, 41, 123456, tzinfo=UTC)

# RFC 8032 §7.1 TEST 1: a known key, so the key id and the signature are fixed.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return generate_key()


@pytest.fixture
def checkpoint(key: Ed25519PrivateKey) -> Checkpoint:
    return sign_checkpoint(key, 3, ROOT, AT)


def test_the_signed_message_is_documented_text() -> None:
    assert (
        checkpoint_message(3, ROOT, AT)
        == (
            f"gangting-ledger-checkpoint/v1\n3\n{ROOT.hex()}\n2026-12-06T16:32:41.123456Z\n"
        ).encode()
    )
    shanghai = timezone(timedelta(hours=8))
    same_instant = datetime(2026, 12, 7, 0, 32, 41, 123456, tzinfo=shanghai)
    assert checkpoint_message(3, ROOT, same_instant) == checkpoint_message(3, ROOT, AT)
    whole_second = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert checkpoint_message(0, ROOT, whole_second).endswith(b"\n2026-01-02T03:04:05.000000Z\n")


def test_a_known_key_gives_a_known_id_and_signature() -> None:
    known = Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
    public_raw = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    assert key_id(known) == hashlib.sha256(bytes.fromhex(public_raw)).hexdigest()[:16]
    assert key_id(known) == key_id(known.public_key())
    cp = sign_checkpoint(known, 3, ROOT, AT)
    # Ed25519 is deterministic: the same key and message always give the same signature.
    assert sign_checkpoint(known, 3, ROOT, AT).signature == cp.signature
    assert verify_checkpoint(known.public_key(), cp)


def test_sign_and_verify(key: Ed25519PrivateKey, checkpoint: Checkpoint) -> None:
    assert checkpoint.tree_size == 3
    assert checkpoint.root == ROOT
    assert checkpoint.at == AT
    assert checkpoint.key_id == key_id(key)
    assert len(checkpoint.signature) == 64
    assert verify_checkpoint(key.public_key(), checkpoint)


def test_an_aware_instant_is_kept_in_utc(key: Ed25519PrivateKey) -> None:
    shanghai = timezone(timedelta(hours=8))
    cp = sign_checkpoint(key, 3, ROOT, AT.astimezone(shanghai))
    assert cp.at == AT
    assert cp.at.utcoffset() == timedelta(0)
    assert verify_checkpoint(key.public_key(), cp)


def test_a_naive_instant_is_refused(key: Ed25519PrivateKey) -> None:
    with pytest.raises(ValueError):
        sign_checkpoint(key, 3, ROOT, AT.replace(tzinfo=None))


def test_the_wrong_key_fails(checkpoint: Checkpoint) -> None:
    other = generate_key()
    assert not verify_checkpoint(other.public_key(), checkpoint)
    # Even when the checkpoint claims the other key's id.
    relabelled = dataclasses.replace(checkpoint, key_id=key_id(other))
    assert not verify_checkpoint(other.public_key(), relabelled)


@pytest.mark.parametrize(
    "change",
    [
        {"tree_size": 4},
        {"tree_size": 0},
        {"root": root([b"something else"])},
        {"root": bytes([ROOT[0] ^ 1]) + ROOT[1:]},
        {"at": AT + timedelta(microseconds=1)},
        {"at": AT - timedelta(days=1)},
        {"key_id": "0123456789abcdef"},
        {"signature": bytes(64)},
    ],
)
def test_any_changed_field_fails(
    key: Ed25519PrivateKey, checkpoint: Checkpoint, change: dict[str, object]
) -> None:
    changed = dataclasses.replace(checkpoint, **change)  # type: ignore[arg-type]
    assert changed != checkpoint
    assert not verify_checkpoint(key.public_key(), changed)


def test_every_flipped_signature_bit_fails(key: Ed25519PrivateKey, checkpoint: Checkpoint) -> None:
    for bit in range(0, 512, 7):
        signature = bytearray(checkpoint.signature)
        signature[bit // 8] ^= 1 << (bit % 8)
        changed = dataclasses.replace(checkpoint, signature=bytes(signature))
        assert not verify_checkpoint(key.public_key(), changed)


@pytest.mark.parametrize(
    "fields",
    [
        {"tree_size": -1},
        {"tree_size": True},
        {"root": b"short"},
        {"at": AT.replace(tzinfo=None)},
        {"at": AT.astimezone(timezone(timedelta(hours=8)))},
        {"key_id": "NOT-HEX-ID-00000"},
        {"key_id": "abc"},
        {"signature": b"\x00" * 63},
    ],
)
def test_a_malformed_checkpoint_cannot_be_built(
    checkpoint: Checkpoint, fields: dict[str, object]
) -> None:
    with pytest.raises((ValueError, TypeError)):
        dataclasses.replace(checkpoint, **fields)  # type: ignore[arg-type]


def test_line_round_trip(key: Ed25519PrivateKey, checkpoint: Checkpoint) -> None:
    line = to_line(checkpoint)
    assert "\n" not in line
    assert json.loads(line) == {
        "v": 1,
        "tree_size": 3,
        "root": ROOT.hex(),
        "at": "2026-12-06T16:32:41.123456Z",
        "key_id": key_id(key),
        "signature": checkpoint.signature.hex(),
    }
    back = from_line(line + "\n")
    assert back == checkpoint
    assert back.at.utcoffset() == timedelta(0)
    assert verify_checkpoint(key.public_key(), back)


def test_a_tampered_line_does_not_verify(key: Ed25519PrivateKey, checkpoint: Checkpoint) -> None:
    record = json.loads(to_line(checkpoint))
    record["tree_size"] = 2
    assert not verify_checkpoint(key.public_key(), from_line(json.dumps(record)))


@pytest.mark.parametrize(
    "edit",
    [
        lambda r: r.pop("signature"),
        lambda r: r.update(extra=1),
        lambda r: r.update(v=2),
        lambda r: r.update(v=True),
        lambda r: r.update(tree_size="3"),
        lambda r: r.update(tree_size=3.0),
        lambda r: r.update(tree_size=-1),
        lambda r: r.update(root=r["root"].upper()),
        lambda r: r.update(root=r["root"][:-2]),
        lambda r: r.update(signature="zz" * 64),
        lambda r: r.update(at="2026-12-06T16:32:41.123456+00:00"),
        lambda r: r.update(at="2026-12-06T16:32:41Z"),
        lambda r: r.update(at="2026-12-06 16:32:41.123456Z"),
        lambda r: r.update(at=0),
        lambda r: r.update(key_id=7),
    ],
)
def test_a_malformed_line_is_refused(checkpoint: Checkpoint, edit: object) -> None:
    record = json.loads(to_line(checkpoint))
    edit(record)  # type: ignore[operator]
    with pytest.raises(ValueError):
        from_line(json.dumps(record))


@pytest.mark.parametrize("line", ["", "not json", "[]", "null", '{"v":1}'])
def test_garbage_lines_are_refused(line: str) -> None:
    with pytest.raises(ValueError):
        from_line(line)


def test_public_key_pem_round_trip(key: Ed25519PrivateKey, checkpoint: Checkpoint) -> None:
    pem = public_key_pem(key)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert public_key_pem(key.public_key()) == pem
    public = load_public_key_pem(pem)
    assert key_id(public) == key_id(key)
    assert verify_checkpoint(public, checkpoint)
    assert verify_checkpoint(load_public_key_pem(pem.encode()), checkpoint)


def test_key_ids_differ_between_keys() -> None:
    ids = {key_id(generate_key()) for _ in range(8)}
    assert len(ids) == 8
    assert all(len(i) == 16 and int(i, 16) >= 0 for i in ids)


def test_key_file_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "ledger.pem"
    key = load_or_create_key(path)
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert sorted(p.name for p in path.parent.iterdir()) == ["ledger.pem"]  # no temporary left

    again = load_or_create_key(path)
    assert key_id(again) == key_id(key)
    assert private_key_pem(again) == private_key_pem(key)
    cp = sign_checkpoint(key, 1, ROOT, AT)
    assert verify_checkpoint(again.public_key(), cp)


def test_key_file_with_another_key_type_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    path = tmp_path / "ledger.pem"
    other = ec.generate_private_key(ec.SECP256R1())
    path.write_bytes(other.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    with pytest.raises(ValueError):
        load_or_create_key(path)


def test_a_lost_creation_race_loads_the_winners_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    path = tmp_path / "ledger.pem"
    winner = generate_key()
    real_link = os.link

    def link_after_the_winner(src: str, dst: Path) -> None:
        dst.write_bytes(private_key_pem(winner))  # another process got there first
        real_link(src, dst)

    monkeypatch.setattr(os, "link", link_after_the_winner)
    assert key_id(load_or_create_key(path)) == key_id(winner)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.pem"]
