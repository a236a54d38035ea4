"""Read-only replication endpoints for a peer server on the school's LAN (issue #9).

``GET /sync/v1/feeds``                       every feed with its last checkpoint (size, root)
``GET /sync/v1/feeds/<feed>/index``          its ``checkpoints`` and ``cosignatures`` (base64)
                                             and its segments with their sizes
``GET /sync/v1/feeds/<feed>/files/<name>?offset=A&end=B``  bytes A..B of one file

Off unless ``DATA_DIR/replication.token`` exists (``ejournal replication-token DATA_DIR``):
every answer is then 404. A request must carry ``Authorization: Bearer <token>`` and come from
a loopback or private (LAN) address; the server listens on 127.0.0.1 unless told otherwise.
They serve what a backup medium holds (feeds, no keys, no accounts), never write.

The same module starts the server's replication thread (:func:`start_replication`): with peers
listed in ``DATA_DIR/replication.peers`` (one ``http://HOST:PORT TOKEN`` per line) it pulls from
each every few minutes, and it takes in new entries a sync or a pull brought (``Journal.refresh``).
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from pathlib import Path
from typing import Any

from litestar import Controller, Litestar, Request, Response, get
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery

from ejournal.journal import Journal
from sync.source import FEED_RE, DirSource, SourceError, index_json, is_file_name
from sync.token import read_token, token_matches

from ..security import PUBLIC

log = logging.getLogger("ejournal.web.sync")
PEERS_FILE = "replication.peers"
PULL_SECONDS = 300.0
REFRESH_SECONDS = 30.0


def _data_dir(request: Request) -> Path:
    journal: Journal = request.app.state.journal
    return journal.data_dir.path


def _allow(request: Request) -> Path:
    """The data directory, if this request may read it; 404/401/403 otherwise."""
    data_dir = _data_dir(request)
    if read_token(data_dir) is None:
        raise NotFoundException()
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
        local = address.is_loopback or address.is_private
    except ValueError:
        local = host in ("testclient", "localhost")
    if not local:
        raise PermissionDeniedException("replication is for the school's own network")
    if not token_matches(data_dir, request.headers.get("authorization")):
        raise NotAuthorizedException("a replication token is needed")
    return data_dir


def _bytes(data: bytes, media_type: str = "application/octet-stream") -> Response[bytes]:
    return Response(data, media_type=media_type, headers={"Cache-Control": "no-store"})


class FeedsController(Controller):
    path = "/sync/v1"
    opt = {"roles": PUBLIC}  # not a person's page: the replication token guards it
    include_in_schema = False

    @get("/feeds", sync_to_thread=True)
    def feeds(self, request: Request) -> Response[Any]:
        data_dir = _allow(request)
        # FORMAT §8: a checkpoint is signed before a copy leaves for another server, so the
        # peer gets every entry made until now (a copy takes only what checkpoints cover).
        journal: Journal = request.app.state.journal
        journal.feed.checkpoint()
        return Response(
            {"feeds": DirSource(data_dir).summary()}, headers={"Cache-Control": "no-store"}
        )

    @get("/feeds/{feed:str}/index", sync_to_thread=True)
    def index(self, request: Request, feed: FromPath[str]) -> Response[bytes]:
        data_dir = _allow(request)
        if not FEED_RE.fullmatch(feed) or not (data_dir / "feeds" / feed).is_dir():
            raise NotFoundException()
        return _bytes(index_json(DirSource(data_dir), feed), "application/json")

    @get("/feeds/{feed:str}/files/{name:str}", sync_to_thread=True)
    def file(
        self,
        request: Request,
        feed: FromPath[str],
        name: FromPath[str],
        offset: FromQuery[int] = 0,
        end: FromQuery[int] = -1,
    ) -> Response[bytes]:
        data_dir = _allow(request)
        path = data_dir / "feeds" / feed
        if not FEED_RE.fullmatch(feed) or not is_file_name(name) or not (path / name).is_file():
            raise NotFoundException()
        size = (path / name).stat().st_size
        end = size if end < 0 else min(end, size)
        if offset < 0 or offset > end:
            raise NotFoundException()
        return _bytes(DirSource(data_dir).read(feed, name, offset, end))


def read_peers(data_dir: Path) -> list[tuple[str, str]]:
    """The peers to pull from: ``URL TOKEN`` lines of ``DATA_DIR/replication.peers``."""
    try:
        text = (data_dir / PEERS_FILE).read_text(encoding="utf-8")
    except OSError:
        return []
    peers = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].startswith(("http://", "https://")):
            peers.append((parts[0], parts[1]))
    return peers


def pull_peers(journal: Journal) -> None:
    """Pull from every listed peer, then take the new entries in (one round of the thread)."""
    from sync.records import raise_alarms
    from sync.replica import ReplicaError, replicate
    from sync.source import HttpSource

    data_dir = journal.data_dir.path
    for url, token in read_peers(data_dir):
        try:
            result = replicate(HttpSource(url, token), data_dir, journal.data_dir.root_verifier())
        except (ReplicaError, SourceError, OSError) as e:
            log.warning("replication from %s failed: %s", url, e)
            continue
        raise_alarms(data_dir, "sync", url, str(data_dir), result.feeds)
    journal.refresh()


def start_replication(app: Litestar) -> None:
    """Startup hook: a daemon thread that refreshes the journal and pulls from peers."""
    journal: Journal = app.state.journal
    stop = threading.Event()
    app.state.replication_stop = stop

    def loop() -> None:
        since_pull = PULL_SECONDS  # pull at once when the server starts
        while True:
            try:
                if since_pull >= PULL_SECONDS and read_peers(journal.data_dir.path):
                    pull_peers(journal)
                else:
                    journal.refresh_if_changed()
            except Exception:  # the thread must not die: log and try again next round
                log.exception("replication round failed")
            if since_pull >= PULL_SECONDS:
                since_pull = 0.0  # pulled, or no peers: look at the peers again in 5 min
            # Every round waits (a school without peers must not spin: that took a core and
            # the GIL from every page).
            if stop.wait(REFRESH_SECONDS):
                return
            since_pull += REFRESH_SECONDS

    thread = threading.Thread(target=loop, name="ejournal-replication", daemon=True)
    app.state.replication_thread = thread
    thread.start()


def stop_replication(app: Litestar) -> None:
    """Shutdown hook: stop the thread and wait for a round in progress (the journal is closed
    next, and a round must not use it then)."""
    stop = getattr(app.state, "replication_stop", None)
    if stop is not None:
        stop.set()
        app.state.replication_thread.join(60)
