"""The fault site: a publisher that serves every kind of bad page, and a canary it links to.

THE MAP. Each host is a ThreadingHTTPServer on an ephemeral port. The allowed networks are
127.0.0.20/30 (.20 to .23); the canary listens outside them and must never be asked anything.

Fault Gazette (127.0.0.20, the one configured source; `feeds`/`sitemaps` below)
  /robots.txt                   starts with a UTF-8 BOM; Sitemap: /sitemaps/news.xml.gz;
                                disallows /private/ (also a configured sitemap listing)
  /feed.xml                     RSS 2.0 linking every article page below and every canary URL
  /feeds/laughs.xml             "billion laughs" RSS (nine levels of ten entities); its one item
                                links /news/from-laughs.html, reachable from nowhere else
  /feeds/malformed.xml          an HTML error page served as a feed: "not a feed"
  /feeds/broken.json            a JSON Feed cut short: "not a JSON feed"
  /feeds/truncated.xml          RSS cut inside its second item; the first links
                                /news/from-truncated.html
  /feeds/bomb.xml               a gzip bomb served as a feed
  /feeds/tangled.xml            tags closed out of order, on which feedparser raises
  /sitemaps/laughs.xml          "billion laughs" sitemap; links /news/from-sitemap.html
  /sitemaps/broken.xml          random bytes: "not a sitemap"
  /sitemaps/index.xml           a sitemap index of file:///etc/passwd and a data: URL
  /sitemaps/news.xml.gz         a gzip file (application/x-gzip, no Content-Encoding), named
                                only by robots.txt; links /news/from-gzip-sitemap.html
  /sitemaps/gzipped.xml         a sitemap gzip-compressed without Content-Encoding; links
                                /news/from-gzipped-sitemap.html
  /sitemaps/bomb.xml.gz         a gzip bomb as a .xml.gz file: "too large"
  good article pages (`good`: url -> title and paragraphs the archive must hold):
  /news/plain-N.html            N = 1..4, UTF-8, declared in the header
  /news/gzip.html, /news/deflate.html, /news/brotli.html   compressed the honest way
  /news/moved.html              301 to 127.0.0.21 /news/landed.html (another allowed host)
  /index.php?id=7               an article under a CMS's front controller, linked only as
                                /news/old-7.html (301 to it)
  /news/kept-slug/index.html    an article in a directory's index page, linked only as
                                /news/old-slug.html (301 to it)
  /news/truncated.html          cut inside its fifth paragraph, no closing tags: four survive
  /enc/windows-1251.html        Russian, charset=windows-1251 in the header
  /enc/windows-1251-meta.html   Russian, only <meta charset="windows-1251">
  /enc/latin1-undeclared.html   French in ISO-8859-1, declared nowhere
  /enc/utf8-bom.html            German in UTF-8 with a BOM; header and <meta> say ISO-8859-1
  /enc/mislabelled-utf8.html    French in UTF-8, header says charset=iso-8859-1
  /enc/mislabelled-1251.html    Russian in windows-1251, header says charset=utf-8
  bad pages (`bad`: url -> regex the recorded reason must match; failed listings are in
  `listings_bad`):
  /bad/random.html              8 KB of random bytes as text/html
  /bad/report.html              a PDF as text/html
  /bad/photo.html               a PNG as text/html;  /bad/photo.jpg  a JPEG as image/jpeg
  /bad/empty.html               200 and no body;  /bad/blank.html  200 and only whitespace
  /bad/app-shell.html           an HTML shell a script would fill: no article text
  /bad/deep.html                100,000 nested <div>s
  /bad/loop-a.html <-> /bad/loop-b.html, /bad/self.html -> itself    redirect loops
  /bad/chain-0.html -> chain-1.html -> ... chain-14.html            longer than 10 hops
  /bad/slow.html                answers nothing for 30 s
  /bad/drip.html                headers, then one body byte every 0.2 s for 30 s
  /bad/huge.html                12 MB with Content-Length
  /bad/huge-stream.html         20 MB chunked, no Content-Length
  /bad/gzip-bomb.html, /bad/deflate-bomb.html, /bad/brotli-bomb.html
                                200 MB of zeros in about 200 KB (gzip, deflate) or 300 B (br)
  /bad/bad-gzip.html            Content-Encoding: gzip over bytes that are not gzip
  /bad/to-file.html             302 to file:///etc/passwd
  /bad/gone.html                404;  /bad/error.html  500 every time
  /private/members.html         disallowed by robots.txt: refused, never requested; and
  /bad/to-private.html          302 to /private/redirected.html: refused the same way
                                (`robots_refused`: recorded, not counted as errors)
  /bad/to-canary.html           302 to the canary by address
  /bad/to-localhost.html        302 to the canary by the name "localhost"
  /feeds/busy.xml               not configured by default (`busy_feed`): links /news/plain-1..4
                                and the Busy host's pages below, these last
Landing (127.0.0.21): /news/landed.html, the target of /news/moved.html.
Busy (127.0.0.22), a server under load (`busy_urls`, `soon_urls`):
  /busy/N.html                  N = 1..20: 503 with Retry-After: 30, every time
  /busy/soon-N.html             N = 1..3: 503 with Retry-After: 2 the first time, then an article
Canary (127.0.0.30, and 127.0.0.1 for the name "localhost"): counts every request in `hits`
  and answers 200. Linked from /feed.xml by address, as 2130706462 (127.0.0.30 in decimal),
  0177.0.0.30 (octal) and 0x7f00001e (hex), by the name "localhost", through the two
  redirects above, plus 169.254.169.254 (link-local) and [::1] (`canary_urls`: each must be
  recorded as refused, under the URL as listed, none requested).
"""

