"""Downloader and spider middlewares: network safety, conditional requests, retries, known URLs."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Iterable
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from sqlalchemy import select

from crawler.config import Config
from crawler.urls import canonicalise
from storage.db import make_engine, session_factory
from storage.models import ArticleURL, ListingState

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class NetworkGuardMiddleware:
    """Refuse requests to loopback, private, link-local and multicast addresses unless allowed.

    Checked on the resolved address of every request, redirect hops included (each hop comes
    through process_request again).
    """

    def __init__(self, crawler: Crawler, allowed: list[IPNetwork] | None) -> None:
        self.crawler = crawler
        self.allowed = allowed  # None: every address is allowed
        self._cache: dict[str, list[IPAddress]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NetworkGuardMiddleware:
        config: Config = crawler.settings["NEWSMON_CONFIG"]
        setting = config.crawl.allow_private_networks
        if setting is True:
            raise NotConfigured("crawl.allow_private_networks = true")
        allowed = [ipaddress.ip_network(n, strict=False) for n in (setting or [])]
        return cls(crawler, allowed)

    def _addresses(self, host: str) -> list[IPAddress]:
        if host not in self._cache:
            try:
                self._cache[host] = [ipaddress.ip_address(host)]
            except ValueError:
                infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
                self._cache[host] = [ipaddress.ip_address(i[4][0]) for i in infos]
        return self._cache[host]

    def refused(self, address: IPAddress) -> bool:
        special = (
            address.is_loopback
            or address.is_private
            or address.is_link_local
            or address.is_multicast
            or address.is_unspecified
            or address.is_reserved
        )
        return special and not any(address in net for net in self.allowed or [])

    def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        try:
            addresses = self._addresses(host)
        except OSError as exc:
            raise IgnoreRequest(f"cannot resolve {host}: {exc}") from None
        bad = [a for a in addresses if self.refused(a)]
        if bad:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("newsmon/refused_private_network")
            raise IgnoreRequest(f"refused: {host} resolves to non-public address {bad[0]}")


class ConditionalRequestMiddleware:
    """Send If-None-Match / If-Modified-Since from stored validators (listings and revisits)."""

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
        with session_factory(engine)() as session:
            rows = session.execute(
                select(ListingState.url, ListingState.etag, ListingState.last_modified)
            )
            self.validators = {r.url: (r.etag, r.last_modified) for r in rows}
        engine.dispose()

    def process_request(self, request: Request) -> None:
        etag, modified = request.meta.get("validators") or self.validators.get(
            request.url, (None, None)
        )
        if etag and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = etag
        if modified and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = modified


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries with exponential backoff that honour a server's Retry-After."""

    MAX_WAIT = 60.0

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
        await asyncio.sleep(self._delay(request, response))
        return retry

    def _delay(self, request: Request, response: Response) -> float:
        header = response.headers.get(b"Retry-After")
        attempt = request.meta.get("retry_times", 0)
        backoff = min(self.MAX_WAIT, 0.5 * 2**attempt)
        if not header:
            return backoff
        value = header.decode("latin-1").strip()
        try:
            return min(self.MAX_WAIT, max(0.0, float(value)))
        except ValueError:
            pass
        try:
            return min(
                self.MAX_WAIT, max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
            )
        except (TypeError, ValueError):
            return backoff


class RedirectAliasMiddleware:
    """Stop at a redirect to an article this cycle already requested (or the archive holds).

    Following it would be dropped by the duplicate filter (and the redirecting URLs lost) or
    would fetch the article twice; the spider records the hops as aliases instead.
    """

    REDIRECTS = (301, 302, 303, 307, 308)

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectAliasMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if (
            response.status not in self.REDIRECTS
            or not location
            or not request.meta.get("article_link")
        ):
            return response
        try:
            target = canonicalise(urljoin(request.url, location.decode("latin-1")))
        except ValueError:
            return response
        requested: set[str] = getattr(self.crawler.spider, "requested", set())
        if target in requested and target != canonicalise(request.url):
            request.meta["alias_of"] = target
            request.meta["handle_httpstatus_list"] = list(self.REDIRECTS)
        return response


class KnownArticleMiddleware:
    """Canonicalise article links and drop those already in the archive (one query per page).

    The original link is kept in `seen_urls` so that it becomes an alias of the article.
    """

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
            else:
                yield obj
        yield from self._unknown(pending)

    async def process_spider_output_async(self, response: Response, result: Any) -> Any:
        pending: list[Request] = []
        async for obj in result:
            if isinstance(obj, Request) and obj.meta.get("article_link"):
                pending.append(obj)
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
        with self.sessions() as session:
            known = set(
                session.scalars(select(ArticleURL.url).where(ArticleURL.url.in_(list(canon))))
            )
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("newsmon/known_links", len(known))
        for url, request in canon.items():
            if url not in known:
                requested.add(url)
                yield request
