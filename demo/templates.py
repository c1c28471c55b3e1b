"""HTML page templates (one markup style per publisher), feeds, sitemaps and robots.txt files."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape

from demo.content import PARAGRAPH, SOURCE_LINK, Block

STYLES = ("herald", "lattice", "wire", "farm")


@dataclass(frozen=True)
class Link:
    """A link in a list: headline and absolute URL."""

    title: str
    url: str


@dataclass
class ArticleView:
    """Everything one rendering of an article page needs."""

    url: str  # canonical
    title: str
    blocks: list[Block]
    author: str | None
    published: datetime
    modified: datetime
    section: str
    description: str
    most_read: list[Link] = field(default_factory=list)
    related: list[Link] = field(default_factory=list)
    updated_line: datetime | None = None
    ad_ids: list[str] = field(default_factory=list)
    amp_url: str | None = None
    source_url: str | None = None
    post_id: int = 0


@dataclass(frozen=True)
class Chrome:
    """A publisher's fixed page furniture: name, assets, navigation, footer and boilerplate."""

    style: str
    name: str
    css: str
    script: str
    nav: str
    footer_links: str
    boilerplate: tuple[str, ...]


def e(s: str) -> str:
    """Escape text or an attribute value for HTML and XML."""
    return escape(s, quote=True)


def human_date(dt: datetime) -> str:
    return f"{dt.day} {dt:%B %Y}"


def human_time(dt: datetime) -> str:
    return f"{dt.day} {dt:%B %Y}, {dt:%H:%M} GMT"


# --- page furniture -----------------------------------------------------------------------------
# Real pages are 20-80 KB, mostly furniture: inline CSS, a JS config blob, a mega-menu, a footer.

_MENU = {
    "News": (
        "Home",
        "UK",
        "World",
        "Europe",
        "Americas",
        "Asia",
        "Africa",
        "Middle East",
        "Politics",
        "Education",
        "Media",
        "Science",
        "Environment",
        "Obituaries",
    ),
    "Business": (
        "Markets",
        "Companies",
        "Economics",
        "Personal finance",
        "Property",
        "Careers",
        "Small business",
        "Retail",
        "Banking",
        "Transport",
    ),
    "Sport": (
        "Football",
        "Cricket",
        "Rugby union",
        "Tennis",
        "Golf",
        "Cycling",
        "Athletics",
        "Formula One",
        "Boxing",
        "Swimming",
        "Sailing",
    ),
    "Culture": (
        "Film",
        "Music",
        "Books",
        "TV and radio",
        "Art and design",
        "Stage",
        "Games",
        "Classical",
        "Podcasts",
    ),
    "Lifestyle": (
        "Food",
        "Recipes",
        "Travel",
        "Fashion",
        "Money",
        "Wellness",
        "Family",
        "Gardening",
        "Motoring",
        "Homes",
    ),
    "Opinion": ("Editorials", "Columnists", "Letters", "Cartoons", "Obituaries and tributes"),
}
_FOOTER = (
    "About us",
    "Contact us",
    "Complaints and corrections",
    "Work for us",
    "Advertise with us",
    "Terms and conditions",
    "Privacy policy",
    "Cookie policy",
    "Accessibility",
    "Help centre",
    "Newsletters",
    "Puzzles",
    "Archive",
    "Site map",
    "Syndication",
    "Digital archive",
    "Events",
    "Shop",
    "Subscriptions",
    "Apps",
)


def _slug(s: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in s.lower()).split())


def _css(rng: random.Random, prefix: str, rules: int) -> str:
    parts = ["body{margin:0;font-family:Georgia,serif;color:#121212}"]
    for i in range(rules):
        parts.append(
            f".{prefix}-{rng.choice(('box', 'col', 'row', 'card', 'item', 'pane'))}-{i}"
            f"{{margin:{rng.randint(0, 24)}px {rng.randint(0, 24)}px;"
            f"padding:{rng.randint(0, 16)}px;color:#{rng.randrange(16**6):06x};"
            f"font-size:{rng.randint(11, 22)}px;line-height:{rng.randint(12, 18) / 10}}}"
        )
    return "\n".join(parts)