from __future__ import annotations

import collections
import functools
import random
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast
from urllib.parse import urlsplit

import brotli

from demo.content import Writer

GAZETTE, LANDING, BUSY, CANARY = "127.0.0.20", "127.0.0.21", "127.0.0.22", "127.0.0.30"
ALLOWED = "127.0.0.20/30"
SOURCE = "Fault Gazette"
BOMB_BYTES = 200 * 1024 * 1024  # what each bomb inflates to
MAX_PAGE_BYTES = 2_000_000
HTML = "text/html; charset=utf-8"
PUBLISHED = datetime(2024, 3, 18, 9, 0, tzinfo=UTC)

# Text in legacy encodings: each paragraph must come back exactly (after normalise_text).
RUSSIAN_TITLE = "Городской совет утвердил новый план развития набережной"
RUSSIAN = [
    "Городской совет в среду утвердил план реконструкции набережной, который обсуждался "
    "почти два года. Работы начнутся весной и продлятся до конца следующего года.",
    "По словам главы комиссии по благоустройству, на набережной появятся новые скамейки, "
    "велосипедные дорожки и освещение. Старые деревья сохранят, а вдоль реки высадят ещё "
    "двести лип.",
    "Жители района, пришедшие на заседание, в целом поддержали проект, но попросили "
    "оставить бесплатную стоянку у рынка и продлить работу паромной переправы.",
    "Стоимость работ оценивается в четыреста миллионов рублей. Часть денег выделит "
    "областной бюджет, остальное город надеется получить от продажи бывших складов.",
]
FRENCH_TITLE = "La région prolonge les horaires des trains du soir"
FRENCH = [
    "La région a annoncé jeudi que les trains du soir circuleront une heure de plus à "
    "partir du mois prochain, une mesure réclamée depuis longtemps par les étudiants.",
    "Selon le vice-président chargé des transports, l'élargissement des horaires coûtera "
    "près de trois millions d'euros par an, financés en partie par les communes desservies.",
    "Les associations d'usagers saluent une « décision attendue » mais regrettent que les "
    "lignes secondaires, où les retards sont fréquents, ne soient pas concernées.",
    "Une évaluation sera menée à la fin de l'année afin de décider si l'expérience doit être "
    "étendue aux fins de semaine et aux vacances scolaires.",
]
GERMAN_TITLE = "Stadtbibliothek öffnet künftig auch sonntags"
GERMAN = [
    "Die Stadtbibliothek öffnet vom nächsten Monat an auch sonntags, teilte die Verwaltung "
    "am Dienstag mit. Zunächst gilt die Regelung für ein Jahr.",
    "Möglich wird die Öffnung durch zusätzliche Stellen und Selbstverbuchungsgeräte, an "
    "denen Leserinnen und Leser Bücher ohne Hilfe ausleihen und zurückgeben können.",
    "Der Förderverein begrüßte die Entscheidung. Gerade Familien und Berufstätige hätten "
    "unter der Woche kaum Zeit, die Räume in Ruhe zu nutzen, sagte die Vorsitzende.",
    "Im Herbst will die Stadt prüfen, wie viele Besucher das Angebot angenommen haben und "
    "ob sich die längeren Öffnungszeiten dauerhaft finanzieren lassen.",
]


