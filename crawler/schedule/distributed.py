"""Crawling on several machines through Redis: shared cycles and the daemons' leadership."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.misc import load_object
from twisted.internet.task import LoopingCall

# The [distributed] extra. Without it this module still imports (a plain install imports
# every module newsmon ships); require() then names the extra to install.
try:
    import redis
    from scrapy_redis.queue import PriorityQueue
    from scrapy_redis.scheduler import Scheduler
except ImportError as exc:
    MISSING: ImportError | None = exc
    PriorityQueue = Scheduler = object
else:
    MISSING = None

from crawler.archive.pipeline import ArchivePipeline
from crawler.config import Config
from crawler.fetch.spider import NewsSpider

logger = logging.getLogger(__name__)

# A worker that stops saying it is busy (killed) counts as idle after this; long enough to
# outlast a batch write that holds the reactor.
ACTIVE_TTL = 15.0
# Scrapy re-checks an idle engine every 5 s; a waiting worker looks for requests that other
# workers queued, and for the end of the cycle, this often instead.
HEARTBEAT = 1.0
# Cycle keys outlive their last live worker by this much; the last to leave shortens it.
KEYS_GRACE = 600.0
KEYS_GRACE_AFTER = 60.0

# Deadlines come from the Redis server's clock, so machines' clocks need not agree.
_NOW = (
    "local t = redis.call('TIME') "
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
)
# KEYS: sorted set of deadlines. ARGV: member, ttl ms.
_MARK = _NOW + "redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])"
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
# KEYS: active, queue, seeded, discovery. ARGV: worker, cycle id. Called by an idle worker:
# how many others are busy, how many requests are queued, whether seeding is still going on.
_IDLE = (
    _NOW + "redis.call('ZREM', KEYS[1], ARGV[1]) "
    "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now) "
    "local seeding = 0 "
    "if redis.call('EXISTS', KEYS[3]) == 0 and redis.call('GET', KEYS[4]) == ARGV[2] then "
    "seeding = 1 end "
    "return {redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2]), seeding}"
)
# KEYS: members. ARGV: worker. Returns how many live members remain.
_LEAVE = (
    _NOW + "redis.call('ZREM', KEYS[1], ARGV[1]) "
    "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now) "
    "return redis.call('ZCARD', KEYS[1])"
)
# KEYS: lease. ARGV: owner, ttl ms.
_RENEW = (
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"
)
_RELEASE = (
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
)


def worker_id() -> str:
    """This process in Redis: host and pid (a daemon's id names the process to look at)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def require() -> None:
    """Raise ImportError, naming the extra to install, when scrapy-redis or redis is missing."""
    if MISSING is not None:
        raise ImportError(f"{MISSING}; install it with: pip install 'newsmon[distributed]'")


def connect(url: str) -> redis.Redis:
    require()
    return redis.Redis.from_url(url, decode_responses=True, socket_timeout=10)


def leader_key(prefix: str) -> str:
    return f"{prefix}:leader"


def discovery_key(prefix: str) -> str:
    """Held (value: the cycle id) by the process that started the running cycle."""
    return f"{prefix}:discovery"


def running_cycle(client: redis.Redis, prefix: str) -> str | None:
    """The id of the cycle now running, if any."""
    value = client.get(discovery_key(prefix))
    return str(value) if value is not None else None


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


class Ticker:
    """Call `fn` every `interval` seconds in a daemon thread until stopped or `fn` says False."""

    def __init__(self, interval: float, fn: Callable[[], bool]) -> None:
        self.interval, self.fn = interval, fn
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="newsmon-ticker")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if not self.fn():
                return


