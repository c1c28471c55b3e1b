"""The Daily Lattice's article page: div soup, a visible byline and date, no metadata."""

from __future__ import annotations

from demo.templates.base import ArticleView, Chrome, e, human_date, link_list, paragraphs, slug


def lattice_article(c: Chrome, v: ArticleView) -> str:
    """A class-heavy div page with no metadata in <head> beyond title and canonical."""
    byline = f'<span class="author-name">By {e(v.author)}</span> ' if v.author else ""
    paras = "\n".join(paragraphs(v.blocks))
    return (
        _head(c, v)
        + f"""<body class="single single-post">
<div id="wrapper">
<div class="cookie-bar" id="cookieBar"><div class="cookie-bar-text">{e(c.boilerplate[0])}.</div>
<div class="cookie-bar-btn"><a href="#" class="btn btn-accept">OK</a></div></div>
<div class="top-bar"><div class="container"><div class="logo"><a href="/">{e(c.name)}</a></div>
<div class="menu-wrap"><ul class="menu">{c.nav}</ul></div></div></div>
<div class="container main-container"><div class="row">
<div class="col-md-8 col-content">
<div class="post-wrap" id="post-{v.post_id}">
<div class="post-cat"><a href="/news/{slug(v.section)}/">{e(v.section.title())}</a></div>
<div class="post-title"><h1>{e(v.title)}</h1></div>
<div class="post-meta">{byline}<span class="post-date">{human_date(v.published)}</span></div>
<div class="social-share"><div class="share-text">{e(c.boilerplate[4])}</div>
<a class="share-btn fb" href="#">f</a><a class="share-btn tw" href="#">x</a>
<a class="share-btn wa" href="#">w</a></div>
<div class="post-content entry-body">
{paras}
</div>
<div class="you-might-like"><div class="ymal-title">{e(c.boilerplate[3])}</div>
<ul class="ymal-list">{link_list(v.related, "ymal-item")}</ul></div>
</div>
</div>
<div class="col-md-4 col-sidebar">
<div class="widget widget-trending"><div class="widget-title">{e(c.boilerplate[1])}</div>
<ul>{link_list(v.most_read, "trending-item")}</ul></div>
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
    )


def _head(c: Chrome, v: ArticleView) -> str:
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
"""
