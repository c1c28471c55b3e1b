"""The fault site's servers, its configuration and its request handling (see the package map)."""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast

from demo.faults import bad, good, listings
from demo.faults.bodies import (
    ALLOWED,
    BUSY,
    CANARY,
    GAZETTE,
    LANDING,
    MAX_PAGE_BYTES,
    SOURCE,
    Page,
    Reply,
)

# --- HTTP -----------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, host: str, handle: Callable[[_Handler], None]) -> None:
        super().__init__((host, 0), _Handler)
        self.handle_request_for = handle
        self.netloc = f"{host}:{self.server_address[1]}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (on a bomb, a drip, a stream) are expected here."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FaultNews/1.0"
    sys_version = ""
    timeout = 60

    def do_GET(self) -> None:
        cast(_Server, self.server).handle_request_for(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request log line."""


class FaultSite:
    """The fault site and its canary on loopback; the truth about what a crawl must make of it.

    ``with FaultSite() as site: site.config_toml(db_url)``; then compare the archive with
    `good` (url -> Page), `bad` and `listings_bad` (url -> regex of the recorded reason) and
    `canary_urls` (each recorded as refused), and check that `canary_hits` stays empty.

    :param seed: seeds the random bytes and generated articles.
    """

    def __init__(self, *, seed: int = 0) -> None:
        self.seed = seed
        self.hits: collections.Counter[str] = collections.Counter()  # "netloc/path" -> requests
        self.log: list[tuple[float, str]] = []  # (time.monotonic(), "netloc/path") per request
        self.canary_hits: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._servers: dict[str, _Server] = {}
        self._threads: list[threading.Thread] = []
        self._routes: dict[str, dict[str, Reply]] = {}
        self.good: dict[str, Page] = {}
        self.bad: dict[str, str] = {}
        self.canary_urls: list[str] = []
        self.robots_refused: list[str] = []

    # --- lifecycle ---

    def start(self) -> FaultSite:
        """Bind every server, build the pages and serve in background threads."""
        if self._servers:
            return self
        for name, host in (("gazette", GAZETTE), ("landing", LANDING), ("busy", BUSY)):
            self._servers[name] = _Server(host, self._serve)
        for name, host in (("canary", CANARY), ("canary-localhost", "127.0.0.1")):
            self._servers[name] = _Server(host, self._serve_canary)
        self._build()
        for server in self._servers.values():
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads = {}, []

    def __enter__(self) -> FaultSite:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def base(self, name: str = "gazette") -> str:
        return f"http://{self._servers[name].netloc}"

    # --- configuration ---

    @property
    def feeds(self) -> list[str]:
        paths = ["/feed.xml", "/feeds/laughs.xml", "/feeds/malformed.xml", "/feeds/broken.json"]
        paths += ["/feeds/truncated.xml", "/feeds/bomb.xml", "/feeds/tangled.xml"]
        return [self.base() + p for p in paths]

    @property
    def sitemaps(self) -> list[str]:
        paths = ["/sitemaps/laughs.xml", "/sitemaps/broken.xml", "/sitemaps/index.xml"]
        paths += ["/sitemaps/gzipped.xml", "/sitemaps/bomb.xml.gz", "/robots.txt"]
        return [self.base() + p for p in paths]

    @property
    def listings_bad(self) -> dict[str, str]:
        """Listing URLs that must be recorded as failed, with the reason's regex."""
        base = self.base()
        return {
            base + "/feeds/malformed.xml": "not a feed",
            base + "/feeds/broken.json": "not a JSON feed",
            base + "/feeds/bomb.xml": "too large",
            base + "/feeds/tangled.xml": "not a feed",
            base + "/sitemaps/broken.xml": "not a sitemap",
            base + "/sitemaps/bomb.xml.gz": "too large",
            "file:///etc/passwd": "refused: file: URLs",
            "data:text/xml,%3Curlset/%3E": "refused: data: URLs",
        }

    @property
    def busy_feed(self) -> str:
        return self.base() + "/feeds/busy.xml"

    @property
    def busy_urls(self) -> list[str]:
        return [f"{self.base('busy')}/busy/{n}.html" for n in range(1, 21)]

    @property
    def soon_urls(self) -> list[str]:
        return [f"{self.base('busy')}/busy/soon-{n}.html" for n in range(1, 4)]

    def config_toml(
        self,
        database_url: str,
        *,
        timeout: str = "2s",
        extra: str = "",
        feeds: list[str] | None = None,
        concurrency: int = 32,
    ) -> str:
        """A newsmon config for this site: only 127.0.0.20/30 allowed, short timeout, 2 MB;
        `extra` lines go into the [crawl] table (e.g. ``cycle_budget = "3s"``). Given `feeds`,
        the source has only those, and no sitemaps."""
        feed_list = ", ".join(f'"{u}"' for u in (self.feeds if feeds is None else feeds))
        sitemaps = ", ".join(f'"{u}"' for u in self.sitemaps) if feeds is None else ""
        return (
            f'[database]\nurl = "{database_url}"\n\n'
            f"[crawl]\nconcurrency = {concurrency}\nper_host_concurrency = 16\n"
            'download_delay = "0s"\n'
            f'timeout = "{timeout}"\nretries = 1\nworkers = 2\nmax_page_bytes = {MAX_PAGE_BYTES}\n'
            f'allow_private_networks = ["{ALLOWED}"]\n'
            f"{extra.strip()}\n\n"
            f'[[sources]]\nname = "{SOURCE}"\nfeeds = [{feed_list}]\nsitemaps = [{sitemaps}]\n'
        )

    # --- serving ---

    def _serve(self, handler: _Handler) -> None:
        server = cast(_Server, handler.server)
        path = handler.path.split("?", 1)[0]
        with self._lock:
            self.hits[server.netloc + path] += 1
            self.log.append((time.monotonic(), server.netloc + path))
            asked = self.hits[server.netloc + path]
        host = server.server_address[0]
        routes = self._routes.get(str(host), {})
        reply = routes.get(handler.path) or routes.get(path) or Reply(404, b"not found\n")
        if reply.behaviour == "slow":
            self._stop.wait(30)
            return
        if reply.behaviour == "busy-once" and asked == 1:
            reply = Reply(503, b"busy\n", headers={"Retry-After": "2"})
        handler.send_response(reply.status)
        handler.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        if reply.behaviour == "drip":
            self._drip(handler)
        elif reply.behaviour == "stream":
            self._stream(handler)
        else:
            handler.send_header("Content-Length", str(len(reply.body)))
            handler.end_headers()
            handler.wfile.write(reply.body)

    def _drip(self, handler: _Handler) -> None:
        handler.send_header("Content-Length", "150")
        handler.end_headers()
        for _ in range(150):
            if self._stop.wait(0.2):
                return
            handler.wfile.write(b" ")
            handler.wfile.flush()

    def _stream(self, handler: _Handler) -> None:
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        chunk = b"<p>" + b"all work and no play " * 3000 + b"</p>\n"
        for _ in range(20_000_000 // len(chunk)):
            if self._stop.is_set():
                return
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        handler.wfile.write(b"0\r\n\r\n")

    def _serve_canary(self, handler: _Handler) -> None:
        server = cast(_Server, handler.server)
        with self._lock:
            self.canary_hits.append(server.netloc + handler.path)
        body = b"canary\n"
        handler.send_response(200)
        handler.send_header("Content-Type", "text/plain")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    # --- the pages ---

    def _build(self) -> None:
        robots = "\ufeffSitemap: /sitemaps/news.xml.gz\nUser-agent: *\nDisallow: /private/\n"
        gazette: dict[str, Reply] = {
            "/robots.txt": Reply(body=robots.encode(), content_type="text/plain")
        }
        landing: dict[str, Reply] = {}
        writer = good.good_pages(self, gazette, landing)
        bad.bad_pages(self, gazette)
        bad.canary_links(self, gazette)
        listings.listings(self, gazette)
        self._routes = {GAZETTE: gazette, LANDING: landing, BUSY: good.busy(self, gazette, writer)}
