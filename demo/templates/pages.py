"""Whole HTML pages: an article in its publisher's markup, listings and bare pages."""

from __future__ import annotations

from collections.abc import Sequence

from demo.templates.base import ArticleView, Chrome, Link, e
from demo.templates.farm import farm_article
from demo.templates.herald import herald_article
from demo.templates.lattice import lattice_article
from demo.templates.wire import wire_article


def render_article(c: Chrome, v: ArticleView, *, amp: bool = False) -> str:
    """The article page of `c`'s style (AMP only exists for the Herald)."""
    if c.style == "herald":
        return herald_article(c, v, amp=amp)
    return {"lattice": lattice_article, "wire": wire_article, "farm": farm_article}[c.style](c, v)


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
