"""The demo news site: publishers on their own loopback hosts, with truth for every article.

THE MAP. Every publisher is a ThreadingHTTPServer on its own address (127.0.0.1, .2, .3, .4, and
.5 for the corpus host; or `hosts`) and an ephemeral port. All pages are rendered in memory at
start() and again at each advance(). Every 200 carries an ETag (quoted hash of the body) and a
Last-Modified (content time at first, then later than anything served before when the body
changes); If-None-Match (first) or If-Modified-Since answer 304. Any path not listed is 404.
"N" below is an article id (1001, 1002, ...), "slug" is made from the first headline.

Northgate Herald (host 1; semantic HTML5: <article>, <header>, <time>; og:/article: meta tags,
meta author, <html lang="en-GB">; AMP variants; times to the minute)
  /robots.txt                      Disallow: /private/ and /search
  /                                home: newest 15 articles
  /feeds/rss.xml                   RSS 2.0, <ttl>15</ttl>, newest 30; every link carries
                                   ?utm_source=rss&utm_medium=feed; N % 6 == 5 link the AMP page
  /news/, /news/page/2/, ...       section pages, 20 links each, "Next page" link (paginate);
                                   every article, so the older ones are reachable only from here;
                                   links with N % 7 == 6 end in #comments; page 1 also links the
                                   500 and 404 faults below
  /world/                          the world section (up to 25 links) plus two /private/ links
  /YYYY/MM/DD/slug-N.html          article; body in <div class="story-body">; "Last updated:"
                                   header line and "Most read" sidebar change every cycle
  /amp/YYYY/MM/DD/slug-N.html      AMP variant, rel=canonical to the article
  /private/YYYY/MM/DD/...html      members-only pages: disallowed, must never be requested
  /2024/03/17/live-coverage-unavailable-99001.html   fault: always 500
  /2024/03/16/story-removed-99002.html               fault: always 404
The Daily Lattice (host 2; div soup with classes; visible byline and date only, no meta tags;
times are midnight UTC because the page only gives a date)
  /robots.txt                      Disallow: /api/, Sitemap: /sitemap_index.xml
  /                                home: newest 15
  /feeds/atom.xml                  Atom, newest 20; N % 4 == 3 link /s/N, other N % 5 == 4
                                   carries ?fbclid=...; links the empty-page fault
  /sitemap_index.xml               index of /sitemaps/news.xml and /sitemaps/posts-YYYY-WW.xml
  /sitemaps/news.xml               Google News sitemap, newest 15
  /sitemaps/posts-YYYY-WW.xml      every article, by ISO week of publication
  /news/section/slug-N             article; body in <div class="post-content entry-body">;
                                   "Trending now" sidebar changes every cycle
  /s/N -> 301 /n/N -> 301 article  old short links (a redirect chain of 2)
  /news/world/placeholder-story-99003                fault: 200 with an empty body
Meridian Wire (host 3; a wire agency; JSON-LD NewsArticle, <html lang="en-US">; nothing on the
page changes between cycles, but the ETag of every article page does)
  /robots.txt                      Disallow: /admin/
  /                                home: newest 15
  /feed.json                       JSON Feed 1.1, every article; N % 6 == 5 carry ?gclid=...;
                                   links the binary fault
  /index.rdf                       RSS 1.0 (RDF), newest 20; N % 4 == 3 end in #main
  /article/N/slug                  article; standfirst + body in <div class="article-body">
  /article/99004/annual-report     fault: PDF bytes served as text/html
BuzzDaily Hub (host 4; a content farm on an old table/<font> theme; meta author and
article:published_time, no <html lang>; a "Leave a Reply" comment form on every page; it
republishes about 10 Meridian Wire stories plus the seed article, see copies.syndicate)
  /robots.txt                      Disallow: /wp-admin/, Sitemap: /sitemap.xml
  /                                home: newest 15
  /rss.xml                         RSS 0.92, newest 25; N % 3 == 2 link /?p=N
  /sitemap.xml                     every article
  /slug/                           article; body in <div class="entry-content">; ad ids change
                                   every cycle
  /?p=N -> 301 /archives/N/ -> 302 article           old WordPress links (a chain of 2)
Readability Archive (host 5, only with the corpus): the real pages of the Readability test
corpus (manifest.json synthetic=false), served as-is (their own rel=canonical tags point at
their original sites and are not the truth here)
  /robots.txt, /sitemap.xml        every page
  /page/NAME.html                  source.html.gz, decompressed (the two lifehacker pages are
                                   one article saved twice: they share a story key)

Cycles: advance() moves the site clock one hour on and: rewrites the "changing" furniture (see
above: no new version may come of it), applies edits(cycle) (headline, paragraph_added,
one_word), publishes 2 or 3 new articles (ukraine-russia, climate, chips) at the top of the
Herald, Lattice and Wire feeds, and answers gone(cycle) articles 410/404 (two at cycle 2, back
to 200 at cycle 3; they leave the listings meanwhile).

Truth: articles() (one ArticleTruth per live article, current cycle), edits(c), gone(c),
cosmetic(c), faults(), private_urls(); `hits` and `responses` count every request under
DemoSite.key(url) == "address:port/path?query" (Publisher.host + path and query as requested).
"""

from __future__ import annotations

import collections
import gzip
import hashlib
import json
import os
import random
import re
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from demo import templates as t
from demo.content import PARAGRAPH, Block, Draft, Writer, add_paragraph, edit_headline, one_word
from demo.copies import SeedStory, load_seed, syndicate
from demo.prose import AUTHORS, MAIN_MIX, SYNONYMS
from demo.topics import TOPIC_QUERIES, topics_of, words

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "readability"
DEFAULT_SEED = REPO.parent / "shared" / "examples" / "seed_article.txt"
DEFAULT_HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5")

