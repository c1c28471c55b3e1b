"""Known links: a listing's links to articles already stored are not fetched again."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from sqlalchemy import select

from crawler.config import Config
from crawler.fetch.middlewares.redirects import claim
from crawler.text.urls import canonicalise
from storage.db import make_engine, session_factory
from storage.models import ArticleURL


class KnownArticleMiddleware:
    """Canonicalise article links and drop those already in the archive (one query per page).

    The original link is kept in `seen_urls` so that it becomes an alias of the article.
    """

    CHUNK = 500
    # Links are checked in batches as the spider yields them: a feed or sitemap of 20,000
    # links held as Requests until its end would be 80 MB, and several are parsed at once.
    BATCH = 100

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        config: Config = crawler.settings["NEWSMON_CONFIG"]
        self.engine = make_engine(config.database_url)
        self.sessions = session_factory(self.engine)
        crawler.signals.connect(self.engine.dispose, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KnownArticleMiddleware:
        return cls(crawler)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        pending: list[Request] = []
        for obj in result:
            if isinstance(obj, Request) and obj.meta.get("article_link"):
                pending.append(obj)
                if len(pending) >= self.BATCH:
                    yield from self._unknown(pending)
                    pending = []
            else:
                yield obj
        yield from self._unknown(pending)

    async def process_spider_output_async(self, response: Response, result: Any) -> Any:
        pending: list[Request] = []
        async for obj in result:
            if isinstance(obj, Request) and obj.meta.get("article_link"):
                pending.append(obj)
                if len(pending) >= self.BATCH:
                    for request in self._unknown(pending):
                        yield request
                    pending = []
            else:
                yield obj
        for request in self._unknown(pending):
            yield request

    def _unknown(self, requests: list[Request]) -> Iterable[Request]:
        canon: dict[str, Request] = {}
        for request in requests:
            try:
                url = canonicalise(request.url)
            except ValueError:
                continue
            seen = [*request.meta.get("seen_urls", []), request.url]
            canon[url] = request.replace(url=url, meta={**request.meta, "seen_urls": seen})
        requested: set[str] = getattr(self.crawler.spider, "requested", set())
        for url in [u for u in canon if u in requested]:
            del canon[url]  # already requested this cycle, under this canonical URL
        if not canon:
            return
        urls, known = list(canon), set[str]()
        with self.sessions() as session:
            # In chunks: a listing may link more URLs than a statement may bind parameters.
            for i in range(0, len(urls), self.CHUNK):
                chunk = urls[i : i + self.CHUNK]
                known.update(
                    session.scalars(select(ArticleURL.url).where(ArticleURL.url.in_(chunk)))
                )
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("newsmon/known_links", len(known))
        for url, request in canon.items():
            # Claimed, not just checked above: another worker may have claimed it meanwhile.
            if url not in known and claim(requested, url):
                yield request
