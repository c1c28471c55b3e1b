"""trafilatura's byline search (`extract_author`) in one pass over the tree, same results (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from copy import deepcopy

from lxml.etree import iterwalk
from lxml.html import HtmlElement
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.json_metadata import normalize_authors
from trafilatura.metadata import extract_author
from trafilatura.utils import trim
from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS

# The predicates of trafilatura.xpaths.AUTHOR_DISCARD_XPATHS and AUTHOR_XPATHS (2.3), in
# order. Their `re:test` is lxml's EXSLT regex: a call back into Python's `re.search` for
# every element and attribute it tests, about 2 ms per expression on a 1,000-element page
# (four expressions, and a copy of the whole tree to prune). Here each element is tested once.
_DISCARD_TAGS = frozenset({"a", "div", "section", "span"})
_DISCARD_ID = re.compile(r"^comments|comment-?list|ProductReviews")
_DISCARD_CLASS = re.compile(
    r"^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|"
    r"article-(?:share|support)|print|category|meta-date|meta-reviewer"
)
_DISCARD_ALWAYS = frozenset({"time", "figure"})

_SPECIFIC_TAGS = frozenset({"a", "address", "div", "link", "p", "span", "strong"})
_SPECIFIC_CLASS = re.compile(r"author-?name|AuthorName|authorName")
_GENERIC_TAGS = frozenset({"a", "div", "h3", "h4", "p", "span"})
_GENERIC_CLASSES = frozenset({"byline", "username", "byl", "BBL"})
_GENERIC_ID = re.compile(r"author|zuozhe|bianji|xiaobian")
_GENERIC_CLASS = re.compile(
    r"author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"
)
_LAST_ID = re.compile(r"[Aa]uthor")
_LAST_CLASS = re.compile(r"[Aa]uthor|screenname|writer|[Bb]yline")

# A link to an author's page ("/author/jane-doe/", WordPress's default): the byline of pages
# whose byline element has no class or attribute trafilatura's expressions know. newsmon's
# own fourth expression, after trafilatura's three.
_PROFILE_LINK = re.compile(
    r"/(?:authors?|autor(?:es|en)?|auteurs?|autore|people|journalists?|reporters?|writers?|"
    r"columnists?|redakteur(?:e|in)?|profile)/[^/?#]+/?$",
    re.IGNORECASE,
)
Ranked = tuple[list[HtmlElement], list[HtmlElement], list[HtmlElement], list[HtmlElement]]


def _discarded(el: HtmlElement) -> bool:
    tag = el.tag
    if tag in _DISCARD_ALWAYS:
        return True
    if tag not in _DISCARD_TAGS:
        return False
    ident, cls = el.get("id"), el.get("class")
    return (
        ident == "comments"
        or cls in ("comments", "title", "date")
        or bool(ident and _DISCARD_ID.search(ident))
        or bool(cls and _DISCARD_CLASS.search(cls))
        or "Figure" in (el.get("data-component") or "")
    )


def _rank(el: HtmlElement) -> int | None:
    """Which of trafilatura's three byline expressions `el` matches first (0-2), else 3 for
    a link to an author's page, if any."""
    tag = el.tag
    if tag != "author" and not len(el.attrib):
        return None  # every expression but the tag's tests an attribute (most elements: none)
    get = el.get
    cls, ident, itemprop = get("class") or "", get("id") or "", get("itemprop") or ""
    if tag == "author" or (
        tag in _SPECIFIC_TAGS
        and (
            get("rel") == "author"
            or ident == "author"
            or cls == "author"
            or itemprop == "author name"
            or get("data-testid") in ("AuthorCard", "AuthorURL")
            or _SPECIFIC_CLASS.search(cls)
        )
    ):
        return 0
    if tag in _GENERIC_TAGS and (
        cls in _GENERIC_CLASSES
        or "author" in itemprop
        or _GENERIC_ID.search(ident)
        or _GENERIC_CLASS.search(cls)
    ):
        return 1
    if (
        "Byline" in (get("data-component") or "")
        or "author" in itemprop
        or _LAST_ID.search(ident)
        or _LAST_CLASS.search(cls)
    ):
        return 2
    if tag == "a" and _PROFILE_LINK.search(get("href") or "") and _byline_link(el):
        return 3
    return None