def _script(rng: random.Random, name: str, units: int) -> str:
    config = {
        "site": name,
        "adUnits": [
            {
                "code": f"slot-{rng.randrange(16**8):08x}",
                "sizes": [[300, 250], [728, 90]],
                "bidders": [
                    {"bidder": b, "params": {"placement": rng.randrange(10**7)}}
                    for b in ("appnexus", "rubicon", "ix", "openx")
                ],
            }
            for _ in range(units)
        ],
        "experiments": {
            f"exp_{rng.randrange(16**6):06x}": rng.choice(("control", "variant"))
            for _ in range(units)
        },
    }
    return "window.__SITE_CONFIG__ = " + json.dumps(config, separators=(",", ":")) + ";"


def _nav(prefix: str) -> str:
    items = []
    for section, subs in _MENU.items():
        links = "".join(
            f'<li class="{prefix}-nav-item"><a class="{prefix}-nav-link" '
            f'href="/{_slug(section)}/{_slug(sub)}/" data-link-name="nav : {e(sub)}">'
            f"{e(sub)}</a></li>"
            for sub in subs
        )
        items.append(
            f'<li class="{prefix}-nav-section"><a href="/{_slug(section)}/">{e(section)}</a>'
            f'<ul class="{prefix}-nav-sub">{links}</ul></li>'
        )
    return "".join(items)


def _footer_links(prefix: str) -> str:
    return "".join(
        f'<li class="{prefix}-footer-item"><a href="/info/{_slug(t)}">{e(t)}</a></li>'
        for t in _FOOTER
    )


BOILERPLATE: dict[str, tuple[str, ...]] = {
    "herald": (
        "We use cookies to personalise content and measure our audience",
        "Get the Northgate Morning Briefing in your inbox every weekday",
        "Most read on Northgate Herald",
        "More from Northgate Herald",
        "Share this article",
        "© 2024 Northgate Herald Media Ltd. All rights reserved.",
    ),
    "lattice": (
        "Accept all cookies to continue browsing The Daily Lattice",
        "Trending now",
        "Sign up for Lattice Daily, our free evening newsletter",
        "You might also like",
        "Share via email",
        "Copyright © 2024 Lattice Publishing Group",
    ),
    "wire": (
        "Manage your privacy choices",
        "Meridian Wire is an independent news agency serving publishers in 90 countries",
        "Licensing and syndication enquiries",
        "Editorial standards and corrections policy",
        "© 2024 Meridian Wire Services. Redistribution prohibited.",
    ),
    "farm": (
        "Leave a Reply",
        "Your email address will not be published.",
        "Required fields are marked",
        "Popular Posts",
        "Subscribe to BuzzDaily Hub alerts",
        "Copyright © 2024 BuzzDaily Hub | Powered by WordPress",
    ),
}


def make_chrome(style: str, name: str) -> Chrome:
    """The fixed furniture of `style`, the same for every page (seeded by the style name)."""
    rng = random.Random(f"chrome-{style}")
    prefix = style[:3]
    return Chrome(
        style=style,
        name=name,
        css=_css(rng, prefix, rules=90),
        script=_script(rng, name, units=14),
        nav=_nav(prefix),
        footer_links=_footer_links(prefix),
        boilerplate=BOILERPLATE[style],
    )


def _links(links: Sequence[Link], cls: str) -> str:
    return "".join(
        f'<li class="{cls}"><a href="{e(lk.url)}">{e(lk.title)}</a></li>' for lk in links
    )


def _paragraphs(blocks: Sequence[Block], p_open: str = "<p>", p_close: str = "</p>") -> list[str]:
    """Body blocks as HTML; a copier's boilerplate lines stay inside the body, as scraped."""
    out = []
    for b in blocks:
        if b.kind == PARAGRAPH:
            out.append(f"{p_open}{e(b.text)}{p_close}")
        elif b.kind == SOURCE_LINK:
            out.append(f'<p><a href="#" rel="nofollow noopener">{e(b.text)}</a></p>')
        else:
            out.append(f"<p><strong>{e(b.text)}</strong></p>")
    return out


