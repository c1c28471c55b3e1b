"""Conditional requests: If-None-Match / If-Modified-Since for listings and revisits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from crawler.config import Config
from storage.db import make_engine, session_factory
from storage.models import CrawlRun, ListingState


class ConditionalRequestMiddleware:
    """Send If-None-Match / If-Modified-Since from stored validators (listings and revisits).

    A listing's validators are committed as soon as it is fetched, before the articles it
    links are stored. A run that did not finish (killed, interrupted, over its time budget)
    may have stored them and lost those articles; its 304s would then hide them for good. So a
    listing's validators are used only when no unfinished run was going when it was fetched.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        return cls(crawler)

    def spider_opened(self) -> None:
        config: Config = self.crawler.settings["NEWSMON_CONFIG"]
        engine = make_engine(config.database_url)
        run_id = self.crawler.settings.get("NEWSMON_RUN_ID")
        with session_factory(engine)() as session:
            # A killed run never records its end: it ended when the next run started.
            later = aliased(CrawlRun)
            next_start = (
                select(func.min(later.started_at))
                .where(later.started_at > CrawlRun.started_at)
                .scalar_subquery()
            )
            unfinished = session.execute(
                select(CrawlRun.started_at, func.coalesce(CrawlRun.finished_at, next_start)).where(
                    or_(CrawlRun.status != "ok", CrawlRun.finished_at.is_(None)),
                    CrawlRun.id != (run_id or 0),
                )
            ).all()
            rows = session.execute(
                select(
                    ListingState.url,
                    ListingState.etag,
                    ListingState.last_modified,
                    ListingState.fetched_at,
                )
            )
            self.validators = {
                r.url: (r.etag, r.last_modified)
                for r in rows
                if not _during(_utc(r.fetched_at), unfinished)
            }
        engine.dispose()

    def process_request(self, request: Request) -> None:
        # Only the spider's own listing and revisit requests: Scrapy's robots.txt fetch must get
        # a full answer (a 304 has no rules in it, and would allow everything), even when
        # robots.txt is also configured as a sitemap listing.
        if not (request.meta.get("listing") or request.meta.get("validators")):
            return
        etag, modified = request.meta.get("validators") or self.validators.get(
            request.url, (None, None)
        )
        if etag and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = etag
        if modified and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = modified


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _during(when: datetime | None, runs: Sequence[Any]) -> bool:
    """Whether `when` falls inside one of `runs` (started_at, finished_at or None: open)."""
    if when is None:
        return True
    for started, finished in runs:
        started, finished = _utc(started), _utc(finished)
        if started is not None and started <= when and (finished is None or when <= finished):
            return True
    return False
