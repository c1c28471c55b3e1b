"""Size limits: max_page_bytes on the wire and decompressed."""

from __future__ import annotations

from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import (
    DownloadCancelledError,
    IgnoreRequest,
)
from scrapy.http import Response


class PageSizeMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, with the size limit named when a page breaks it.

    DOWNLOAD_MAXSIZE (= crawl.max_page_bytes) is enforced by Scrapy on the wire (a larger
    Content-Length, or more bytes received so far, cancels the download) and by
    HttpCompressionMiddleware, which this replaces, on the decompressed body (gzip, deflate,
    br and zstd bombs stop at the limit). Scrapy's reasons speak of DOWNLOAD_MAXSIZE or are
    empty (a body cut while streaming); each becomes "too large: ..." here and is counted.
    """

    STAT = "newsmon/too_large"

    def __init__(self, stats: Any = None, *, crawler: Crawler | None = None) -> None:
        super().__init__(stats, crawler=crawler)
        if crawler is not None:
            crawler.signals.connect(self._bytes_received, signal=signals.bytes_received)

    def _bytes_received(self, data: bytes, request: Request) -> None:
        request.meta["newsmon_bytes"] = request.meta.get("newsmon_bytes", 0) + len(data)

    def _too_large(self, request: Request, where: str) -> IgnoreRequest:
        if self.stats is not None:
            self.stats.inc_value(self.STAT)
        limit = request.meta.get("download_maxsize", self._max_size)
        return IgnoreRequest(f"too large: more than crawl.max_page_bytes ({limit} bytes) {where}")

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            if getattr(exc.__cause__, "decompressed_size", None) is None:
                raise
            encoding = (response.headers.get(b"Content-Encoding") or b"").decode("latin-1")
            raise self._too_large(request, f"once decompressed ({encoding})") from None

    def process_exception(self, request: Request, exception: Exception) -> None:
        if not isinstance(exception, DownloadCancelledError):
            return
        limit = request.meta.get("download_maxsize", self._max_size)
        cut = request.meta.get("newsmon_bytes", 0) > limit
        if limit and (cut or "larger than download max size" in str(exception)):
            raise self._too_large(request, "on the wire")