EPOCH = datetime(2024, 3, 18, 12, 0, tzinfo=UTC)  # the site clock at cycle 0
CYCLE = timedelta(hours=1)  # how far the site clock moves per advance()
WINDOW_MINUTES = 14 * 24 * 60  # base articles are published over the 14 days before EPOCH

HTML = "text/html; charset=utf-8"
FAULT_500, FAULT_404, FAULT_EMPTY, FAULT_BINARY = "500", "404", "empty", "binary"
# Variants written to sit next to a topic without matching it (or to match it surprisingly).
NEAR_MISSES = {
    "herald": ("adjectives", "potato"),
    "lattice": ("ukraine_only", "semi_body", "energy"),
    "wire": ("potato_title", "energy"),
    "farm": ("ukraine_only",),
}
STORY_VARIANTS = (
    "ukraine",
    "ukraine",
    "ukraine",
    "climate",
    "climate",
    "chips",
    "elections",
    "health",
    "tech",
    "sport",
)
NEW_VARIANTS = ("ukraine", "climate", "chips")
EDIT_KINDS = ("headline", "paragraph_added", "one_word")
GONE_AT = 2  # the cycle at which two articles disappear (back at GONE_AT + 1)
TRACKING = ("utm_", "fbclid", "gclid")


@dataclass
class ArticleTruth:
    """What the crawler should end up with for one article."""

    publisher: str
    url: str
    aliases: list[str]
    title: str
    paragraphs: list[str]
    author: str | None
    published_at: datetime
    topics: set[str]
    story: str | None


@dataclass
class Publisher:
    """One host of the demo site and how newsmon should discover its articles.

    `host` is "address:port", as in a Host header and in DemoSite.hits keys.
    """

    name: str
    host: str
    base_url: str
    feeds: list[str]
    sitemaps: list[str]
    pages: list[str]
    follow: str
    paginate: str
    boilerplate: list[str]


@dataclass(frozen=True)
class _Spec:
    style: str
    name: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()
    follow: str = ""
    paginate: str = ""


SPECS = (
    _Spec(
        "herald",
        "Northgate Herald",
        feeds=("/feeds/rss.xml",),
        pages=("/news/", "/world/"),
        follow=r"/20\d\d/\d\d/\d\d/[\w-]+\.html",
        paginate=r"/news/page/\d+/",
    ),
    _Spec(
        "lattice", "The Daily Lattice", feeds=("/feeds/atom.xml",), sitemaps=("/sitemap_index.xml",)
    ),
    _Spec("wire", "Meridian Wire", feeds=("/feed.json", "/index.rdf")),
    _Spec("farm", "BuzzDaily Hub", feeds=("/rss.xml",), sitemaps=("/sitemap.xml",)),
)
CORPUS_SPEC = _Spec("corpus", "Readability Archive", sitemaps=("/sitemap.xml",))


@dataclass
class _Article:
    id: int
    style: str
    draft: Draft
    path: str
    modified: datetime
    born: int = 0
    source: int | None = None  # a copy's original
    related: list[int] = field(default_factory=list)


@dataclass
class _CorpusPage:
    name: str
    html: bytes
    title: str
    paragraphs: list[str]
    author: str | None
    published_at: datetime


@dataclass(frozen=True)
class _Resource:
    status: int
    content_type: str = HTML
    body: bytes = b""
    etag: str = ""
    last_modified: datetime = EPOCH
    location: str = ""


# --- helpers --------------------------------------------------------------------------------------


def _slug(title: str, max_words: int = 8) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_title.lower())[:max_words])


def _clean(url: str) -> str:
    """`url` without its fragment and tracking parameters."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if not k.lower().startswith(TRACKING)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _summary(draft: Draft, limit: int = 200) -> str:
    text = draft.standfirst
    return text if len(text) <= limit else text[: text.rfind(" ", 0, limit)] + "…"


def _hex(rng: random.Random, n: int) -> str:
    return f"{rng.randrange(16**n):0{n}x}"


def _pdf_bytes() -> bytes:
    """A small but genuine-looking binary PDF."""
    rng = random.Random("pdf")
    stream = bytes(rng.randrange(256) for _ in range(6000))
    return (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"4 0 obj\n<< /Length 6000 /Filter /FlateDecode >>\nstream\n"
        + stream
        + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def _parse_time(value: Any) -> datetime:
    """A corpus page's publishedTime, or EPOCH when it has none (then it means nothing)."""
    if not isinstance(value, str):
        return EPOCH
    for candidate in (value.strip(), value.strip()[:19]):
        try:
            dt = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    return EPOCH


def _load_corpus(root: Path) -> list[_CorpusPage]:
    """The real (non-synthetic) pages of the Readability corpus at `root`."""
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    pages = []
    for name, info in sorted(manifest["pages"].items()):
        if info.get("synthetic"):
            continue
        folder = root / name
        meta = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
        lines = (folder / "expected.txt").read_text(encoding="utf-8").splitlines()
        byline = (meta.get("byline") or "").strip() or None
        pages.append(
            _CorpusPage(
                name=name,
                html=gzip.decompress((folder / "source.html.gz").read_bytes()),
                title=(meta.get("title") or "").strip(),
                paragraphs=[ln.strip() for ln in lines if ln.strip()],
                author=" ".join(byline.split()) if byline else None,
                published_at=_parse_time(meta.get("publishedTime")),
            )
        )
    return pages


def _not_modified(headers: Message, res: _Resource) -> bool:
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


# --- HTTP -----------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, host: str, site: DemoSite) -> None:
        super().__init__((host, 0), _Handler)
        self.site = site
        self.host = host
        self.netloc = f"{host}:{self.server_address[1]}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that hang up; they are the crawler's business."""


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
        server = cast(_Server, self.server)
        target = self.path
        if target.startswith(("http://", "https://")):  # absolute-form request target
            parts = urlsplit(target)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        res = server.site._lookup(server.host, target)
        status = 304 if res.status == 200 and _not_modified(self.headers, res) else res.status
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