@dataclass(frozen=True)
class Page:
    """An article the archive must hold: its title and the paragraphs of its text."""

    title: str
    paragraphs: list[str]


@dataclass
class _Reply:
    """One route: a fixed answer, or a behaviour (slow, drip, stream) that ignores `body`."""

    status: int = 200
    body: bytes = b""
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)
    behaviour: str = ""


def _article_html(title: str, paragraphs: list[str], *, charset: str = "", lang: str = "en") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head>{meta}<title>{escape(title)}</title>'
        '</head>\n<body><header><nav><a href="/">Fault Gazette</a> | <a href="/news/">News</a>'
        f"</nav></header>\n<main><article><h1>{escape(title)}</h1>\n{body}\n</article></main>\n"
        "<footer>Copyright Fault Gazette</footer></body></html>\n"
    )


def _laughs(levels: int = 9) -> str:
    """The entity declarations of a "billion laughs" document (10**levels copies of lol)."""
    decls = ['<!ENTITY lol0 "lol">']
    decls += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return "".join(decls)


@functools.cache
def _bomb(encoding: str) -> bytes:
    """BOMB_BYTES of zeros, compressed (computed once per process: about a second)."""
    chunk = bytes(1 << 20)
    if encoding == "br":
        compressor = brotli.Compressor(quality=5)
        return b"".join(compressor.process(chunk) for _ in range(BOMB_BYTES >> 20)) + (
            compressor.finish()
        )
    wbits = 31 if encoding == "gzip" else 15
    deflate = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return b"".join(deflate.compress(chunk) for _ in range(BOMB_BYTES >> 20)) + deflate.flush()


def _compress(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return cast(bytes, brotli.compress(body))
    deflate = zlib.compressobj(6, zlib.DEFLATED, 31 if encoding == "gzip" else 15)
    return deflate.compress(body) + deflate.flush()


def _png() -> bytes:
    rng = random.Random("png")
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rng.randrange(256) for _ in range(3000))


def _jpeg() -> bytes:
    rng = random.Random("jpeg")
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(rng.randrange(256) for _ in range(3000))