def _byline_link(a: HtmlElement) -> bool:
    """Not a link out (a citation's "rel=nofollow", "external") nor one in running text."""
    if {"nofollow", "external"} & set(f"{a.get('rel') or ''} {a.get('class') or ''}".split()):
        return False
    parent = a.getparent()
    return parent is None or len(parent.text_content()) <= BYLINE_CHARS


BYLINE_CHARS = 200  # a link in a longer element's text is in running text


def _text(el: HtmlElement) -> str:
    """The element's text as trafilatura reads it once the discarded parts are pruned."""
    if any(_discarded(d) for d in el.iterdescendants() if isinstance(d.tag, str)):
        el = prune_unwanted_nodes(deepcopy(el), AUTHOR_DISCARD_XPATHS)
    return trim(" ".join(el.itertext()))


def _names_text(el: HtmlElement) -> str:
    """`_text`, or its links' texts joined by "; " when it holds two links or more and little
    else ("By <a>A</a><a>B</a>", the commas drawn by the style sheet): without separators the
    names would run together."""
    text = _text(el)
    names = [trim(a.text_content()) for a in el.iter("a")]
    names = [n for n in names if n]
    if len(names) < 2 or len(set(names)) < len(names):
        return text
    rest = text
    for name in names:
        rest = rest.replace(name, " ", 1)
    return "; ".join(names) if len(rest.split()) <= len(names) else text


def find_author(tree: HtmlElement) -> str | None:
    """What `trafilatura.metadata.extract_author(tree)` returns, without copying the tree."""
    if tree.find(".//rel") is not None:
        # AUTHOR_XPATHS also test a child element <rel> ("rel='me'"): not worth a copy here
        return extract_author(tree)
    content = byline_text(tree)
    return normalize_authors(None, content) if content else None


def byline_text(tree: HtmlElement) -> str | None:
    """The text of the page's byline element, as trafilatura's byline search finds it.

    Outside the discarded parts (comments, sidebars, dates, figures...), the first element
    of the most specific byline expression whose text is 3 to 119 characters long.
    """
    texts = byline_texts(tree)
    return texts[0] if texts else None


def byline_texts(tree: HtmlElement, scope: HtmlElement | None = None) -> list[str]:
    """`byline_text`'s element's text, then those of its siblings that the same expression
    matches: "<span class=author>A</span> and <span class=author>B</span>" names two.

    :param scope: the article's container: bylines in it come before those elsewhere (a
        sidebar's or a related story's byline earlier in the page is not the article's).
    """
    return next(byline_groups(tree, scope, links=False), [])


def byline_groups(
    tree: HtmlElement, scope: HtmlElement | None = None, *, links: bool = True
) -> Iterator[list[str]]:
    """`byline_texts`, then the next matching elements' (with their siblings), in the same
    order: the caller may pass over a first match that names no one (a user menu's
    "Username", "Follow author"). With `links`, links to author pages come last."""
    if tree.find(".//rel") is not None:
        found = extract_author(tree)  # see find_author
        if found:
            yield [found]
        return
    ranked = _ranked(tree)
    if not links:
        ranked[3].clear()
    if scope is not None:
        inside = set(scope.iter())
        near = tuple([el for el in found if el in inside] for found in ranked)
        ranked = (near[0], near[1], near[2], near[3]) if any(near) else ranked
    for candidates in ranked:
        texts = [(el, _names_text(el) if links else _text(el)) for el in candidates]
        valid = [(el, t) for el, t in texts if t and 2 < len(t) < 120]
        used: set[int] = set()
        for i, (first, text) in enumerate(valid):
            if i in used:
                continue
            parent = first.getparent()
            more = [j for j in range(i + 1, len(valid)) if valid[j][0].getparent() is parent]
            used.update(more)
            yield [text, *(valid[j][1] for j in more if valid[j][1] != text)]


def _ranked(tree: HtmlElement) -> Ranked:
    """The elements each byline expression matches, in page order."""
    ranked: Ranked = ([], [], [], [])
    walker = iterwalk(tree, events=("start",))
    for _, el in walker:
        if not isinstance(el.tag, str):
            continue
        if el is not tree and _discarded(el):
            walker.skip_subtree()  # pruned with everything in it
            continue
        rank = _rank(el)
        if rank is not None:
            ranked[rank].append(el)
    return ranked
