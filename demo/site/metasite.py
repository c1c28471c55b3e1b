"""MetadataSite: the metadata publishers (demo.site.mastheads) served on one loopback host."""

from __future__ import annotations

import collections
import hashlib
import threading
from typing import Any

from demo.site.config import newsmon_toml
from demo.site.mastheads import PAGES, PUBLISHERS, PageTruth, rss
from demo.site.model import HTML, Resource
from demo.site.server import OneHostSite

RSS = "application/rss+xml; charset=utf-8"


class MetadataSite(OneHostSite):
    """Six publishers, five article pages each, every publisher with one class of metadata
    trap; the last page of each is listed in its feed only after `release()` (so that a
    second crawl sees it with what the first taught newsmon about the publisher).

    :param host: the loopback address to serve on.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__(host)
        self.released = False
        self.hits: collections.Counter[str] = collections.Counter()
        self._pages = {
            name: [make(n) for n in range(1, PAGES + 1)] for name, make in PUBLISHERS.items()
        }
        self._lock = threading.Lock()

    def release(self) -> None:
        """List each publisher's last page in its feed."""
        self.released = True

    def truth(self, publisher: str | None = None) -> list[PageTruth]:
        """The pages listed now (all of a publisher's, or every publisher's)."""
        names = [publisher] if publisher else list(self._pages)
        return [p for name in names for p in self._listed(name)]

    def url(self, page: PageTruth) -> str:
        return self.base_url + page.path

    def config_toml(self, database_url: str, smtp_port: int = 25) -> str:
        """A newsmon config with one source per publisher (its RSS feed)."""
        sources = [
            {"name": name, "feeds": [f"{self.base_url}/{name}/feed.xml"], "every": "15m"}
            for name in self._pages
        ]
        topics = [{"name": "council", "query": "council", "alert_mode": "none"}]
        return newsmon_toml(database_url, smtp_port, {"sources": sources, "topics": topics}, "")

    def _listed(self, name: str) -> list[PageTruth]:
        pages = self._pages[name]
        return pages if self.released else pages[:-1]

    # --- what demo.site.server.Server calls ---

    def _lookup(self, host: str, target: str) -> Resource:
        path = target.split("?")[0]
        for name, pages in self._pages.items():
            if path == f"/{name}/feed.xml":
                return _resource(rss(self.base_url, name, self._listed(name)), RSS)
            for page in pages:
                if path == page.path:
                    return _resource(page.html, HTML)
        return Resource(404)

    def _count(self, netloc: str, target: str, status: int) -> None:
        with self._lock:
            self.hits[f"{netloc}{target}"] += 1


def _resource(text: str, content_type: str, **extra: Any) -> Resource:
    body = text.encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    return Resource(200, content_type=content_type, body=body, etag=etag, **extra)