# --- the Northgate Herald: semantic HTML5, OpenGraph/article meta, AMP variants -------------------


def _herald_head(c: Chrome, v: ArticleView, amp: bool) -> str:
    author_meta = f'<meta name="author" content="{e(v.author)}">' if v.author else ""
    amp_link = "" if amp or not v.amp_url else f'<link rel="amphtml" href="{e(v.amp_url)}">'
    return f"""<head>
<meta charset="utf-8">
<title>{e(v.title)} | {e(c.name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="{e(v.description)}">
{author_meta}
<meta property="og:type" content="article">
<meta property="og:title" content="{e(v.title)}">
<meta property="og:site_name" content="{e(c.name)}">
<meta property="og:url" content="{e(v.url)}">
<meta property="og:description" content="{e(v.description)}">
<meta property="article:published_time" content="{v.published.isoformat()}">
<meta property="article:modified_time" content="{v.modified.isoformat()}">
<meta property="article:section" content="{e(v.section.title())}">
<link rel="canonical" href="{e(v.url)}">
{amp_link}
<link rel="alternate" type="application/rss+xml" title="{e(c.name)}" href="/feeds/rss.xml">
<style>{c.css}</style>
<script>{c.script}</script>
</head>"""


def herald_article(c: Chrome, v: ArticleView, *, amp: bool = False) -> str:
    """A semantic page: <article>, <header>, <time>, an <aside> newsletter box in the body."""
    paras = _paragraphs(v.blocks)
    promo = (
        '<aside class="newsletter-promo" aria-label="Newsletter"><h2>Morning Briefing</h2>'
        f'<p>{e(c.boilerplate[1])}.</p><form action="/newsletters/signup" method="post">'
        '<input type="email" name="email" placeholder="Email address"><button>Sign up</button>'
        "</form></aside>"
    )
    paras.insert(min(3, len(paras)), promo)
    byline = (
        f'<p class="byline">By <a rel="author" href="/profile/{_slug(v.author)}">'
        f"{e(v.author)}</a></p>"
        if v.author
        else ""
    )
    updated = (
        f'<p class="site-status">Last updated: {human_time(v.updated_line)}</p>'
        if v.updated_line
        else ""
    )
    html_open = '<html amp lang="en-GB">' if amp else '<html lang="en-GB">'
    body_cls = "amp-article" if amp else "article-page"
    return f"""<!DOCTYPE html>
{html_open}
{_herald_head(c, v, amp)}
<body class="{body_cls}">
<div id="cookie-banner" class="cookie-consent" role="dialog" aria-live="polite">
<p>{e(c.boilerplate[0])}. You can change your choices at any time.</p>
<button class="cookie-accept">Accept all</button>
<button class="cookie-manage">Manage options</button>
</div>
<header class="site-header">
<a class="logo" href="/">{e(c.name)}</a>
{updated}
<nav class="main-nav" aria-label="Sections"><ul>{c.nav}</ul></nav>
</header>
<main id="content">
<article class="story" id="story-{v.post_id}">
<header class="story-header">
<p class="kicker"><a href="/news/{_slug(v.section)}/">{e(v.section.title())}</a></p>
<h1 class="headline">{e(v.title)}</h1>
{byline}
<p class="dateline"><time datetime="{v.published.isoformat()}">{human_time(v.published)}</time></p>
</header>
<div class="share-tools" aria-label="Share">
<span class="share-label">{e(c.boilerplate[4])}</span>
<a class="share-facebook" href="https://www.facebook.com/sharer/sharer.php">Facebook</a>
<a class="share-x" href="https://x.com/intent/post">X</a>
<a class="share-email" href="mailto:?subject=story">Email</a>
</div>
<div class="story-body" itemprop="articleBody">
{chr(10).join(paras)}
</div>
<footer class="story-footer">
<section class="related-links" aria-label="Related"><h2>{e(c.boilerplate[3])}</h2>
<ul>{_links(v.related, "related-item")}</ul></section>
</footer>
</article>
<aside class="sidebar" aria-label="Most read">
<section class="most-read"><h2>{e(c.boilerplate[2])}</h2>
<ol>{_links(v.most_read, "most-read-item")}</ol></section>
<div class="ad-slot ad-mpu" data-ad-unit="herald-mpu">Advertisement</div>
</aside>
</main>
<footer class="site-footer">
<ul class="footer-links">{c.footer_links}</ul>
<p class="copyright">{e(c.boilerplate[5])}</p>
</footer>
</body>
</html>
"""


