"""Downloader and spider middlewares: network guard, size limits, redirects, retries, known URLs."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import math
import socket
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import (
    MetaRefreshMiddleware as ScrapyMetaRefreshMiddleware,
)
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.downloadermiddlewares.robotstxt import (
    RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware,
)
from scrapy.exceptions import (
    DontCloseSpider,
    DownloadCancelledError,
    IgnoreRequest,
    NotConfigured,
)
from scrapy.http import Response
from scrapy.resolver import CachingThreadedResolver
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased
from twisted.internet.base import ReactorBase
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from w3lib.url import safe_url_string
from zope.interface import implementer

from crawler.config import Config
from crawler.ingest import canonical_urls
from crawler.urls import as_listed, canonicalise
from storage.db import make_engine, session_factory
from storage.models import ArticleURL, CrawlRun, ListingState

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class AddressPolicy:
    """Which addresses a crawl may connect to: public ones, plus the allowed networks.

    An address that is not globally routable (loopback, private, link-local, unspecified,
    shared 100.64/10, documentation and benchmark ranges), multicast or reserved is refused
    unless `crawl.allow_private_networks` lists a network holding it (`true` allows all). An
    IPv6 address that carries an IPv4 one (::ffff:a.b.c.d, 6to4, Teredo) is judged by that too.
    """

    def __init__(self, allowed: list[IPNetwork] | None) -> None:
        self.allowed = allowed  # None: every address is allowed

    @classmethod
    def from_config(cls, config: Config | None) -> AddressPolicy:
        setting = config.crawl.allow_private_networks if config is not None else True
        if setting is True:
            return cls(None)
        return cls([ipaddress.ip_network(n, strict=False) for n in (setting or [])])

    def refused(self, address: IPAddress) -> bool:
        if self.allowed is None:
            return False
        if isinstance(address, ipaddress.IPv6Address):
            if address.ipv4_mapped is not None:
                return self.refused(address.ipv4_mapped)
            carried = [address.sixtofour, *(address.teredo or ())]
            if any(self.refused(a) for a in carried if a is not None):
                return True
        if any(address in net for net in self.allowed):
            return False
        return not address.is_global or address.is_multicast or address.is_reserved


class NetworkGuardMiddleware:
    """Refuse requests to non-public addresses (see AddressPolicy) unless allowed.

    Checked on the resolved address of every request, redirect hops and robots.txt included
    (each comes through process_request). A name is resolved off the reactor thread, so a slow
    DNS server holds up only its own request. GuardedResolver repeats the check on the address
    Twisted actually connects to, so a name that resolves differently the second time (DNS
    rebinding) is refused too. Refusals are logged, counted (newsmon/refused_private_network)
    and reach the spider's errback, which records them in page_errors.
    """

    STAT = "newsmon/refused_private_network"

    def __init__(self, crawler: Crawler, policy: AddressPolicy) -> None:
        self.crawler = crawler
        self.policy = policy
        settings = crawler.settings
        self._dns_timeout = min(
            settings.getfloat("DNS_TIMEOUT"), settings.getfloat("DOWNLOAD_TIMEOUT") or math.inf
        )
        self._cache: dict[str, list[IPAddress]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NetworkGuardMiddleware:
        policy = AddressPolicy.from_config(crawler.settings["NEWSMON_CONFIG"])
        if policy.allowed is None:
            raise NotConfigured("crawl.allow_private_networks = true")
        return cls(crawler, policy)

    async def _addresses(self, host: str) -> list[IPAddress]:
        if host not in self._cache:
            try:
                self._cache[host] = [ipaddress.ip_address(host)]
            except ValueError:
                loop = asyncio.get_running_loop()
                # The system resolver has no deadline of its own that we control.
                infos = await asyncio.wait_for(
                    loop.getaddrinfo(host, None, proto=socket.IPPROTO_TCP), self._dns_timeout
                )
                # Strip an IPv6 zone ("fe80::1%eth0"): ip_address() does not take one.
                self._cache[host] = [
                    ipaddress.ip_address(str(i[4][0]).split("%")[0]) for i in infos
                ]
        return self._cache[host]

    async def process_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):  # file:, data:, ftp: (no handler either)
            raise IgnoreRequest(f"refused: {parts.scheme}: URLs are not fetched")
        host = parts.hostname or ""
        try:
            addresses = await self._addresses(host)
        except (OSError, UnicodeError) as exc:
            raise IgnoreRequest(f"cannot resolve {host}: {exc}") from None
        except TimeoutError:
            raise IgnoreRequest(
                f"cannot resolve {host}: no answer in {self._dns_timeout}s"
            ) from None
        bad = [a for a in addresses if self.policy.refused(a)]
        if bad:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(self.STAT)
            origin = (request.meta.get("redirect_urls") or [None])[0]
            via = f" (redirected from {origin})" if origin else ""
            # A link under the name it was listed by (Scrapy rewrites 2130706462 as dotted).
            shown = (
                request.url if origin else as_listed(request.url, request.meta.get("listed_url"))
            )
            logger.warning("refused %s: %s resolves to non-public %s%s", shown, host, bad[0], via)
            raise IgnoreRequest(f"refused: {host} resolves to non-public address {bad[0]}")


@implementer(IResolverSimple)
class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver that will not hand Twisted a refused address.

    NetworkGuardMiddleware checks a name before the request; this checks the address the
    connection is actually made to, after Scrapy's DNS cache, so the two cannot disagree.
    Installed as TWISTED_DNS_RESOLVER; built from the CrawlerProcess, whose settings hold the
    configuration.
    """

    def __init__(
        self, reactor: ReactorBase, cache_size: int, timeout: float, policy: AddressPolicy
    ) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.policy = policy

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: ReactorBase) -> GuardedResolver:
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        policy = AddressPolicy.from_config(settings.get("NEWSMON_CONFIG"))
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"), policy)

    def getHostByName(  # noqa: N802 (Twisted's interface)
        self, name: str, timeout: Sequence[int] = ()
    ) -> Deferred[str]:
        return super().getHostByName(name, timeout).addCallback(self._check, name)

    def _check(self, address: str, name: str) -> str:
        if self.policy.refused(ipaddress.ip_address(address)):
            logger.warning(
                "refused to connect: %s resolved to non-public address %s", name, address
            )
            raise DNSLookupError(f"refused: {name} resolves to non-public address {address}")
        return address


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


