"""The network guard: addresses outside the allowed networks are refused, before and at connect."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import math
import socket
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    IgnoreRequest,
    NotConfigured,
)
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.base import ReactorBase
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from zope.interface import implementer

from crawler.config import Config
from crawler.text.urls import as_listed

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
