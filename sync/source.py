"""Where a replica's feeds are read from: a folder (a data directory, a backup folder on a flash
drive) or another server over HTTP (``web/views/feeds.py`` serves the same reads).

A source answers three questions per feed, always in this order so that what is read is at
least what the notes cover (both files only grow): its ``checkpoints`` and ``cosignatures``
bytes, then its segments with their sizes; and it reads a byte range of one file.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ejournal.log.storage import CHECKPOINTS, COSIGNATURES, SEGMENT_RE, list_segments

from .crypto import MAGIC, NONCE, PLAIN, Codec

OVERHEAD = len(MAGIC) + NONCE + 16  # what encryption adds to a file (the GCM tag is 16 bytes)

FEED_RE = re.compile(r"[0-9a-f]{32}")
API = "/sync/v1"


class SourceError(Exception):
    """The source cannot be read (missing folder, refused token, a peer that does not answer)."""

    message_ru = "Источник копии недоступен."


@dataclass(frozen=True)
class FeedIndex:
    """A snapshot of one feed of a source: its notes files and its segments' sizes."""

    feed: str
    checkpoints: bytes
    cosignatures: bytes
    segments: tuple[tuple[int, str, int], ...]  # (first seq, file name, size in bytes)


class Source(Protocol):
    """A replica to copy from."""

    label: str

    def feeds(self) -> list[str]: ...

    def index(self, feed: str) -> FeedIndex: ...

    def read(self, feed: str, name: str, offset: int, end: int) -> bytes: ...


def is_file_name(name: str) -> bool:
    return bool(SEGMENT_RE.fullmatch(name)) or name in (CHECKPOINTS, COSIGNATURES)


class DirSource:
    """The feeds of a folder holding ``feeds/<feed-id>/…``."""

    def __init__(self, path: Path, codec: Codec = PLAIN) -> None:
        self.path = path
        self.label = str(path)
        self.codec = codec  # an encrypted copy on a medium is read through its codec

    def feeds(self) -> list[str]:
        folder = self.path / "feeds"
        if not folder.is_dir():
            raise SourceError(f"{self.path} has no feeds folder")
        return sorted(p.name for p in folder.iterdir() if p.is_dir() and FEED_RE.fullmatch(p.name))

    def index(self, feed: str) -> FeedIndex:
        folder = self.path / "feeds" / feed
        notes = self._decoded(feed, CHECKPOINTS)
        cosigs = self._decoded(feed, COSIGNATURES)
        extra = OVERHEAD if self.codec.encrypted else 0
        segments = tuple(
            (first, p.name, p.stat().st_size - extra) for first, p in list_segments(folder)
        )
        return FeedIndex(feed, notes, cosigs, segments)

    def _decoded(self, feed: str, name: str) -> bytes:
        stored = _read_or_empty(self.path / "feeds" / feed / name)
        if not stored or not self.codec.encrypted:
            return stored
        return self.codec.decode(f"feeds/{feed}/{name}", stored)

    def read(self, feed: str, name: str, offset: int, end: int) -> bytes:
        if not (FEED_RE.fullmatch(feed) and is_file_name(name)):
            raise SourceError(f"not a feed file: {feed}/{name}")
        if self.codec.encrypted:
            return self._decoded(feed, name)[offset:end]
        with open(self.path / "feeds" / feed / name, "rb") as f:
            f.seek(offset)
            return f.read(max(0, end - offset))

    def summary(self) -> list[dict[str, object]]:
        """Each feed with its last checkpoint (size, root) and files: what a peer lists."""
        from ejournal.log.extend import last_checkpoint

        out: list[dict[str, object]] = []
        for feed in self.feeds():
            index = self.index(feed)
            last = last_checkpoint(index.checkpoints)
            out.append(
                {
                    "feed": feed,
                    "size": last.size if last else 0,
                    "root": base64.b64encode(last.root).decode() if last else "",
                    "segments": [[name, size] for _, name, size in index.segments],
                }
            )
        return out


def _read_or_empty(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


class HttpSource:
    """Another ejournal server on the LAN (``GET /sync/v1/…`` with a replication token)."""

    def __init__(self, url: str, token: str, timeout: float = 60.0) -> None:
        self.base = url.rstrip("/")
        self.label = self.base
        self.token = token
        self.timeout = timeout

    def _get(self, path: str, query: dict[str, int] | None = None) -> bytes:
        url = self.base + API + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as e:
            if e.code in (401, 403, 404) and path == "/feeds":
                raise SourceError(
                    f"{self.base} refused replication ({e.code}): is replication on there "
                    "and is the token right?"
                ) from e
            raise SourceError(f"{url}: HTTP {e.code}") from e
        except (urllib.error.URLError, OSError) as e:
            raise SourceError(f"{url}: {getattr(e, 'reason', e)}") from e

    def feeds(self) -> list[str]:
        listed = json.loads(self._get("/feeds"))["feeds"]
        return sorted(str(f["feed"]) for f in listed if FEED_RE.fullmatch(str(f["feed"])))

    def index(self, feed: str) -> FeedIndex:
        obj = json.loads(self._get(f"/feeds/{feed}/index"))
        segments = []
        for name, size in obj["segments"]:
            if not SEGMENT_RE.fullmatch(name) or not isinstance(size, int) or size < 0:
                raise SourceError(f"{self.base}: a malformed segment list for {feed}")
            segments.append((int(name[4:16]), name, size))
        return FeedIndex(
            feed,
            base64.b64decode(obj["checkpoints"], validate=True),
            base64.b64decode(obj["cosignatures"], validate=True),
            tuple(sorted(segments)),
        )

    def read(self, feed: str, name: str, offset: int, end: int) -> bytes:
        data = self._get(f"/feeds/{feed}/files/{name}", {"offset": offset, "end": end})
        if len(data) != end - offset:
            raise SourceError(f"{self.base}: {feed}/{name} came back short")
        return data


def index_json(source: DirSource, feed: str) -> bytes:
    """The answer of ``GET /sync/v1/feeds/<feed>/index`` (web/views/feeds.py)."""
    index = source.index(feed)
    return json.dumps(
        {
            "feed": feed,
            "checkpoints": base64.b64encode(index.checkpoints).decode(),
            "cosignatures": base64.b64encode(index.cosignatures).decode(),
            "segments": [[name, size] for _, name, size in index.segments],
        }
    ).encode()


def open_source(spec: str, token: str | None = None) -> Source:
    """A folder path or ``http://host:port`` (which needs ``token``)."""
    if spec.startswith(("http://", "https://")):
        if not token:
            raise SourceError("an http source needs a replication token (--token FILE)")
        return HttpSource(spec, token)
    return DirSource(Path(spec))