class Lease:
    """A Redis key one owner holds while it lives: SET NX PX, renewed every third of its TTL
    by a thread, deleted on release. A killed owner's key expires after the TTL.

    The holder counts the lease as lost when a renewal finds the key gone or taken, or when
    Redis has not answered for so long that the key may expire before the next attempt.
    """

    def __init__(self, client: redis.Redis, key: str, owner: str, ttl: float) -> None:
        self.client, self.key, self.owner, self.ttl = client, key, owner, ttl
        self.lost = threading.Event()
        self._ticker: Ticker | None = None
        self._renewed = 0.0
        self._renew_script = client.register_script(_RENEW)
        self._release_script = client.register_script(_RELEASE)

    @property
    def held(self) -> bool:
        return self._ticker is not None and not self.lost.is_set()

    def acquire(self) -> bool:
        """Take the key if nobody holds it; True if this owner holds it now."""
        if self.held:
            return True
        if not self.client.set(self.key, self.owner, nx=True, px=_ms(self.ttl)):
            return False
        self.lost.clear()
        self._renewed = time.monotonic()
        self._ticker = Ticker(self.ttl / 3, self._renew)
        self._ticker.start()
        return True

    def _renew(self) -> bool:
        try:
            kept = self._renew_script(keys=[self.key], args=[self.owner, _ms(self.ttl)])
        except redis.RedisError as exc:
            # Retry while the key surely outlives the next attempt; after that it may expire.
            if time.monotonic() - self._renewed + self.ttl / 3 < self.ttl:
                logger.warning("could not renew %s (will retry): %s", self.key, exc)
                return True
            kept = 0
        if not kept:
            logger.warning("lost %s", self.key)
            self.lost.set()
            return False
        self._renewed = time.monotonic()
        return True

    def release(self) -> None:
        if self._ticker is None:
            return
        self._ticker.stop()
        self._ticker = None
        try:
            self._release_script(keys=[self.key], args=[self.owner])
        except redis.RedisError as exc:
            logger.warning("could not release %s (it expires by itself): %s", self.key, exc)


@dataclass(frozen=True)
class Cycle:
    """One crawl cycle shared through Redis, and this worker's part in it (plain values: it
    travels in the Scrapy settings, which are copied)."""

    redis_url: str
    prefix: str
    id: str
    worker: str
    discoverer: bool  # started the cycle: seeds it with listings and due revisits
    ttl: float  # seconds a dead discoverer or member keeps its hold

    def key(self, name: str) -> str:
        return f"{self.prefix}:{self.id}:{name}"

    @property
    def keys(self) -> list[str]:
        """Every key of the cycle (for expiry)."""
        names = ("requests", "dupefilter", "seeded", "active", "members", "requested", "pages")
        return [self.key(n) for n in names]


class SharedCycle:
    """This process's membership of a shared cycle, from joining to leaving.

    Members are a sorted set of deadlines, renewed by a thread; the last member to leave sends
    the cycle's alerts, so each (topic, recipient) gets one email per cycle. A member that dies
    stays until its deadline passes: the others then leave the alerts to the next cycle.
    """

    def __init__(self, client: redis.Redis, cycle: Cycle, lease: Lease | None) -> None:
        self.client, self.cycle, self.lease = client, cycle, lease
        self._mark = client.register_script(_MARK)
        self._leave = client.register_script(_LEAVE)
        self._ticker = Ticker(cycle.ttl / 3, self._renew)
        self._left = False

    def enter(self) -> None:
        self._renew()
        self._ticker.start()

    def _renew(self) -> bool:
        try:
            ttl = _ms(self.cycle.ttl)
            self._mark(keys=[self.cycle.key("members")], args=[self.cycle.worker, ttl])
            self._expire(KEYS_GRACE)
        except redis.RedisError as exc:
            logger.warning("could not renew the cycle membership: %s", exc)
        return True

    def _expire(self, seconds: float) -> None:
        pipe = self.client.pipeline(transaction=False)
        for key in self.cycle.keys:
            pipe.pexpire(key, _ms(seconds))
        pipe.execute()

    def leave(self) -> bool:
        """Leave the cycle (once); True if no live member is left (this one was the last)."""
        if self._left:
            return False
        self._left = True
        self._ticker.stop()
        try:
            remaining = int(self._leave(keys=[self.cycle.key("members")], args=[self.cycle.worker]))
            if remaining == 0:
                self._expire(KEYS_GRACE_AFTER)
        except redis.RedisError as exc:
            logger.warning("could not leave the cycle (its keys expire): %s", exc)
            return False
        return remaining == 0

    def close(self) -> None:
        self.leave()
        if self.lease is not None:
            self.lease.release()
        self.client.close()


