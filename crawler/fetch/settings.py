"""Scrapy settings built from newsmon's configuration model, in one function."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler.config import Config

if TYPE_CHECKING:
    from crawler.distributed.cycle import Cycle


def scrapy_settings(
    config: Config,
    *,
    run_id: int | None = None,
    progress: bool = False,
    cycle: Cycle | None = None,
) -> dict[str, Any]:
    """All Scrapy settings newsmon uses, alphabetical, each with the reason for its value.

    :param cycle: a cycle shared through Redis (`distributed.redis_url`): its workers share
        one request queue and one duplicate filter under the cycle's keys.
    """
    crawl = config.crawl
    return {
        # Adapt the delay to each server's latency, never below the configured delay.
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": crawl.download_delay.total_seconds(),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(crawl.per_host_concurrency),
        # The cycle's time budget: the spider closes (finish reason closespider_timeout) and
        # what was fetched is committed; the rest waits for the next cycle.
        "CLOSESPIDER_TIMEOUT": crawl.cycle_budget.total_seconds(),
        # Per response: an article page yields one item, and Scrapy starts this many asyncio
        # tasks for every response it scrapes (100 by default: 200,000 tasks for 2,000 pages).
        "CONCURRENT_ITEMS": 4,
        "CONCURRENT_REQUESTS": crawl.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.per_host_concurrency,
        # Scrapy's cookie handling only adds state that news pages do not need.
        "COOKIES_ENABLED": False,
        "DOWNLOAD_DELAY": crawl.download_delay.total_seconds(),
        # Only HTTP(S): a feed, a sitemap or a redirect may point at file:///etc/passwd.
        "DOWNLOAD_HANDLERS": {"data": None, "file": None, "ftp": None, "s3": None},
        # ±50% around the delay, so requests to one host do not come in lockstep.
        "DOWNLOAD_DELAY_JITTER": 0.5,
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "DOWNLOAD_TIMEOUT": crawl.timeout.total_seconds(),
        "DOWNLOAD_WARNSIZE": 0,
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.fetch.middlewares.network.NetworkGuardMiddleware": 50,
            # Before DownloadTimeoutMiddleware (350): no request outlives the cycle's budget.
            "crawler.fetch.middlewares.budget.CycleBudgetMiddleware": 60,
            "crawler.fetch.middlewares.conditional.ConditionalRequestMiddleware": 560,
            "crawler.fetch.middlewares.retry.RetryAfterMiddleware": 540,
            # Above RedirectMiddleware (600): sees a redirect before it is followed.
            "crawler.fetch.middlewares.redirects.RedirectAliasMiddleware": 650,
            # Between RedirectAliasMiddleware and RedirectMiddleware: a loop is an error.
            "crawler.fetch.middlewares.redirects.RedirectLoopMiddleware": 640,
            # Replaces Scrapy's: a robots.txt that cannot be read forbids, it does not allow all.
            "crawler.fetch.middlewares.robots.RobotsTxtMiddleware": 100,
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            # Replaces HttpCompressionMiddleware: the same bounded decompression, with the
            # size limit named when a page breaks it.
            "crawler.fetch.middlewares.limits.PageSizeMiddleware": 590,
            "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
            # Replaces Scrapy's: the same, without decoding every page to look for a refresh.
            "crawler.fetch.middlewares.redirects.MetaRefreshMiddleware": 580,
            "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
            # Replaced by RetryAfterMiddleware, which also honours Retry-After.
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        },
        "EXTENSIONS": {
            # Keeps a shared cycle's worker open until the whole cycle is done.
            **({"crawler.distributed.components.CycleCoordinator": 100} if cycle else {}),
            # Only on a terminal; listed only then so nothing logs that it is off.
            **({"crawler.fetch.progress.Progress": 500} if progress else {}),
            # Both listen on loopback and run code sent to them: nothing an unattended monitor
            # should offer (RemoteControl also leaves its token file behind when killed).
            "scrapy.extensions.remote_control.RemoteControl": None,
            "scrapy.extensions.telnet.TelnetConsole": None,
        },
        "ITEM_PIPELINES": {"crawler.archive.pipeline.ArchivePipeline": 300},
        # The CLI installs the one root handler on stderr, at the level -v/-q ask for.
        "LOG_INSTALL_ROOT_HANDLER": False,
        "LOG_LEVEL": "INFO",
        # No MEMUSAGE_LIMIT_MB is set, so the extension would only sample the process's
        # memory for a stat nothing reads.
        "MEMUSAGE_ENABLED": False,
        "NEWSMON_CONFIG": config,
        "NEWSMON_PROGRESS": progress,
        "NEWSMON_RUN_ID": run_id,
        "REDIRECT_MAX_TIMES": 10,
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "RETRY_ENABLED": crawl.retries > 0,
        "RETRY_HTTP_CODES": [429, 500, 502, 503, 504, 522, 524, 408],
        "RETRY_TIMES": crawl.retries,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        # Queued requests on disk: a feed may name 20,000 articles (crawler.fetch.diskqueue).
        "SCHEDULER": "crawler.fetch.diskqueue.DiskQueueScheduler",
        "SPIDER_MIDDLEWARES": {
            "crawler.fetch.middlewares.known.KnownArticleMiddleware": 900,
            # Off: newsmon sets no DEPTH_LIMIT (a source's listing pages are bounded by
            # crawl.max_pages), so depth was only tracked for a stat, on every request.
            "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
            # A development aid (it warns when a callback copies response.meta into a new
            # request), run on every request the spider yields.
            "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
        },
        # Refuses non-public addresses where Twisted connects (see NetworkGuardMiddleware).
        "TWISTED_DNS_RESOLVER": "crawler.fetch.middlewares.network.GuardedResolver",
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "USER_AGENT": crawl.user_agent,
        **(_shared(cycle) if cycle else {}),
    }


def _shared(cycle: Cycle) -> dict[str, Any]:
    """scrapy-redis's scheduler and duplicate filter under the cycle's own keys, alphabetical."""
    return {
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        # The cycle's coordinates, for the extension, the spider and the queue.
        "NEWSMON_CYCLE": cycle,
        "REDIS_URL": cycle.redis_url,
        # scrapy-redis's, on a queue whose pop marks the worker busy (see CycleCoordinator).
        "SCHEDULER": "crawler.distributed.components.CycleScheduler",
        "SCHEDULER_DUPEFILTER_KEY": cycle.key("dupefilter"),
        # A worker that finishes must not clear what the others still work on; the keys
        # expire after the cycle instead (crawler.distributed.cycle.SharedCycle).
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_KEY": cycle.key("requests"),
        # Requests travel pickled: their meta holds dataclasses (FeedHints), and their
        # callbacks are the spider's methods, named.
        "SCHEDULER_SERIALIZER": "scrapy_redis.picklecompat",
    }
