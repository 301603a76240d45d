"""Signed checkpoints of the audit ledger: a Merkle root and size, signed with Ed25519.

A checkpoint says "the ledger had ``tree_size`` entries, whose RFC 9162 Merkle Tree Hash
(:mod:`gangting.kernel.merkle`) was ``root``, at instant ``at``", signed by the ledger's
Ed25519 key. Checkpoints are kept one JSON line each in an append-only file outside the
database, so a rewrite of the database's history is caught by the next consistency proof
against a checkpoint that was signed (and perhaps copied elsewhere) before it.

The signed message
------------------

The signature covers exactly these ASCII bytes, four lines each ended by ``\\n``::

    gangting-ledger-checkpoint/v1
    {tree_size}
    {root_hex}
    {at}

- ``tree_size``: decimal, no sign, no leading zeros;
- ``root_hex``: the 32-byte root as 64 lowercase hexadecimal digits;
- ``at``: the instant in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always six fraction
  digits, always ``Z``).

The first line names the format and its version, so a signature can never be taken for
one over another kind of message. The key is not part of the message: Ed25519 binds the
signature to the key, and :func:`verify_checkpoint` checks the checkpoint's ``key_id``.

Key id: the first 16 hexadecimal digits of SHA-256 over the 32-byte raw public key.

The line format
---------------

:func:`to_line` writes one compact JSON object without the newline, keys in this order::

    {"v":1,"tree_size":8,"root":"<64 hex>","at":"2026-12-06T16:32:41.000000Z",
     "key_id":"<16 hex>","signature":"<128 hex>"}

:func:`from_line` accepts only that shape (exact keys, lowercase hex, canonical instant).

This is the only kernel module that imports ``cryptography``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

MESSAGE_HEADER = "gangting-ledger-checkpoint/v1"
"""The first line of every signed checkpoint message."""

LINE_VERSION = 1
"""The ``v`` field of every checkpoint line."""

ROOT_SIZE = 32
SIGNATURE_SIZE = 64
KEY_ID_LENGTH = 16

_HEX = re.compile(r"[0-9a-f]*")
_KEY_ID = re.compile(rf"[0-9a-f]{{{KEY_ID_LENGTH}}}")
_LINE_KEYS = ("v", "tree_size", "root", "at", "key_id", "signature")

AnyEd25519Key = Ed25519PrivateKey | Ed25519PublicKey


def _format_at(at: datetime) -> str:
    """The canonical text of an aware instant: UTC, microseconds, ``Z``."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("naive datetime")
    naive_utc = at.astimezone(UTC).replace(tzinfo=None)
    return naive_utc.isoformat(timespec="microseconds") + "Z"


def _parse_at(text: str) -> datetime:
    """The instant of a canonical ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` text, or ``ValueError``."""
    if not text.endswith("Z"):
        raise ValueError(f"instant {text!r} does not end with Z")
    at = datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    if _format_at(at) != text:
        raise ValueError(f"instant {text!r} is not canonical")
    return at


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed statement of the ledger's Merkle root at a size and an instant."""

    tree_size: int
    root: bytes
    at: datetime
    key_id: str
    signature: bytes

    def __post_init__(self) -> None:
        if isinstance(self.tree_size, bool) or not isinstance(self.tree_size, int):
            raise TypeError("tree_size must be an int")
        if self.tree_size < 0:
            raise ValueError("tree_size must not be negative")
        if not isinstance(self.root, bytes) or len(self.root) != ROOT_SIZE:
            raise ValueError(f"root must be {ROOT_SIZE} bytes")
        if not isinstance(self.at, datetime) or self.at.tzinfo is None:
            raise ValueError("at must be an aware datetime")
        if self.at.utcoffset() != timedelta(0):
            raise ValueError("at must be in UTC")
        if not isinstance(self.key_id, str) or not _KEY_ID.fullmatch(self.key_id):
            raise ValueError(f"key_id must be {KEY_ID_LENGTH} lowercase hex digits")
        if not isinstance(self.signature, bytes) or len(self.signature) != SIGNATURE_SIZE:
            raise ValueError(f"signature must be {SIGNATURE_SIZE} bytes")

    def message(self) -> bytes:
        """The bytes its signature covers."""
        return checkpoint_message(self.tree_size, self.root, self.at)


def checkpoint_message(tree_size: int, root: bytes, at: datetime) -> bytes:
    """The canonical signed message of a checkpoint (see the module's documentation)."""
    if tree_size < 0:
        raise ValueError("tree_size must not be negative")
    if len(root) != ROOT_SIZE:
        raise ValueError(f"root must be {ROOT_SIZE} bytes")
    text = f"{MESSAGE_HEADER}\n{tree_size:d}\n{root.hex()}\n{_format_at(at)}\n"
    return text.encode("ascii")


