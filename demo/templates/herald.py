"""The Northgate Herald's article page: semantic HTML5, OpenGraph/article meta, AMP variants."""

from __future__ import annotations

from demo.templates.base import ArticleView, Chrome, e, human_time, link_list, paragraphs, slug


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
    html_open = '<html amp lang="en-GB">' if amp else '<html lang="en-GB">'
    body_cls = "amp-article" if amp else "article-page"
    return (
        f"<!DOCTYPE html>\n{html_open}\n{_herald_head(c, v, amp)}\n"
        f'<body class="{body_cls}">\n'
        + _masthead(c, v)
        + '<main id="content">\n'
        + _story(c, v)
        + _sidebar(c, v)
        + "</main>\n"
        + _footer(c)
    )


def _masthead(c: Chrome, v: ArticleView) -> str:
    """The cookie banner and the site header, with its "Last updated" line."""
    updated = (
        f'<p class="site-status">Last updated: {human_time(v.updated_line)}</p>'
        if v.updated_line
        else ""
    )
    return f"""<div id="cookie-banner" class="cookie-consent" role="dialog" aria-live="polite">
<p>{e(c.boilerplate[0])}. You can change your choices at any time.</p>
<button class="cookie-accept">Accept all</button>
<button class="cookie-manage">Manage options</button>
</div>
<header class="site-header">
<a class="logo" href="/">{e(c.name)}</a>
{updated}
<nav class="main-nav" aria-label="Sections"><ul>{c.nav}</ul></nav>
</header>
"""


def _story(c: Chrome, v: ArticleView) -> str:
    """The <article>: headline, byline, dateline, share tools, body and related links."""
    paras = paragraphs(v.blocks)
    promo = (
        '<aside class="newsletter-promo" aria-label="Newsletter"><h2>Morning Briefing</h2>'
        f'<p>{e(c.boilerplate[1])}.</p><form action="/newsletters/signup" method="post">'
        '<input type="email" name="email" placeholder="Email address"><button>Sign up</button>'
        "</form></aside>"
    )
    paras.insert(min(3, len(paras)), promo)
    byline = (
        f'<p class="byline">By <a rel="author" href="/profile/{slug(v.author)}">'
        f"{e(v.author)}</a></p>"
        if v.author
        else ""
    )
    return f"""<article class="story" id="story-{v.post_id}">
<header class="story-header">
<p class="kicker"><a href="/news/{slug(v.section)}/">{e(v.section.title())}</a></p>
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
<ul>{link_list(v.related, "related-item")}</ul></section>
</footer>
</article>
"""


def _sidebar(c: Chrome, v: ArticleView) -> str:
    return f"""<aside class="sidebar" aria-label="Most read">
<section class="most-read"><h2>{e(c.boilerplate[2])}</h2>
<ol>{link_list(v.most_read, "most-read-item")}</ol></section>
<div class="ad-slot ad-mpu" data-ad-unit="herald-mpu">Advertisement</div>
</aside>
"""


def _footer(c: Chrome) -> str:
    return f"""<footer class="site-footer">
<ul class="footer-links">{c.footer_links}</ul>
<p class="copyright">{e(c.boilerplate[5])}</p>
</footer>
</body>
</html>
"""
