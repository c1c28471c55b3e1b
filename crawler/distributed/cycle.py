"""A cycle shared by several crawls through Redis: who discovers, who is busy, when it ends."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.config import Config
from crawler.distributed.coordination import (
    _NOW,
    Lease,
    Ticker,
    _ms,
    connect,
    discovery_key,
    running_cycle,
    worker_id,
)

if TYPE_CHECKING:
    import redis

logger = logging.getLogger(__name__)


# A worker that stops saying it is busy (killed) counts as idle after this; long enough to
# outlast a batch write that holds the reactor.
ACTIVE_TTL = 15.0


# Cycle keys outlive their last live worker by this much; the last to leave shortens it.
KEYS_GRACE = 600.0


KEYS_GRACE_AFTER = 60.0


# KEYS: sorted set of deadlines. ARGV: member, ttl ms.
_MARK = _NOW + "redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])"


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