# --- the site -------------------------------------------------------------------------------------


class DemoSite:
    """A multi-publisher news site on loopback, and the truth about what it serves.

    :param seed: seeds every random choice; the same seed serves the same site.
    :param articles_per_publisher: base articles of each generated publisher (at least 12).
    :param corpus_dir: the Readability corpus (default: $NEWSMON_CORPUS_DIR, else
        ``<repo>/../shared/corpus/readability`` when it exists); adds a fifth host.
    :param seed_article: the seed copy (default ``<repo>/../shared/examples/seed_article.txt``
        when it exists, else a bundled synthetic story).
    :param hosts: loopback addresses, one per publisher (default 127.0.0.1 to 127.0.0.5).
    :param corpus: False leaves the corpus host out even when the corpus exists.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        articles_per_publisher: int = 60,
        corpus_dir: Path | None = None,
        seed_article: Path | None = None,
        hosts: Sequence[str] | None = None,
        corpus: bool = True,
    ) -> None:
        if articles_per_publisher < 12:
            raise ValueError("articles_per_publisher must be at least 12")
        self.seed = seed
        self.cycle = 0
        self._wall0 = datetime.now(UTC).replace(microsecond=0)
        self.publishers: list[Publisher] = []
        self.hits: collections.Counter[str] = collections.Counter()
        self.responses: collections.Counter[tuple[str, int]] = collections.Counter()
        self._lock = threading.Lock()
        self._n = articles_per_publisher
        self._story: SeedStory = load_seed(seed_article or DEFAULT_SEED)
        self._corpus = (
            _load_corpus(root) if corpus and (root := self._corpus_root(corpus_dir)) else []
        )
        self._specs = [*SPECS, CORPUS_SPEC] if self._corpus else list(SPECS)
        self._hosts = list(hosts or DEFAULT_HOSTS)
        if len(set(self._hosts[: len(self._specs)])) < len(self._specs):
            raise ValueError(f"need {len(self._specs)} distinct hosts, got {self._hosts}")
        self._writer = Writer(random.Random(f"{seed}-writer"))
        self._articles: dict[int, _Article] = {}
        self._paths: set[str] = set()
        self._next_id = 1001
        self._aliases: dict[int, list[str]] = collections.defaultdict(list)
        self._generate()
        self._gone_plan = self._plan_gone()
        self._edit_pool = self._plan_edit_pool()
        # Swaps go both ways (said <-> stated), so an article with a swappable word keeps one:
        # decided once, edits(cycle) does not depend on how far the site has advanced.
        swappable = set(SYNONYMS) | set(SYNONYMS.values())
        self._swappable = {
            i
            for i in self._edit_pool
            if swappable & set(words(" ".join(self._articles[i].draft.paragraphs)))
        }
        self._base: dict[str, str] = {}
        self._host: dict[str, str] = {}
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        self._routes: dict[str, dict[str, _Resource]] = {}
        self._lastmod: dict[tuple[str, str], tuple[str, datetime]] = {}
        self._page_etags: dict[int, str] = {}
        self._cosmetic: dict[int, list[str]] = {}
        self._faults: dict[str, str] = {}
        self._private: list[str] = []

    @staticmethod
    def _corpus_root(corpus_dir: Path | None) -> Path | None:
        if corpus_dir is not None:
            if not (corpus_dir / "manifest.json").is_file():
                raise FileNotFoundError(f"no manifest.json in corpus_dir {corpus_dir}")
            return corpus_dir
        root = Path(os.environ.get("NEWSMON_CORPUS_DIR") or DEFAULT_CORPUS)
        return root if (root / "manifest.json").is_file() else None

    # --- content generation ---

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def _path(self, style: str, article_id: int, draft: Draft) -> str:
        slug = _slug(draft.title)
        d = draft.published_at
        path = {
            "herald": f"/{d:%Y/%m/%d}/{slug}-{article_id}.html",
            "lattice": f"/news/{draft.section}/{slug}-{article_id}",
            "wire": f"/article/{article_id}/{slug}",
            "farm": f"/{_slug(draft.title, 10)}/",
        }[style]
        if path in self._paths:  # a WordPress slug clash gets a suffix, as WordPress does
            path = f"{path.rstrip('/')}-{article_id}/"
        self._paths.add(path)
        return path

    def _add(
        self, style: str, draft: Draft, *, born: int = 0, source: int | None = None
    ) -> _Article:
        article_id = self._new_id()
        if style == "lattice":  # the page shows a date only: midnight UTC is the truth
            draft.published_at = draft.published_at.replace(hour=0, minute=0, second=0)
        article = _Article(
            article_id,
            style,
            draft,
            self._path(style, article_id, draft),
            draft.published_at,
            born,
            source,
        )
        self._articles[article_id] = article
        return article

    def _times(self, rng: random.Random, count: int, latest: datetime = EPOCH) -> list[datetime]:
        minutes = sorted(rng.sample(range(20, WINDOW_MINUTES), count), reverse=True)
        return [latest - timedelta(minutes=m) for m in minutes]

    def _variants(self, style: str, count: int, offset: int) -> list[str]:
        names = [MAIN_MIX[(i + offset) % len(MAIN_MIX)].name for i in range(count)]
        for i, name in enumerate(NEAR_MISSES[style]):
            names[(7 * i + 5) % count] = name
        return names

    def _generate(self) -> None:
        rng = random.Random(f"{self.seed}-site")
        for offset, style in enumerate(("herald", "lattice", "wire")):
            count = self._n - 1 if style == "wire" else self._n
            self._generate_own(rng, style, count, offset * 4)
        self._generate_stories(rng)
        own = self._n - 1 - self._story_count()
        self._generate_own(rng, "farm", own, 13)
        self._pick_related(rng)

    def _generate_own(self, rng: random.Random, style: str, count: int, offset: int) -> None:
        authors = AUTHORS[style]
        for variant, when in zip(
            self._variants(style, count, offset), self._times(rng, count), strict=True
        ):
            # Wire stories are often unsigned.
            author = None if style == "wire" and rng.random() < 0.4 else rng.choice(authors)
            self._add(style, self._writer.article(variant, author=author, published_at=when))

    def _story_count(self) -> int:
        return min(len(STORY_VARIANTS), max(1, self._n // 6))

    def _generate_stories(self, rng: random.Random) -> None:
        """The seed story on Wire and Farm, then Farm's copies of other Wire stories."""
        when = EPOCH - timedelta(days=2, hours=5, minutes=12)
        story = self._story
        original = Draft(
            "ukraine",
            "world",
            self._writer.claim_title(story.original_title),
            [Block(PARAGRAPH, p) for p in story.original],
            None,
            when,
            "seed",
        )
        wire = self._add("wire", original)
        copy = Draft(
            "ukraine",
            "world",
            self._writer.claim_title(story.copy_title),
            [Block(b.kind, b.text) for b in story.copy],
            None,
            when + timedelta(hours=4, minutes=37),
            "seed",
        )
        self._add("farm", copy, source=wire.id)
        for variant in STORY_VARIANTS[: self._story_count()]:
            original_article = self._story_original(rng, variant)
            original_article.draft.story = f"story-{original_article.id}"
            delay = timedelta(hours=rng.randint(2, 9), minutes=rng.randint(0, 59))
            copy = syndicate(
                original_article.draft,
                self._writer,
                rng,
                published_at=original_article.draft.published_at + delay,
            )
            self._add("farm", copy, source=original_article.id)

    def _story_original(self, rng: random.Random, variant: str) -> _Article:
        """A Wire article of `variant` long enough to copy, not already a story."""
        candidates = [
            a
            for a in self._articles.values()
            if a.style == "wire"
            and a.draft.story is None
            and a.draft.variant == variant
            and len(a.draft.paragraphs) >= 6
            and a.draft.published_at < EPOCH - timedelta(hours=10)
        ]
        if candidates:
            return rng.choice(candidates)
        when = self._times(rng, 1, EPOCH - timedelta(hours=10))[0]
        draft = self._writer.article(variant, author=None, published_at=when)
        while len(draft.paragraphs) < 6:  # a long original so the copy keeps at least 5
            add_paragraph(draft, self._writer)
        return self._add("wire", draft)

    def _pick_related(self, rng: random.Random) -> None:
        for article in self._articles.values():
            peers = [
                a.id
                for a in self._articles.values()
                if a.style == article.style and a.id != article.id
            ]
            article.related = rng.sample(peers, 3)

    def _plan_gone(self) -> dict[int, int]:
        """Two feed-listed articles that answer 410 (Herald) and 404 (Lattice) at GONE_AT."""
        plan = {}
        for style, status in (("herald", 410), ("lattice", 404)):
            newest = sorted(self._of_style(style, 0), key=lambda a: (a.draft.published_at, a.id))
            plain = [
                a
                for a in newest[-12:]
                if a.draft.story is None and a.draft.variant not in NEAR_MISSES[style]
            ]
            plan[plain[0].id] = status
        return plan

    def _plan_edit_pool(self) -> list[int]:
        """What edits() draws from: Herald, Lattice and Wire, no stories, gone or near-misses."""
        near = {v for vs in NEAR_MISSES.values() for v in vs}
        pool = [
            a.id
            for a in self._articles.values()
            if a.style in ("herald", "lattice", "wire")
            and a.draft.story is None
            and a.id not in self._gone_plan
            and a.draft.variant not in near
        ]
        random.Random(f"{self.seed}-edits").shuffle(pool)
        return pool

    # --- the cycle plan (deterministic, whatever the current cycle) ---

    def _edit_plan(self, cycle: int) -> list[tuple[int, str]]:
        if cycle < 1:
            return []
        pool, at = self._edit_pool, 3 * (cycle - 1)
        plan = [(pool[at % len(pool)], EDIT_KINDS[0]), (pool[(at + 1) % len(pool)], EDIT_KINDS[1])]
        for k in range(at + 2, at + 2 + len(pool)):
            candidate = pool[k % len(pool)]
            if candidate in self._swappable and candidate not in {p for p, _ in plan}:
                plan.append((candidate, EDIT_KINDS[2]))
                break
        return plan

    def edits(self, cycle: int) -> list[tuple[str, str]]:
        """The real edits that reach the pages at `cycle`: (canonical url, kind)."""
        return [(self._url(self._articles[i]), kind) for i, kind in self._edit_plan(cycle)]

    def gone(self, cycle: int) -> list[str]:
        """Canonical URLs answered 404 or 410 during `cycle`."""
        if cycle != GONE_AT:
            return []
        return [self._url(self._articles[i]) for i in self._gone_plan]

    def cosmetic(self, cycle: int) -> list[str]:
        """Canonical URLs whose page or ETag changed at `cycle` (reached) with no real edit."""
        if cycle > self.cycle:
            raise ValueError(f"cycle {cycle} has not happened yet (now {self.cycle})")
        return list(self._cosmetic.get(cycle, []))

    def faults(self) -> dict[str, str]:
        """URLs of the faulty pages linked from listings: url -> "500", "404", "empty", "binary"."""
        return dict(self._faults)

    def private_urls(self) -> list[str]:
        """The robots-disallowed URLs linked from the Herald's /world/ page."""
        return list(self._private)

    # --- lifecycle ---

    def start(self) -> DemoSite:
        """Bind every publisher's server, render cycle 0 and serve in background threads."""
        if self._servers:
            return self
        for spec, host in zip(self._specs, self._hosts, strict=False):
            try:
                server = _Server(host, self)
            except OSError as exc:
                self.stop()
                raise OSError(f"cannot bind {host} (all of 127/8 must route to lo): {exc}") from exc
            self._servers.append(server)
            self._host[spec.style] = host
            self._base[spec.style] = f"http://{host}:{server.server_address[1]}"
        self.publishers = [self._publisher(spec) for spec in self._specs]
        self._render()
        for server in self._servers:
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"demosite-{server.host}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop serving and close every socket."""
        # shutdown() waits up to a poll interval for its loop: stop every server at once.
        stoppers = [threading.Thread(target=s.shutdown) for s in self._servers if self._threads]
        for stopper in stoppers:
            stopper.start()
        for thread in [*stoppers, *self._threads]:
            thread.join(timeout=5)
        for server in self._servers:
            server.server_close()
        self._servers, self._threads = [], []

    def __enter__(self) -> DemoSite:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def advance(self) -> None:
        """Go to the next cycle: edits, new articles, gone articles and fresh furniture."""
        self._require_started()
        self.cycle += 1
        self._writer.rng = random.Random(f"{self.seed}-cycle-{self.cycle}")
        when = self._clock()
        for article_id, kind in self._edit_plan(self.cycle):
            self._apply_edit(self._articles[article_id], kind, when)
        self._publish_new()
        self._render()

    def _apply_edit(self, article: _Article, kind: str, when: datetime) -> None:
        if kind == "headline":
            edit_headline(article.draft, self._writer)
        elif kind == "paragraph_added":
            add_paragraph(article.draft, self._writer)
        else:
            one_word(article.draft, self._writer.rng)
        article.modified = when

    def _publish_new(self) -> None:
        rng = random.Random(f"{self.seed}-new-{self.cycle}")
        styles = ("herald", "lattice", "wire")
        for k, variant in enumerate(NEW_VARIANTS[: 3 if self.cycle % 2 == 0 else 2]):
            style = styles[(self.cycle + k) % 3]
            when = self._clock() - timedelta(minutes=rng.randint(5, 50))
            author = rng.choice(AUTHORS[style])
            article = self._add(
                style,
                self._writer.article(variant, author=author, published_at=when),
                born=self.cycle,
            )
            peers = [a.id for a in self._of_style(style, 0)]
            article.related = rng.sample(peers, 3)

    def reset_counters(self) -> None:
        """Forget every request counted so far."""
        with self._lock:
            self.hits.clear()
            self.responses.clear()

    def _count(self, netloc: str, target: str, status: int) -> None:
        key = f"{netloc}{target}"
        with self._lock:
            self.hits[key] += 1
            self.responses[(key, status)] += 1

    @staticmethod
    def key(url: str) -> str:
        """The `hits` key of an absolute URL: "address:port/path?query" (no fragment)."""
        parts = urlsplit(url)
        return f"{parts.netloc}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")

    # --- truth ---

    def _require_started(self) -> None:
        if not self._base:
            raise RuntimeError("start() the DemoSite first: URLs need its ports")

    def _clock(self) -> datetime:
        return EPOCH + self.cycle * CYCLE

    def _changed_at(self) -> datetime:
        """Last-Modified of what changed in this cycle: the wall clock at construction plus one
        hour a cycle. Later than anything served before, whether a client sends back the
        Last-Modified it got (RFC 9110) or the time it fetched the page."""
        return self._wall0 + self.cycle * CYCLE

    def _url(self, article: _Article) -> str:
        self._require_started()
        return self._base[article.style] + article.path

    def _is_live(self, article: _Article) -> bool:
        gone = self.cycle == GONE_AT and article.id in self._gone_plan
        return article.born <= self.cycle and not gone

    def _of_style(self, style: str, cycle: int | None = None) -> list[_Article]:
        """Live articles of `style`, newest first (at `cycle` only those born by then)."""
        chosen = [
            a
            for a in self._articles.values()
            if a.style == style and (a.born <= cycle if cycle is not None else self._is_live(a))
        ]
        return sorted(chosen, key=lambda a: (a.draft.published_at, a.id), reverse=True)

    def articles(self, *, include_gone: bool = False) -> list[ArticleTruth]:
        """Every article reachable by discovery in the current cycle (gone ones on request)."""
        self._require_started()
        out = [
            self._truth(a)
            for a in self._articles.values()
            if a.born <= self.cycle and (include_gone or self._is_live(a))
        ]
        out += [self._corpus_truth(page) for page in self._corpus]
        return out

    def _truth(self, article: _Article) -> ArticleTruth:
        d = article.draft
        return ArticleTruth(
            publisher=self._spec(article.style).name,
            url=self._url(article),
            aliases=list(self._aliases[article.id]),
            title=d.title,
            paragraphs=d.paragraphs,
            author=d.author,
            published_at=d.published_at,
            topics=topics_of(d.title, d.paragraphs),
            story=d.story,
        )

    def _corpus_truth(self, page: _CorpusPage) -> ArticleTruth:
        # Two corpus pages are one article saved twice (the lifehacker pair): one story.
        twins = sum(other.title == page.title for other in self._corpus) > 1
        return ArticleTruth(
            publisher=CORPUS_SPEC.name,
            url=f"{self._base['corpus']}/page/{page.name}.html",
            aliases=[],
            title=page.title,
            paragraphs=list(page.paragraphs),
            author=page.author,
            published_at=page.published_at,
            topics=topics_of(page.title, page.paragraphs),
            story=f"corpus-{_slug(page.title)}" if twins else None,
        )

    def _spec(self, style: str) -> _Spec:
        return next(s for s in self._specs if s.style == style)

    def _publisher(self, spec: _Spec) -> Publisher:
        base = self._base[spec.style]
        boilerplate = list(t.BOILERPLATE.get(spec.style, ()))
        return Publisher(
            name=spec.name,
            host=base.removeprefix("http://"),
            base_url=base,
            feeds=[base + p for p in spec.feeds],
            sitemaps=[base + p for p in spec.sitemaps],
            pages=[base + p for p in spec.pages],
            follow=spec.follow,
            paginate=spec.paginate,
            boilerplate=boilerplate,
        )

    def sources_config(self) -> list[dict[str, Any]]:
        """The [[sources]] tables of a newsmon config for this site."""
        self._require_started()
        return [
            {
                "name": p.name,
                "feeds": p.feeds,
                "sitemaps": p.sitemaps,
                "pages": p.pages,
                "follow": p.follow,
                "paginate": p.paginate,
                "every": "15m",
            }
            for p in self.publishers
        ]

    @staticmethod
    def topic_config() -> list[dict[str, Any]]:
        """The [[topics]] tables of the demo: the queries ArticleTruth.topics is computed for."""
        desks = {"ukraine-russia": "world-desk", "climate": "climate-desk", "chips": "tech-desk"}
        return [
            {
                "name": name,
                "query": query,
                "alert_to": [f"{desks[name]}@example.org"],
                "alert_mode": "immediate",
            }
            for name, query in TOPIC_QUERIES.items()
        ]

    def config_toml(self, database_url: str, *, smtp_port: int = 25, extra: str = "") -> str:
        """A complete newsmon TOML config for this site; `extra` is appended (start it with a
        table header, e.g. ``[revisit]``)."""
        lines = [
            "# newsmon configuration for the demo news site (written by demo)",
            "[database]",
            f"url = {_toml(database_url)}",
            "",
            "[crawl]",
            'user_agent = "newsmon-demo/1.0 (+https://example.org/newsmon)"',
            "obey_robots = true",
            "concurrency = 32",
            "per_host_concurrency = 8",
            'download_delay = "0s"',
            'timeout = "10s"',
            "max_page_bytes = 5_000_000",
            'allow_private_networks = ["127.0.0.0/8"]',
            "",
            "[alerts]",
            'smtp_host = "127.0.0.1"',
            f"smtp_port = {smtp_port}",
            "smtp_starttls = false",
            'from = "newsmon@example.org"',
            "",
        ]
        for table, rows in (("sources", self.sources_config()), ("topics", self.topic_config())):
            for row in rows:
                lines.append(f"[[{table}]]")
                lines += [f"{k} = {_toml(v)}" for k, v in row.items()]
                lines.append("")
        return "\n".join(lines) + (f"\n{extra.strip()}\n" if extra.strip() else "")

    # --- rendering ---

    def _lookup(self, host: str, target: str) -> _Resource:
        routes = self._routes.get(host, {})  # one read: advance() swaps the whole table
        path = urlsplit(target).path or "/"
        return routes.get(target) or routes.get(path) or routes.get("\0404") or _Resource(404)

    def _render(self) -> None:
        """Render every page of the current cycle, then swap the route tables in one go."""
        routes: dict[str, dict[str, _Resource]] = {}
        etags: dict[int, str] = {}
        for spec in self._specs:
            host = self._host[spec.style]
            pages = _Pages(self, spec, etags)
            routes[host] = pages.render()
        self._record_cosmetic(etags)
        self._routes = routes

    def _record_cosmetic(self, etags: dict[int, str]) -> None:
        if self.cycle:
            edited = {i for i, _ in self._edit_plan(self.cycle)}
            self._cosmetic[self.cycle] = [
                self._url(self._articles[i])
                for i, tag in etags.items()
                if i in self._page_etags and i not in edited and self._page_etags[i] != tag
            ]
        self._page_etags = etags

    def _resource(
        self,
        host: str,
        path: str,
        body: bytes,
        content_type: str,
        when: datetime,
        *,
        salt: str = "",
    ) -> _Resource:
        """A 200 with its ETag and Last-Modified (see _changed_at for the latter)."""
        digest = hashlib.sha256(body).hexdigest()
        previous = self._lastmod.get((host, path))
        if previous is None:
            last_modified = when
        elif previous[0] != digest:
            last_modified = self._changed_at()
        else:
            last_modified = previous[1]
        self._lastmod[(host, path)] = (digest, last_modified)
        tag = hashlib.sha256(body + salt.encode()).hexdigest()[:20] if salt else digest[:20]
        return _Resource(200, content_type, body, f'"{tag}"', last_modified)


