"""The metadata site's publishers: five pages each, each publisher with one class of metadata
trap (site suffix, headline candidate, byline source, time zone, body in data), and truth."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape

PAGES = 5  # per publisher; the last is published only by MetadataSite.release()
CET = timezone(timedelta(hours=1))


@dataclass
class PageTruth:
    """What newsmon must store for one page."""

    publisher: str
    path: str
    title: str
    author: str | None  # "A; B"
    published_at: datetime
    paragraphs: list[str]
    absent: list[str] = field(default_factory=list)  # lines that must not be in the text
    html: str = ""
    feed_date: bool = True  # the feed entry gives the date (the time zone's witness)


_WHO = ("Anna", "Piotr", "Jonas", "Lena", "Marta", "Tomas", "Ines", "Carlos", "Eva", "Hugo")
_WHAT = (
    "the harbour authority", "the regional council", "the water board", "the university",
    "the transport union", "the hospital trust", "the chamber of commerce", "the court",
)  # fmt: skip
_DID = (
    "published figures showing a rise of {n} per cent over the previous year",
    "said the work would take at least {n} months and cost more than first planned",
    "confirmed that {n} households had been contacted before the decision was taken",
    "warned that the budget for the coming year was short by {n} million euros",
    "agreed to review the plan again in {n} weeks after hearing from residents",
)
_THEN = (
    "Critics said the timetable left too little room for public consultation.",
    "Officials insisted that the numbers had been checked by independent auditors.",
    "Residents who attended the meeting asked for the documents to be published in full.",
    "The opposition called for a debate before any money is committed to the project.",
    "A spokesperson declined to say when the next update would be released.",
)


def prose(seed: int, count: int = 5) -> list[str]:
    """`count` paragraphs, each over 40 words and unique to `seed` (no boilerplate)."""
    out = []
    for i in range(count):
        k = seed * 7 + i
        who, what = _WHO[k % len(_WHO)], _WHAT[(k // 3) % len(_WHAT)]
        did = _DID[(k + seed) % len(_DID)].format(n=seed * 3 + i + 2)
        then = _THEN[(k * 3 + seed) % len(_THEN)]
        out.append(
            f"On day {seed}-{i}, {what} {did}, according to {who} {seed + i}, who has followed "
            f"the matter for the paper since it began. {then} Further meetings are planned "
            f"for the autumn session, paragraph {i + 1} of report {seed}."
        )
    return out


def page(lang: str, head: str, top: str, paragraphs: list[str], after: str = "") -> str:
    """An article page: site header and footer, the article with `top` before its body."""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head><body>'
        '<header class="masthead"><a href="/">Home</a> <a href="/news/">News</a></header>'
        f'<main><article>{top}<div class="story-body">{body}</div>{after}</article></main>'
        "<footer><p>All rights reserved. Contact the newsroom.</p></footer></body></html>"
    )


def _meta(prop: str, content: str, attr: str = "property") -> str:
    return f'<meta {attr}="{prop}" content="{escape(content)}">'


def _ld(obj: Mapping[str, object]) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj, ensure_ascii=False)}</script>'


def _when(n: int, day: int) -> datetime:
    return datetime(2024, 3, day, 8 + n, 15, tzinfo=CET)


def kurier(n: int) -> PageTruth:
    """A long site segment in <title> and og:title; the last page has no h1."""
    title = f"Radni Łodzi przyjęli plan dla dzielnicy numer {n}"
    full = f"{title} | Kurier Poranny dziennik regionu łódzkiego od 1957 roku"
    when, paras = _when(n, 4), prose(100 + n)
    head = f"<title>{escape(full)}</title>" + _meta("og:title", full)
    head += _meta("article:published_time", when.isoformat())
    lead = f"<h1>{escape(title)}</h1>" if n < PAGES else f'<h2 class="lead">{escape(title)}</h2>'
    html = page("pl", head, lead, paras)
    return PageTruth("kurier", f"/kurier/{n}.html", title, None, when, paras, html=html)


_SOCIAL = ("You won't believe what the council did next", "Ten things to know about the vote")


def ledger(n: int) -> PageTruth:
    """The h1 is the headline; og:title is a social variant on some pages, and on the last
    page <title> an SEO variant too: no two candidates agree there."""
    title = f"Council approves new ferry route to the northern islands, phase {n}"
    seo = f"Ferry route phase {n}: council vote, timetable and fares explained"
    social = _SOCIAL[n % 2] + f" ({n})" if n % 2 or n == PAGES else title
    page_title = seo if n == PAGES else title
    when, paras = _when(n, 5), prose(200 + n)
    head = f"<title>{escape(page_title)} | The Evening Ledger</title>"
    head += _meta("og:title", social) + _meta("og:site_name", "The Evening Ledger")
    head += _meta("article:published_time", when.isoformat())
    top = f'<p class="kicker">Transport</p><h1>{escape(title)}</h1>'
    html = page("en-GB", head, top, paras)
    return PageTruth("ledger", f"/ledger/{n}.html", title, None, when, paras, html=html)


def harbour(n: int) -> PageTruth:
    """JSON-LD names the section editor; the meta author and the visible byline name the
    reporters ("Brazil, Rachel", "By A and B"); the last page has no visible byline."""
    title = f"Harbour dredging to resume after storm damage survey {n}"
    when, paras = _when(n, 6), prose(300 + n)
    two = n == 2
    meta = "Brazil, Rachel; Hale, Tom" if two else "Brazil, Rachel"
    shown = "By Rachel Brazil and Tom Hale" if two else "By Rachel Brazil"
    author = "Rachel Brazil; Tom Hale" if two else "Rachel Brazil"
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": title,
        "datePublished": when.isoformat(),
        "author": [{"@type": "Person", "name": "Margaret Olsen"}],
        "publisher": {"@type": "Organization", "name": "Harbour Courier"},
    }
    head = f"<title>{escape(title)}</title>" + _meta("author", meta, "name") + _ld(ld)
    top = f"<h1>{escape(title)}</h1>"
    if n < PAGES:
        top += f'<div class="byline">{escape(shown)}</div>'
    html = page("en-AU", head, top, paras)
    return PageTruth("harbour", f"/harbour/{n}.html", title, author, when, paras, html=html)


def bote(n: int) -> PageTruth:
    """Naive local times in the meta tags; the feed gives the offset, except for the last."""
    title = f"Stadtrat beschließt neuen Radweg am Rheinufer, Abschnitt {n}"
    when, paras = _when(n, 7), prose(400 + n)
    naive = when.replace(tzinfo=None).isoformat()
    head = f"<title>{escape(title)}</title>" + _meta("article:published_time", naive)
    head += _meta("author", "Jonas Becker", "name")
    top = f"<h1>{escape(title)}</h1>"
    html = page("de", head, top, paras)
    return PageTruth(
        "bote", f"/bote/{n}.html", title, "Jonas Becker", when, paras, html=html,
        feed_date=n < PAGES,
    )  # fmt: skip


_CRUMBS = ("Inicio", "Andalucía", "Sevilla")


def diario(n: int) -> PageTruth:
    """JSON-LD time with its offset beside a naive meta time and a wrong date in a sidebar;
    a breadcrumb trail and a "Trending" line inside the article."""
    title = f"El ayuntamiento aprueba el presupuesto de limpieza urbana {n}"
    when, paras = _when(n, 8), prose(500 + n)
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": title,
        "datePublished": when.isoformat(),
        "author": [
            {"@type": "Person", "name": "Lucía Fernández"},
            {"@type": "Organization", "name": "Diario del Sur"},
        ],
    }
    head = f"<title>{escape(title)} - Diario del Sur</title>" + _ld(ld)
    head += _meta("article:published_time", when.replace(tzinfo=None).isoformat())
    crumbs = "<p>" + " › ".join(_CRUMBS) + "</p>"
    trending = f"<p>Trending: Feria de Abril | Semana Santa | Betis {n}</p>"
    top = f'<div class="article-nav">{crumbs}</div>{trending}<h1>{escape(title)}</h1>'
    after = '<aside><time datetime="2023-01-02">2 de enero de 2023</time></aside>'
    html = page("es", head, top, paras, after)
    absent = [" › ".join(_CRUMBS), f"Trending: Feria de Abril | Semana Santa | Betis {n}"]
    return PageTruth(
        "diario", f"/diario/{n}.html", title, "Lucía Fernández", when, paras, absent, html
    )


def pulse(n: int) -> PageTruth:
    """A Next.js shell: the body only in __NEXT_DATA__ (odd pages) or in JSON-LD articleBody
    (even pages); title, author and time in the meta tags."""
    title = f"Startup raises funds for battery recycling plant number {n}"
    when, paras = _when(n, 11), prose(600 + n)
    head = f"<title>{escape(title)} | Pulse</title>" + _meta("og:title", title)
    head += _meta("author", "Eva Lindqvist", "name")
    head += _meta("article:published_time", when.isoformat())
    if n % 2:
        blocks = [{"type": "paragraph", "text": p} for p in paras]
        data = {"props": {"pageProps": {"article": {"title": title, "blocks": blocks}}}}
        script = json.dumps(data, ensure_ascii=False)
        shell = f'<script id="__NEXT_DATA__" type="application/json">{script}</script>'
    else:
        ld = {"@type": "NewsArticle", "headline": title, "articleBody": "\n\n".join(paras)}
        shell = _ld(ld)
    html = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{head}</head><body>'
        f'<div id="__next"><div class="skeleton">Loading…</div></div>{shell}</body></html>'
    )
    return PageTruth("pulse", f"/pulse/{n}.html", title, "Eva Lindqvist", when, paras, html=html)


PUBLISHERS = {
    "kurier": kurier,
    "ledger": ledger,
    "harbour": harbour,
    "bote": bote,
    "diario": diario,
    "pulse": pulse,
}


def rss(base: str, name: str, pages: list[PageTruth]) -> str:
    """The publisher's RSS feed: its pages, newest first; a date only where `feed_date`."""
    items = []
    for p in reversed(pages):
        date = f"<pubDate>{format_datetime(p.published_at)}</pubDate>" if p.feed_date else ""
        items.append(
            f"<item><title>{escape(p.title)}</title><link>{base}{p.path}</link>{date}</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{name}</title><link>{base}/{name}/</link><description>{name}</description>"
        + "".join(items)
        + "</channel></rss>"
    )
