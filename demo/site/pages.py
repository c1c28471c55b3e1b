"""Rendering one publisher's pages into a route table: the plumbing and the article pages."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from demo import templates as t
from demo.site.model import EPOCH, HTML, Article, Resource, Spec, clean, hex_id, summary

if TYPE_CHECKING:
    from demo.site.demosite import DemoSite


class Pages:
    """Renders one publisher's pages for the site's current cycle into a route table."""

    def __init__(self, site: DemoSite, spec: Spec, etags: dict[int, str]) -> None:
        self.site = site
        self.spec = spec
        self.style = spec.style
        self.host = site._host[spec.style]
        self.base = site._base[spec.style]
        self.etags = etags
        self.routes: dict[str, Resource] = {}
        self.chrome = t.make_chrome(spec.style, spec.name) if spec.style in t.STYLES else None

    # --- plumbing ---

    def put(
        self,
        path: str,
        body: str | bytes,
        content_type: str = HTML,
        when: datetime = EPOCH,
        *,
        salt: str = "",
    ) -> Resource:
        data = body.encode("utf-8") if isinstance(body, str) else body
        res = self.site._resource(self.host, path, data, content_type, when, salt=salt)
        self.routes[path] = res
        return res

    def status(self, path: str, status: int, title: str) -> None:
        body = t.simple_page(title, f"{title}.").encode()
        self.routes[path] = Resource(status, HTML, body)

    def redirect(self, path: str, status: int, location: str) -> None:
        self.routes[path] = Resource(status, HTML, b"", location=location)

    def url(self, article: Article) -> str:
        return self.base + article.path

    def alias(self, article: Article, url: str) -> str:
        """Record `url` (and its cleaned form) as an alias of `article`; return it."""
        canonical, aliases = self.url(article), self.site._aliases[article.id]
        for candidate in (url, clean(url)):
            if candidate != canonical and candidate not in aliases:
                aliases.append(candidate)
        return url

    def newest(self) -> list[Article]:
        return self.site._of_style(self.style)

    def link(self, article: Article, url: str | None = None) -> t.Link:
        return t.Link(article.draft.title, self.alias(article, url) if url else self.url(article))

    def item(self, article: Article, link: str) -> t.FeedItem:
        d = article.draft
        return t.FeedItem(
            d.title, link, f"{self.style}-{article.id}", d.published_at, d.author, summary(d)
        )

    # --- pages ---

    def chrome_(self) -> t.Chrome:
        assert self.chrome is not None
        return self.chrome

    def robots(self, disallow: Sequence[str], sitemaps: Sequence[str] = ()) -> None:
        self.put(
            "/robots.txt",
            t.robots(disallow, [self.base + s for s in sitemaps]),
            "text/plain; charset=utf-8",
        )

    def view(self, article: Article) -> t.ArticleView:
        site, d, cycle = self.site, article.draft, self.site.cycle
        by_id = site._articles
        live = self.newest()
        shuffle = random.Random(f"{site.seed}-mostread-{self.style}-{cycle}")
        rotating = self.style in ("herald", "lattice")
        popular = shuffle.sample(live, 5) if rotating else live[-5:]
        ads = random.Random(f"{site.seed}-ads-{cycle}-{article.id}")
        source = by_id[article.source] if article.source else None
        return t.ArticleView(
            url=self.url(article),
            title=d.title,
            blocks=d.blocks,
            author=d.author,
            published=d.published_at,
            modified=article.modified,
            section=d.section,
            description=summary(d),
            most_read=[self.link(a) for a in popular],
            related=[t.Link(by_id[i].draft.title, site._url(by_id[i])) for i in article.related],
            updated_line=site._clock() if self.style == "herald" else None,
            ad_ids=[hex_id(ads, 10) for _ in range(3)] if self.style == "farm" else [],
            amp_url=self.base + "/amp" + article.path if self.style == "herald" else None,
            source_url=site._url(source) if source else None,
            post_id=article.id,
        )

    def articles(self) -> None:
        chrome, site = self.chrome_(), self.site
        for article in site._articles.values():
            if article.style != self.style or article.born > site.cycle:
                continue
            if not site._is_live(article):
                status = site._gone_plan[article.id]
                self.status(article.path, status, "Gone" if status == 410 else "Page not found")
                if self.style == "herald":
                    self.status("/amp" + article.path, status, "Gone")
                continue
            view = self.view(article)
            salt = f"cycle-{site.cycle}" if self.style == "wire" else ""
            res = self.put(
                article.path, t.render_article(chrome, view), when=article.modified, salt=salt
            )
            self.etags[article.id] = res.etag
            if self.style == "herald":
                self.put(
                    "/amp" + article.path,
                    t.render_article(chrome, view, amp=True),
                    when=article.modified,
                )

    def fault(self, path: str, kind: str) -> str:
        url = self.base + path
        self.site._faults[url] = kind
        return url

    def corpus(self) -> None:
        self.robots([], ["/sitemap.xml"])
        urls = []
        for page in self.site._corpus:
            path = f"/page/{page.name}.html"
            self.put(path, page.html)
            urls.append((self.base + path, EPOCH))
        self.put("/sitemap.xml", t.urlset(urls), "application/xml; charset=utf-8")
        body = "".join(f'<li><a href="{t.e(u)}">{t.e(u)}</a></li>' for u, _ in urls)
        self.put("/", f"<!DOCTYPE html><html><body><ul>{body}</ul></body></html>")
