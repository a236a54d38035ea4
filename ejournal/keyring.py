"""Which keys a data directory holds, where, and what each certifies (``ejournal keys``).

Reads only key files and the first entry of each feed (its device certificate): quick on a
school of any size."""

from __future__ import annotations

import stat
from pathlib import Path

from .datadir import DataDir
from .log.entry import parse_lines
from .log.errors import FormatError, LogError
from .log.keys import load_public_key, open_certificate
from .log.note import Ed25519Verifier
from .log.storage import list_segments

TLS_DIR = "tls"


def first_entry_text(feed_dir: Path) -> tuple[str, dict[str, object]] | None:
    """The type and data of a feed's first entry, reading one line only."""
    segments = list_segments(feed_dir)
    if not segments:
        return None
    with segments[0][1].open("rb") as f:
        line = f.readline()
    if not line.endswith(b"\n"):
        return None
    try:
        [entry], _ = parse_lines([line[:-1]], line)
    except (FormatError, ValueError):
        return None
    return entry.type, dict(entry.data)


def _mode(path: Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    warn = "" if not mode & 0o077 else "  ← readable by others: chmod 600"
    return f"{mode:04o}{warn}"


def describe_keys(dd: DataDir) -> list[str]:
    """Lines for the operator: each key file, its role, and the certificates in the feeds."""
    root = dd.root_verifier()
    rel = dd.path
    lines = [f"School root key {root.vkey()}"]
    lines.append(
        f"  public  {dd.root_vkey.relative_to(rel)}: the trust anchor; it certifies "
        "every device and witness key (give this line to the archivist)"
    )
    if dd.root_key.exists():
        lines.append(
            f"  PRIVATE {dd.root_key.relative_to(rel)} ({_mode(dd.root_key)}): STILL ON THIS "
            "SERVER. Copy it to a flash drive kept in the director's safe, then delete it. "
            "(Закрытый корневой ключ ещё на сервере: перенесите его на флешку в сейф.)"
        )
    else:
        lines.append("  private: not on this server (kept offline, as it should be)")
    if dd.device_key.exists():
        lines.append(f"This device's key (feed {dd.device_feed_id()})")
        lines.append(
            f"  PRIVATE {dd.device_key.relative_to(rel)} ({_mode(dd.device_key)}): "
            "signs this device's entries and checkpoints"
        )
    if dd.device_vkey.exists():
        lines.append(
            f"  public  {dd.device_vkey.relative_to(rel)}: {load_public_key(dd.device_vkey).vkey()}"
        )
    lines += _certificates(dd, root)
    lines += _tls(dd)
    return lines


def _certificates(dd: DataDir, root: Ed25519Verifier) -> list[str]:
    lines = ["Certificates in the feeds (signed by the root key):"]
    for feed_dir in sorted(p for p in dd.feeds.iterdir() if p.is_dir()):
        first = first_entry_text(feed_dir)
        if first is None or first[0] != "key.certify":
            lines.append(f"  feed {feed_dir.name}: no certificate at its start")
            continue
        try:
            cert = open_certificate(str(first[1].get("certificate", "")), root)
        except LogError as e:
            lines.append(f"  feed {feed_dir.name}: certificate does NOT verify: {e}")
            continue
        lines.append(
            f"  feed {feed_dir.name}: {cert.role} key {cert.key.vkey()} "
            f"certified {cert.time}" + (" (this device)" if cert.feed == _own(dd) else "")
        )
    return lines


def _own(dd: DataDir) -> str:
    return dd.device_feed_id() if dd.device_key.exists() else ""


def _tls(dd: DataDir) -> list[str]:
    folder = dd.path / TLS_DIR
    if not folder.is_dir():
        return ["TLS: none (ejournal tls makes a school CA and a server certificate)"]
    lines = ["TLS (the school network's https):"]
    names = {
        "ca.key": "PRIVATE key of the school CA: signs server certificates",
        "ca.crt": "the school CA certificate: install it on the school's computers and phones",
        "server.key": "PRIVATE key of the server certificate (https)",
        "server.crt": "the server certificate, signed by the school CA",
    }
    for name, what in names.items():
        path = folder / name
        if path.exists():
            mode = f" ({_mode(path)})" if name.endswith(".key") else ""
            lines.append(f"  {TLS_DIR}/{name}{mode}: {what}")
    ca = folder / "ca.crt"
    if ca.exists():
        lines.append(f"  ca.crt SHA-256 (compare on each device): {_fingerprint(ca)}")
    return lines


def _fingerprint(path: Path) -> str:
    """The SHA-256 of the certificate's DER bytes, as Windows, Android and iOS show it."""
    import base64
    import hashlib

    pem = path.read_text(encoding="ascii")
    body = pem.split("-----BEGIN CERTIFICATE-----", 1)[1].split("-----END CERTIFICATE-----", 1)[0]
    digest = hashlib.sha256(base64.b64decode("".join(body.split()))).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))
