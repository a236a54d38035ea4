"""Compressed answers for text: pages, htmx fragments, the stylesheet and htmx itself (issue #4:
a page load after the first under 100 KB). Brotli where the browser takes it, else gzip; PDFs,
images, archives and backups are already compressed and pass through untouched (compressing
them again would spend the server's time and drop their Content-Length)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.config.compression import CompressionConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import CompressionEncoding
from litestar.middleware.compression import CompressionMiddleware

if TYPE_CHECKING:
    from litestar.types import Message, Scope, Send

# The media types worth compressing (the start of the Content-Type header).
TEXT_TYPES = (
    "text/",
    "application/javascript",
    "application/json",
    "application/xml",
    "image/svg+xml",
)
# Fast settings: a quarter's grid page (~150 KB of HTML) compresses ~10× in about a
# millisecond; higher levels gain a few per cent for several times the time.
BROTLI_QUALITY = 4
GZIP_LEVEL = 6
MINIMUM_SIZE = 1000


def compressible(content_type: str) -> bool:
    """Whether an answer of this Content-Type is compressed."""
    return content_type.lower().startswith(TEXT_TYPES)


class TextCompressionMiddleware(CompressionMiddleware):
    """Litestar's compression, for text answers only."""

    def create_compression_send_wrapper(
        self,
        send: Send,
        compression_encoding: CompressionEncoding | str,
        scope: Scope,
    ) -> Send:
        compressing = super().create_compression_send_wrapper(
            send,
            compression_encoding,  # type: ignore[arg-type]
            scope,
        )
        plain = False

        async def choose(message: Message) -> None:
            nonlocal plain
            if message["type"] == "http.response.start":
                content_type = MutableScopeHeaders(message).get("content-type") or ""
                plain = not compressible(content_type)
            if plain:
                await send(message)
            else:
                await compressing(message)

        return choose


def compression_config() -> CompressionConfig:
    """Brotli (with gzip for browsers without it) for the text answers of the journal."""
    return CompressionConfig(
        backend="brotli",
        brotli_quality=BROTLI_QUALITY,
        gzip_compress_level=GZIP_LEVEL,
        minimum_size=MINIMUM_SIZE,
        middleware_class=TextCompressionMiddleware,
    )
