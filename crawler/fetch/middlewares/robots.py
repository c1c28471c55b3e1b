"""robots.txt: every request waiting for a host's rules gets them; a refusal is data."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import (
    RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware,
)
from scrapy.exceptions import (
    IgnoreRequest,
)
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)


class UnreachableRobots(RobotParser):
    """The rules of a robots.txt that could not be read: nothing is allowed (RFC 9309 2.3.1.4),
    until `until` (time.monotonic()), when the file is fetched again."""

    def __init__(self, reason: str, until: float) -> None:
        self.reason, self.until = reason, until

    @classmethod
    def from_crawler(cls, crawler: Crawler, robotstxt_body: bytes) -> UnreachableRobots:
        raise TypeError("made from a failed fetch, never from a robots.txt body")

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        return False


class ForbiddenByRobots(IgnoreRequest):
    """A request robots.txt disallows: the spider records it as a refusal, not an error."""


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, except that a robots.txt it could not read forbids.

    Scrapy takes a robots.txt it failed to get (a timeout, a refused or reset connection, a
    host that did not resolve, a 429 or 5xx once the retries are spent) for one without rules,
    and then fetches every page of the host, those the file forbids included: on a busy
    machine one slow answer was enough. Here such a host is "unreachable", as RFC 9309
    (2.3.1.4) says: once RetryAfterMiddleware's retries are spent, its requests fail with
    "robots.txt unreachable (...)" (counted as errors; the next cycle finds them again) until
    RECHECK seconds have passed, when the next one fetches robots.txt again. Any other 4xx
    still means "no rules", as the RFC says.

    Scrapy sends the robots.txt request straight to the downloader (Engine.download_async):
    a shared cycle's queue and duplicate filter never see it, so every worker reads the file
    of every host it fetches from.
    """

    RECHECK = 60.0
    STAT = "newsmon/robots_unreachable"

    async def robot_parser(self, request: Request) -> RobotParser | None:
        netloc = urlparse_cached(request).netloc
        known = self._parsers.get(netloc)
        if isinstance(known, UnreachableRobots) and time.monotonic() >= known.until:
            del self._parsers[netloc]  # the next request fetches it again
        if isinstance(known, Deferred):
            return await _shared_result(known)
        return await super().robot_parser(request)

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        if isinstance(rp, UnreachableRobots):
            self._stats.inc_value(self.STAT)
            raise IgnoreRequest(f"not fetched: robots.txt unreachable ({rp.reason})")
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest as exc:
            raise ForbiddenByRobots(*exc.args) from None

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status == 429 or response.status >= 500:
            self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            self._unreachable(netloc, f"HTTP {response.status}")
            return
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if not isinstance(exc, IgnoreRequest):  # Scrapy has logged it
            self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        self._unreachable(netloc, f"{type(exc).__name__}: {exc}"[:200])

    def _unreachable(self, netloc: str, reason: str) -> None:
        logger.warning(
            "robots.txt of %s unreachable (%s): no page of it is fetched for %.0f s",
            netloc,
            reason,
            self.RECHECK,
        )
        waiting = self._parsers.get(netloc)
        parser = UnreachableRobots(reason, time.monotonic() + self.RECHECK)
        self._parsers[netloc] = parser
        if isinstance(waiting, Deferred):
            waiting.callback(parser)  # the requests waiting for the file


async def _shared_result(pending: Deferred[Any]) -> Any:
    """Wait for a Deferred that other callers wait for too, leaving its result to them.

    Scrapy (2.13+) awaits a host's pending robots.txt with maybe_deferred_to_future, whose
    Deferred.asFuture consumes the result: the first waiter got the rules and every other
    request that arrived while the file was being fetched got None, "no rules", and was sent
    whatever robots.txt said. Many requests reach a host at once when its links come from
    another host's listing, or from another worker of a shared cycle.
    """
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def settle(result: Any) -> Any:
        if not future.done():
            future.set_result(result)
        return result  # passed on, for the next waiter

    pending.addBoth(settle)
    return await future
