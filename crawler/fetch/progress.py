"""Live progress of a crawl on a terminal (pages fetched, articles stored, errors)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.status import Status
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task


class Progress:
    """A one-line status on stderr, refreshed twice a second; off unless NEWSMON_PROGRESS."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.status: Status | None = None
        self.loop = task.LoopingCall(self.refresh)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        if not crawler.settings.getbool("NEWSMON_PROGRESS"):
            raise NotConfigured("progress display is for terminals")
        return cls(crawler)

    def spider_opened(self) -> None:
        self.status = Console(stderr=True).status("crawling…")
        self.status.start()
        self.loop.start(0.5)

    def refresh(self) -> None:
        assert self.crawler.stats is not None and self.status is not None
        get: Any = self.crawler.stats.get_value
        self.status.update(
            f"fetched {get('downloader/response_count', 0)} pages · "
            f"stored {get('newsmon/new_articles', 0)} articles, "
            f"{get('newsmon/new_versions', 0)} versions · "
            f"errors {get('newsmon/errors', 0)}"
        )

    def spider_closed(self) -> None:
        if self.loop.running:
            self.loop.stop()
        if self.status is not None:
            self.status.stop()
