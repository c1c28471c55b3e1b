"""The cycle budget: stop sending requests when the cycle's time is spent."""

from __future__ import annotations

import time

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

    def __init__(self, crawler: Crawler, budget: float) -> None:
        self.crawler = crawler
        self.budget = budget
        self.deadline = time.monotonic() + budget
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CycleBudgetMiddleware:
        budget = crawler.settings.getfloat("CLOSESPIDER_TIMEOUT")
        if budget <= 0:
            raise NotConfigured("no cycle budget")
        return cls(crawler, budget)

    def spider_opened(self) -> None:
        self.deadline = time.monotonic() + self.budget  # when CloseSpider starts its clock

    def process_request(self, request: Request) -> None:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise IgnoreRequest("not sent: the cycle's time budget (crawl.cycle_budget) is spent")
        timeout = request.meta.get("download_timeout") or self.crawler.settings.getfloat(
            "DOWNLOAD_TIMEOUT"
        )
        request.meta["download_timeout"] = min(timeout, left) if timeout else left
