"""HTTP for the demo site: one threaded server per publisher, conditional GETs answered 304."""

from __future__ import annotations

import threading
from datetime import UTC
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, cast
from urllib.parse import urlsplit

from demo.site.model import Resource

if TYPE_CHECKING:
    from demo.site.demosite import DemoSite


def not_modified(headers: Message, res: Resource) -> bool:
    """RFC 9110 evaluation: If-None-Match wins over If-Modified-Since."""
    inm = headers.get("If-None-Match")
    if inm is not None:
        tags = {tag.strip().removeprefix("W/") for tag in inm.split(",")}
        return "*" in tags or res.etag in tags
    ims = headers.get("If-Modified-Since")
    if ims is None:
        return False
    try:
        since = parsedate_to_datetime(ims)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return res.last_modified.replace(microsecond=0) <= since


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, host: str, site: DemoSite) -> None:
        super().__init__((host, 0), _Handler)
        self.site = site
        self.host = host
        self.netloc = f"{host}:{self.server_address[1]}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that hang up; they are the crawler's business."""


class OneHostSite:
    """A fixture site served by one Server on `host` and an ephemeral port, started by
    `start()` or `with`; subclasses answer through `_lookup` and `_count`, as DemoSite does."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._server: Server | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://{self._server.netloc}"

    def start(self) -> Self:
        if self._server is None:
            self._server = Server(self.host, self)  # type: ignore[arg-type]
            threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "DemoNews/1.0"
    sys_version = ""
    timeout = 30

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request log line."""

    def _respond(self, *, head: bool) -> None:
        server = cast(Server, self.server)
        target = self.path
        if target.startswith(("http://", "https://")):  # absolute-form request target
            parts = urlsplit(target)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        res = server.site._lookup(server.host, target)
        status = 304 if res.status == 200 and not_modified(self.headers, res) else res.status
        server.site._count(server.netloc, target, status)
        self.send_response(status)
        if res.location:
            self.send_header("Location", res.location)
        if res.etag:
            self.send_header("ETag", res.etag)
        self.send_header("Last-Modified", format_datetime(res.last_modified, usegmt=True))
        self.send_header("Cache-Control", "max-age=60")
        if status == 304:
            self.end_headers()
            return
        self.send_header("Content-Type", res.content_type)
        self.send_header("Content-Length", str(len(res.body)))
        self.end_headers()
        if not head:
            self.wfile.write(res.body)
