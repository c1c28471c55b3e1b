"""Feeds: RSS 2.0, Atom, JSON Feed, RSS 1.0 (RDF) and RSS 0.92."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from demo.templates.base import e


@dataclass(frozen=True)
class FeedItem:
    """One entry of any feed format."""

    title: str
    link: str
    guid: str
    published: datetime
    author: str | None
    summary: str


def xml(body: str) -> str:
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body


def rss2(
    title: str, site: str, description: str, items: Sequence[FeedItem], *, ttl: int, built: datetime
) -> str:
    """RSS 2.0 with <ttl>, <guid isPermaLink="false"> and dc:creator."""
    entries = "".join(
        f"""<item><title>{e(i.title)}</title><link>{e(i.link)}</link>
<guid isPermaLink="false">{e(i.guid)}</guid><pubDate>{format_datetime(i.published)}</pubDate>
{f"<dc:creator>{e(i.author)}</dc:creator>" if i.author else ""}
<description>{e(i.summary)}</description></item>
"""
        for i in items
    )
    return xml(f"""<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>{e(title)}</title><link>{e(site)}</link><description>{e(description)}</description>
<language>en-gb</language><ttl>{ttl}</ttl><lastBuildDate>{format_datetime(built)}</lastBuildDate>
{entries}</channel></rss>
""")


def atom(
    title: str, site: str, feed_url: str, items: Sequence[FeedItem], *, updated: datetime
) -> str:
    """Atom 1.0 with tag: ids and alternate links."""
    entries = "".join(
        f"""<entry><id>{e(i.guid)}</id><title>{e(i.title)}</title>
<link rel="alternate" type="text/html" href="{e(i.link)}"/>
<published>{i.published.isoformat()}</published><updated>{i.published.isoformat()}</updated>
{f"<author><name>{e(i.author)}</name></author>" if i.author else ""}
<summary>{e(i.summary)}</summary></entry>
"""
        for i in items
    )
    return xml(f"""<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
<id>{e(site)}/</id><title>{e(title)}</title><updated>{updated.isoformat()}</updated>
<link rel="self" href="{e(feed_url)}"/><link rel="alternate" href="{e(site)}/"/>
<author><name>{e(title)}</name></author>
{entries}</feed>
""")


def json_feed(title: str, site: str, feed_url: str, items: Sequence[FeedItem]) -> str:
    """JSON Feed 1.1."""
    data = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": site + "/",
        "feed_url": feed_url,
        "language": "en-US",
        "items": [
            {
                "id": i.guid,
                "url": i.link,
                "title": i.title,
                "summary": i.summary,
                "content_text": i.summary,
                "date_published": i.published.isoformat(),
                **({"authors": [{"name": i.author}]} if i.author else {}),
            }
            for i in items
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def rss1(title: str, site: str, feed_url: str, items: Sequence[FeedItem]) -> str:
    """RSS 1.0 (RDF) with dc:date and dc:creator."""
    seq = "".join(f'<rdf:li rdf:resource="{e(i.link)}"/>' for i in items)
    entries = "".join(
        f"""<item rdf:about="{e(i.link)}"><title>{e(i.title)}</title><link>{e(i.link)}</link>
<description>{e(i.summary)}</description><dc:date>{i.published.isoformat()}</dc:date>
{f"<dc:creator>{e(i.author)}</dc:creator>" if i.author else ""}</item>
"""
        for i in items
    )
    return xml(f"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="{e(feed_url)}"><title>{e(title)}</title><link>{e(site)}/</link>
<description>{e(title)} top stories</description>
<items><rdf:Seq>{seq}</rdf:Seq></items></channel>
{entries}</rdf:RDF>
""")


def rss092(title: str, site: str, items: Sequence[FeedItem]) -> str:
    """RSS 0.92: items with title, link and description only."""
    entries = "".join(
        f"<item><title>{e(i.title)}</title><link>{e(i.link)}</link>"
        f"<description>{e(i.summary)}</description></item>\n"
        for i in items
    )
    return xml(f"""<rss version="0.92"><channel><title>{e(title)}</title><link>{e(site)}/</link>
<description>The latest from {e(title)}</description><language>en</language>
{entries}</channel></rss>
""")
