"""A page's JSON-LD objects, its article object, and its Next.js hydration data (pure)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from lxml.html import HtmlElement

# The types whose headline, author, datePublished and articleBody are the page's own; a
# WebPage, BreadcrumbList or Organization on the same page is not the article.
ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "blogposting",
        "liveblogposting",
        "socialmediaposting",
        "scholarlyarticle",
        "techarticle",
        "report",
        "posting",
    }
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Wrappers some CMSs put around a script's JSON: an HTML comment, a (commented) CDATA section.
_WRAPPER = re.compile(r"^\s*(?:<!--|(?://\s*)?<!\[CDATA\[)|(?:-->|(?://\s*)?\]\]>)\s*$")


def _loads(raw: str) -> Any:
    text = _WRAPPER.sub("", _CONTROL.sub(" ", raw.strip())).strip()
    try:
        return json.loads(text)
    except ValueError:
        try:  # raw newlines inside strings: invalid JSON that browsers' JSON-LD readers accept
            return json.loads(text.replace("\n", " ").replace("\r", " "))
        except ValueError:
            return None


def _flatten(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _flatten(item)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            if isinstance(node.get(key), list | dict):
                yield from _flatten(node[key])


# The last tree read and its objects: headline, authors, times and body all ask for them.
_last: list[Any] = [None, []]


def objects(tree: HtmlElement) -> list[dict[str, Any]]:
    """Every JSON-LD object on the page, @graph members and main entities included."""
    if _last[0] is tree:
        return list(_last[1])
    out: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        out.extend(_flatten(_loads(script.text or "")))
    _last[:] = [tree, out]
    return list(out)


def forget() -> None:
    """Drop the cached tree (extract() calls this when done: a worker keeps no page)."""
    _last[:] = [None, []]


def types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def article(tree: HtmlElement) -> dict[str, Any] | None:
    """The page's article object: the first of an article type, else the first that has a
    headline and a datePublished."""
    found = objects(tree)
    for obj in found:
        if types(obj) & ARTICLE_TYPES:
            return obj
    for obj in found:
        if obj.get("headline") and obj.get("datePublished"):
            return obj
    return None


def text_of(value: Any) -> str | None:
    """A string field, or the name of a one-object field ({"name": ...}), stripped."""
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


def publisher_names(tree: HtmlElement) -> list[str]:
    """Names of the page's publishers and organisations (JSON-LD publisher, Organization,
    WebSite): the site's own names, which are neither headlines nor authors."""
    names = []
    for obj in objects(tree):
        kinds = types(obj)
        if kinds & {"organization", "newsmediaorganization", "website", "corporation"}:
            names.append(text_of(obj.get("name")))
            names.append(text_of(obj.get("alternateName")))
        names.append(text_of(obj.get("publisher")))
    return [n for n in names if n]


def next_data(tree: HtmlElement) -> Any:
    """The JSON of a Next.js page's `__NEXT_DATA__` script, or None."""
    for script in tree.iter("script"):
        if script.get("id") == "__NEXT_DATA__":
            return _loads(script.text or "")
    return None
