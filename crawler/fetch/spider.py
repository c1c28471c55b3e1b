"""The news spider: polls feeds, sitemaps and section pages; fetches articles and revisits."""

from __future__ import annotations

import re
import struct
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response
from scrapy.utils.gz import gunzip
from twisted.python.failure import Failure

from crawler.config import SourceConfig
from crawler.fetch.listings import Link, parse_feed, parse_sitemap, sitemaps_from_robots
from crawler.fetch.middlewares.robots import ForbiddenByRobots
from crawler.items import ArticleAlias, ArticlePage, FeedHints, ListingPage, PageFailure
from crawler.text.urls import as_listed

# Listing requests go first so that article links are discovered early; revisits come last.
LISTING_PRIORITY = 100
REVISIT_PRIORITY = -10


@dataclass(frozen=True)
class RevisitTarget:
    article_id: int
    url: str
    source: str
    etag: str | None
    last_modified: str | None
    body_hash: str | None = None


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(
        self,
        sources: list[SourceConfig],
        revisits: list[RevisitTarget] | None = None,
        max_pages: int = 5,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sources = {s.name: s for s in sources}
        self.revisits = revisits or []
        self.max_pages = max_pages
        self.listing_pages: Counter[str] = Counter()
        # Canonical URLs of the article links requested this cycle (see KnownArticleMiddleware).
        self.requested: set[str] = set()

    async def start(self) -> AsyncIterator[Any]:
        for source in self.sources.values():
            for url in source.feeds:
                yield self._listing(url, source.name, self.parse_feed)
            for url in source.sitemaps:
                yield self._listing(url, source.name, self.parse_sitemap)
            for url in source.pages:
                self.listing_pages[source.name] += 1
                yield self._listing(url, source.name, self.parse_page)
        for target in self.revisits:
            yield scrapy.Request(
                target.url,
                callback=self.parse_article,
                errback=self.failed,
                priority=REVISIT_PRIORITY,
                dont_filter=True,
                meta={
                    "source": target.source,
                    "article_id": target.article_id,
                    "validators": (target.etag, target.last_modified),
                    "body_hash": target.body_hash,
                    "handle_httpstatus_list": [304, 404, 410],
                },
            )

    def _listing(self, url: str, source: str, callback: Any) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.failed,
            priority=LISTING_PRIORITY,
            meta={
                "source": source,
                "listing": True,
                "handle_httpstatus_list": [304],
                "listed_url": url,
            },
        )

    def _article(self, link: Link, source: str) -> scrapy.Request:
        return scrapy.Request(
            link.url,
            callback=self.parse_article,
            errback=self.failed,
            # Scrapy normalises the URL (w3lib 2.6: a decimal, octal or hex IP host becomes
            # dotted); failures are recorded under the link as it was listed.
            meta={
                "source": source,
                "article_link": True,
                "hints": link.hints,
                "listed_url": link.url,
            },
        )

    def _listed(self, response: Response, links: int, ttl: int | None = None) -> ListingPage:
        return ListingPage(
            source=response.meta["source"],
            url=response.url,
            status=response.status,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            ttl_seconds=ttl,
            links=links,
        )

    def parse_feed(self, response: Response) -> Iterator[Any]:
        if response.status == 304:
            yield self._listed(response, 0)
            return
        result = parse_feed(response.body, response.url)
        if result.error:
            yield PageFailure(
                response.meta["source"], response.url, result.error, response.status, listing=True
            )
            return
        yield self._listed(response, len(result.links), result.ttl_seconds)
        for link in result.links:
            yield self._article(link, response.meta["source"])

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        source = response.meta["source"]
        if response.status == 304:
            yield self._listed(response, 0)
            return
        if urlsplit(response.url).path.endswith("/robots.txt"):
            found = sitemaps_from_robots(response.body, response.url)
            yield self._listed(response, len(found))
            for url in found:
                yield self._listing(url, source, self.parse_sitemap)
            return
        body = self._sitemap_body(response)
        if isinstance(body, PageFailure):
            yield body
            return
        result = parse_sitemap(body, response.url)
        if result.kind not in ("urlset", "sitemapindex"):
            yield PageFailure(source, response.url, "not a sitemap", response.status, listing=True)
            return
        yield self._listed(response, len(result.links))
        for link in result.links:
            if result.kind == "sitemapindex":
                yield self._listing(link.url, source, self.parse_sitemap)
            else:
                yield self._article(link, source)

    def _sitemap_body(self, response: Response) -> bytes | PageFailure:
        """The sitemap's XML: a .xml.gz file, or a sitemap gzipped without Content-Encoding
        (HttpCompressionMiddleware decoded any with one), is decompressed here, within the
        same limit (crawl.max_page_bytes), as Scrapy's SitemapSpider does."""
        if response.body[:3] != b"\x1f\x8b\x08":  # gzip's magic number
            return response.body
        limit = response.meta.get("download_maxsize", self.settings.getint("DOWNLOAD_MAXSIZE"))
        try:
            return gunzip(response.body, max_size=limit)
        except (OSError, EOFError, ValueError, struct.error) as exc:
            # Scrapy's limit error (private) is the ValueError that knows the size reached.
            if getattr(exc, "decompressed_size", None) is None:
                reason = f"not a sitemap: bad gzip ({type(exc).__name__}: {exc})"[:500]
            else:
                assert self.crawler.stats is not None
                self.crawler.stats.inc_value("newsmon/too_large")  # as PageSizeMiddleware does
                reason = f"too large: more than crawl.max_page_bytes ({limit} bytes) once gunzipped"
        source = response.meta["source"]
        return PageFailure(source, response.url, reason, response.status, listing=True)

    def parse_page(self, response: Response) -> Iterator[Any]:
        source = self.sources[response.meta["source"]]
        if response.status == 304:
            yield self._listed(response, 0)
            return
        if not hasattr(response, "css"):
            yield PageFailure(
                source.name, response.url, "listing page is not HTML", response.status, listing=True
            )
            return
        host = urlsplit(response.url).netloc
        links = {urljoin(response.url, h) for h in response.css("a::attr(href)").getall()}
        same_host = sorted(u for u in links if urlsplit(u).netloc == host)
        articles = [u for u in same_host if source.follow and re.search(source.follow, u)]
        yield self._listed(response, len(articles))
        for url in articles:
            yield self._article(Link(url), source.name)
        for url in same_host:
            listing = source.paginate and re.search(source.paginate, url) and url not in articles
            if listing and self.listing_pages[source.name] < self.max_pages:
                self.listing_pages[source.name] += 1
                yield self._listing(url, source.name, self.parse_page)

    def parse_article(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        urls = [*meta.get("seen_urls", []), *meta.get("redirect_urls", []), response.url]
        if meta.get("alias_of"):
            yield ArticleAlias(meta["source"], list(dict.fromkeys(urls)), meta["alias_of"])
            return
        yield ArticlePage(
            source=meta["source"],
            url=response.url,
            urls=list(dict.fromkeys(urls)),
            status=response.status,
            body=response.body,
            content_type=_header(response, b"Content-Type"),
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            hints=meta.get("hints") or FeedHints(),
            article_id=meta.get("article_id"),
            previous_body_hash=meta.get("body_hash"),
        )

    def failed(self, failure: Failure) -> Iterator[PageFailure]:
        request = failure.request  # type: ignore[attr-defined]
        if request.meta.get("revisit_deferred"):
            return  # over the revisits' time budget: still due, for the next cycle
        response = getattr(failure.value, "response", None)
        status = response.status if response is not None else None
        reason = _reason(failure)
        if request.meta.get("newsmon_note"):  # e.g. why a retry was not waited for
            reason = f"{reason} ({request.meta['newsmon_note']})"
        # A redirect hop failed: record the link as it was listed, and where it led.
        hops = request.meta.get("redirect_urls") or []
        if hops:
            reason = f"{reason} (redirected to {request.url})"[:500]
        yield PageFailure(
            request.meta.get("source"),
            as_listed(hops[0] if hops else request.url, request.meta.get("listed_url")),
            reason,
            status,
            request.meta.get("article_id"),
            listing=bool(request.meta.get("listing")),
            robots=failure.check(ForbiddenByRobots) is not None,
        )


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _reason(failure: Failure) -> str:
    response = getattr(failure.value, "response", None)
    if response is not None:
        return f"HTTP {response.status}"
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"[:500]  # type: ignore[union-attr]
