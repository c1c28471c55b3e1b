"""What a publisher's home page says about where its articles are listed (pure functions)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from urllib.parse import urljoin, urlsplit

import lxml.html

# <link rel="alternate" type=...> values that announce a feed.
FEED_TYPES = {
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/json",
    "text/xml",
    "application/xml",
}
# Tried, in order, when the page announces no feed: the paths the common CMSes use.
FEED_PATHS = (
    "/feed",
    "/rss",
    "/rss.xml",
    "/feed.xml",
    "/atom.xml",
    "/index.xml",
    "/feed.json",
    "/feeds/rss.xml",
    "/feeds/atom.xml",
    "/index.rdf",
)
# Tried beside robots.txt's Sitemap: lines.
SITEMAP_PATHS = ("/sitemap.xml", "/sitemap_index.xml", "/news-sitemap.xml", "/sitemap.xml.gz")
_DATE = re.compile(r"^(19|20)\d\d$")
_SLUG_WORDS = 4  # a path segment of this many words or more is a headline made slug
_PAGINATE = re.compile(r"(/page/\d+/?$)|([?&]page=\d+$)")


def parse_html(body: bytes, url: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.document_fromstring(body, base_url=url)
    except (lxml.etree.ParserError, ValueError):
        return None


def advertised_feeds(tree: lxml.html.HtmlElement, url: str) -> list[str]:
    """The feeds a page announces with <link rel="alternate" type="...">, in page order."""
    found = []
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in FEED_TYPES and href:
            found.append(urljoin(url, href))
    return list(dict.fromkeys(found))


def same_host_links(tree: lxml.html.HtmlElement, url: str) -> list[str]:
    """Absolute http(s) links of <a href> on the page's own host, fragments dropped."""
    host = urlsplit(url).netloc
    out = []
    for href in tree.xpath("//a/@href"):
        absolute = urljoin(url, str(href).strip()).split("#")[0]
        parts = urlsplit(absolute)
        if parts.scheme in ("http", "https") and parts.netloc == host:
            out.append(absolute)
    return list(dict.fromkeys(out))


def _segments(url: str) -> list[str]:
    return [s for s in urlsplit(url).path.split("/") if s]


def _is_slug(segment: str) -> bool:
    stem = segment.rsplit(".", 1)[0]
    return len(re.findall(r"[A-Za-z0-9]+", stem)) >= _SLUG_WORDS and "-" in stem


def looks_like_article(url: str) -> bool:
    """A dated path (/2024/03/18/...), or a headline made slug (four words and more)."""
    segments = _segments(url)
    if not segments or _PAGINATE.search(url):
        return False
    dated = any(_DATE.match(s) for s in segments)
    return _is_slug(segments[-1]) or (dated and len(segments) >= 3)


def _token(segment: str) -> str:
    """A segment's kind: digits of some length, a slug (its extension kept), or a word."""
    if segment.isdigit():
        return rf"\d{{{len(segment)}}}"
    if _is_slug(segment):
        ext = segment.rsplit(".", 1)[1] if "." in segment else ""
        return r"[\w-]+" + (re.escape("." + ext) if ext else "")
    return "word"


def learn_follow(links: list[str], *, least: int = 3) -> str | None:
    """A `follow` regex for the article-like links: the shape most of them share.

    Links are grouped by shape (segment count and each segment's kind); within the largest
    group a segment every link has the same is kept as is (a shared prefix such as /news/),
    other words become `[\\w-]+`. None when fewer than `least` links look like articles.
    """
    groups: dict[tuple[str, ...], list[list[str]]] = defaultdict(list)
    for url in links:
        if looks_like_article(url):
            segments = _segments(url)
            groups[tuple(_token(s) for s in segments)].append(segments)
    if not groups:
        return None
    shape, members = max(groups.items(), key=lambda kv: len(kv[1]))
    if len(members) < least:
        return None
    parts = []
    for i, token in enumerate(shape):
        values = {m[i] for m in members}
        if token == "word":
            token = re.escape(values.pop()) if len(values) == 1 else r"[\w-]+"
        parts.append(token)
    trailing = "/?" if any(u.endswith("/") for u in links if looks_like_article(u)) else ""
    return "^https?://[^/]+/" + "/".join(parts) + trailing + "(?:[?#]|$)"


def learn_paginate(links: list[str]) -> str:
    """A `paginate` regex when the page links further listing pages (/page/2/, ?page=2)."""
    kinds = Counter("path" if m.group(1) else "query" for u in links if (m := _PAGINATE.search(u)))
    if not kinds:
        return ""
    return r"/page/\d+/?$" if kinds.most_common(1)[0][0] == "path" else r"[?&]page=\d+$"


def section_pages(home: str, links: list[str], follow: str, *, limit: int = 20) -> list[str]:
    """Candidate section pages: the home page, then same-host links one or two words deep
    that are not articles themselves (/world/, /news/business/)."""
    pattern = re.compile(follow)
    out = [home]
    for url in links:
        segments = _segments(url)
        if urlsplit(url).query or not 1 <= len(segments) <= 2 or pattern.search(url):
            continue
        if all(re.fullmatch(r"[a-z][a-z0-9-]*", s) for s in segments) and url != home:
            out.append(url)
    return out[: limit + 1]


def words(text: str) -> int:
    return len(text.split())
