"""`newsmon sources add`: a spider that finds where a publisher lists its articles.

It goes through the crawl's own downloader middlewares (network guard, robots.txt, retries,
size limits), so what it finds is what a crawl will be allowed to fetch. Phases, each started
when Scrapy goes idle: listings (the home page, its announced feeds or the common feed paths,
robots.txt's sitemaps and the common sitemap paths), then section pages when there is neither
feed nor sitemap, then a sample of articles, extracted as a crawl would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.config import Config
from crawler.fetch import discover
from crawler.fetch.listings import parse_feed, parse_sitemap, sitemaps_from_robots
from crawler.fetch.middlewares.robots import ForbiddenByRobots
from crawler.fetch.settings import scrapy_settings
from crawler.fetch.spider import NewsSpider
from crawler.items import FeedHints
from crawler.process.extract import extract
from crawler.process.texts import not_html

SAMPLE = 5
MAX_CHILD_SITEMAPS = 50


@dataclass
class Sample:
    """One extracted article of a sample: what `sources add` and `sources check` show."""

    url: str
    title: str | None
    published_at: datetime | None
    author: str | None
    words: int


@dataclass
class Found:
    """What a publisher's address led to; `error` is the one message when nothing usable."""

    url: str
    name: str = ""
    error: str | None = None
    feeds: dict[str, int] = field(default_factory=dict)  # feed URL -> article links
    sitemaps: dict[str, int] = field(default_factory=dict)  # sitemap URL -> article links
    pages: list[str] = field(default_factory=list)
    follow: str = ""
    paginate: str = ""
    links: dict[str, FeedHints] = field(default_factory=dict)
    sample: list[Sample] = field(default_factory=list)


def probe_settings(config: Config, budget: float = 120.0) -> dict[str, Any]:
    """The crawl's settings without the archive: no pipeline, no database-backed middleware
    (conditional requests, known articles), Scrapy's own in-memory scheduler."""
    settings = scrapy_settings(config)
    settings["DOWNLOADER_MIDDLEWARES"] = {
        **settings["DOWNLOADER_MIDDLEWARES"],
        "crawler.fetch.middlewares.conditional.ConditionalRequestMiddleware": None,
    }
    settings.update(
        ITEM_PIPELINES={},
        SPIDER_MIDDLEWARES={},
        SCHEDULER="scrapy.core.scheduler.Scheduler",
        CLOSESPIDER_TIMEOUT=budget,
        LOG_LEVEL="ERROR",
    )
    return settings


def run_spider(config: Config, spidercls: type[scrapy.Spider], **kwargs: Any) -> Any:
    """Run one probing spider to its end in this process; return the spider."""
    process = CrawlerProcess(probe_settings(config))
    crawler = process.create_crawler(spidercls)
    process.crawl(crawler, **kwargs)
    process.start()
    return crawler.spider


def failure_message(failure: Failure, url: str) -> str:
    """One sentence for a request that failed: robots, the network guard, or unreachable."""
    if failure.check(ForbiddenByRobots):
        return f"robots.txt forbids fetching {url}"
    text = failure.getErrorMessage()
    response = getattr(failure.value, "response", None)
    if response is not None:
        return f"{url} answered HTTP {response.status}"
    if "refused:" in text or "robots.txt unreachable" in text:
        return f"{url}: {text}"
    return f"{url} is unreachable: {text}"


