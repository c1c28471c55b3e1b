"""What passes between stages: fetched pages to the pipeline, what a worker made of one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class FeedHints:
    """What a feed or news sitemap said of an article: fallbacks for extraction."""

    title: str | None = None
    published_at: datetime | None = None
    author: str | None = None


@dataclass
class ArticlePage:
    """A fetched article page (or a revisit's answer: 200, 304, 404, 410, a redirect)."""

    source: str
    url: str  # the final URL, after redirects
    urls: list[str]  # every URL that led here: listing link, redirect hops, final URL
    status: int
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None
    hints: FeedHints = field(default_factory=FeedHints)
    article_id: int | None = None  # set on revisits
    body_hash: str | None = None  # sha256 of the body, set by the pipeline
    previous_body_hash: str | None = None  # revisits: the body last seen


@dataclass
class ListingPage:
    """A fetched feed, sitemap or section page: its validators and polling hints."""

    source: str
    url: str
    status: int
    etag: str | None
    last_modified: str | None
    ttl_seconds: int | None = None
    links: int = 0


@dataclass
class PageFailure:
    """A request that failed: recorded with its reason, and counted."""

    source: str | None
    url: str
    reason: str
    status: int | None = None
    article_id: int | None = None
    listing: bool = False  # a feed, sitemap or section page (counts toward source backoff)
    robots: bool = False  # refused because robots.txt disallows it: obeyed, not an error


@dataclass
class ArticleAlias:
    """URLs that redirect to an article already stored or already requested in this cycle."""

    source: str
    urls: list[str]
    target: str  # canonical URL of the article they lead to


@dataclass
class Processed:
    """What a page became: clean text, identity, fingerprints and topic matches."""

    title: str | None
    text: str
    raw_text: str | None  # the extraction before learned boilerplate was stripped, if different
    author: str | None
    published_at: datetime | None
    language: str | None
    site_name: str | None
    canonical_url: str | None  # canonicalised rel=canonical/og:url when on the same site
    foreign_canonical: str | None  # a rel=canonical to another site: this page republishes
    content_hash: str
    text_hash: str
    words: int
    signature: bytes | None
    bands: list[int]
    paragraph_keys: dict[str, str] = field(default_factory=dict)  # key -> sample (short ones)
    topics: dict[str, list[str]] = field(default_factory=dict)  # topic -> matched terms
    error: str | None = None  # why this page yields no article (empty, binary, no text)
    html: bytes | None = None  # zlib-compressed body, when crawl.store_html is on
    # what the page showed about its source, (kind, value) pairs: crawler/process/profile.py
    facts: tuple[tuple[str, str], ...] = ()
    body_hash: str | None = None  # sha256 of the page's body, hashed in the worker


@dataclass(frozen=True)
class Cleaned:
    """A stored article's text after boilerplate was stripped, with what follows the text."""

    text: str
    content_hash: str
    text_hash: str
    words: int
    signature: bytes | None
    bands: list[int]
