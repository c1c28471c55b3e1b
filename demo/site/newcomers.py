"""Three publishers newsmon is not told about: found by `sources add` from their addresses.

THE MAP (hosts 127.0.0.6, .7, .8 by default; an ephemeral port each). Every article page is a
semantic HTML5 page (<article>, <h1>, <time datetime>, a "By NAME" byline), 4 to 8 paragraphs;
N is an article id (5001, ...), slug is made from the headline. advance() publishes 3 new
articles on each host (or on those it names). break_template(name) renders that publisher's
article pages as stubs (headline and a one-line teaser behind a paywall notice) until
mend_template(name).

Harbour Gazette (host 1): feeds announced on the home page, at paths no CMS uses
  /robots.txt                      Disallow: /admin/
  /                                home: newest 8; <link rel="alternate"> to both feeds
  /syndication/latest.xml          RSS 2.0, newest 10
  /syndication/everything.atom     Atom, every article
  /stories/slug-N                  article
Fenland Courier (host 2): gzipped sitemaps only, named in robots.txt
  /robots.txt                      Sitemap: /maps/index.xml.gz
  /                                home: newest 5 (no feed link)
  /maps/index.xml.gz               sitemap index (gzip file, no Content-Encoding) of the two below
  /maps/news.xml.gz                Google News sitemap, newest 10
  /maps/all.xml.gz                 every article
  /p/N/slug                        article
Upland Post (host 3): section pages only (no feed, no sitemap)
  /robots.txt                      Disallow: /drafts/
  /                                home: newest 6 and links to the sections and /about/
  /politics/, /business/, /science/   each section's articles, 12 a page, newest first;
  /SECTION/page/2/ ...             further pages, "Next page" links (rel="next")
  /about/                          no article links
  /YYYY/MM/DD/slug/                article
Any other path is 404.
"""

from __future__ import annotations

import gzip
import hashlib
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from urllib.parse import urlsplit

from demo.content import Draft, Writer
from demo.prose import AUTHORS
from demo.site.model import EPOCH, HTML, Resource, slugify
from demo.site.server import Server
from demo.templates import FeedItem, atom, news_urlset, robots, rss2, sitemap_index, urlset
from demo.templates.base import e, human_time

NEWCOMER_HOSTS = ("127.0.0.6", "127.0.0.7", "127.0.0.8")
GAZETTE, COURIER, POST = "Harbour Gazette", "Fenland Courier", "Upland Post"
SECTIONS = ("politics", "business", "science")
VARIANTS = ("climate", "chips", "elections", "health", "tech", "sport")
PER_PAGE = 12
GZIP = "application/gzip"
XML = "application/xml; charset=utf-8"


@dataclass
class Story:
    id: int
    publisher: str
    draft: Draft
    path: str
    section: str
    born: int