class ProbeSpider(NewsSpider):
    """Finds a publisher's feeds, sitemaps or section pages from its address (see module)."""

    name = "probe"

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(sources=[], **kwargs)
        self.found = Found(url)
        self.phase = "listings"
        self.home_links: list[str] = []
        self.section_links: dict[str, list[str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ProbeSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        return spider

    def _get(self, url: str, callback: Any, quiet: bool = True, **meta: Any) -> scrapy.Request:
        errback = self.ignore if quiet else self.home_failed
        return scrapy.Request(
            url, callback=callback, errback=errback,
            meta={"source": "probe", "listed_url": url, **meta},
        )  # fmt: skip

    async def start(self) -> Any:
        yield self._get(self.found.url, self.parse_home, quiet=False)

    def home_failed(self, failure: Failure) -> None:
        self.found.error = failure_message(failure, self.found.url)

    def ignore(self, failure: Failure) -> None:
        """A candidate that is not there (404) or failed: it is simply not used."""

    def parse_home(self, response: Response) -> Iterator[scrapy.Request]:
        kind = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        tree = discover.parse_html(response.body, response.url) if "html" in kind.lower() else None
        if tree is None or not_html(response.body):
            self.found.error = f"{response.url} is not an HTML page (Content-Type: {kind or '?'})"
            return
        self.found.name = _site_name(tree, response.url)
        self.home_links = discover.same_host_links(tree, response.url)
        feeds = discover.advertised_feeds(tree, response.url)
        base = f"{urlsplit(response.url).scheme}://{urlsplit(response.url).netloc}"
        for url in feeds or [base + p for p in discover.FEED_PATHS]:
            yield self._get(url, self.parse_candidate_feed)
        yield self._get(base + "/robots.txt", self.parse_robots)
        for path in discover.SITEMAP_PATHS:
            yield self._get(base + path, self.parse_candidate_sitemap, top=base + path)

    def parse_candidate_feed(self, response: Response) -> None:
        result = parse_feed(response.body, response.url)
        if result.error or not result.links or response.status != 200:
            return
        self.found.feeds[response.meta["listed_url"]] = len(result.links)
        for link in result.links:
            self.found.links.setdefault(link.url, link.hints)

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        for url in sitemaps_from_robots(response.body, response.url):
            yield self._get(url, self.parse_candidate_sitemap, top=url)

    def parse_candidate_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        body = self._sitemap_body(response)
        if isinstance(body, bytes):
            result = parse_sitemap(body, response.url)
            top = response.meta["top"]
            if result.kind == "sitemapindex":
                for link in result.links[:MAX_CHILD_SITEMAPS]:
                    yield self._get(link.url, self.parse_candidate_sitemap, top=top)
            elif result.kind == "urlset" and result.links:
                self.found.sitemaps[top] = self.found.sitemaps.get(top, 0) + len(result.links)
                for link in result.links:
                    self.found.links.setdefault(link.url, link.hints)

    def parse_section(self, response: Response) -> None:
        tree = discover.parse_html(response.body, response.url)
        if tree is not None:
            self.section_links[response.meta["listed_url"]] = discover.same_host_links(
                tree, response.url
            )

    def parse_sample(self, response: Response) -> None:
        hints: FeedHints = response.meta["hints"]
        kind = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or None
        doc = extract(
            response.body, response.url, content_type=kind, fallback_title=hints.title,
            fallback_published=hints.published_at, fallback_author=hints.author,
        )  # fmt: skip
        self.found.sample.append(
            Sample(response.url, doc.title, doc.published_at, doc.author, len(doc.text.split()))
        )

    # -- the phases, one per idle ----------------------------------------------------------------
    def idle(self) -> None:
        if self.found.error or self.phase == "done":
            return
        requests: list[scrapy.Request] = []
        while not requests:  # a phase with nothing to fetch gives way to the next at once
            requests = list(self._next_phase())
            if self.found.error or self.phase == "done":
                return
        assert self.crawler.engine is not None
        for request in requests:
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def _next_phase(self) -> Iterator[scrapy.Request]:
        found = self.found
        if self.phase == "listings" and not (found.feeds or found.sitemaps):
            follow = discover.learn_follow(self.home_links)
            if follow is None:
                found.error = (
                    f"{found.url}: no feed, no sitemap, and no links that look like articles"
                )
                return
            found.follow, self.phase = follow, "sections"
            self.section_links[found.url] = self.home_links  # fetched already
            for url in discover.section_pages(found.url, self.home_links, follow)[1:]:
                yield self._get(url, self.parse_section)
            return
        if self.phase == "sections":
            self._keep_sections()
        if self.phase in ("listings", "sections"):
            self.phase = "sample"
            yield from self._sample_requests()
            return
        self.phase = "done"

    def _keep_sections(self) -> None:
        """The section pages that list articles, the articles they list, their pagination."""
        found, pattern = self.found, re.compile(self.found.follow)
        every: list[str] = []
        for url, links in self.section_links.items():
            articles = [u for u in links if pattern.search(u)]
            if articles:
                found.pages.append(url)
                every += links
                for link in articles:
                    found.links.setdefault(link, FeedHints())
        found.pages.sort(key=lambda u: (u != found.url, u))
        found.paginate = discover.learn_paginate(every)

    def _sample_requests(self) -> Iterator[scrapy.Request]:
        def newest(item: tuple[str, FeedHints]) -> float:
            when = item[1].published_at
            return -when.timestamp() if when else 0.0

        for url, hints in sorted(self.found.links.items(), key=newest)[:SAMPLE]:
            yield self._get(url, self.parse_sample, hints=hints)


def _site_name(tree: Any, url: str) -> str:
    """og:site_name, else the <title> up to its first separator, else the host."""
    for value in tree.xpath('//meta[@property="og:site_name"]/@content'):
        if str(value).strip():
            return str(value).strip()
    title = (tree.findtext(".//title") or "").strip()
    title = re.split(r"\s[|\-–—:]\s", title)[-1 if " | " in title else 0].strip()
    return title or urlsplit(url).hostname or url
