"""Each publisher's listings: home, section pages, feeds, sitemaps, and the faults they link."""

from __future__ import annotations

import collections
import random
from datetime import timedelta

from demo import templates as t
from demo.site.model import (
    EPOCH,
    FAULT_404,
    FAULT_500,
    FAULT_BINARY,
    FAULT_EMPTY,
    HTML,
    Article,
    Resource,
    hex_id,
    pdf_bytes,
)
from demo.site.pages import Pages


class SitePages(Pages):
    """A publisher's whole route table: its article pages and the listings of its kind."""

    def render(self) -> dict[str, Resource]:
        if self.style == "corpus":
            self.corpus()
        else:
            self.articles()
            getattr(self, self.style)()
            self.put(
                "/",
                t.listing_page(
                    self.chrome_(), self.spec.name, [self.link(a) for a in self.newest()[:15]]
                ),
            )
        self.routes["\0404"] = Resource(
            404, HTML, t.simple_page("Page not found", "Sorry").encode()
        )
        return self.routes

    def herald(self) -> None:
        self.robots(["/private/", "/search"])
        live = self.newest()
        items = []
        for a in live[:30]:
            target = self.base + ("/amp" + a.path if a.id % 6 == 5 else a.path)
            items.append(self.item(a, self.alias(a, target + "?utm_source=rss&utm_medium=feed")))
        self.put(
            "/feeds/rss.xml",
            t.rss2(
                self.spec.name,
                self.base + "/",
                "Top stories",
                items,
                ttl=15,
                built=self.site._clock(),
            ),
            "application/rss+xml; charset=utf-8",
            self.site._clock(),
        )
        self.herald_news(live)
        self.herald_world(live)

    def herald_news(self, live: list[Article]) -> None:
        faults = [
            t.Link(
                "Live: coverage unavailable",
                self.fault("/2024/03/17/live-coverage-unavailable-99001.html", FAULT_500),
            ),
            t.Link("Story removed", self.fault("/2024/03/16/story-removed-99002.html", FAULT_404)),
        ]
        self.routes["/2024/03/17/live-coverage-unavailable-99001.html"] = Resource(
            500, HTML, t.simple_page("Internal Server Error", "Something went wrong").encode()
        )
        self.status("/2024/03/16/story-removed-99002.html", 404, "Page not found")
        links = [self.link(a, self.url(a) + "#comments" if a.id % 7 == 6 else None) for a in live]
        pages = [links[i : i + 20] for i in range(0, len(links), 20)]
        pages[0][3:3] = faults
        for n, chunk in enumerate(pages, start=1):
            path = "/news/" if n == 1 else f"/news/page/{n}/"
            nxt = self.base + f"/news/page/{n + 1}/" if n < len(pages) else None
            self.put(
                path,
                t.listing_page(
                    self.chrome_(),
                    f"News, page {n}",
                    chunk,
                    next_url=nxt,
                    canonical=self.base + path,
                ),
            )

    def herald_world(self, live: list[Article]) -> None:
        links = [self.link(a) for a in live if a.draft.section == "world"][:25]
        for k, slug in enumerate(("members-briefing-99005", "subscriber-analysis-99006")):
            path = f"/private/2024/03/15/{slug}.html"
            url = self.base + path
            if url not in self.site._private:
                self.site._private.append(url)
            links.insert(2 + 5 * k, t.Link("Members only: the week ahead", url))
            self.put(path, t.simple_page("Members only", "Subscribe to read this briefing"))
        self.put(
            "/world/",
            t.listing_page(self.chrome_(), "World", links, canonical=self.base + "/world/"),
        )

    def lattice(self) -> None:
        self.robots(["/api/"], ["/sitemap_index.xml"])
        live = self.newest()
        for a in self.site._articles.values():
            if a.style == "lattice" and a.born <= self.site.cycle:
                self.redirect(f"/s/{a.id}", 301, f"{self.base}/n/{a.id}")
                self.redirect(f"/n/{a.id}", 301, self.url(a))
        items = []
        for a in live[:20]:
            if a.id % 4 == 3:
                link = self.alias(a, f"{self.base}/s/{a.id}")
                self.alias(a, f"{self.base}/n/{a.id}")
            elif a.id % 5 == 4:
                link = self.alias(a, self.url(a) + f"?fbclid=IwAR{hex_id(random.Random(a.id), 24)}")
            else:
                link = self.url(a)
            items.append(self.item(a, link))
        empty = "/news/world/placeholder-story-99003"
        items.insert(
            2,
            t.FeedItem(
                "Developing story",
                self.fault(empty, FAULT_EMPTY),
                "lattice-99003",
                EPOCH - timedelta(hours=3),
                None,
                "Details to follow.",
            ),
        )
        self.put(empty, b"")
        self.put(
            "/feeds/atom.xml",
            t.atom(
                self.spec.name,
                self.base,
                self.base + "/feeds/atom.xml",
                items,
                updated=self.site._clock(),
            ),
            "application/atom+xml; charset=utf-8",
            self.site._clock(),
        )
        self.lattice_sitemaps(live)

    def lattice_sitemaps(self, live: list[Article]) -> None:
        xml = "application/xml; charset=utf-8"
        news = t.news_urlset(self.spec.name, [self.item(a, self.url(a)) for a in live[:15]])
        children = [("/sitemaps/news.xml", self.put("/sitemaps/news.xml", news, xml))]
        weeks: dict[str, list[Article]] = collections.defaultdict(list)
        for a in live:
            year, week, _ = a.draft.published_at.isocalendar()
            weeks[f"/sitemaps/posts-{year}-{week:02d}.xml"].append(a)
        for path, chunk in sorted(weeks.items()):
            body = t.urlset([(self.url(a), a.modified) for a in chunk])
            children.append((path, self.put(path, body, xml)))
        index = t.sitemap_index([(self.base + p, r.last_modified) for p, r in children])
        self.put("/sitemap_index.xml", index, xml)

    def wire(self) -> None:
        self.robots(["/admin/"])
        live = self.newest()
        items = []
        for a in live:
            link = self.url(a)
            if a.id % 6 == 5:
                link = self.alias(a, link + f"?gclid=Cj0KCQ{hex_id(random.Random(a.id), 20)}")
            items.append(self.item(a, link))
        pdf = "/article/99004/annual-report"
        items.insert(
            4,
            t.FeedItem(
                "Meridian Wire annual report",
                self.fault(pdf, FAULT_BINARY),
                "wire-99004",
                EPOCH - timedelta(days=1),
                None,
                "Our year in numbers.",
            ),
        )
        self.put(pdf, pdf_bytes())
        feed_url = self.base + "/feed.json"
        self.put(
            "/feed.json",
            t.json_feed(self.spec.name, self.base, feed_url, items),
            "application/feed+json; charset=utf-8",
            self.site._clock(),
        )
        rdf = [
            self.item(a, self.alias(a, self.url(a) + "#main") if a.id % 4 == 3 else self.url(a))
            for a in live[:20]
        ]
        self.put(
            "/index.rdf",
            t.rss1(self.spec.name, self.base, self.base + "/index.rdf", rdf),
            "application/rdf+xml; charset=utf-8",
            self.site._clock(),
        )

    def farm(self) -> None:
        self.robots(["/wp-admin/"], ["/sitemap.xml"])
        live = self.newest()
        for a in self.site._articles.values():
            if a.style == "farm" and a.born <= self.site.cycle:
                self.redirect(f"/?p={a.id}", 301, f"{self.base}/archives/{a.id}/")
                self.redirect(f"/archives/{a.id}/", 302, self.url(a))
        items = []
        for a in live[:25]:
            link = self.url(a)
            if a.id % 3 == 2:
                link = self.alias(a, f"{self.base}/?p={a.id}")
                self.alias(a, f"{self.base}/archives/{a.id}/")
            items.append(self.item(a, link))
        self.put(
            "/rss.xml",
            t.rss092(self.spec.name, self.base, items),
            "text/xml; charset=utf-8",
            self.site._clock(),
        )
        self.put(
            "/sitemap.xml",
            t.urlset([(self.url(a), a.modified) for a in live]),
            "application/xml; charset=utf-8",
        )