def _toml(value: Any) -> str:
    """A TOML value: JSON's string escapes are valid TOML basic-string escapes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return "[" + ", ".join(_toml(v) for v in value) + "]"


class _Pages:
    """Renders one publisher's pages for the site's current cycle into a route table."""

    def __init__(self, site: DemoSite, spec: _Spec, etags: dict[int, str]) -> None:
        self.site = site
        self.spec = spec
        self.style = spec.style
        self.host = site._host[spec.style]
        self.base = site._base[spec.style]
        self.etags = etags
        self.routes: dict[str, _Resource] = {}
        self.chrome = t.make_chrome(spec.style, spec.name) if spec.style in t.STYLES else None

    # --- plumbing ---

    def put(
        self,
        path: str,
        body: str | bytes,
        content_type: str = HTML,
        when: datetime = EPOCH,
        *,
        salt: str = "",
    ) -> _Resource:
        data = body.encode("utf-8") if isinstance(body, str) else body
        res = self.site._resource(self.host, path, data, content_type, when, salt=salt)
        self.routes[path] = res
        return res

    def status(self, path: str, status: int, title: str) -> None:
        body = t.simple_page(title, f"{title}.").encode()
        self.routes[path] = _Resource(status, HTML, body)

    def redirect(self, path: str, status: int, location: str) -> None:
        self.routes[path] = _Resource(status, HTML, b"", location=location)

    def url(self, article: _Article) -> str:
        return self.base + article.path

    def alias(self, article: _Article, url: str) -> str:
        """Record `url` (and its cleaned form) as an alias of `article`; return it."""
        canonical, aliases = self.url(article), self.site._aliases[article.id]
        for candidate in (url, _clean(url)):
            if candidate != canonical and candidate not in aliases:
                aliases.append(candidate)
        return url

    def newest(self) -> list[_Article]:
        return self.site._of_style(self.style)

    def link(self, article: _Article, url: str | None = None) -> t.Link:
        return t.Link(article.draft.title, self.alias(article, url) if url else self.url(article))

    def item(self, article: _Article, link: str) -> t.FeedItem:
        d = article.draft
        return t.FeedItem(
            d.title, link, f"{self.style}-{article.id}", d.published_at, d.author, _summary(d)
        )

    # --- pages ---

    def render(self) -> dict[str, _Resource]:
        if self.style == "corpus":
            self.corpus()
        else:
            self.articles()
            getattr(self, self.style)()
            self.put(
                "/",
                t.listing_page(
                    self.chrome_(), self.spec.name, [self.link(a) for a in self.newest()[:15]]
                ),
            )
        self.routes["\0404"] = _Resource(
            404, HTML, t.simple_page("Page not found", "Sorry").encode()
        )
        return self.routes

    def chrome_(self) -> t.Chrome:
        assert self.chrome is not None
        return self.chrome

    def robots(self, disallow: Sequence[str], sitemaps: Sequence[str] = ()) -> None:
        self.put(
            "/robots.txt",
            t.robots(disallow, [self.base + s for s in sitemaps]),
            "text/plain; charset=utf-8",
        )

    def view(self, article: _Article) -> t.ArticleView:
        site, d, cycle = self.site, article.draft, self.site.cycle
        by_id = site._articles
        live = self.newest()
        shuffle = random.Random(f"{site.seed}-mostread-{self.style}-{cycle}")
        rotating = self.style in ("herald", "lattice")
        popular = shuffle.sample(live, 5) if rotating else live[-5:]
        ads = random.Random(f"{site.seed}-ads-{cycle}-{article.id}")
        source = by_id[article.source] if article.source else None
        return t.ArticleView(
            url=self.url(article),
            title=d.title,
            blocks=d.blocks,
            author=d.author,
            published=d.published_at,
            modified=article.modified,
            section=d.section,
            description=_summary(d),
            most_read=[self.link(a) for a in popular],
            related=[t.Link(by_id[i].draft.title, site._url(by_id[i])) for i in article.related],
            updated_line=site._clock() if self.style == "herald" else None,
            ad_ids=[_hex(ads, 10) for _ in range(3)] if self.style == "farm" else [],
            amp_url=self.base + "/amp" + article.path if self.style == "herald" else None,
            source_url=site._url(source) if source else None,
            post_id=article.id,
        )

    def articles(self) -> None:
        chrome, site = self.chrome_(), self.site
        for article in site._articles.values():
            if article.style != self.style or article.born > site.cycle:
                continue
            if not site._is_live(article):
                status = site._gone_plan[article.id]
                self.status(article.path, status, "Gone" if status == 410 else "Page not found")
                if self.style == "herald":
                    self.status("/amp" + article.path, status, "Gone")
                continue
            view = self.view(article)
            salt = f"cycle-{site.cycle}" if self.style == "wire" else ""
            res = self.put(
                article.path, t.render_article(chrome, view), when=article.modified, salt=salt
            )
            self.etags[article.id] = res.etag
            if self.style == "herald":
                self.put(
                    "/amp" + article.path,
                    t.render_article(chrome, view, amp=True),
                    when=article.modified,
                )

    def fault(self, path: str, kind: str) -> str:
        url = self.base + path
        self.site._faults[url] = kind
        return url

    def herald(self) -> None:
        self.robots(["/private/", "/search"])
        live = self.newest()
        items = []
        for a in live[:30]:
            target = self.base + ("/amp" + a.path if a.id % 6 == 5 else a.path)
            items.append(self.item(a, self.alias(a, target + "?utm_source=rss&utm_medium=feed")))
        self.put(
            "/feeds/rss.xml",
            t.rss2(
                self.spec.name,
                self.base + "/",
                "Top stories",
                items,
                ttl=15,
                built=self.site._clock(),
            ),
            "application/rss+xml; charset=utf-8",
            self.site._clock(),
        )
        self.herald_news(live)
        self.herald_world(live)

    def herald_news(self, live: list[_Article]) -> None:
        faults = [
            t.Link(
                "Live: coverage unavailable",
                self.fault("/2024/03/17/live-coverage-unavailable-99001.html", FAULT_500),
            ),
            t.Link("Story removed", self.fault("/2024/03/16/story-removed-99002.html", FAULT_404)),
        ]
        self.routes["/2024/03/17/live-coverage-unavailable-99001.html"] = _Resource(
            500, HTML, t.simple_page("Internal Server Error", "Something went wrong").encode()
        )
        self.status("/2024/03/16/story-removed-99002.html", 404, "Page not found")
        links = [self.link(a, self.url(a) + "#comments" if a.id % 7 == 6 else None) for a in live]
        pages = [links[i : i + 20] for i in range(0, len(links), 20)]
        pages[0][3:3] = faults
        for n, chunk in enumerate(pages, start=1):
            path = "/news/" if n == 1 else f"/news/page/{n}/"
            nxt = self.base + f"/news/page/{n + 1}/" if n < len(pages) else None
            self.put(
                path,
                t.listing_page(
                    self.chrome_(),
                    f"News, page {n}",
                    chunk,
                    next_url=nxt,
                    canonical=self.base + path,
                ),
            )

    def herald_world(self, live: list[_Article]) -> None:
        links = [self.link(a) for a in live if a.draft.section == "world"][:25]
        for k, slug in enumerate(("members-briefing-99005", "subscriber-analysis-99006")):
            path = f"/private/2024/03/15/{slug}.html"
            url = self.base + path
            if url not in self.site._private:
                self.site._private.append(url)
            links.insert(2 + 5 * k, t.Link("Members only: the week ahead", url))
            self.put(path, t.simple_page("Members only", "Subscribe to read this briefing"))
        self.put(
            "/world/",
            t.listing_page(self.chrome_(), "World", links, canonical=self.base + "/world/"),
        )

    def lattice(self) -> None:
        self.robots(["/api/"], ["/sitemap_index.xml"])
        live = self.newest()
        for a in self.site._articles.values():
            if a.style == "lattice" and a.born <= self.site.cycle:
                self.redirect(f"/s/{a.id}", 301, f"{self.base}/n/{a.id}")
                self.redirect(f"/n/{a.id}", 301, self.url(a))
        items = []
        for a in live[:20]:
            if a.id % 4 == 3:
                link = self.alias(a, f"{self.base}/s/{a.id}")
                self.alias(a, f"{self.base}/n/{a.id}")
            elif a.id % 5 == 4:
                link = self.alias(a, self.url(a) + f"?fbclid=IwAR{_hex(random.Random(a.id), 24)}")
            else:
                link = self.url(a)
            items.append(self.item(a, link))
        empty = "/news/world/placeholder-story-99003"
        items.insert(
            2,
            t.FeedItem(
                "Developing story",
                self.fault(empty, FAULT_EMPTY),
                "lattice-99003",
                EPOCH - timedelta(hours=3),
                None,
                "Details to follow.",
            ),
        )
        self.put(empty, b"")
        self.put(
            "/feeds/atom.xml",
            t.atom(
                self.spec.name,
                self.base,
                self.base + "/feeds/atom.xml",
                items,
                updated=self.site._clock(),
            ),
            "application/atom+xml; charset=utf-8",
            self.site._clock(),
        )
        self.lattice_sitemaps(live)

    def lattice_sitemaps(self, live: list[_Article]) -> None:
        xml = "application/xml; charset=utf-8"
        news = t.news_urlset(self.spec.name, [self.item(a, self.url(a)) for a in live[:15]])
        children = [("/sitemaps/news.xml", self.put("/sitemaps/news.xml", news, xml))]
        weeks: dict[str, list[_Article]] = collections.defaultdict(list)
        for a in live:
            year, week, _ = a.draft.published_at.isocalendar()
            weeks[f"/sitemaps/posts-{year}-{week:02d}.xml"].append(a)
        for path, chunk in sorted(weeks.items()):
            body = t.urlset([(self.url(a), a.modified) for a in chunk])
            children.append((path, self.put(path, body, xml)))
        index = t.sitemap_index([(self.base + p, r.last_modified) for p, r in children])
        self.put("/sitemap_index.xml", index, xml)

    def wire(self) -> None:
        self.robots(["/admin/"])
        live = self.newest()
        items = []
        for a in live:
            link = self.url(a)
            if a.id % 6 == 5:
                link = self.alias(a, link + f"?gclid=Cj0KCQ{_hex(random.Random(a.id), 20)}")
            items.append(self.item(a, link))
        pdf = "/article/99004/annual-report"
        items.insert(
            4,
            t.FeedItem(
                "Meridian Wire annual report",
                self.fault(pdf, FAULT_BINARY),
                "wire-99004",
                EPOCH - timedelta(days=1),
                None,
                "Our year in numbers.",
            ),
        )
        self.put(pdf, _pdf_bytes())
        feed_url = self.base + "/feed.json"
        self.put(
            "/feed.json",
            t.json_feed(self.spec.name, self.base, feed_url, items),
            "application/feed+json; charset=utf-8",
            self.site._clock(),
        )
        rdf = [
            self.item(a, self.alias(a, self.url(a) + "#main") if a.id % 4 == 3 else self.url(a))
            for a in live[:20]
        ]
        self.put(
            "/index.rdf",
            t.rss1(self.spec.name, self.base, self.base + "/index.rdf", rdf),
            "application/rdf+xml; charset=utf-8",
            self.site._clock(),
        )

    def farm(self) -> None:
        self.robots(["/wp-admin/"], ["/sitemap.xml"])
        live = self.newest()
        for a in self.site._articles.values():
            if a.style == "farm" and a.born <= self.site.cycle:
                self.redirect(f"/?p={a.id}", 301, f"{self.base}/archives/{a.id}/")
                self.redirect(f"/archives/{a.id}/", 302, self.url(a))
        items = []
        for a in live[:25]:
            link = self.url(a)
            if a.id % 3 == 2:
                link = self.alias(a, f"{self.base}/?p={a.id}")
                self.alias(a, f"{self.base}/archives/{a.id}/")
            items.append(self.item(a, link))
        self.put(
            "/rss.xml",
            t.rss092(self.spec.name, self.base, items),
            "text/xml; charset=utf-8",
            self.site._clock(),
        )
        self.put(
            "/sitemap.xml",
            t.urlset([(self.url(a), a.modified) for a in live]),
            "application/xml; charset=utf-8",
        )

    def corpus(self) -> None:
        self.robots([], ["/sitemap.xml"])
        urls = []
        for page in self.site._corpus:
            path = f"/page/{page.name}.html"
            self.put(path, page.html)
            urls.append((self.base + path, EPOCH))
        self.put("/sitemap.xml", t.urlset(urls), "application/xml; charset=utf-8")
        body = "".join(f'<li><a href="{t.e(u)}">{t.e(u)}</a></li>' for u, _ in urls)
        self.put("/", f"<!DOCTYPE html><html><body><ul>{body}</ul></body></html>")


def iter_pages(site: DemoSite) -> Iterator[tuple[str, int, bytes]]:
    """(url, status, body) of every route served in the current cycle, for tests and tools."""
    for spec in site._specs:
        host, base = site._host[spec.style], site._base[spec.style]
        for target, res in site._routes.get(host, {}).items():
            if not target.startswith("\0"):
                yield base + target, res.status, res.body
