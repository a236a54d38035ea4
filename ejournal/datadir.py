"""A school's data directory: where the feeds, keys and derived databases live (DESIGN.md).

::

    data/feeds/<feed-id>/…     the record of truth
    data/feeds/<feed-id>/resume  the writer's resume point: a derived cache, not archived
    data/keys/device.key       this device's private key (0600); device.vkey its public key
    data/keys/root.vkey        the school root public key (the trust anchor)
    data/keys/root.key         the school root private key: move it to a flash drive in the safe
    data/journal.sqlite        projection, disposable
    data/auth.sqlite           password hashes and sessions, never archived
    data/FORMAT                the data directory's format version (ejournal/upgrade.py)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .log.entry import format_time
from .log.errors import KeyFileError
from .log.feed import Feed, NewEntry
from .log.keys import (
    Certificate,
    feed_id_for,
    load_private_key,
    load_public_key,
    new_device_key,
    new_root_key,
    sign_statement,
    write_private_key,
    write_public_key,
)
from .log.note import Ed25519Signer, Ed25519Verifier

KEY_ACTOR = "system"
# The data directory's format: 1 had no FORMAT file (ejournal 0.1 up to issue #10); 2 has one.
# What each version changed, and how an older one is upgraded, is in ejournal/upgrade.py.
FORMAT_VERSION = 2
FORMAT_FILE = "FORMAT"
FORMAT_TEXT = "ejournal data directory format {}\n"


class DataDirError(ValueError):
    """The path is not a usable data directory (a usage problem, not an integrity one)."""


@dataclass(frozen=True)
class DataDir:
    path: Path

    @property
    def feeds(self) -> Path:
        return self.path / "feeds"

    @property
    def keys(self) -> Path:
        return self.path / "keys"

    @property
    def root_vkey(self) -> Path:
        return self.keys / "root.vkey"

    @property
    def root_key(self) -> Path:
        return self.keys / "root.key"

    @property
    def device_key(self) -> Path:
        return self.keys / "device.key"

    @property
    def device_vkey(self) -> Path:
        return self.keys / "device.vkey"

    @property
    def format_file(self) -> Path:
        return self.path / FORMAT_FILE

    def write_format(self, version: int = FORMAT_VERSION) -> None:
        tmp = self.format_file.with_name(FORMAT_FILE + ".tmp")
        tmp.write_text(FORMAT_TEXT.format(version), encoding="ascii")
        tmp.replace(self.format_file)

    def exists(self) -> bool:
        return self.root_vkey.exists() and self.feeds.is_dir()

    def require(self) -> DataDir:
        if not self.path.is_dir():
            raise DataDirError(f"{self.path} is not a directory")
        if not self.exists():
            raise DataDirError(
                f"{self.path} is not an ejournal data directory (run 'ejournal init')"
            )
        return self

    def root_verifier(self) -> Ed25519Verifier:
        return load_public_key(self.root_vkey)

    def device_signer(self) -> Ed25519Signer:
        return load_private_key(self.device_key)

    def device_feed_id(self) -> str:
        return feed_id_for(self.device_signer().public_key)

    def open_feed(self, **options: Any) -> Feed:
        """Open this device's own feed for writing."""
        signer = self.device_signer()
        return Feed.open(self.feeds / signer.name.rsplit("/", 1)[-1], signer, **options)


@dataclass(frozen=True)
class InitResult:
    data_dir: DataDir
    feed_id: str
    root: Ed25519Verifier


def create_device_feed(
    data_dir: DataDir, root: Ed25519Signer, device: Ed25519Signer, **options: Any
) -> Feed:
    """Create a device's feed, beginning with the root's certificate of its key."""
    feed_id = device.name.rsplit("/", 1)[-1]
    feed_dir = data_dir.feeds / feed_id
    if feed_dir.exists() and any(feed_dir.iterdir()):
        raise DataDirError(f"feed {feed_id} already exists")
    feed = Feed.open(feed_dir, device, **options)
    cert = Certificate(device.verifier(), "device", feed_id, format_time(feed.clock.now()))
    feed.append([NewEntry("key.certify", {"certificate": sign_statement(cert, root)}, KEY_ACTOR)])
    feed.checkpoint()
    return feed


def init_data_dir(path: Path, **options: Any) -> InitResult:
    """Create a school's data directory: root key, device key, and the device's feed.

    Raises:
        DataDirError: the directory already holds a school.
    """
    data_dir = DataDir(path)
    if data_dir.root_vkey.exists() or data_dir.device_key.exists():
        raise DataDirError(f"{path} already holds a school's keys; refusing to overwrite them")
    data_dir.feeds.mkdir(parents=True, exist_ok=True)
    data_dir.keys.mkdir(parents=True, exist_ok=True)
    root = new_root_key()
    feed_id, device = new_device_key()
    try:
        write_private_key(data_dir.root_key, root)
        write_private_key(data_dir.device_key, device)
    except KeyFileError as e:
        raise DataDirError(str(e)) from e
    write_public_key(data_dir.root_vkey, root.verifier())
    write_public_key(data_dir.device_vkey, device.verifier())
    create_device_feed(data_dir, root, device, **options).close()
    data_dir.write_format()
    return InitResult(data_dir, feed_id, root.verifier())