# --- The Daily Lattice: div soup, visible byline and date only -----------------------------------


def lattice_article(c: Chrome, v: ArticleView) -> str:
    """A class-heavy div page with no metadata in <head> beyond title and canonical."""
    byline = f'<span class="author-name">By {e(v.author)}</span> ' if v.author else ""
    paras = "\n".join(_paragraphs(v.blocks))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{e(v.title)} - {e(c.name)}</title>
<meta name="viewport" content="width=device-width">
<link rel="canonical" href="{e(v.url)}">
<link rel="stylesheet" href="/static/css/main.4f2a9c.css">
<style>{c.css}</style>
<script>{c.script}</script>
</head>
<body class="single single-post">
<div id="wrapper">
<div class="cookie-bar" id="cookieBar"><div class="cookie-bar-text">{e(c.boilerplate[0])}.</div>
<div class="cookie-bar-btn"><a href="#" class="btn btn-accept">OK</a></div></div>
<div class="top-bar"><div class="container"><div class="logo"><a href="/">{e(c.name)}</a></div>
<div class="menu-wrap"><ul class="menu">{c.nav}</ul></div></div></div>
<div class="container main-container"><div class="row">
<div class="col-md-8 col-content">
<div class="post-wrap" id="post-{v.post_id}">
<div class="post-cat"><a href="/news/{_slug(v.section)}/">{e(v.section.title())}</a></div>
<div class="post-title"><h1>{e(v.title)}</h1></div>
<div class="post-meta">{byline}<span class="post-date">{human_date(v.published)}</span></div>
<div class="social-share"><div class="share-text">{e(c.boilerplate[4])}</div>
<a class="share-btn fb" href="#">f</a><a class="share-btn tw" href="#">x</a>
<a class="share-btn wa" href="#">w</a></div>
<div class="post-content entry-body">
{paras}
</div>
<div class="you-might-like"><div class="ymal-title">{e(c.boilerplate[3])}</div>
<ul class="ymal-list">{_links(v.related, "ymal-item")}</ul></div>
</div>
</div>
<div class="col-md-4 col-sidebar">
<div class="widget widget-trending"><div class="widget-title">{e(c.boilerplate[1])}</div>
<ul>{_links(v.most_read, "trending-item")}</ul></div>
<div class="widget widget-newsletter">
<div class="widget-newsletter-text">{e(c.boilerplate[2])}.</div>
<input type="email" class="nl-input" placeholder="you@example.com">
<a class="btn nl-btn" href="#">Go</a></div>
</div>
</div></div>
<div class="footer"><div class="container"><ul class="footer-menu">{c.footer_links}</ul>
<div class="copyright">{e(c.boilerplate[5])}</div></div></div>
</div>
</body>
</html>
"""


# --- Meridian Wire: JSON-LD NewsArticle, clean markup, no rotating furniture ----------------------


def _jsonld(c: Chrome, v: ArticleView) -> str:
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": v.title,
        "description": v.description,
        "datePublished": v.published.isoformat(),
        "dateModified": v.modified.isoformat(),
        "mainEntityOfPage": {"@type": "WebPage", "@id": v.url},
        "articleSection": v.section.title(),
        "inLanguage": "en-US",
        "publisher": {"@type": "Organization", "name": c.name},
    }
    if v.author:
        data["author"] = [{"@type": "Person", "name": v.author}]
    # "</" must not end the script element early.
    return json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")


def wire_article(c: Chrome, v: ArticleView) -> str:
    """A wire agency page: metadata only in JSON-LD, body in an articleBody container."""
    byline = f'<div class="byline">By {e(v.author)}</div>' if v.author else ""
    blocks = _paragraphs(v.blocks[:1], '<p class="standfirst">') + _paragraphs(v.blocks[1:])
    return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="utf-8">
<title>{e(v.title)} | {e(c.name)}</title>
<link rel="canonical" href="{e(v.url)}">
<script type="application/ld+json">{_jsonld(c, v)}</script>
<style>{c.css}</style>
<script>{c.script}</script>
</head>
<body>
<div class="privacy-notice" id="privacy"><a href="/privacy/choices">{e(c.boilerplate[0])}</a></div>
<div class="masthead"><a class="brand" href="/">{e(c.name)}</a>
<nav class="sections"><ul>{c.nav}</ul></nav></div>
<div class="page">
<div class="story-wrap">
<h1 class="story-title">{e(v.title)}</h1>
{byline}
<div class="article-body" itemprop="articleBody">
{chr(10).join(blocks)}
</div>
<div class="licensing"><a href="/licensing">{e(c.boilerplate[2])}</a> ·
<a href="/standards">{e(c.boilerplate[3])}</a></div>
</div>
</div>
<div class="site-footer"><div class="about">{e(c.boilerplate[1])}.</div>
<ul class="links">{c.footer_links}</ul>
<div class="legal">{e(c.boilerplate[4])}</div></div>
</body>
</html>
"""


