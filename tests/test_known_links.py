"""KnownArticleMiddleware: a listing's article links, canonicalised, unknown ones once each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler.config import from_dict
from crawler.fetch.middlewares.known import KnownArticleMiddleware
from storage.db import make_engine, session_factory, upgrade
from storage.models import Article, ArticleURL, Source

BASE = "https://news.example/world/story-{}"


class ListingSpider(Spider):
    name = "listing"
    requested: set[str]


def _archive(tmp_path: Path, known: list[int]) -> str:
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as session, session.begin():
        source = Source(name="News")
        session.add(source)
        session.flush()
        for i in known:
            article = Article(url=BASE.format(i), source_id=source.id, content_hash=f"h{i}")
            session.add(article)
            session.flush()
            session.add(ArticleURL(url=BASE.format(i), article_id=article.id))
    engine.dispose()
    return url


def test_a_long_listing_yields_each_unknown_link_once_as_it_goes(tmp_path: Path) -> None:
    db_url = _archive(tmp_path, known=[10, 150])
    crawler = get_crawler(
        ListingSpider, {"NEWSMON_CONFIG": from_dict({"database": {"url": db_url}})}
    )
    crawler.spider = ListingSpider()
    crawler.spider.requested = set()
    known = KnownArticleMiddleware.from_crawler(crawler)
    consumed = 0

    def links() -> Iterator[Any]:
        nonlocal consumed
        for i in range(250):
            consumed += 1
            # link 120 is link 20 again, with a tracking parameter, in a later batch
            url = BASE.format(20) + "?utm_source=rss" if i == 120 else BASE.format(i)
            yield Request(url, meta={"source": "News", "article_link": True})

    listing = Response("https://news.example/feed.xml")
    out = known.process_spider_output(listing, links())
    first = next(out)
    # the first link goes out before the listing's end is read: at most one batch is held
    assert first.url == BASE.format(0)
    assert consumed <= KnownArticleMiddleware.BATCH < 250
    urls = [first.url, *(r.url for r in out)]
    expected = [BASE.format(i) for i in range(250) if i not in (10, 120, 150)]
    assert urls == expected
    assert crawler.spider.requested == set(expected)
    known.engine.dispose()
