"""`newsmon sources check`: poll the configured sources once, store nothing, judge each."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.fetch.listings import Link
from crawler.fetch.probe import Sample
from crawler.fetch.spider import NewsSpider
from crawler.items import FeedHints, ListingPage, PageFailure
from crawler.process.extract import extract

SAMPLE = 20  # articles extracted per source to judge its extraction
STUB_WORDS = 50  # an extraction shorter than this is a stub


@dataclass
class Checkup:
    """One source's poll: its listings' answers, the articles they list, a sample extracted."""

    name: str
    listings: dict[str, str] = field(default_factory=dict)  # URL -> "ok" or why not
    seen: set[str] = field(default_factory=set)
    robots_refused: int = 0
    robots_unreachable: int = 0
    sample: list[Sample] = field(default_factory=list)

    def report(self, feeds: list[str], configured: list[str]) -> dict[str, Any]:
        words = [s.words for s in self.sample]
        n = len(words) or 1
        robots = "allowed"
        if self.robots_unreachable:
            robots = "unreachable"
        elif self.robots_refused:
            robots = f"forbids {self.robots_refused} of our requests"
        return {
            "source": self.name,
            "feeds": len(feeds),
            "feeds_answering": sum(self.listings.get(u) == "ok" for u in feeds),
            "listings": len(configured),
            "answering": sum(self.listings.get(u) == "ok" for u in configured),
            "failing": {u: r for u, r in self.listings.items() if r != "ok"},
            "articles_seen": len(self.seen),
            "robots": robots,
            "sampled": len(words),
            "median_words": statistics.median(words) if words else None,
            "stub_share": round(sum(w < STUB_WORDS for w in words) / n, 3),
            "date_share": round(sum(s.published_at is not None for s in self.sample) / n, 3),
            "author_share": round(sum(bool(s.author) for s in self.sample) / n, 3),
        }


class CheckSpider(NewsSpider):
    """The crawl's spider, with a collector in place of the archive: listing answers and
    failures are noted, article links counted, and a sample of each source's extracted."""

    name = "check"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.checkups = {name: Checkup(name) for name in self.sources}

    def _collect(self, results: Iterator[Any]) -> Iterator[Any]:
        for obj in results:
            if isinstance(obj, ListingPage):
                self.checkups[obj.source].listings[obj.url] = "ok"
            elif isinstance(obj, PageFailure):
                self._note(obj)
            elif obj is not None:
                yield obj

    def _note(self, failure: PageFailure) -> None:
        checkup = self.checkups.get(failure.source or "")
        if checkup is None:
            return
        if failure.robots:
            checkup.robots_refused += 1
        elif "robots.txt unreachable" in failure.reason:
            checkup.robots_unreachable += 1
        if failure.listing:
            checkup.listings[failure.url] = failure.reason

    def parse_feed(self, response: Response) -> Iterator[Any]:
        yield from self._collect(super().parse_feed(response))

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        yield from self._collect(super().parse_sitemap(response))

    def parse_page(self, response: Response) -> Iterator[Any]:
        yield from self._collect(super().parse_page(response))

    def failed(self, failure: Failure) -> Iterator[PageFailure]:
        for item in super().failed(failure):
            self._note(item)
        return iter(())

    def _article(self, link: Link, source: str) -> scrapy.Request:
        checkup = self.checkups[source]
        fresh = link.url not in checkup.seen
        checkup.seen.add(link.url)
        if not fresh or len(checkup.seen) > SAMPLE:
            return None  # type: ignore[return-value]  # counted, not fetched: Scrapy skips None
        return super()._article(link, source)

    def parse_article(self, response: Response) -> Iterator[Any]:
        hints: FeedHints = response.meta.get("hints") or FeedHints()
        kind = (response.headers.get(b"Content-Type") or b"").decode("latin-1") or None
        doc = extract(
            response.body, response.url, content_type=kind, fallback_title=hints.title,
            fallback_published=hints.published_at, fallback_author=hints.author,
        )  # fmt: skip
        words = len(doc.text.split())
        sample = Sample(response.url, doc.title, doc.published_at, doc.author, words)
        self.checkups[response.meta["source"]].sample.append(sample)
        return iter(())