# --- BuzzDaily Hub: a content farm on an old table/<font> theme with a comment form ---------------


def farm_article(c: Chrome, v: ArticleView) -> str:
    """Tables and <font>, Yoast-style meta tags, rotating ad ids, "Leave a Reply" form."""
    author_meta = f'<meta name="author" content="{e(v.author)}">' if v.author else ""
    byline = f"Posted by {e(v.author)} on " if v.author else "Posted on "
    blocks = []
    for b in v.blocks:
        if b.kind == SOURCE_LINK and v.source_url:
            blocks.append(
                f'<p><a href="{e(v.source_url)}" rel="nofollow noopener">{e(b.text)}</a></p>'
            )
        else:
            blocks.extend(_paragraphs([b], '<p><font face="Georgia" size="3">', "</font></p>"))
    ads = [
        f'<div id="div-gpt-ad-{ad}" class="ad-unit" data-slot="{ad}">'
        '<font size="1">Advertisement</font></div>'
        for ad in v.ad_ids
    ]
    return f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta http-equiv="content-language" content="en">
<title>{e(v.title)} &#8211; {e(c.name)}</title>
{author_meta}
<meta property="og:title" content="{e(v.title)}">
<meta property="og:site_name" content="{e(c.name)}">
<meta property="article:published_time" content="{v.published.isoformat()}">
<link rel="canonical" href="{e(v.url)}">
<style type="text/css">{c.css}</style>
<script type="text/javascript">{c.script}</script>
</head>
<body bgcolor="#ffffff" text="#000000" link="#003399">
<table width="100%" cellpadding="0" cellspacing="0" border="0">
<tr><td colspan="2" class="header" bgcolor="#ffcc00">
<font face="Verdana" size="5"><b>{e(c.name)}</b></font><br>
<font face="Verdana" size="1"><ul class="menu">{c.nav}</ul></font></td></tr>
<tr><td valign="top" width="70%" class="content-cell">
<div class="post hentry" id="post-{v.post_id}">
<h1 class="entry-title"><font face="Georgia">{e(v.title)}</font></h1>
<font size="1" color="#666666">{byline}{v.published:%B} {v.published.day}, {v.published.year}</font>
<div class="entry-content">
{chr(10).join(blocks)}
</div>
<div class="ad-container">{"".join(ads[:-1])}</div>
</div>
<div id="comments" class="comments-area">
<div id="respond" class="comment-respond">
<h3 id="reply-title" class="comment-reply-title">{e(c.boilerplate[0])}</h3>
<form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form">
<p class="comment-notes"><span id="email-notes">{e(c.boilerplate[1])}</span>
<span class="required-field-message">{e(c.boilerplate[2])}
<span class="required">*</span></span></p>
<p class="comment-form-comment"><label for="comment">Comment</label>
<textarea id="comment" name="comment" cols="45" rows="8"></textarea></p>
<p class="form-submit">
<input name="submit" type="submit" id="submit" class="submit" value="Post Comment"></p>
</form>
</div>
</div>
</td>
<td valign="top" class="sidebar" bgcolor="#f4f4f4">
<font face="Verdana" size="2"><b>{e(c.boilerplate[3])}</b></font>
<ul class="popular">{_links(v.most_read, "popular-item")}</ul>
<div class="widget-subscribe"><font size="1">{e(c.boilerplate[4])}</font></div>
{"".join(ads[-1:])}
</td></tr>
<tr><td colspan="2" class="footer"><ul>{c.footer_links}</ul>
<font size="1">{e(c.boilerplate[5])}</font></td></tr>
</table>
</body>
</html>
"""


def render_article(c: Chrome, v: ArticleView, *, amp: bool = False) -> str:
    """The article page of `c`'s style (AMP only exists for the Herald)."""
    if c.style == "herald":
        return herald_article(c, v, amp=amp)
    return {"lattice": lattice_article, "wire": wire_article, "farm": farm_article}[c.style](c, v)


