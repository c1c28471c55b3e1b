"""The fault site's listings: hostile feeds and sitemaps, and what robots.txt forbids."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from demo.faults.bodies import Reply, article_html, bomb, compress, laugh_entities, rss

if TYPE_CHECKING:
    from demo.faults.site import FaultSite


def listings(site: FaultSite, gazette: dict[str, Reply]) -> None:
    """/feed.xml, linking every page a crawl must try, then the hostile feeds and sitemaps."""
    base = site.base()
    indexed = (base + "/index.php?id=7", base + "/news/kept-slug/index.html")
    direct = [u for u in site.good if u.startswith(base) and "/from-" not in u]
    direct = [u for u in direct if u not in indexed]
    moved = [base + p for p in ("/news/moved.html", "/news/old-7.html", "/news/old-slug.html")]
    site.robots_refused = [base + "/private/members.html", base + "/bad/to-private.html"]
    gazette["/bad/to-private.html"] = Reply(302, headers={"Location": "/private/redirected.html"})
    links = [*direct, *moved, *site.bad, *site.canary_urls, *site.robots_refused]
    links = [u for u in links if u != site.base("landing") + "/news/landed.html"]
    gazette["/feed.xml"] = Reply(body=rss(links), content_type="application/rss+xml")
    _bad_feeds(gazette, base)
    _bad_sitemaps(site, gazette)


def _bad_feeds(gazette: dict[str, Reply], base: str) -> None:
    """Feeds that must fail (or yield one link) without hurting the crawl."""
    laughs = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [{laugh_entities()}]>\n<rss version="2.0"><channel>'
        "<title>&lol9;</title><item><title>&lol9;</title>"
        f"<link>{base}/news/from-laughs.html</link><description>&lol9;</description>"
        "</item></channel></rss>\n"
    )
    gazette["/feeds/laughs.xml"] = Reply(body=laughs.encode(), content_type="application/rss+xml")
    gazette["/feeds/malformed.xml"] = Reply(
        body=b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
        content_type="application/rss+xml",
    )
    gazette["/feeds/broken.json"] = Reply(
        body=b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"url": "/news/',
        content_type="application/feed+json",
    )
    whole = rss([base + "/news/from-truncated.html", base + "/news/plain-1.html"]).decode()
    cut = whole.index("<item>", whole.index("<item>") + 1) + 30
    gazette["/feeds/truncated.xml"] = Reply(
        body=whole[:cut].encode(), content_type="application/rss+xml"
    )
    gazette["/feeds/tangled.xml"] = Reply(
        body=b"<rss><channel><item><link></item></link></channel></rss>",
        content_type="application/rss+xml",
    )
    gazette["/feeds/bomb.xml"] = Reply(
        body=bomb("gzip"),
        content_type="application/rss+xml",
        headers={"Content-Encoding": "gzip"},
    )


def _bad_sitemaps(site: FaultSite, gazette: dict[str, Reply]) -> None:
    """Sitemaps that must fail (or yield one link), gzipped ones included."""
    base = site.base()
    sitemap = (
        f'<?xml version="1.0"?>\n<!DOCTYPE urlset [{laugh_entities()}]>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}/news/from-sitemap.html</loc><lastmod>&lol9;</lastmod></url>"
        "</urlset>\n"
    )
    gazette["/sitemaps/laughs.xml"] = Reply(body=sitemap.encode(), content_type="application/xml")
    gazette["/sitemaps/index.xml"] = Reply(
        body=b'<?xml version="1.0"?><sitemapindex><sitemap><loc>file:///etc/passwd</loc>'
        b"</sitemap><sitemap><loc>data:text/xml,&lt;urlset/&gt;</loc></sitemap>"
        b"</sitemapindex>\n",
        content_type="application/xml",
    )
    _gzip_sitemaps(site, gazette)
    gazette["/sitemaps/broken.xml"] = Reply(
        body=random.Random("sitemap").randbytes(4096), content_type="application/xml"
    )


def _gzip_sitemaps(site: FaultSite, gazette: dict[str, Reply]) -> None:
    """Sitemaps as gzip files, none with Content-Encoding; and what robots.txt forbids."""
    base = site.base()
    for path, link, kind in (
        ("/sitemaps/news.xml.gz", "/news/from-gzip-sitemap.html", "application/x-gzip"),
        ("/sitemaps/gzipped.xml", "/news/from-gzipped-sitemap.html", "application/xml"),
    ):
        body = (
            '<?xml version="1.0"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{base}{link}</loc></url></urlset>\n"
        )
        gazette[path] = Reply(body=compress(body.encode(), "gzip"), content_type=kind)
    gazette["/sitemaps/bomb.xml.gz"] = Reply(body=bomb("gzip"), content_type="application/x-gzip")
    for path in ("/private/members.html", "/private/redirected.html"):
        html = article_html("Members only", ["Subscribe to read this page."] * 3)
        gazette[path] = Reply(body=html.encode())
