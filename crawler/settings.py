"""Scrapy settings built from newsmon's configuration model, in one function."""

from __future__ import annotations

from typing import Any

from crawler.config import Config


def scrapy_settings(
    config: Config, *, run_id: int | None = None, progress: bool = False
) -> dict[str, Any]:
    """All Scrapy settings newsmon uses, alphabetical, each with the reason for its value."""
    crawl = config.crawl
    return {
        # Adapt the delay to each server's latency, never below the configured delay.
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": crawl.download_delay.total_seconds(),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(crawl.per_host_concurrency),
        # The cycle's time budget: the spider closes (finish reason closespider_timeout) and
        # what was fetched is committed; the rest waits for the next cycle.
        "CLOSESPIDER_TIMEOUT": crawl.cycle_budget.total_seconds(),
        "CONCURRENT_REQUESTS": crawl.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.per_host_concurrency,
        # Scrapy's cookie handling only adds state that news pages do not need.
        "COOKIES_ENABLED": False,
        "DOWNLOAD_DELAY": crawl.download_delay.total_seconds(),
        # ±50% around the delay, so requests to one host do not come in lockstep.
        "DOWNLOAD_DELAY_JITTER": 0.5,
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "DOWNLOAD_TIMEOUT": crawl.timeout.total_seconds(),
        "DOWNLOAD_WARNSIZE": 0,
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.middlewares.NetworkGuardMiddleware": 50,
            "crawler.middlewares.ConditionalRequestMiddleware": 560,
            "crawler.middlewares.RetryAfterMiddleware": 540,
            # Above RedirectMiddleware (600): sees a redirect before it is followed.
            "crawler.middlewares.RedirectAliasMiddleware": 650,
            # Between RedirectAliasMiddleware and RedirectMiddleware: a loop is an error.
            "crawler.middlewares.RedirectLoopMiddleware": 640,
            # Replaces HttpCompressionMiddleware: the same bounded decompression, with the
            # size limit named when a page breaks it.
            "crawler.middlewares.PageSizeMiddleware": 590,
            "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
            # Replaced by RetryAfterMiddleware, which also honours Retry-After.
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        },
        "EXTENSIONS": {
            # Only on a terminal; listed only then so nothing logs that it is off.
            **({"crawler.progress.Progress": 500} if progress else {}),
            # Both listen on loopback and run code sent to them: nothing an unattended monitor
            # should offer (RemoteControl also leaves its token file behind when killed).
            "scrapy.extensions.remote_control.RemoteControl": None,
            "scrapy.extensions.telnet.TelnetConsole": None,
        },
        "ITEM_PIPELINES": {"crawler.pipelines.ArchivePipeline": 300},
        # The CLI installs the one root handler on stderr, at the level -v/-q ask for.
        "LOG_INSTALL_ROOT_HANDLER": False,
        "LOG_LEVEL": "INFO",
        "NEWSMON_CONFIG": config,
        "NEWSMON_PROGRESS": progress,
        "NEWSMON_RUN_ID": run_id,
        "REDIRECT_MAX_TIMES": 10,
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "RETRY_ENABLED": crawl.retries > 0,
        "RETRY_HTTP_CODES": [429, 500, 502, 503, 504, 522, 524, 408],
        "RETRY_TIMES": crawl.retries,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "SPIDER_MIDDLEWARES": {"crawler.middlewares.KnownArticleMiddleware": 900},
        # Refuses non-public addresses where Twisted connects (see NetworkGuardMiddleware).
        "TWISTED_DNS_RESOLVER": "crawler.middlewares.GuardedResolver",
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "USER_AGENT": crawl.user_agent,
    }
