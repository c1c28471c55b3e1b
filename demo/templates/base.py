"""What every template shares: the view dataclasses, escaping, dates and body blocks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
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


def slug(s: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in s.lower()).split())


def link_list(links: Sequence[Link], cls: str) -> str:
    return "".join(
        f'<li class="{cls}"><a href="{e(lk.url)}">{e(lk.title)}</a></li>' for lk in links
    )


def paragraphs(blocks: Sequence[Block], p_open: str = "<p>", p_close: str = "</p>") -> list[str]:
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
