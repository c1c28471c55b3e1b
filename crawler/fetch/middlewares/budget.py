"""The cycle budget: stop sending requests when the cycle's (or the revisits') time is spent."""

from __future__ import annotations

import time
from datetime import timedelta

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    IgnoreRequest,
    NotConfigured,
)


class CycleBudgetMiddleware:
    """Keep every request inside the cycle's time budget (crawl.cycle_budget).

    CLOSESPIDER_TIMEOUT closes the spider when the budget is spent, but Scrapy then waits for
    the requests in flight, and a slow server could hold each for the whole request timeout
    (and again for each retry). So each request's timeout is cut to the time left, and once
    the budget is spent a request (a retry, a redirect hop) is not sent at all.
    """

    def __init__(self, crawler: Crawler, budget: float, revisits: float | None = None) -> None:
        self.crawler = crawler
        self.budget = budget
        self.deadline = time.monotonic() + budget
        # revisit.budget as a duration: revisits go until that long after the first one went.
        self.revisits = revisits
        self.revisits_until: float | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CycleBudgetMiddleware:
        budget = crawler.settings.getfloat("CLOSESPIDER_TIMEOUT")
        if budget <= 0:
            raise NotConfigured("no cycle budget")
        config = crawler.settings.get("NEWSMON_CONFIG")
        revisits = config.revisit.budget if config is not None else None
        seconds = revisits.total_seconds() if isinstance(revisits, timedelta) else None
        return cls(crawler, budget, seconds)

    def spider_opened(self) -> None:
        self.deadline = time.monotonic() + self.budget  # when CloseSpider starts its clock

    def process_request(self, request: Request) -> None:
        if self.revisits is not None and request.meta.get("article_id") is not None:
            self._revisit_budget(request)
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise IgnoreRequest("not sent: the cycle's time budget (crawl.cycle_budget) is spent")
        timeout = request.meta.get("download_timeout") or self.crawler.settings.getfloat(
            "DOWNLOAD_TIMEOUT"
        )
        request.meta["download_timeout"] = min(timeout, left) if timeout else left

    def _revisit_budget(self, request: Request) -> None:
        """A revisit after the revisits' time is spent is not sent: it stays due, for the next
        cycle (the spider records no failure for it)."""
        now = time.monotonic()
        if self.revisits_until is None:
            self.revisits_until = now + (self.revisits or 0.0)
        if now >= self.revisits_until and not request.meta.get("redirect_urls"):
            request.meta["revisit_deferred"] = True
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("newsmon/revisits_deferred")
            raise IgnoreRequest("not sent: the revisits' time budget (revisit.budget) is spent")
