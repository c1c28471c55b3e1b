"""The good pages of the fault site: articles the archive must hold, however they arrive."""

from __future__ import annotations

import random
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from demo.content import Writer
from demo.faults.bodies import (
    FRENCH,
    FRENCH_TITLE,
    GERMAN,
    GERMAN_TITLE,
    PUBLISHED,
    RUSSIAN,
    RUSSIAN_TITLE,
    Page,
    Reply,
    article_html,
    compress,
    rss,
)

if TYPE_CHECKING:
    from demo.faults.site import FaultSite


def _put_good(
    site: FaultSite, routes: dict[str, Reply], path: str, page: Page, reply: Reply
) -> None:
    routes[path] = reply
    site.good[site.base() + path] = page


def good_pages(site: FaultSite, gazette: dict[str, Reply], landing: dict[str, Reply]) -> Writer:
    writer = Writer(random.Random(f"{site.seed}-faults"))
    drafts = [
        writer.article(v, author="Ann Example", published_at=PUBLISHED)
        for v in ("health", "tech", "health", "tech", "health", "tech", "health", "tech")
    ]
    pages = [Page(d.title, d.paragraphs) for d in drafts]

    def html(page: Page) -> bytes:
        return article_html(page.title, page.paragraphs, charset="utf-8").encode()

    for n in range(1, 5):
        _put_good(
            site, gazette, f"/news/plain-{n}.html", pages[n - 1], Reply(body=html(pages[n - 1]))
        )
    compressed = (("gzip", "gzip"), ("deflate", "deflate"), ("br", "brotli"))
    for page, (encoding, name) in zip(pages[4:7], compressed, strict=True):
        path = f"/news/{name}.html"
        reply = Reply(body=compress(html(page), encoding), headers={"Content-Encoding": encoding})
        _put_good(site, gazette, path, page, reply)
    moved = pages[7]
    landing["/news/landed.html"] = Reply(body=html(moved))
    gazette["/news/moved.html"] = Reply(
        301, headers={"Location": site.base("landing") + "/news/landed.html"}
    )
    site.good[site.base("landing") + "/news/landed.html"] = moved
    for path in (
        "/news/from-laughs.html",
        "/news/from-sitemap.html",
        "/news/from-truncated.html",
        "/news/from-gzip-sitemap.html",
        "/news/from-gzipped-sitemap.html",
    ):
        draft = writer.article("tech", author=None, published_at=PUBLISHED)
        page = Page(draft.title, draft.paragraphs)
        _put_good(site, gazette, path, page, Reply(body=html(page)))
    _truncated(site, gazette, writer)
    _encodings(site, gazette)
    _index_pages(site, gazette, writer)
    return writer


def busy(site: FaultSite, gazette: dict[str, Reply], writer: Writer) -> dict[str, Reply]:
    """The Busy host's routes, and the feed that links them after four good pages."""
    busy = {
        urlsplit(url).path: Reply(503, b"busy\n", headers={"Retry-After": "30"})
        for url in site.busy_urls
    }
    for url in site.soon_urls:
        draft = writer.article("tech", author=None, published_at=PUBLISHED)
        html = article_html(draft.title, draft.paragraphs, charset="utf-8").encode()
        busy[urlsplit(url).path] = Reply(body=html, behaviour="busy-once")
    good = [f"{site.base()}/news/plain-{n}.html" for n in range(1, 5)]
    gazette["/feeds/busy.xml"] = Reply(
        body=rss([*good, *site.soon_urls, *site.busy_urls]),
        content_type="application/rss+xml",
    )
    return busy


def _index_pages(site: FaultSite, gazette: dict[str, Reply], writer: Writer) -> None:
    """Articles whose URL ends in an index page, each reached through a redirect."""
    for link, path in (
        ("/news/old-7.html", "/index.php?id=7"),
        ("/news/old-slug.html", "/news/kept-slug/index.html"),
    ):
        draft = writer.article("health", author=None, published_at=PUBLISHED)
        page = Page(draft.title, draft.paragraphs)
        html = article_html(page.title, page.paragraphs, charset="utf-8").encode()
        _put_good(site, gazette, path, page, Reply(body=html))
        gazette[link] = Reply(301, headers={"Location": path})


def _truncated(site: FaultSite, gazette: dict[str, Reply], writer: Writer) -> None:
    draft = writer.article("health", author=None, published_at=PUBLISHED)
    paragraphs = draft.paragraphs
    while len(paragraphs) < 5:
        paragraphs = paragraphs + [writer.paragraph(draft)]
    full = article_html(draft.title, paragraphs, charset="utf-8")
    cut = full.index(escape(paragraphs[4])) + len(escape(paragraphs[4])) // 2
    page = Page(draft.title, paragraphs[:4])
    _put_good(site, gazette, "/news/truncated.html", page, Reply(body=full[:cut].encode()))


def _encodings(site: FaultSite, gazette: dict[str, Reply]) -> None:
    russian, french, german = (
        Page(RUSSIAN_TITLE, RUSSIAN),
        Page(FRENCH_TITLE, FRENCH),
        Page(GERMAN_TITLE, GERMAN),
    )

    def page_bytes(page: Page, encoding: str, charset: str = "", lang: str = "ru") -> bytes:
        return article_html(page.title, page.paragraphs, charset=charset, lang=lang).encode(
            encoding
        )

    cases = {
        "/enc/windows-1251.html": (
            russian,
            page_bytes(russian, "cp1251"),
            "text/html; charset=windows-1251",
        ),
        "/enc/windows-1251-meta.html": (
            russian,
            page_bytes(russian, "cp1251", "windows-1251"),
            "text/html",
        ),
        "/enc/latin1-undeclared.html": (
            french,
            page_bytes(french, "latin-1", lang="fr"),
            "text/html",
        ),
        "/enc/utf8-bom.html": (
            german,
            b"\xef\xbb\xbf" + page_bytes(german, "utf-8", "iso-8859-1", "de"),
            "text/html; charset=iso-8859-1",
        ),
        "/enc/mislabelled-utf8.html": (
            french,
            page_bytes(french, "utf-8", lang="fr"),
            "text/html; charset=iso-8859-1",
        ),
        "/enc/mislabelled-1251.html": (
            russian,
            page_bytes(russian, "cp1251"),
            "text/html; charset=utf-8",
        ),
    }
    for path, (page, body, content_type) in cases.items():
        _put_good(site, gazette, path, page, Reply(body=body, content_type=content_type))
