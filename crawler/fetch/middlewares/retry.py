"""Retries with backoff; Retry-After honoured without holding a download slot."""

from __future__ import annotations

import asyncio
import math
import time
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.exceptions import (
    DontCloseSpider,
    IgnoreRequest,
)
from scrapy.http import Response


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries with exponential backoff that honour a server's Retry-After, without
    holding a download slot while they wait.

    A retry is returned with the time it is due (meta NOT_BEFORE). The engine schedules a
    request that a downloader middleware returns, and sends `request_scheduled` first: a handler
    here takes a retry that is not due yet out there (IgnoreRequest, which the engine drops
    without a word) and crawls it again when due, keeping the spider open meanwhile. The
    downloader's slots serve other pages during the wait (sleeping in process_response kept
    the request in the downloader's active set: twenty 503s stalled a whole crawl).

    A retry due after the cycle's budget (crawl.cycle_budget), or more than MAX_WAIT away, is
    not waited for: the response goes on to the spider, which records the error with the
    reason. Scrapy's robots.txt request goes straight to the downloader (Engine.download_async
    sends a returned request again at once, never through the scheduler): it still waits here,
    within the same bounds; the host's pages wait for it in any case.
    """

    MAX_BACKOFF = 60.0  # the longest wait without a Retry-After
    MAX_WAIT = 600.0  # the longest Retry-After honoured within a crawl
    NOT_BEFORE = "newsmon_not_before"
    STAT = "newsmon/retry_after_budget"

    budget: float
    deadline: float
    waiting: dict[Request, asyncio.TimerHandle]

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        mw = super().from_crawler(crawler)  # Scrapy's __init__ takes the settings only
        budget = crawler.settings.getfloat("CLOSESPIDER_TIMEOUT")
        mw.budget = budget if budget > 0 else math.inf
        mw.deadline = time.monotonic() + mw.budget
        mw.waiting = {}
        for handler, signal in (
            (mw.spider_opened, signals.spider_opened),
            (mw.request_scheduled, signals.request_scheduled),
            (mw.spider_idle, signals.spider_idle),
            (mw.spider_closed, signals.spider_closed),
        ):
            crawler.signals.connect(handler, signal=signal)
        return mw

    def spider_opened(self) -> None:
        self.deadline = time.monotonic() + self.budget  # when CloseSpider starts its clock

    # A coroutine where the parent is synchronous: Scrapy awaits either, mypy cannot know.
    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Any:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        assert self.crawler.spider is not None
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=f"HTTP {response.status}",
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
        )
        if retry is None:
            return response
        delay = self._delay(request, response)
        due = time.monotonic() + delay
        if delay > self.MAX_WAIT or due >= self.deadline:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(self.STAT)
            request.meta["newsmon_note"] = f"retry due in {delay:.0f} s: past the cycle's budget"
            return response
        if request.meta.get("dont_obey_robotstxt"):  # robots.txt: see the class docstring
            await asyncio.sleep(delay)
        else:
            retry.meta[self.NOT_BEFORE] = due
        return retry

    def request_scheduled(self, request: Request) -> None:
        due = request.meta.get(self.NOT_BEFORE)
        if due is None:
            return
        del request.meta[self.NOT_BEFORE]  # crawled as any other request when put back
        loop = asyncio.get_event_loop()
        self.waiting[request] = loop.call_later(
            max(0.0, due - time.monotonic()), self._due, request
        )
        raise IgnoreRequest("retry waiting to be due")

    def _due(self, request: Request) -> None:
        del self.waiting[request]
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            engine.crawl(request)

    def spider_idle(self) -> None:
        if self.waiting:
            raise DontCloseSpider

    def spider_closed(self) -> None:
        for handle in self.waiting.values():
            handle.cancel()
        self.waiting.clear()

    def _delay(self, request: Request, response: Response) -> float:
        header = response.headers.get(b"Retry-After")
        attempt = request.meta.get("retry_times", 0)
        backoff = min(self.MAX_BACKOFF, 0.5 * 2**attempt)
        if not header:
            return backoff
        value = header.decode("latin-1").strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return backoff