def _public(key: AnyEd25519Key) -> Ed25519PublicKey:
    return key.public_key() if isinstance(key, Ed25519PrivateKey) else key


def key_id(key: AnyEd25519Key) -> str:
    """The short id of a key: the first 16 hex digits of SHA-256 of the raw public key."""
    raw = _public(key).public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:KEY_ID_LENGTH]


def sign_checkpoint(
    private_key: Ed25519PrivateKey, tree_size: int, root: bytes, at: datetime
) -> Checkpoint:
    """A checkpoint of ``tree_size`` and ``root`` at the aware instant ``at``, signed."""
    if at.tzinfo is None:
        raise ValueError("naive datetime")
    at_utc = at.astimezone(UTC)
    signature = private_key.sign(checkpoint_message(tree_size, root, at_utc))
    return Checkpoint(
        tree_size=tree_size,
        root=root,
        at=at_utc,
        key_id=key_id(private_key),
        signature=signature,
    )


def verify_checkpoint(public_key: Ed25519PublicKey, cp: Checkpoint) -> bool:
    """Whether ``cp`` was signed by ``public_key``'s private key, unchanged since."""
    if cp.key_id != key_id(public_key):
        return False
    try:
        public_key.verify(cp.signature, cp.message())
    except InvalidSignature:
        return False
    return True


# --- lines ------------------------------------------------------------------------------


def to_line(cp: Checkpoint) -> str:
    """One JSON line for the append-only checkpoint file, without its newline."""
    record = {
        "v": LINE_VERSION,
        "tree_size": cp.tree_size,
        "root": cp.root.hex(),
        "at": _format_at(cp.at),
        "key_id": cp.key_id,
        "signature": cp.signature.hex(),
    }
    return json.dumps(record, separators=(",", ":"))


def _hex_field(record: dict[str, Any], name: str) -> bytes:
    value = record[name]
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        raise ValueError(f"{name} must be lowercase hex")
    return bytes.fromhex(value)


def from_line(line: str) -> Checkpoint:
    """The checkpoint written by :func:`to_line`; ``ValueError`` for anything else.

    Surrounding whitespace (the line's newline) is ignored. The signature is not checked
    here: use :func:`verify_checkpoint`.
    """
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"checkpoint line is not JSON: {error}") from None
    if not isinstance(record, dict):
        raise ValueError("checkpoint line is not a JSON object")
    if sorted(record) != sorted(_LINE_KEYS):
        raise ValueError(f"checkpoint line keys must be {', '.join(_LINE_KEYS)}")
    version = record["v"]
    if isinstance(version, bool) or version != LINE_VERSION:
        raise ValueError(f"unknown checkpoint line version {version!r}")
    tree_size = record["tree_size"]
    if isinstance(tree_size, bool) or not isinstance(tree_size, int):
        raise ValueError("tree_size must be an integer")
    at = record["at"]
    if not isinstance(at, str):
        raise ValueError("at must be a string")
    try:
        return Checkpoint(
            tree_size=tree_size,
            root=_hex_field(record, "root"),
            at=_parse_at(at),
            key_id=record["key_id"],
            signature=_hex_field(record, "signature"),
        )
    except TypeError as error:
        raise ValueError(str(error)) from None


# --- keys -------------------------------------------------------------------------------


def generate_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 signing key."""
    return Ed25519PrivateKey.generate()


def private_key_pem(private_key: Ed25519PrivateKey) -> bytes:
    """The private key as unencrypted PKCS #8 PEM."""
    return private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def load_private_key_pem(pem: bytes) -> Ed25519PrivateKey:
    """An Ed25519 private key from unencrypted PKCS #8 PEM; ``ValueError`` otherwise."""
    key = load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


def public_key_pem(key: AnyEd25519Key) -> str:
    """The public key (of a public or private key) as SubjectPublicKeyInfo PEM text."""
    pem = _public(key).public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    return pem.decode("ascii")


def load_public_key_pem(pem: str | bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from SubjectPublicKeyInfo PEM; ``ValueError`` otherwise."""
    key = load_pem_public_key(pem.encode("ascii") if isinstance(pem, str) else pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The signing key kept at ``path`` (PEM), created there with mode 0600 on first use.

    Creation is atomic: the key is written to a private temporary file in the same folder
    and hard-linked into place, so a reader never sees half a key, and when two processes
    race the one that loses loads the winner's key. Missing parent folders are created
    with mode 0700. An existing file is read as it is; its mode is not changed.
    """
    try:
        return load_private_key_pem(path.read_bytes())
    except FileNotFoundError:
        pass
    key = generate_key()
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            os.fchmod(file.fileno(), 0o600)
            file.write(private_key_pem(key))
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return load_private_key_pem(path.read_bytes())
    finally:
        os.unlink(temporary)
    _fsync_folder(folder)
    return key


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
