"""Redirects: meta refresh, aliases of articles reached by redirect, and loops."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import (
    MetaRefreshMiddleware as ScrapyMetaRefreshMiddleware,
)
from scrapy.exceptions import (
    IgnoreRequest,
)
from scrapy.http import Response
from w3lib.url import safe_url_string

from crawler.archive.aliases import canonical_urls
from crawler.text.urls import canonicalise


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


def _without_fragment(url: str) -> str:
    return safe_url_string(url.split("#", 1)[0])
