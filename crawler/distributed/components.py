"""The Scrapy components of a shared cycle: spider, queue, scheduler, coordinating extension."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.misc import load_object
from twisted.internet.task import LoopingCall

from crawler.archive.pipeline import ArchivePipeline
from crawler.distributed import coordination
from crawler.distributed.coordination import (
    _NOW,
    PriorityQueue,
    Scheduler,
    _ms,
    connect,
    discovery_key,
)
from crawler.distributed.cycle import (
    _IDLE,
    _MARK,
    ACTIVE_TTL,
    KEYS_GRACE,
    Cycle,
    SharedCounter,
    SharedSet,
)
from crawler.fetch.spider import NewsSpider

logger = logging.getLogger(__name__)


# Scrapy re-checks an idle engine every 5 s; a waiting worker looks for requests that other
# workers queued, and for the end of the cycle, this often instead.
HEARTBEAT = 1.0


# KEYS: queue, active. ARGV: worker, ttl ms. Pops the best request and marks its popper busy
# in one step, so a request is always either queued or held by a worker marked busy.
_POP = (
    "local r = redis.call('ZRANGE', KEYS[1], 0, 0) "
    "if #r == 0 then return false end "
    "redis.call('ZREM', KEYS[1], r[1]) "
    + _NOW
    + "redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1]) "
    "return r[1]"
)


class CycleSpider(NewsSpider):
    """NewsSpider as a worker of a shared cycle: the discoverer seeds it (listings and due
    revisits) and then marks it seeded; a joiner only takes requests from the shared queue.
    Every worker knows every source (a listing's parser looks its source up)."""

    def __init__(self, *args: Any, cycle: Cycle, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cycle = cycle
        self.redis = connect(cycle.redis_url)
        self.requested = SharedSet(self.redis, cycle.key("requested"))  # type: ignore[assignment]
        self.listing_pages = SharedCounter(self.redis, cycle.key("pages"))  # type: ignore[assignment]

    async def start(self) -> AsyncIterator[Any]:
        if not self.cycle.discoverer:
            return
        async for request in super().start():
            yield request
        # Every start request is in the shared queue now (the engine enqueues each before it
        # asks for the next): joiners may close once the queue runs dry.
        self.redis.set(self.cycle.key("seeded"), "1", px=_ms(KEYS_GRACE))
        logger.info("cycle %s seeded", self.cycle.id)

    def closed(self, reason: str) -> None:
        self.redis.close()


class CycleQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop marks this worker busy in the same step."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.cycle: Cycle = spider.cycle
        self._pop = server.register_script(_POP)

    def pop(self, timeout: int = 0) -> Any:
        data = self._pop(
            keys=[self.key, self.cycle.key("active")], args=[self.cycle.worker, _ms(ACTIVE_TTL)]
        )
        return self._decode_request(data) if data else None


class CycleScheduler(Scheduler):
    """scrapy-redis's scheduler on CycleQueue, without the calls Scrapy 2.13+ deprecates
    (Spider.log, the `spider` argument of the stats methods)."""

    df: Any  # the duplicate filter, built here unless given

    def open(self, spider: Any) -> None:
        self.spider = spider
        self.queue = CycleQueue(self.server, spider, self.queue_key, self.serializer)
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)

    def enqueue_request(self, request: Any) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self) -> Any:
        request = self.queue.pop()
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


class CycleCoordinator:
    """Keep a shared cycle's worker open until the whole cycle is done.

    An idle worker stays open while the cycle is being seeded, while requests are queued, or
    while another worker is busy (its requests may add more). A worker is busy from the pop of
    a request (marked in the same step) until it is idle and has committed what it fetched,
    refreshed every HEARTBEAT; a killed worker's mark expires after ACTIVE_TTL (its requests
    in flight are lost to the cycle; the next cycle finds their links again).

    Committing before leaving the busy set matters: a redirect that leads to an article
    another worker fetched is stored as an alias once that article is in the archive, at the
    latest at this worker's last flush, which comes after every other worker's commit.
    """

    def __init__(self, crawler: Crawler, cycle: Cycle) -> None:
        self.crawler, self.cycle = crawler, cycle
        self.redis = connect(cycle.redis_url)
        self._mark = self.redis.register_script(_MARK)
        self._idle = self.redis.register_script(_IDLE)
        self._beat: LoopingCall | None = None
        self.archive: ArchivePipeline | None = None
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CycleCoordinator:
        cycle = crawler.settings.get("NEWSMON_CYCLE")
        if cycle is None:
            raise NotConfigured("distributed.redis_url is not set")
        return cls(crawler, cycle)

    def engine_started(self) -> None:
        # Scrapy's (private) heartbeat: how often an idle engine asks the scheduler again.
        assert self.crawler.engine is not None
        self.crawler.engine._SLOT_HEARTBEAT_INTERVAL = HEARTBEAT

    def spider_opened(self) -> None:
        self.archive = self.crawler.get_item_pipeline(ArchivePipeline)
        self._beat = LoopingCall(self.heartbeat)
        self._beat.start(HEARTBEAT, now=False)

    def heartbeat(self) -> None:
        engine = self.crawler.engine
        try:
            busy = engine is not None and not engine.spider_is_idle()
            if busy:
                self._mark(
                    keys=[self.cycle.key("active")], args=[self.cycle.worker, _ms(ACTIVE_TTL)]
                )
        except (RuntimeError, AttributeError):
            pass  # the engine is closing
        except coordination.redis.RedisError as exc:
            logger.warning("could not mark this worker busy: %s", exc)

    def spider_idle(self) -> None:
        if self.archive is not None:
            self.archive.flush(wait=True)  # committed before leaving the busy set (see above)
        others, queued, seeding = self._idle(
            keys=[
                self.cycle.key("active"),
                self.cycle.key("requests"),
                self.cycle.key("seeded"),
                discovery_key(self.cycle.prefix),
            ],
            args=[self.cycle.worker, self.cycle.id],
        )
        if seeding or queued or others:
            raise DontCloseSpider

    def spider_closed(self) -> None:
        if self._beat is not None and self._beat.running:
            self._beat.stop()
        try:
            self.redis.zrem(self.cycle.key("active"), self.cycle.worker)
        except coordination.redis.RedisError as exc:
            logger.warning("could not mark this worker idle (the mark expires): %s", exc)
        self.redis.close()
