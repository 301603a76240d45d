"""The booths' TLS to the broker: a certificate authority, the broker's server certificate and
one client certificate per booth, made with ``cryptography`` for the demo and the tests.

Production brings its own CA (the detachment's PKI, or an offline CA kept off the centre):
the broker needs only the CA certificate, its own certificate and key (see
docs/decisions/0016); each booth node holds its own key, which never leaves it. What this
module makes is for a demo and for tests, where a CA key on the same disk is acceptable.

A booth's certificate names the booth: its subject's common name is the booth code, which
the broker's TLS listener takes as the username (``use_identity_as_username``), so the ACL
file's block of that booth applies and no other. Keys are ECDSA P-256; certificates are
valid for ``valid_days`` from the instant given (the injected clock's, never a hidden now).

Who may read which file (``FileAccess``): the broker reads the CA certificate and its own
certificate and key; the CA key and the booths' keys are the caller's alone (0600).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from gangting.booths.topics import valid_booth_code

DEFAULT_VALID_DAYS = 825  # the longest a public TLS server certificate was allowed to live


@dataclass(frozen=True)
class FileAccess:
    """How a file the broker reads is written: its mode, and the owner and group to set
    (None: leave them as the writing process makes them)."""

    mode: int
    uid: int | None = None
    gid: int | None = None


OWNER_ONLY = FileAccess(0o600)


def broker_file_access(euid: int, broker_ids: tuple[int, int] | None) -> FileAccess:
    """How to write the files the broker must read.

    Mosquitto started as root drops to its own user (``mosquitto``, or the configuration's
    ``user``) before it reads the password, ACL and TLS files; files written 0600 by root are
    then unreadable and it refuses to start (the probe of issue 12). So, written by root
    with the broker's user known (``broker_ids`` = its uid and primary gid): owner root,
    group the broker's, mode 0640 (the broker reads them, cannot change them). Written by
    another user, or with no such broker user: 0600, the writer's own (the broker runs as the
    writer, as in the tests and the demo)."""
    if euid != 0 or broker_ids is None:
        return OWNER_ONLY
    return FileAccess(0o640, 0, broker_ids[1])


def directory_access(access: FileAccess) -> FileAccess:
    """The directory that holds the broker's files: searchable by the same readers."""
    return FileAccess(0o750 if access.mode & 0o040 else 0o700, access.uid, access.gid)


def broker_user_ids(name: str) -> tuple[int, int] | None:
    """The uid and primary gid of the system user ``name`` (None where there is none, or on
    a system without a password database)."""
    try:
        import pwd
    except ImportError:  # pragma: no cover  (not POSIX)
        return None
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def write_file(path: Path, data: bytes, access: FileAccess) -> None:
    """Write ``data`` atomically with ``access`` (mode, then owner and group, set before the
    file takes its name, so it is never readable by more than intended)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    apply_access(tmp, access)
    os.replace(tmp, path)


def apply_access(path: Path, access: FileAccess) -> None:
    if access.uid is not None or access.gid is not None:
        os.chown(
            path, -1 if access.uid is None else access.uid, -1 if access.gid is None else access.gid
        )
    os.chmod(path, access.mode)


# --- certificates


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "gangting"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


@dataclass(frozen=True)
class Authority:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate


def new_authority(
    now: datetime, valid_days: int = 3650, name: str = "gangting demo CA"
) -> Authority:
    """A self-signed CA that may sign end-entity certificates only (path length 0)."""
    key = _new_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(_name(name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Authority(key, cert)


def issue_certificate(
    ca: Authority,
    common_name: str,
    now: datetime,
    *,
    server_names: list[str] | None = None,
    valid_days: int = DEFAULT_VALID_DAYS,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """An end-entity key and certificate signed by ``ca``: a server's (``server_names``, the
    DNS names and IP addresses the broker is reached by) or else a client's."""
    key = _new_key()
    server = server_names is not None
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False
        )
    )
    if server_names:
        alt: list[x509.GeneralName] = []
        for name in server_names:
            try:
                alt.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alt.append(x509.DNSName(name))
        builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
    return key, builder.sign(ca.key, hashes.SHA256())


@dataclass(frozen=True)
class BoothCredentials:
    cert_file: Path
    key_file: Path


@dataclass(frozen=True)
class DemoPki:
    """Where the demo's TLS files are: the broker's (``ca_file``, ``cert_file``,
    ``key_file``), the CA key (kept to issue more) and each booth's certificate and key."""

    ca_file: Path
    ca_key_file: Path
    cert_file: Path
    key_file: Path
    booths: dict[str, BoothCredentials] = field(default_factory=dict)


def write_demo_pki(
    out_dir: Path,
    booth_codes: list[str],
    now: datetime,
    *,
    server_names: list[str] | None = None,
    broker_access: FileAccess = OWNER_ONLY,
    valid_days: int = DEFAULT_VALID_DAYS,
) -> DemoPki:
    """A CA, the broker's certificate (for ``server_names``, default localhost and
    127.0.0.1) and one client certificate per booth code, written under ``out_dir``:
    ``ca.crt``, ``ca.key``, ``broker.crt``, ``broker.key``, ``booths/{code}.crt|.key``.
    An existing CA (``ca.crt`` + ``ca.key``) is reused, so booths added later get
    certificates that the broker already trusts."""
    booths_dir = out_dir / "booths"
    booths_dir.mkdir(parents=True, exist_ok=True)
    apply_access(out_dir, directory_access(broker_access))
    os.chmod(booths_dir, 0o700)
    pki = DemoPki(
        out_dir / "ca.crt", out_dir / "ca.key", out_dir / "broker.crt", out_dir / "broker.key"
    )
    if pki.ca_file.exists() and pki.ca_key_file.exists():
        ca = load_authority(pki.ca_file, pki.ca_key_file)
    else:
        ca = new_authority(now)
        write_file(pki.ca_key_file, _key_pem(ca.key), OWNER_ONLY)
    write_file(pki.ca_file, _cert_pem(ca.cert), broker_access)
    names = server_names or ["localhost", "127.0.0.1"]
    key, cert = issue_certificate(ca, names[0], now, server_names=names, valid_days=valid_days)
    write_file(pki.cert_file, _cert_pem(cert), broker_access)
    write_file(pki.key_file, _key_pem(key), broker_access)
    for code in booth_codes:
        if not valid_booth_code(code):
            raise ValueError(f"not a booth code: {code!r}")
        key, cert = issue_certificate(ca, code, now, valid_days=valid_days)
        creds = BoothCredentials(booths_dir / f"{code}.crt", booths_dir / f"{code}.key")
        write_file(creds.cert_file, _cert_pem(cert), OWNER_ONLY)
        write_file(creds.key_file, _key_pem(key), OWNER_ONLY)
        pki.booths[code] = creds
    return pki


def load_authority(cert_file: Path, key_file: Path) -> Authority:
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("the CA key is not an EC key")
    return Authority(key, cert)