def _begin(config: Config, join: str | None, worker: str) -> SharedCycle | None:
    """Start a cycle (discovery lock won) or join the running one; None: `join` is over."""
    dist = config.distributed
    client = connect(dist.url)
    ttl = dist.leader_ttl.total_seconds()
    key = discovery_key(dist.key_prefix)
    for _ in range(5):  # the running cycle may end between our SET and our GET
        if join is None:
            cycle_id = uuid.uuid4().hex[:12]
            lease = Lease(client, key, cycle_id, ttl)
            if lease.acquire():
                cycle = Cycle(dist.url, dist.key_prefix, cycle_id, worker, True, ttl)
                return SharedCycle(client, cycle, lease)
        current = running_cycle(client, dist.key_prefix)
        if current is not None and join in (None, current):
            cycle = Cycle(dist.url, dist.key_prefix, current, worker, False, ttl)
            return SharedCycle(client, cycle, None)
        if join is not None:
            client.close()
            return None
    client.close()
    raise RuntimeError(f"could not start or join a cycle at {key}: cycles end too fast")


@contextmanager
def shared_cycle(
    config: Config, join: str | None = None, *, worker: str | None = None
) -> Iterator[SharedCycle | None]:
    """The shared cycle this crawl starts or joins; None without `distributed.redis_url`, or
    when the cycle `join` names is over.

    :param join: join only this cycle, and only while it runs.
    :param worker: this worker's name in the cycle; default: host and pid.
    """
    if not config.distributed.url:
        yield None
        return
    shared = _begin(config, join, worker or worker_id())
    if shared is None:
        yield None
        return
    role = "started" if shared.cycle.discoverer else "joined"
    logger.info("%s shared cycle %s as %s", role, shared.cycle.id, shared.cycle.worker)
    try:
        shared.enter()
        yield shared
    finally:
        shared.close()


# -- Scrapy's side -----------------------------------------------------------------------------
class SharedSet:
    """The spider's `requested` (canonical URLs requested this cycle), shared by the workers.
    The set only grows during a cycle, so a member once seen is remembered here."""

    def __init__(self, client: redis.Redis, key: str) -> None:
        self.client, self.key = client, key
        self._seen: set[str] = set()

    def __contains__(self, url: object) -> bool:
        if url in self._seen:
            return True
        if self.client.sismember(self.key, str(url)):
            self._seen.add(str(url))
            return True
        return False

    def add(self, url: str) -> None:
        self.claim(url)

    def claim(self, url: str) -> bool:
        """Add `url`; True if this call added it, False if some worker already had. One SADD:
        of workers racing for one URL (a listing link and a redirect to it), exactly one wins."""
        added = bool(self.client.sadd(self.key, url))
        self._seen.add(url)
        return added


class SharedCounter:
    """The spider's listing pages per source, shared by the workers (read, then written: two
    workers paginating one source at the same instant may follow one page more)."""

    def __init__(self, client: redis.Redis, key: str) -> None:
        self.client, self.key = client, key

    def __getitem__(self, name: str) -> int:
        return int(self.client.hget(self.key, name) or 0)

    def __setitem__(self, name: str, value: int) -> None:
        self.client.hset(self.key, name, value)


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
        except redis.RedisError as exc:
            logger.warning("could not mark this worker busy: %s", exc)

    def spider_idle(self) -> None:
        if self.archive is not None:
            self.archive.flush()  # before leaving the busy set (see the class docstring)
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
        except redis.RedisError as exc:
            logger.warning("could not mark this worker idle (the mark expires): %s", exc)
        self.redis.close()