class MetaRefreshMiddleware(ScrapyMetaRefreshMiddleware):
    """Scrapy's meta-refresh redirects, without decoding every page to look for one.

    Scrapy decodes a whole HTML response (`response.text`, kept on the response while it is
    processed: four bytes a character for many pages) to read its first 4096 characters. A
    page whose head does not mention "refresh" has no meta refresh: it is passed on undecoded.
    """

    # 4096 characters are at most 16384 bytes in UTF-8 and the legacy single-byte encodings.
    _HEAD_BYTES = 16384

    # Scrapy's own signature still has the deprecated `spider` argument; newsmon's never do.
    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        head = response.body[: self._HEAD_BYTES]
        # UTF-16 and UTF-32 pages spell "refresh" with NUL bytes between the letters.
        if b"\x00" not in head and b"refresh" not in head.lower():
            return response
        return super().process_response(request, response)


class ConditionalRequestMiddleware:
    """Send If-None-Match / If-Modified-Since from stored validators (listings and revisits).

    A listing's validators are committed as soon as it is fetched, before the articles it
    links are stored. A run that did not finish (killed, interrupted, over its time budget)
    may have stored them and lost those articles; its 304s would then hide them for good. So a
    listing's validators are used only when no unfinished run was going when it was fetched.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        return cls(crawler)

    def spider_opened(self) -> None:
        config: Config = self.crawler.settings["NEWSMON_CONFIG"]
        engine = make_engine(config.database_url)
        run_id = self.crawler.settings.get("NEWSMON_RUN_ID")
        with session_factory(engine)() as session:
            # A killed run never records its end: it ended when the next run started.
            later = aliased(CrawlRun)
            next_start = (
                select(func.min(later.started_at))
                .where(later.started_at > CrawlRun.started_at)
                .scalar_subquery()
            )
            unfinished = session.execute(
                select(CrawlRun.started_at, func.coalesce(CrawlRun.finished_at, next_start)).where(
                    or_(CrawlRun.status != "ok", CrawlRun.finished_at.is_(None)),
                    CrawlRun.id != (run_id or 0),
                )
            ).all()
            rows = session.execute(
                select(
                    ListingState.url,
                    ListingState.etag,
                    ListingState.last_modified,
                    ListingState.fetched_at,
                )
            )
            self.validators = {
                r.url: (r.etag, r.last_modified)
                for r in rows
                if not _during(_utc(r.fetched_at), unfinished)
            }
        engine.dispose()

    def process_request(self, request: Request) -> None:
        # Only the spider's own listing and revisit requests: Scrapy's robots.txt fetch must get
        # a full answer (a 304 has no rules in it, and would allow everything), even when
        # robots.txt is also configured as a sitemap listing.
        if not (request.meta.get("listing") or request.meta.get("validators")):
            return
        etag, modified = request.meta.get("validators") or self.validators.get(
            request.url, (None, None)
        )
        if etag and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = etag
        if modified and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = modified


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


class RedirectAliasMiddleware:
    """Decide, at a redirect of an article link, whether this request fetches the target.

    The target's canonical URL is claimed in the cycle's `requested` set (shared by the workers
    of a distributed cycle, claimed there in one atomic step, see `claim`). The claimer follows
    the redirect; otherwise the target is fetched by whoever claimed it first (a listing link,
    another redirect), and the spider records the hops as its aliases instead.

    Deciding and claiming in one step matters: after a check alone, another worker could
    claim and enqueue the target before the followed hop reached the shared duplicate filter,
    which then dropped the hop together with the URLs that led to it (the aliases were lost).
    The claim makes the followed hop the cycle's one request for its target, so it skips the
    duplicate filter.
    """

    REDIRECTS = (301, 302, 303, 307, 308)

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.enabled = crawler.settings.getbool("REDIRECT_ENABLED")
        self.max_redirects = crawler.settings.getint("REDIRECT_MAX_TIMES")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectAliasMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if (
            response.status not in self.REDIRECTS
            or not location
            or not request.meta.get("article_link")
            or not self._followed(request, response)
        ):
            return response
        try:
            target = canonicalise(urljoin(request.url, location.decode("latin-1")))
        except ValueError:
            return response
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in canonical_urls(chain):
            return response  # a loop: RedirectLoopMiddleware records it
        if claim(getattr(self.crawler.spider, "requested", set()), target):
            request.dont_filter = True  # RedirectMiddleware copies it to the followed hop
        else:
            request.meta["alias_of"] = target
            request.meta["handle_httpstatus_list"] = list(self.REDIRECTS)
        return response

    def _followed(self, request: Request, response: Response) -> bool:
        """Whether RedirectMiddleware would follow this redirect: only then is its target
        claimed (a claim nobody follows would keep every request from fetching it)."""
        meta = request.meta
        return self.enabled and not (
            meta.get("dont_redirect")
            or meta.get("handle_httpstatus_all")
            or response.status in meta.get("handle_httpstatus_list", ())
            or response.status in getattr(self.crawler.spider, "handle_httpstatus_list", ())
            or meta.get("redirect_times", 0) >= self.max_redirects
        )


def claim(requested: Any, url: str) -> bool:
    """Add `url` to a cycle's `requested` set; True if it was not there yet (the caller then
    requests it). A shared cycle's set (crawler.distributed.SharedSet) does both in one step
    for all its workers, so of two workers racing for one URL exactly one wins."""
    atomic = getattr(requested, "claim", None)
    if atomic is not None:
        return bool(atomic(url))
    if url in requested:
        return False
    requested.add(url)
    return True


class RedirectLoopMiddleware:
    """Record a redirect loop as the error it is.

    Scrapy follows a redirect back to a URL of the same chain into its duplicate filter, which
    drops it without a word; stopped here, before RedirectMiddleware (600), the request's
    errback records it. Chains without a loop stop at REDIRECT_MAX_TIMES, also recorded.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectLoopMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if (
            response.status not in RedirectAliasMiddleware.REDIRECTS
            or not location
            or request.meta.get("alias_of")
            or request.meta.get("dont_redirect")
            or response.status in request.meta.get("handle_httpstatus_list", ())
        ):
            return response
        target = _without_fragment(urljoin(request.url, location.decode("latin-1")))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in {_without_fragment(u) for u in chain}:
            raise IgnoreRequest(f"redirect loop: {' -> '.join([*chain, target])}"[:500])
        return response


class PageSizeMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, with the size limit named when a page breaks it.

    DOWNLOAD_MAXSIZE (= crawl.max_page_bytes) is enforced by Scrapy on the wire (a larger
    Content-Length, or more bytes received so far, cancels the download) and by
    HttpCompressionMiddleware, which this replaces, on the decompressed body (gzip, deflate,
    br and zstd bombs stop at the limit). Scrapy's reasons speak of DOWNLOAD_MAXSIZE or are
    empty (a body cut while streaming); each becomes "too large: ..." here and is counted.
    """

    STAT = "newsmon/too_large"

    def __init__(self, stats: Any = None, *, crawler: Crawler | None = None) -> None:
        super().__init__(stats, crawler=crawler)
        if crawler is not None:
            crawler.signals.connect(self._bytes_received, signal=signals.bytes_received)

    def _bytes_received(self, data: bytes, request: Request) -> None:
        request.meta["newsmon_bytes"] = request.meta.get("newsmon_bytes", 0) + len(data)

    def _too_large(self, request: Request, where: str) -> IgnoreRequest:
        if self.stats is not None:
            self.stats.inc_value(self.STAT)
        limit = request.meta.get("download_maxsize", self._max_size)
        return IgnoreRequest(f"too large: more than crawl.max_page_bytes ({limit} bytes) {where}")

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            if getattr(exc.__cause__, "decompressed_size", None) is None:
                raise
            encoding = (response.headers.get(b"Content-Encoding") or b"").decode("latin-1")
            raise self._too_large(request, f"once decompressed ({encoding})") from None

    def process_exception(self, request: Request, exception: Exception) -> None:
        if not isinstance(exception, DownloadCancelledError):
            return
        limit = request.meta.get("download_maxsize", self._max_size)
        cut = request.meta.get("newsmon_bytes", 0) > limit
        if limit and (cut or "larger than download max size" in str(exception)):
            raise self._too_large(request, "on the wire")


class KnownArticleMiddleware:
    """Canonicalise article links and drop those already in the archive (one query per page).

    The original link is kept in `seen_urls` so that it becomes an alias of the article.
    """

    CHUNK = 500
    # Links are checked in batches as the spider yields them: a feed or sitemap of 20,000
    # links held as Requests until its end would be 80 MB, and several are parsed at once.
    BATCH = 100

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        config: Config = crawler.settings["NEWSMON_CONFIG"]
        self.engine = make_engine(config.database_url)
        self.sessions = session_factory(self.engine)
        crawler.signals.connect(self.engine.dispose, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KnownArticleMiddleware:
        return cls(crawler)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        pending: list[Request] = []
        for obj in result:
            if isinstance(obj, Request) and obj.meta.get("article_link"):
                pending.append(obj)
                if len(pending) >= self.BATCH:
                    yield from self._unknown(pending)
                    pending = []
            else:
                yield obj
        yield from self._unknown(pending)

    async def process_spider_output_async(self, response: Response, result: Any) -> Any:
        pending: list[Request] = []
        async for obj in result:
            if isinstance(obj, Request) and obj.meta.get("article_link"):
                pending.append(obj)
                if len(pending) >= self.BATCH:
                    for request in self._unknown(pending):
                        yield request
                    pending = []
            else:
                yield obj
        for request in self._unknown(pending):
            yield request

    def _unknown(self, requests: list[Request]) -> Iterable[Request]:
        canon: dict[str, Request] = {}
        for request in requests:
            try:
                url = canonicalise(request.url)
            except ValueError:
                continue
            seen = [*request.meta.get("seen_urls", []), request.url]
            canon[url] = request.replace(url=url, meta={**request.meta, "seen_urls": seen})
        requested: set[str] = getattr(self.crawler.spider, "requested", set())
        for url in [u for u in canon if u in requested]:
            del canon[url]  # already requested this cycle, under this canonical URL
        if not canon:
            return
        urls, known = list(canon), set[str]()
        with self.sessions() as session:
            # In chunks: a listing may link more URLs than a statement may bind parameters.
            for i in range(0, len(urls), self.CHUNK):
                chunk = urls[i : i + self.CHUNK]
                known.update(
                    session.scalars(select(ArticleURL.url).where(ArticleURL.url.in_(chunk)))
                )
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("newsmon/known_links", len(known))
        for url, request in canon.items():
            # Claimed, not just checked above: another worker may have claimed it meanwhile.
            if url not in known and claim(requested, url):
                yield request


def _without_fragment(url: str) -> str:
    return safe_url_string(url.split("#", 1)[0])


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _during(when: datetime | None, runs: Sequence[Any]) -> bool:
    """Whether `when` falls inside one of `runs` (started_at, finished_at or None: open)."""
    if when is None:
        return True
    for started, finished in runs:
        started, finished = _utc(started), _utc(finished)
        if started is not None and started <= when and (finished is None or when <= finished):
            return True
    return False
