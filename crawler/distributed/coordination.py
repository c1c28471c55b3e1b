"""Redis coordination: the connection, keys, leases (the daemons' leadership) and their renewal."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable

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



logger = logging.getLogger(__name__)


# Deadlines come from the Redis server's clock, so machines' clocks need not agree.
_NOW = (
    "local t = redis.call('TIME') "
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
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