def _pdf() -> bytes:
    rng = random.Random("pdf")
    return (
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\nstream\n"
        + bytes(rng.randrange(256) for _ in range(5000))
        + b"\nendstream\n%%EOF\n"
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
        self._routes: dict[str, dict[str, _Reply]] = {}
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
        reply = routes.get(handler.path) or routes.get(path) or _Reply(404, b"not found\n")
        if reply.behaviour == "slow":
            self._stop.wait(30)
            return
        if reply.behaviour == "busy-once" and asked == 1:
            reply = _Reply(503, b"busy\n", headers={"Retry-After": "2"})
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
        gazette: dict[str, _Reply] = {
            "/robots.txt": _Reply(body=robots.encode(), content_type="text/plain")
        }
        landing: dict[str, _Reply] = {}
        writer = self._good_pages(gazette, landing)
        self._bad_pages(gazette)
        self._canary_links(gazette)
        self._listings(gazette)
        self._routes = {GAZETTE: gazette, LANDING: landing, BUSY: self._busy(gazette, writer)}

    def _put_good(self, routes: dict[str, _Reply], path: str, page: Page, reply: _Reply) -> None:
        routes[path] = reply
        self.good[self.base() + path] = page

    def _good_pages(self, gazette: dict[str, _Reply], landing: dict[str, _Reply]) -> Writer:
        writer = Writer(random.Random(f"{self.seed}-faults"))
        drafts = [
            writer.article(v, author="Ann Example", published_at=PUBLISHED)
            for v in ("health", "tech", "health", "tech", "health", "tech", "health", "tech")
        ]
        pages = [Page(d.title, d.paragraphs) for d in drafts]

        def html(page: Page) -> bytes:
            return _article_html(page.title, page.paragraphs, charset="utf-8").encode()

        for n in range(1, 5):
            self._put_good(
                gazette, f"/news/plain-{n}.html", pages[n - 1], _Reply(body=html(pages[n - 1]))
            )
        compressed = (("gzip", "gzip"), ("deflate", "deflate"), ("br", "brotli"))
        for page, (encoding, name) in zip(pages[4:7], compressed, strict=True):
            path = f"/news/{name}.html"
            reply = _Reply(
                body=_compress(html(page), encoding), headers={"Content-Encoding": encoding}
            )
            self._put_good(gazette, path, page, reply)
        moved = pages[7]
        landing["/news/landed.html"] = _Reply(body=html(moved))
        gazette["/news/moved.html"] = _Reply(
            301, headers={"Location": self.base("landing") + "/news/landed.html"}
        )
        self.good[self.base("landing") + "/news/landed.html"] = moved
        for path in (
            "/news/from-laughs.html",
            "/news/from-sitemap.html",
            "/news/from-truncated.html",
            "/news/from-gzip-sitemap.html",
            "/news/from-gzipped-sitemap.html",
        ):
            draft = writer.article("tech", author=None, published_at=PUBLISHED)
            page = Page(draft.title, draft.paragraphs)
            self._put_good(gazette, path, page, _Reply(body=html(page)))
        self._truncated(gazette, writer)
        self._encodings(gazette)
        self._index_pages(gazette, writer)
        return writer

    def _busy(self, gazette: dict[str, _Reply], writer: Writer) -> dict[str, _Reply]:
        """The Busy host's routes, and the feed that links them after four good pages."""
        busy = {
            urlsplit(url).path: _Reply(503, b"busy\n", headers={"Retry-After": "30"})
            for url in self.busy_urls
        }
        for url in self.soon_urls:
            draft = writer.article("tech", author=None, published_at=PUBLISHED)
            html = _article_html(draft.title, draft.paragraphs, charset="utf-8").encode()
            busy[urlsplit(url).path] = _Reply(body=html, behaviour="busy-once")
        good = [f"{self.base()}/news/plain-{n}.html" for n in range(1, 5)]
        gazette["/feeds/busy.xml"] = _Reply(
            body=_rss([*good, *self.soon_urls, *self.busy_urls]),
            content_type="application/rss+xml",
        )
        return busy

    def _index_pages(self, gazette: dict[str, _Reply], writer: Writer) -> None:
        """Articles whose URL ends in an index page, each reached through a redirect."""
        for link, path in (
            ("/news/old-7.html", "/index.php?id=7"),
            ("/news/old-slug.html", "/news/kept-slug/index.html"),
        ):
            draft = writer.article("health", author=None, published_at=PUBLISHED)
            page = Page(draft.title, draft.paragraphs)
            html = _article_html(page.title, page.paragraphs, charset="utf-8").encode()
            self._put_good(gazette, path, page, _Reply(body=html))
            gazette[link] = _Reply(301, headers={"Location": path})

    def _truncated(self, gazette: dict[str, _Reply], writer: Writer) -> None:
        draft = writer.article("health", author=None, published_at=PUBLISHED)
        paragraphs = draft.paragraphs
        while len(paragraphs) < 5:
            paragraphs = paragraphs + [writer.paragraph(draft)]
        full = _article_html(draft.title, paragraphs, charset="utf-8")
        cut = full.index(escape(paragraphs[4])) + len(escape(paragraphs[4])) // 2
        page = Page(draft.title, paragraphs[:4])
        self._put_good(gazette, "/news/truncated.html", page, _Reply(body=full[:cut].encode()))

    def _encodings(self, gazette: dict[str, _Reply]) -> None:
        russian, french, german = (
            Page(RUSSIAN_TITLE, RUSSIAN),
            Page(FRENCH_TITLE, FRENCH),
            Page(GERMAN_TITLE, GERMAN),
        )

        def page_bytes(page: Page, encoding: str, charset: str = "", lang: str = "ru") -> bytes:
            return _article_html(page.title, page.paragraphs, charset=charset, lang=lang).encode(
                encoding
            )

        cases = {
            "/enc/windows-1251.html": (
                russian,
                page_bytes(russian, "cp1251"),
                "text/html; charset=windows-1251",
            ),
            "/enc/windows-1251-meta.html": (
                russian,
                page_bytes(russian, "cp1251", "windows-1251"),
                "text/html",
            ),
            "/enc/latin1-undeclared.html": (
                french,
                page_bytes(french, "latin-1", lang="fr"),
                "text/html",
            ),
            "/enc/utf8-bom.html": (
                german,
                b"\xef\xbb\xbf" + page_bytes(german, "utf-8", "iso-8859-1", "de"),
                "text/html; charset=iso-8859-1",
            ),
            "/enc/mislabelled-utf8.html": (
                french,
                page_bytes(french, "utf-8", lang="fr"),
                "text/html; charset=iso-8859-1",
            ),
            "/enc/mislabelled-1251.html": (
                russian,
                page_bytes(russian, "cp1251"),
                "text/html; charset=utf-8",
            ),
        }
        for path, (page, body, content_type) in cases.items():
            self._put_good(gazette, path, page, _Reply(body=body, content_type=content_type))

    def _bad_pages(self, gazette: dict[str, _Reply]) -> None:
        rng = random.Random(f"{self.seed}-random")
        nested = b"<html><body>" + b"<div>" * 100_000 + b"deep" + b"</div>" * 100_000
        cases: dict[str, tuple[_Reply, str]] = {
            "/bad/random.html": (_Reply(body=rng.randbytes(8192)), "not HTML: binary"),
            "/bad/report.html": (_Reply(body=_pdf()), "not HTML: PDF"),
            "/bad/photo.html": (_Reply(body=_png()), "not HTML: PNG"),
            "/bad/photo.jpg": (_Reply(body=_jpeg(), content_type="image/jpeg"), "not HTML: JPEG"),
            "/bad/empty.html": (_Reply(body=b""), "empty body"),
            "/bad/blank.html": (_Reply(body=b" \r\n\t \n" * 50), "empty body"),
            "/bad/app-shell.html": (
                _Reply(
                    body=b"<html><head><title>Loading</title><script>start()</script></head>"
                    b'<body><div id="app"></div></body></html>'
                ),
                "no article text",
            ),
            "/bad/deep.html": (_Reply(body=nested + b"</body></html>"), "no article text"),
            "/bad/loop-a.html": (_Reply(302, headers={"Location": "/bad/loop-b.html"}), "loop"),
            "/bad/self.html": (_Reply(301, headers={"Location": "/bad/self.html"}), "loop"),
            "/bad/chain-0.html": (
                _Reply(302, headers={"Location": "/bad/chain-1.html"}),
                "redirect",
            ),
            "/bad/slow.html": (_Reply(behaviour="slow"), "timeout|took longer"),
            "/bad/drip.html": (_Reply(behaviour="drip"), "timeout|took longer"),
            "/bad/huge.html": (_Reply(body=b"<p>x</p>" * 1_500_000), "too large"),
            "/bad/huge-stream.html": (_Reply(behaviour="stream"), "too large"),
            "/bad/bad-gzip.html": (
                _Reply(body=rng.randbytes(5000), headers={"Content-Encoding": "gzip"}),
                "gzip|decompress|not HTML",
            ),
            "/bad/to-file.html": (
                _Reply(302, headers={"Location": "file:///etc/passwd"}),
                "HTTP 302|refused: file: URLs",
            ),
            "/bad/gone.html": (_Reply(404, b"gone\n"), "HTTP 404"),
            "/bad/error.html": (_Reply(500, b"oops\n"), "HTTP 500"),
        }
        for encoding, name in (("gzip", "gzip"), ("deflate", "deflate"), ("br", "brotli")):
            reply = _Reply(body=_bomb(encoding), headers={"Content-Encoding": encoding})
            cases[f"/bad/{name}-bomb.html"] = (reply, "too large")
        for path, (reply, reason) in cases.items():
            gazette[path] = reply
            self.bad[self.base() + path] = reason
        gazette["/bad/loop-b.html"] = _Reply(302, headers={"Location": "/bad/loop-a.html"})
        for n in range(1, 15):
            gazette[f"/bad/chain-{n}.html"] = _Reply(
                302, headers={"Location": f"/bad/chain-{n + 1}.html"}
            )

    def _canary_links(self, gazette: dict[str, _Reply]) -> None:
        port = self._servers["canary"].server_address[1]
        local_port = self._servers["canary-localhost"].server_address[1]
        by_address = f"http://{CANARY}:{port}/canary/by-address.html"
        by_name = f"http://localhost:{local_port}/canary/by-name.html"
        gazette["/bad/to-canary.html"] = _Reply(302, headers={"Location": by_address + "?via=302"})
        gazette["/bad/to-localhost.html"] = _Reply(302, headers={"Location": by_name + "?via=302"})
        self.canary_urls = [
            by_address,
            by_name,
            f"http://2130706462:{port}/canary/decimal.html",
            f"http://0177.0.0.30:{port}/canary/octal.html",
            f"http://0x7f00001e:{port}/canary/hex.html",
            f"http://[::1]:{local_port}/canary/ipv6.html",
            "http://169.254.169.254/latest/meta-data/",
            self.base() + "/bad/to-canary.html",
            self.base() + "/bad/to-localhost.html",
        ]

    def _listings(self, gazette: dict[str, _Reply]) -> None:
        base = self.base()
        indexed = (base + "/index.php?id=7", base + "/news/kept-slug/index.html")
        direct = [u for u in self.good if u.startswith(base) and "/from-" not in u]
        direct = [u for u in direct if u not in indexed]
        moved = [base + p for p in ("/news/moved.html", "/news/old-7.html", "/news/old-slug.html")]
        self.robots_refused = [base + "/private/members.html", base + "/bad/to-private.html"]
        gazette["/bad/to-private.html"] = _Reply(
            302, headers={"Location": "/private/redirected.html"}
        )
        links = [*direct, *moved, *self.bad, *self.canary_urls, *self.robots_refused]
        links = [u for u in links if u != self.base("landing") + "/news/landed.html"]
        gazette["/feed.xml"] = _Reply(body=_rss(links), content_type="application/rss+xml")
        laughs = (
            f'<?xml version="1.0"?>\n<!DOCTYPE rss [{_laughs()}]>\n<rss version="2.0"><channel>'
            "<title>&lol9;</title><item><title>&lol9;</title>"
            f"<link>{base}/news/from-laughs.html</link><description>&lol9;</description>"
            "</item></channel></rss>\n"
        )
        gazette["/feeds/laughs.xml"] = _Reply(
            body=laughs.encode(), content_type="application/rss+xml"
        )
        gazette["/feeds/malformed.xml"] = _Reply(
            body=b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
            content_type="application/rss+xml",
        )
        gazette["/feeds/broken.json"] = _Reply(
            body=b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"url": "/news/',
            content_type="application/feed+json",
        )
        whole = _rss([base + "/news/from-truncated.html", base + "/news/plain-1.html"]).decode()
        cut = whole.index("<item>", whole.index("<item>") + 1) + 30
        gazette["/feeds/truncated.xml"] = _Reply(
            body=whole[:cut].encode(), content_type="application/rss+xml"
        )
        gazette["/feeds/tangled.xml"] = _Reply(
            body=b"<rss><channel><item><link></item></link></channel></rss>",
            content_type="application/rss+xml",
        )
        gazette["/feeds/bomb.xml"] = _Reply(
            body=_bomb("gzip"),
            content_type="application/rss+xml",
            headers={"Content-Encoding": "gzip"},
        )
        sitemap = (
            f'<?xml version="1.0"?>\n<!DOCTYPE urlset [{_laughs()}]>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{base}/news/from-sitemap.html</loc><lastmod>&lol9;</lastmod></url>"
            "</urlset>\n"
        )
        gazette["/sitemaps/laughs.xml"] = _Reply(
            body=sitemap.encode(), content_type="application/xml"
        )
        gazette["/sitemaps/index.xml"] = _Reply(
            body=b'<?xml version="1.0"?><sitemapindex><sitemap><loc>file:///etc/passwd</loc>'
            b"</sitemap><sitemap><loc>data:text/xml,&lt;urlset/&gt;</loc></sitemap>"
            b"</sitemapindex>\n",
            content_type="application/xml",
        )
        self._gzip_sitemaps(gazette)
        gazette["/sitemaps/broken.xml"] = _Reply(
            body=random.Random("sitemap").randbytes(4096), content_type="application/xml"
        )

    def _gzip_sitemaps(self, gazette: dict[str, _Reply]) -> None:
        """Sitemaps as gzip files, none with Content-Encoding; and what robots.txt forbids."""
        base = self.base()
        for path, link, kind in (
            ("/sitemaps/news.xml.gz", "/news/from-gzip-sitemap.html", "application/x-gzip"),
            ("/sitemaps/gzipped.xml", "/news/from-gzipped-sitemap.html", "application/xml"),
        ):
            body = (
                '<?xml version="1.0"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<url><loc>{base}{link}</loc></url></urlset>\n"
            )
            gazette[path] = _Reply(body=_compress(body.encode(), "gzip"), content_type=kind)
        gazette["/sitemaps/bomb.xml.gz"] = _Reply(
            body=_bomb("gzip"), content_type="application/x-gzip"
        )
        for path in ("/private/members.html", "/private/redirected.html"):
            html = _article_html("Members only", ["Subscribe to read this page."] * 3)
            gazette[path] = _Reply(body=html.encode())


def _rss(links: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Item {n}</title><link>{escape(url)}</link>"
        "<pubDate>Mon, 18 Mar 2024 09:00:00 GMT</pubDate></item>\n"
        for n, url in enumerate(links)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Fault Gazette</title><link>http://{GAZETTE}/</link>\n{items}</channel></rss>\n"
    ).encode()
