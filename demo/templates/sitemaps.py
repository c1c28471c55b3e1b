"""Sitemaps (plain, index, Google News) and robots.txt files."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from demo.templates.base import e
from demo.templates.feeds import FeedItem, xml


def _w3c(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sitemap_index(children: Sequence[tuple[str, datetime]]) -> str:
    entries = "".join(
        f"<sitemap><loc>{e(url)}</loc><lastmod>{_w3c(mod)}</lastmod></sitemap>\n"
        for url, mod in children
    )
    return xml(
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</sitemapindex>\n'
    )


def urlset(urls: Sequence[tuple[str, datetime]]) -> str:
    entries = "".join(
        f"<url><loc>{e(url)}</loc><lastmod>{_w3c(mod)}</lastmod><changefreq>daily</changefreq></url>\n"
        for url, mod in urls
    )
    return xml(
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</urlset>\n'
    )


def news_urlset(name: str, items: Sequence[FeedItem]) -> str:
    """A Google News sitemap."""
    entries = "".join(
        f"""<url><loc>{e(i.link)}</loc><news:news><news:publication><news:name>{e(name)}</news:name>
<news:language>en</news:language></news:publication>
<news:publication_date>{i.published.isoformat()}</news:publication_date>
<news:title>{e(i.title)}</news:title></news:news></url>
"""
        for i in items
    )
    return xml(
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"\n'
        ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        f"{entries}</urlset>\n"
    )


def robots(disallow: Sequence[str], sitemaps: Sequence[str] = ()) -> str:
    """A robots.txt; every group has a rule, or RFC 9309 would merge it with the next one."""
    rules = [f"Disallow: {d}" for d in disallow] or ["Allow: /"]
    lines = ["User-agent: *", *rules, "", "User-agent: GPTBot", "Disallow: /", ""]
    lines += [f"Sitemap: {s}" for s in sitemaps]
    return "\n".join(lines) + "\n"
