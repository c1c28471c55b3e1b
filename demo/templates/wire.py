"""Meridian Wire's article page: JSON-LD NewsArticle, clean markup, no rotating furniture."""

from __future__ import annotations

import json

from demo.templates.base import ArticleView, Chrome, e, paragraphs


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
    blocks = paragraphs(v.blocks[:1], '<p class="standfirst">') + paragraphs(v.blocks[1:])
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