class NewcomerSite:
    """The three publishers above, served on loopback; `stories()` is the truth."""

    def __init__(
        self, *, seed: int = 0, per_publisher: int = 24, hosts: Sequence[str] = ()
    ) -> None:
        self.cycle = 0
        self._rng = random.Random(f"{seed}-newcomers")
        self._writer = Writer(random.Random(f"{seed}-newcomer-writer"))
        self._hosts = list(hosts or NEWCOMER_HOSTS)
        self._stories: list[Story] = []
        self._broken: set[str] = set()
        self._routes: dict[str, dict[str, Resource]] = {}
        self._servers: list[Server] = []
        self.base: dict[str, str] = {}
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        for name in (GAZETTE, COURIER, POST):
            for _ in range(per_publisher):
                self._write(name, EPOCH - timedelta(minutes=self._rng.randrange(60, 10 * 1440)))

    # --- truth and changes ---

    def stories(self, publisher: str | None = None) -> list[Story]:
        return [s for s in self._stories if publisher in (None, s.publisher)]

    def url(self, story: Story) -> str:
        return self.base[story.publisher] + story.path

    def advance(self, only: Sequence[str] = (GAZETTE, COURIER, POST)) -> None:
        """An hour on: three new articles on each host (or on those named)."""
        self.cycle += 1
        for name in only:
            for k in range(3):
                self._write(
                    name, EPOCH + self.cycle * timedelta(hours=1) - timedelta(minutes=k + 5)
                )
        self._render()

    def break_template(self, publisher: str) -> None:
        self._broken.add(publisher)
        self._render()

    def mend_template(self, publisher: str) -> None:
        self._broken.discard(publisher)
        self._render()

    def _write(self, publisher: str, when: datetime) -> None:
        variant = self._rng.choice(VARIANTS)
        author = self._rng.choice(AUTHORS["herald"])
        draft = self._writer.article(variant, author=author, published_at=when.replace(second=0))
        n = 5001 + len(self._stories)
        slug = slugify(draft.title)
        section = SECTIONS[n % 3]
        path = {
            GAZETTE: f"/stories/{slug}-{n}",
            COURIER: f"/p/{n}/{slug}",
            POST: f"/{draft.published_at:%Y/%m/%d}/{slug}/",
        }[publisher]
        self._stories.append(Story(n, publisher, draft, path, section, self.cycle))

    # --- serving (the interface demo.site.server.Server calls) ---

    def start(self) -> NewcomerSite:
        for name, host in zip((GAZETTE, COURIER, POST), self._hosts, strict=True):
            server = Server(host, self)  # type: ignore[arg-type]  # duck-typed: _lookup, _count
            self._servers.append(server)
            self.base[name] = f"http://{server.netloc}"
            threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True).start()
        self._render()
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers = []

    def __enter__(self) -> NewcomerSite:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _lookup(self, host: str, target: str) -> Resource:
        routes = self._routes.get(host, {})
        return routes.get(target) or routes.get(urlsplit(target).path or "/") or Resource(404)

    def _count(self, netloc: str, target: str, status: int) -> None:
        with self._lock:
            self.hits[netloc + target] = self.hits.get(netloc + target, 0) + 1

    # --- rendering ---

    def _render(self) -> None:
        routes = {}
        for name, server in zip((GAZETTE, COURIER, POST), self._servers, strict=True):
            pages: dict[str, Resource] = {}
            own = sorted(self.stories(name), key=lambda s: s.draft.published_at, reverse=True)
            for story in own:
                pages[story.path] = _ok(self._article(story, name in self._broken))
            {GAZETTE: self._gazette, COURIER: self._courier, POST: self._post}[name](pages, own)
            routes[server.host] = pages
        self._routes = routes

    def _article(self, story: Story, stub: bool) -> str:
        d = story.draft
        body = "".join(f"<p>{e(p)}</p>" for p in d.paragraphs)
        if stub:  # the new template: a teaser and a paywall notice, the text loaded by script
            teaser = " ".join(d.paragraphs[0].split()[:18])
            body = f"<p>{e(teaser)}…</p><div class='paywall'>Subscribe to read on.</div>"
        return _page(
            d.title,
            f"<article><h1>{e(d.title)}</h1><p class='byline'>By {e(d.author or '')}</p>"
            f"<time datetime='{d.published_at.isoformat()}'>{human_time(d.published_at)}</time>"
            f"<div class='story-text'>{body}</div></article>",
            lang=True,
        )

    def _gazette(self, pages: dict[str, Resource], own: list[Story]) -> None:
        base = self.base[GAZETTE]
        head = (
            '<link rel="alternate" type="application/rss+xml" '
            f'href="{base}/syndication/latest.xml">'
            '<link rel="alternate" type="application/atom+xml" href="/syndication/everything.atom">'
        )
        pages["/"] = _ok(_page(GAZETTE, _links(base, own[:8]), head=head))
        pages["/robots.txt"] = _ok(robots(["/admin/"]), "text/plain")
        items = [_item(base, s) for s in own]
        now = EPOCH + timedelta(hours=self.cycle)
        pages["/syndication/latest.xml"] = _ok(
            rss2(GAZETTE, base, "Latest", items[:10], ttl=5, built=now), "application/rss+xml"
        )
        pages["/syndication/everything.atom"] = _ok(
            atom(GAZETTE, base, base + "/syndication/everything.atom", items, updated=now),
            "application/atom+xml",
        )

    def _courier(self, pages: dict[str, Resource], own: list[Story]) -> None:
        base = self.base[COURIER]
        pages["/"] = _ok(_page(COURIER, _links(base, own[:5])))
        pages["/robots.txt"] = _ok(robots([], [base + "/maps/index.xml.gz"]), "text/plain")
        news = news_urlset(COURIER, [_item(base, s) for s in own[:10]])
        every = urlset([(base + s.path, s.draft.published_at) for s in own])
        pages["/maps/news.xml.gz"] = _ok(gzip.compress(news.encode(), mtime=0), GZIP)
        pages["/maps/all.xml.gz"] = _ok(gzip.compress(every.encode(), mtime=0), GZIP)
        index = sitemap_index(
            [(base + p, EPOCH) for p in ("/maps/news.xml.gz", "/maps/all.xml.gz")]
        )
        pages["/maps/index.xml.gz"] = _ok(gzip.compress(index.encode(), mtime=0), GZIP)

    def _post(self, pages: dict[str, Resource], own: list[Story]) -> None:
        base = self.base[POST]
        nav = "".join(f'<li><a href="/{s}/">{s.title()}</a></li>' for s in (*SECTIONS, "about"))
        pages["/"] = _ok(_page(POST, f"<nav><ul>{nav}</ul></nav>" + _links(base, own[:6])))
        pages["/robots.txt"] = _ok(robots(["/drafts/"]), "text/plain")
        pages["/about/"] = _ok(_page("About us", "<p>A regional paper since 1887.</p>"))
        for section in SECTIONS:
            listed = [s for s in own if s.section == section]
            chunks = [listed[i : i + PER_PAGE] for i in range(0, len(listed), PER_PAGE)] or [[]]
            for n, chunk in enumerate(chunks, start=1):
                path = f"/{section}/" if n == 1 else f"/{section}/page/{n}/"
                nxt = f'<a rel="next" href="/{section}/page/{n + 1}/">Next page</a>'
                more = nxt if n < len(chunks) else ""
                pages[path] = _ok(_page(section.title(), _links(base, chunk) + more))


def _item(base: str, story: Story) -> FeedItem:
    d = story.draft
    return FeedItem(
        d.title, base + story.path, f"n-{story.id}", d.published_at, d.author, d.paragraphs[0]
    )


def _links(base: str, stories: list[Story]) -> str:
    items = "".join(
        f'<li><a href="{e(base + s.path)}">{e(s.draft.title)}</a></li>' for s in stories
    )
    return f"<ul class='teasers'>{items}</ul>"


def _page(title: str, body: str, *, head: str = "", lang: bool = False) -> str:
    html = '<html lang="en">' if lang else "<html>"
    return (
        f"<!DOCTYPE html>{html}<head><meta charset='utf-8'><title>{e(title)}</title>{head}</head>"
        f"<body><header><a href='/'>Home</a></header><main>{body}</main>"
        "<footer><a href='/about/'>About</a></footer></body></html>"
    )


def _ok(body: str | bytes, content_type: str = HTML) -> Resource:
    data = body.encode("utf-8") if isinstance(body, str) else body
    tag = f'"{hashlib.sha256(data).hexdigest()[:20]}"'
    return Resource(200, content_type, data, tag, datetime(2024, 3, 18, tzinfo=UTC))
