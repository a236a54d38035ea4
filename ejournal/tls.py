"""HTTPS on the school network (issue #10): a small certificate authority of the school's own
and a server certificate for the journal's name and address, made with ``cryptography``.

::

    DATA_DIR/tls/ca.key       the school CA's private key (0600): signs server certificates
    DATA_DIR/tls/ca.crt       the school CA certificate: installed on the school's devices
    DATA_DIR/tls/server.key   the server's private key (0600)
    DATA_DIR/tls/server.crt   the server certificate followed by the CA's (the chain)

Running ``ejournal tls`` again keeps the CA (devices trust it already) and issues a new server
certificate (a new name or address, or before the old one expires: 825 days, the longest
iOS accepts).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

TLS_DIR = "tls"
CA_DAYS = 20 * 365
SERVER_DAYS = 825


@dataclass(frozen=True)
class TlsFiles:
    folder: Path

    @property
    def ca_key(self) -> Path:
        return self.folder / "ca.key"

    @property
    def ca_cert(self) -> Path:
        return self.folder / "ca.crt"

    @property
    def key(self) -> Path:
        return self.folder / "server.key"

    @property
    def cert(self) -> Path:
        return self.folder / "server.crt"

    def ready(self) -> bool:
        return self.key.exists() and self.cert.exists()


@dataclass(frozen=True)
class Issued:
    files: TlsFiles
    new_ca: bool
    names: tuple[str, ...]
    not_after: datetime


def tls_files(data_dir: Path) -> TlsFiles:
    return TlsFiles(Path(data_dir) / TLS_DIR)


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    path.chmod(0o600)


def _fit(text: str, limit: int = 64) -> str:
    """``text`` cut to ``limit`` UTF-8 bytes (X.509 name attributes' bound)."""
    while len(text.encode()) > limit:
        text = text[:-1]
    return text.strip()


def _ca(
    files: TlsFiles, school: str, now: datetime
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate, bool]:
    """The school CA: the one already made, or a new one."""
    if files.ca_key.exists() and files.ca_cert.exists():
        key = serialization.load_pem_private_key(files.ca_key.read_bytes(), None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise TlsError(f"{files.ca_key}: not an EC private key")
        return key, x509.load_pem_x509_certificate(files.ca_cert.read_bytes()), False
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, _fit(f"УЦ электронного журнала {school}")),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, _fit(school) or "ejournal"),
    ])  # fmt: skip
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    files.folder.mkdir(mode=0o700, exist_ok=True)
    _write_key(files.ca_key, key)
    files.ca_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, True


class TlsError(ValueError):
    """A host name or address that cannot go into a certificate, or unusable TLS files."""


def _names(hosts: list[str], ips: list[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in hosts:
        host = host.strip().lower()
        if not host or any(c in host for c in " /:@") or len(host) > 253:
            raise TlsError(f"--host {host!r} is not a host name")
        names.append(x509.DNSName(host))
    for ip in ips:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(ip.strip())))
        except ValueError as e:
            raise TlsError(f"--ip {ip!r} is not an IP address") from e
    if not names:
        raise TlsError("give at least one --host or --ip")
    return names


def issue(
    data_dir: Path, hosts: list[str], ips: list[str], school: str = "", now: datetime | None = None
) -> Issued:
    """Make (or keep) the school CA and issue a server certificate for ``hosts`` and ``ips``;
    ``localhost`` and 127.0.0.1 are always included.

    Raises:
        TlsError: a bad name or address.
    """
    now = now or datetime.now(UTC)
    alt = _names(
        [*hosts, *(["localhost"] if "localhost" not in hosts else [])],
        [*ips, *(["127.0.0.1"] if "127.0.0.1" not in ips else [])],
    )
    files = tls_files(data_dir)
    ca_key, ca_cert, new_ca = _ca(files, school, now)
    key = ec.generate_private_key(ec.SECP256R1())
    first = hosts[0] if hosts else ips[0] if ips else "localhost"
    not_after = now + timedelta(days=SERVER_DAYS)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, first)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(files.key, key)
    chain = cert.public_bytes(serialization.Encoding.PEM) + ca_cert.public_bytes(
        serialization.Encoding.PEM
    )
    tmp = files.cert.with_suffix(".tmp")
    tmp.write_bytes(chain)
    tmp.replace(files.cert)
    shown = tuple(str(n.value) for n in alt)
    return Issued(files, new_ca, shown, not_after)


def server_certificate(files: TlsFiles) -> x509.Certificate:
    """The server certificate (the first of the chain in server.crt)."""
    return x509.load_pem_x509_certificates(files.cert.read_bytes())[0]


def spki_sha256(cert: x509.Certificate) -> str:
    """Base64 SHA-256 of the certificate's public key info (as Chromium's
    --ignore-certificate-errors-spki-list and HPKP write it)."""
    import base64
    import hashlib

    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()
