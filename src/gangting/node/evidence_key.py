"""The booth node's own Ed25519 key pair, which signs its identity evidence (decision 0018).

Made on first start in the node's data dir (``<var_dir>/booth-<code>.evidence-key``, PKCS#8
PEM, mode 0600); the private key never leaves the node. The public key (raw 32 bytes,
base64) is what an administrator registers in the booth registry
(``gangting booths register-key <code> <key>``; ``gangting booth-key --code <code>`` prints
it). The signed bytes are ``identity.rules.canonical_evidence``.
"""

from __future__ import annotations

import base64
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from gangting.identity.rules import SignedFields, canonical_evidence, public_key_text


def key_path(var_dir: Path, booth_code: str) -> Path:
    return var_dir / f"booth-{booth_code}.evidence-key"


def load_or_create(path: Path) -> Ed25519PrivateKey:
    """The node's private key at ``path``; a new one (written 0600, atomically) if none."""
    if path.exists():
        key = load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 private key")
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".evidence-key-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return key


def public_key(key: Ed25519PrivateKey) -> str:
    return public_key_text(key.public_key())


def sign(key: Ed25519PrivateKey, fields: SignedFields) -> str:
    """The base64 Ed25519 signature of the evidence's canonical bytes."""
    return base64.b64encode(key.sign(canonical_evidence(fields))).decode("ascii")
