"""The demo site's constants, its records and the small helpers every part uses."""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from demo.content import Draft

# The checkout this package sits in (demo/site/model.py is three levels down); the shared
# corpus and seed article live next to it.
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
class Spec:
    style: str
    name: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()
    follow: str = ""
    paginate: str = ""


SPECS = (
    Spec(
        "herald",
        "Northgate Herald",
        feeds=("/feeds/rss.xml",),
        pages=("/news/", "/world/"),
        follow=r"/20\d\d/\d\d/\d\d/[\w-]+\.html",
        paginate=r"/news/page/\d+/",
    ),
    Spec(
        "lattice", "The Daily Lattice", feeds=("/feeds/atom.xml",), sitemaps=("/sitemap_index.xml",)
    ),
    Spec("wire", "Meridian Wire", feeds=("/feed.json", "/index.rdf")),
    Spec("farm", "BuzzDaily Hub", feeds=("/rss.xml",), sitemaps=("/sitemap.xml",)),
)
CORPUS_SPEC = Spec("corpus", "Readability Archive", sitemaps=("/sitemap.xml",))


@dataclass
class Article:
    id: int
    style: str
    draft: Draft
    path: str
    modified: datetime
    born: int = 0
    source: int | None = None  # a copy's original
    related: list[int] = field(default_factory=list)


@dataclass
class CorpusPage:
    name: str
    html: bytes
    title: str
    paragraphs: list[str]
    author: str | None
    published_at: datetime


@dataclass(frozen=True)
class Resource:
    status: int
    content_type: str = HTML
    body: bytes = b""
    etag: str = ""
    last_modified: datetime = EPOCH
    location: str = ""


def slugify(title: str, max_words: int = 8) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_title.lower())[:max_words])


def clean(url: str) -> str:
    """`url` without its fragment and tracking parameters."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if not k.lower().startswith(TRACKING)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def summary(draft: Draft, limit: int = 200) -> str:
    text = draft.standfirst
    return text if len(text) <= limit else text[: text.rfind(" ", 0, limit)] + "…"


def hex_id(rng: random.Random, n: int) -> str:
    return f"{rng.randrange(16**n):0{n}x}"


def pdf_bytes() -> bytes:
    """A small but genuine-looking binary PDF."""
    rng = random.Random("pdf")
    stream = bytes(rng.randrange(256) for _ in range(6000))
    return (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"4 0 obj\n<< /Length 6000 /Filter /FlateDecode >>\nstream\n"
        + stream
        + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )
