"""DemoSite: the catalogue served over HTTP, and the truth about what it serves."""

from __future__ import annotations

import collections
import hashlib
import random
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from demo import templates as t
from demo.copies import load_seed
from demo.site.catalogue import Catalogue
from demo.site.config import newsmon_toml
from demo.site.corpus import corpus_root, load_corpus
from demo.site.listings import SitePages
from demo.site.model import (
    CORPUS_SPEC,
    CYCLE,
    DEFAULT_HOSTS,
    DEFAULT_SEED,
    GONE_AT,
    SPECS,
    Article,
    ArticleTruth,
    CorpusPage,
    Publisher,
    Resource,
    Spec,
    slugify,
)
from demo.site.server import Server
from demo.topics import TOPIC_QUERIES, topics_of


class DemoSite(Catalogue):
    """A multi-publisher news site on loopback, and the truth about what it serves.

    :param seed: seeds every random choice; the same seed serves the same site.
    :param articles_per_publisher: base articles of each generated publisher (at least 12).
    :param corpus_dir: the Readability corpus (default: $NEWSMON_CORPUS_DIR, else
        ``<repo>/../shared/corpus/readability`` when it exists); adds a fifth host.
    :param seed_article: the seed copy (default ``<repo>/../shared/examples/seed_article.txt``
        when it exists, else a bundled synthetic story).
    :param hosts: loopback addresses, one per publisher (default 127.0.0.1 to 127.0.0.5).
    :param corpus: False leaves the corpus host out even when the corpus exists.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        articles_per_publisher: int = 60,
        corpus_dir: Path | None = None,
        seed_article: Path | None = None,
        hosts: Sequence[str] | None = None,
        corpus: bool = True,
    ) -> None:
        if articles_per_publisher < 12:
            raise ValueError("articles_per_publisher must be at least 12")
        self._wall0 = datetime.now(UTC).replace(microsecond=0)
        story = load_seed(seed_article or DEFAULT_SEED)
        root = corpus_root(corpus_dir) if corpus else None
        self._corpus: list[CorpusPage] = load_corpus(root) if root else []
        self._specs = [*SPECS, CORPUS_SPEC] if self._corpus else list(SPECS)
        self._hosts = list(hosts or DEFAULT_HOSTS)
        if len(set(self._hosts[: len(self._specs)])) < len(self._specs):
            raise ValueError(f"need {len(self._specs)} distinct hosts, got {self._hosts}")
        super().__init__(seed, articles_per_publisher, story)
        self.publishers: list[Publisher] = []
        self.hits: collections.Counter[str] = collections.Counter()
        self.responses: collections.Counter[tuple[str, int]] = collections.Counter()
        self._lock = threading.Lock()
        self._aliases: dict[int, list[str]] = collections.defaultdict(list)
        self._base: dict[str, str] = {}
        self._host: dict[str, str] = {}
        self._servers: list[Server] = []
        self._threads: list[threading.Thread] = []
        self._routes: dict[str, dict[str, Resource]] = {}
        self._lastmod: dict[tuple[str, str], tuple[str, datetime]] = {}
        self._page_etags: dict[int, str] = {}
        self._cosmetic: dict[int, list[str]] = {}
        self._faults: dict[str, str] = {}
        self._private: list[str] = []

    def edits(self, cycle: int) -> list[tuple[str, str]]:
        """The real edits that reach the pages at `cycle`: (canonical url, kind)."""
        return [(self._url(self._articles[i]), kind) for i, kind in self._edit_plan(cycle)]

    def gone(self, cycle: int) -> list[str]:
        """Canonical URLs answered 404 or 410 during `cycle`."""
        if cycle != GONE_AT:
            return []
        return [self._url(self._articles[i]) for i in self._gone_plan]

    def cosmetic(self, cycle: int) -> list[str]:
        """Canonical URLs whose page or ETag changed at `cycle` (reached) with no real edit."""
        if cycle > self.cycle:
            raise ValueError(f"cycle {cycle} has not happened yet (now {self.cycle})")
        return list(self._cosmetic.get(cycle, []))

    def faults(self) -> dict[str, str]:
        """URLs of the faulty pages linked from listings: url -> "500", "404", "empty", "binary"."""
        return dict(self._faults)

    def private_urls(self) -> list[str]:
        """The robots-disallowed URLs linked from the Herald's /world/ page."""
        return list(self._private)

    # --- lifecycle ---

    def start(self) -> DemoSite:
        """Bind every publisher's server, render cycle 0 and serve in background threads."""
        if self._servers:
            return self
        for spec, host in zip(self._specs, self._hosts, strict=False):
            try:
                server = Server(host, self)
            except OSError as exc:
                self.stop()
                raise OSError(f"cannot bind {host} (all of 127/8 must route to lo): {exc}") from exc
            self._servers.append(server)
            self._host[spec.style] = host
            self._base[spec.style] = f"http://{host}:{server.server_address[1]}"
        self.publishers = [self._publisher(spec) for spec in self._specs]
        self._render()
        for server in self._servers:
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"demosite-{server.host}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop serving and close every socket."""
        # shutdown() waits up to a poll interval for its loop: stop every server at once.
        stoppers = [threading.Thread(target=s.shutdown) for s in self._servers if self._threads]
        for stopper in stoppers:
            stopper.start()
        for thread in [*stoppers, *self._threads]:
            thread.join(timeout=5)
        for server in self._servers:
            server.server_close()
        self._servers, self._threads = [], []

    def __enter__(self) -> DemoSite:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def advance(self) -> None:
        """Go to the next cycle: edits, new articles, gone articles and fresh furniture."""
        self._require_started()
        self.cycle += 1
        self._writer.rng = random.Random(f"{self.seed}-cycle-{self.cycle}")
        when = self._clock()
        for article_id, kind in self._edit_plan(self.cycle):
            self._apply_edit(self._articles[article_id], kind, when)
        self._publish_new()
        self._render()

    def reset_counters(self) -> None:
        """Forget every request counted so far."""
        with self._lock:
            self.hits.clear()
            self.responses.clear()

    def _count(self, netloc: str, target: str, status: int) -> None:
        key = f"{netloc}{target}"
        with self._lock:
            self.hits[key] += 1
            self.responses[(key, status)] += 1

    @staticmethod
    def key(url: str) -> str:
        """The `hits` key of an absolute URL: "address:port/path?query" (no fragment)."""
        parts = urlsplit(url)
        return f"{parts.netloc}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")

    # --- truth ---

    def _require_started(self) -> None:
        if not self._base:
            raise RuntimeError("start() the DemoSite first: URLs need its ports")

    def _changed_at(self) -> datetime:
        """Last-Modified of what changed in this cycle: the wall clock at construction plus one
        hour a cycle. Later than anything served before, whether a client sends back the
        Last-Modified it got (RFC 9110) or the time it fetched the page."""
        return self._wall0 + self.cycle * CYCLE

    def _url(self, article: Article) -> str:
        self._require_started()
        return self._base[article.style] + article.path

    def articles(self, *, include_gone: bool = False) -> list[ArticleTruth]:
        """Every article reachable by discovery in the current cycle (gone ones on request)."""
        self._require_started()
        out = [
            self._truth(a)
            for a in self._articles.values()
            if a.born <= self.cycle and (include_gone or self._is_live(a))
        ]
        out += [self._corpus_truth(page) for page in self._corpus]
        return out

    def _truth(self, article: Article) -> ArticleTruth:
        d = article.draft
        return ArticleTruth(
            publisher=self._spec(article.style).name,
            url=self._url(article),
            aliases=list(self._aliases[article.id]),
            title=d.title,
            paragraphs=d.paragraphs,
            author=d.author,
            published_at=d.published_at,
            topics=topics_of(d.title, d.paragraphs),
            story=d.story,
        )

    def _corpus_truth(self, page: CorpusPage) -> ArticleTruth:
        # Two corpus pages are one article saved twice (the lifehacker pair): one story.
        twins = sum(other.title == page.title for other in self._corpus) > 1
        return ArticleTruth(
            publisher=CORPUS_SPEC.name,
            url=f"{self._base['corpus']}/page/{page.name}.html",
            aliases=[],
            title=page.title,
            paragraphs=list(page.paragraphs),
            author=page.author,
            published_at=page.published_at,
            topics=topics_of(page.title, page.paragraphs),
            story=f"corpus-{slugify(page.title)}" if twins else None,
        )

    def _spec(self, style: str) -> Spec:
        return next(s for s in self._specs if s.style == style)

    def _publisher(self, spec: Spec) -> Publisher:
        base = self._base[spec.style]
        boilerplate = list(t.BOILERPLATE.get(spec.style, ()))
        return Publisher(
            name=spec.name,
            host=base.removeprefix("http://"),
            base_url=base,
            feeds=[base + p for p in spec.feeds],
            sitemaps=[base + p for p in spec.sitemaps],
            pages=[base + p for p in spec.pages],
            follow=spec.follow,
            paginate=spec.paginate,
            boilerplate=boilerplate,
        )

    def sources_config(self) -> list[dict[str, Any]]:
        """The [[sources]] tables of a newsmon config for this site."""
        self._require_started()
        return [
            {
                "name": p.name,
                "feeds": p.feeds,
                "sitemaps": p.sitemaps,
                "pages": p.pages,
                "follow": p.follow,
                "paginate": p.paginate,
                "every": "15m",
            }
            for p in self.publishers
        ]

    @staticmethod
    def topic_config() -> list[dict[str, Any]]:
        """The [[topics]] tables of the demo: the queries ArticleTruth.topics is computed for."""
        desks = {"ukraine-russia": "world-desk", "climate": "climate-desk", "chips": "tech-desk"}
        return [
            {
                "name": name,
                "query": query,
                "alert_to": [f"{desks[name]}@example.org"],
                "alert_mode": "immediate",
            }
            for name, query in TOPIC_QUERIES.items()
        ]

    def config_toml(self, database_url: str, *, smtp_port: int = 25, extra: str = "") -> str:
        """A complete newsmon TOML config for this site; `extra` is appended (start it with a
        table header, e.g. ``[revisit]``)."""
        tables = {"sources": self.sources_config(), "topics": self.topic_config()}
        return newsmon_toml(database_url, smtp_port, tables, extra)

    # --- rendering ---

    def _lookup(self, host: str, target: str) -> Resource:
        routes = self._routes.get(host, {})  # one read: advance() swaps the whole table
        path = urlsplit(target).path or "/"
        return routes.get(target) or routes.get(path) or routes.get("\0404") or Resource(404)

    def _render(self) -> None:
        """Render every page of the current cycle, then swap the route tables in one go."""
        routes: dict[str, dict[str, Resource]] = {}
        etags: dict[int, str] = {}
        for spec in self._specs:
            host = self._host[spec.style]
            pages = SitePages(self, spec, etags)
            routes[host] = pages.render()
        self._record_cosmetic(etags)
        self._routes = routes

    def _record_cosmetic(self, etags: dict[int, str]) -> None:
        if self.cycle:
            edited = {i for i, _ in self._edit_plan(self.cycle)}
            self._cosmetic[self.cycle] = [
                self._url(self._articles[i])
                for i, tag in etags.items()
                if i in self._page_etags and i not in edited and self._page_etags[i] != tag
            ]
        self._page_etags = etags

    def _resource(
        self,
        host: str,
        path: str,
        body: bytes,
        content_type: str,
        when: datetime,
        *,
        salt: str = "",
    ) -> Resource:
        """A 200 with its ETag and Last-Modified (see _changed_at for the latter)."""
        digest = hashlib.sha256(body).hexdigest()
        previous = self._lastmod.get((host, path))
        if previous is None:
            last_modified = when
        elif previous[0] != digest:
            last_modified = self._changed_at()
        else:
            last_modified = previous[1]
        self._lastmod[(host, path)] = (digest, last_modified)
        tag = hashlib.sha256(body + salt.encode()).hexdigest()[:20] if salt else digest[:20]
        return Resource(200, content_type, body, f'"{tag}"', last_modified)


def iter_pages(site: DemoSite) -> Iterator[tuple[str, int, bytes]]:
    """(url, status, body) of every route served in the current cycle, for tests and tools."""
    for spec in site._specs:
        host, base = site._host[spec.style], site._base[spec.style]
        for target, res in site._routes.get(host, {}).items():
            if not target.startswith("\0"):
                yield base + target, res.status, res.body