# --- other HTML pages -----------------------------------------------------------------------------


def listing_page(
    c: Chrome,
    title: str,
    links: Sequence[Link],
    *,
    next_url: str | None = None,
    canonical: str | None = None,
) -> str:
    """A home or section page: a list of article links and an optional "Next page" link."""
    nxt = (
        f'<a class="pagination-next" rel="next" href="{e(next_url)}">Next page</a>'
        if next_url
        else ""
    )
    canon = f'<link rel="canonical" href="{e(canonical)}">' if canonical else ""
    items = "".join(
        f'<li class="teaser"><h3 class="teaser-title"><a href="{e(lk.url)}">'
        f"{e(lk.title)}</a></h3></li>"
        for lk in links
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{e(title)} | {e(c.name)}</title>{canon}
<style>{c.css}</style><script>{c.script}</script></head>
<body class="listing">
<header><a class="logo" href="/">{e(c.name)}</a><nav><ul>{c.nav}</ul></nav></header>
<main><h1>{e(title)}</h1><ul class="teasers">{items}</ul>
<nav class="pagination">{nxt}</nav></main>
<footer><ul>{c.footer_links}</ul></footer>
</body>
</html>
"""


def simple_page(title: str, text: str) -> str:
    """A bare page (404, members-only)."""
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>'
        f"</head><body><h1>{e(title)}</h1><p>{e(text)}</p></body></html>\n"
    )


# --- feeds ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedItem:
    """One entry of any feed format."""

    title: str
    link: str
    guid: str
    published: datetime
    author: str | None
    summary: str


def _xml(body: str) -> str:
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
    return _xml(f"""<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
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
    return _xml(f"""<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
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
    return _xml(f"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
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
    return _xml(f"""<rss version="0.92"><channel><title>{e(title)}</title><link>{e(site)}/</link>
<description>The latest from {e(title)}</description><language>en</language>
{entries}</channel></rss>
""")


# --- sitemaps and robots.txt --------------------------------------------------------------------


def _w3c(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sitemap_index(children: Sequence[tuple[str, datetime]]) -> str:
    entries = "".join(
        f"<sitemap><loc>{e(url)}</loc><lastmod>{_w3c(mod)}</lastmod></sitemap>\n"
        for url, mod in children
    )
    return _xml(
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</sitemapindex>\n'
    )


def urlset(urls: Sequence[tuple[str, datetime]]) -> str:
    entries = "".join(
        f"<url><loc>{e(url)}</loc><lastmod>{_w3c(mod)}</lastmod><changefreq>daily</changefreq></url>\n"
        for url, mod in urls
    )
    return _xml(
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
    return _xml(
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
