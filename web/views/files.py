"""Downloads of attached files (R-DST-1, R-PRT-1): only for those who may see the record that
references the file; images and PDF (whose content was checked at upload) inline, everything
else as an attachment, never sniffed into something the browser would run."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Controller, Request, Response, get
from litestar.params import FromPath

from ejournal.blobs import BlobStore, is_sha256
from ejournal.journal import Journal
from ejournal.model.errors import NotFound
from ejournal.model.files import INLINE_TYPES
from ejournal.queries.files import file_for

from ..security import SIGNED_IN, current_user, reading


def disposition(kind: str, name: str) -> str:
    """RFC 6266 with an ASCII fallback and the UTF-8 name (Cyrillic names stay readable)."""
    fallback = "".join(
        ch if ch.isascii() and ch.isprintable() and ch not in '"\\' else "_" for ch in name
    )
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class FilesController(Controller):
    @get("/files/{owner:str}/{digest:str}", opt={"roles": SIGNED_IN}, sync_to_thread=True)
    def download(
        self, request: Request, owner: FromPath[str], digest: FromPath[str]
    ) -> Response[bytes]:
        j: Journal = request.app.state.journal
        user = current_user(request)
        assert user is not None
        if not is_sha256(digest):
            raise NotFound("Такой файл не найден.")
        with reading(j):
            info = file_for(j.db, user.person, owner, digest, j.today())
        try:
            data = BlobStore.of(j.data_dir.path).read(digest)
        except FileNotFoundError:
            raise NotFound("Файл не найден в хранилище: сообщите администратору.") from None
        inline = info.media_type in INLINE_TYPES
        headers = {
            "Content-Disposition": disposition("inline" if inline else "attachment", info.name),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
        }
        if info.media_type != "application/pdf":  # the browser's PDF viewer needs its scripts
            headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return Response(
            data,
            media_type=info.media_type if inline else "application/octet-stream",
            headers=headers,
        )
