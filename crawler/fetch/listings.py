"""Parse feeds, sitemaps and robots.txt into article links with their hints (pure)."""

from __future__ import annotations

import calendar
import codecs
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser
import lxml.etree
from scrapy.utils.sitemap import sitemap_urls_from_robots

from crawler.items import FeedHints

_INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE[^\[>]*\[.*?\]\s*>", re.DOTALL)

# sy:updatePeriod units, in seconds.
_PERIODS = {
    "hourly": 3600,
    "daily": 86400,
    "weekly": 604800,
    "monthly": 2592000,
    "yearly": 31536000,
}


@dataclass
class Link:
    url: str
    hints: FeedHints = field(default_factory=FeedHints)


@dataclass
class FeedResult:
    links: list[Link]
    ttl_seconds: int | None = None
    error: str | None = None


@dataclass
class SitemapResult:
    kind: str  # "urlset" or "sitemapindex"
    links: list[Link]


def _struct_to_dt(value: object) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None


def _ttl(feed: feedparser.FeedParserDict) -> int | None:
    """The polling floor a feed asks for: RSS <ttl> (minutes) or sy:updatePeriod/Frequency."""
    try:
        if feed.get("ttl"):
            return int(feed["ttl"]) * 60
        period = feed.get("sy_updateperiod")
        if period in _PERIODS:
            return _PERIODS[period] // max(1, int(feed.get("sy_updatefrequency") or 1))
    except (TypeError, ValueError):
        return None
    return None


def _without_dtd(body: bytes) -> bytes:
    """The feed without its internal DTD subset, where entities are declared: feeds have no
    use for one, and expanding them is the "billion laughs" attack (expat only caps it)."""
    return _INTERNAL_SUBSET.sub(b"", body, count=1) if b"<!ENTITY" in body else body


def parse_feed(body: bytes, url: str) -> FeedResult:
    """RSS 0.9x/1.0/2.0, Atom or JSON Feed -> links with title, date and author hints."""
    stripped = body.lstrip()
    if stripped.startswith(b"{"):
        return _parse_json_feed(stripped, url)
    try:
        parsed = feedparser.parse(
            io.BytesIO(_without_dtd(body)), response_headers={"content-location": url}
        )
    except Exception as exc:  # feedparser's loose parser raises on some broken markup
        return FeedResult([], error=f"not a feed: {type(exc).__name__}: {exc!s:.200}")
    if parsed.bozo and not parsed.entries:
        return FeedResult([], error=f"not a feed: {parsed.get('bozo_exception')!s:.200}")
    links = []
    for entry in parsed.entries:
        href = entry.get("link") or _first_alternate(entry)
        if not href:
            continue
        hints = FeedHints(
            title=entry.get("title") or None,
            published_at=_struct_to_dt(
                entry.get("published_parsed") or entry.get("updated_parsed")
            ),
            author=entry.get("author") or None,
        )
        links.append(Link(urljoin(url, href), hints))
    return FeedResult(links, _ttl(parsed.feed))


def _first_alternate(entry: feedparser.FeedParserDict) -> str | None:
    for link in entry.get("links", []):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    return None


def _parse_json_feed(body: bytes, url: str) -> FeedResult:
    import json

    try:
        doc = json.loads(body)
        items = doc.get("items", []) if isinstance(doc, dict) else None
        if not isinstance(items, list):
            raise ValueError("no items list")
    except ValueError as exc:
        return FeedResult([], error=f"not a JSON feed: {exc}")
    links = []
    for item in items:
        if not isinstance(item, dict):
            continue
        href = item.get("url") or item.get("external_url")
        if not isinstance(href, str):
            continue
        authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
        author = authors[0].get("name") if authors and isinstance(authors[0], dict) else None
        hints = FeedHints(
            title=item.get("title") or None,
            published_at=parse_date(item.get("date_published")),
            author=author,
        )
        links.append(Link(urljoin(url, href), hints))
    return FeedResult(links)


def parse_date(value: object) -> datetime | None:
    """An ISO 8601 date or datetime; a bare date is midnight UTC; no zone means UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_sitemap(body: bytes, url: str) -> SitemapResult:
    """A sitemap, sitemap index or Google News sitemap; entities are never expanded."""
    parser = lxml.etree.XMLParser(
        recover=True, resolve_entities=False, no_network=True, huge_tree=False
    )
    try:
        root = lxml.etree.fromstring(body, parser=parser)
    except lxml.etree.XMLSyntaxError:
        root = None
    if root is None:
        return SitemapResult("invalid", [])
    kind = _local(root.tag)
    links = []
    for el in root:
        if _local(el.tag) not in ("url", "sitemap"):
            continue
        link = _sitemap_entry(el, url)
        if link is not None:
            links.append(link)
    return SitemapResult(kind, links)


def _sitemap_entry(el: lxml.etree._Element, base: str) -> Link | None:
    loc, hints = None, FeedHints()
    for child in el.iter():
        name = _local(child.tag)
        text = (child.text or "").strip()
        if name == "loc" and loc is None:
            loc = text
        elif name == "lastmod" and hints.published_at is None:
            hints.published_at = parse_date(text)
        elif name == "publication_date":
            hints.published_at = parse_date(text) or hints.published_at
        elif name == "title" and text:
            hints.title = text
    return Link(urljoin(base, loc), hints) if loc else None


def sitemaps_from_robots(body: bytes, url: str) -> list[str]:
    """The `Sitemap:` lines of a robots.txt, as Scrapy's SitemapSpider reads them.

    A UTF-8 byte order mark is dropped first (RFC 9309 allows one; Scrapy would miss a
    Sitemap: line right after it). An empty `Sitemap:` would name robots.txt itself.
    """
    found = sitemap_urls_from_robots(body.removeprefix(codecs.BOM_UTF8), url)
    return [u for u in found if u != url]
