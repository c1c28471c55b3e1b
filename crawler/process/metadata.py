"""A page's metadata: title, language, canonical URL, site name and publication time."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document

from crawler.process import times
from crawler.process.profile import NO_PROFILE, Fact, SourceProfile

LOGGER = logging.getLogger(__name__)


# htmldate returns the time and offset when the page gives them; a naive value is read as UTC.
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


_LANG_RE = re.compile(r"\s*([A-Za-z]{2,3})(?:[-_]|\s*$)")


def _primary_language(value: str | None) -> str | None:
    match = _LANG_RE.match(value or "")
    return match.group(1).lower() if match else None


def _meta_content(tree: HtmlElement, *names: str) -> str | None:
    """The content of the first <meta> whose property, name or http-equiv (in that order, any
    case) is one of `names`, tried in order; empty contents are skipped."""
    first: dict[tuple[str, str], str] = {}
    # one pass over the <meta> elements: an XPath per name and attribute walked the whole tree
    for meta in tree.iter("meta"):
        content = meta.get("content")
        if content is None:
            continue
        for attr in _META_ATTRS:
            key = (attr, (meta.get(attr) or "").lower())
            if key[1] and key not in first:
                first[key] = content
    for name in names:
        for attr in _META_ATTRS:
            if value := first.get((attr, name), "").strip():
                return value
    return None


_META_ATTRS = ("property", "name", "http-equiv")


def page_language(tree: HtmlElement) -> str | None:
    """The page's declared language: <html lang>, then Content-Language and og:locale metas."""
    root = tree.getroottree().getroot()
    for value in (
        root.get("lang"),
        root.get("{http://www.w3.org/XML/1998/namespace}lang"),
        root.get("xml:lang"),
    ):
        if lang := _primary_language(value):
            return lang
    return _primary_language(
        _meta_content(tree, "content-language", "og:locale", "language", "dc.language")
    )


def _absolute_http(href: str | None, base: str) -> str | None:
    if not href or not href.strip():
        return None
    try:
        resolved = urljoin(base, href.strip())
        return resolved if urlsplit(resolved).scheme in {"http", "https"} else None
    except ValueError:
        return None


def page_canonical_url(tree: HtmlElement, url: str) -> str | None:
    """<link rel=canonical> (resolved against <base href> and `url`), else og:url."""
    base = _absolute_http("".join(tree.xpath("(//base/@href)[1]")), url) or url
    for link in tree.xpath("//link[@rel][@href]"):
        is_canonical = "canonical" in link.get("rel", "").lower().split()
        if is_canonical and (found := _absolute_http(link.get("href"), base)):
            return found
    return _absolute_http(_meta_content(tree, "og:url"), base)


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.strptime(value, _DATE_FORMAT)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def published_time(
    tree: HtmlElement,
    url: str | None,
    fallback: datetime | None,
    profile: SourceProfile = NO_PROFILE,
    witness: datetime | None = None,
) -> tuple[datetime | None, list[Fact]]:
    """The page's own declaration (`crawler.process.times`), else htmldate's find, else the
    feed's date; a date alone takes the feed's time when the feed gives one for that same
    day. Also the facts the page shows about its source's time zone."""
    try:
        declared = times.choose(tree, profile, witness)
    except Exception as err:  # see extract(): a bad page must not stop a crawl
        LOGGER.warning("publication time failed for %s: %r", url, err)
        declared = times.Published(None)
    published = declared.at or _parse_date(_found_date(tree, url))
    if published is None:
        return fallback, declared.facts
    midnight = (published.hour, published.minute, published.second) == (0, 0, 0)
    if midnight and fallback is not None and fallback.date() == published.date():
        return fallback, declared.facts
    return published, declared.facts


def _date_params() -> dict[str, Any]:
    # built per call: a daemon running for weeks must not keep the max_date of its start
    return {
        "original_date": True,
        # Extensive search (free text, dateparser in every locale) found no date the fast
        # search missed on the 33 corpus pages that have one (31 right either way); on pages
        # without one it mostly guessed a copyright year ("2024-01-01"), which would beat the
        # feed's real date. It cost 5-7 ms a page, 3-5 s of warm-up per worker process and
        # the memory of dateparser's compiled locales.
        "extensive_search": False,
        "outputformat": _DATE_FORMAT,
        "max_date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }


def _found_date(tree: HtmlElement, url: str | None) -> str | None:
    """htmldate's search (URL, then markup). It runs only for pages that declare no
    publication time in their meta tags or JSON-LD."""
    try:
        return find_date(tree, url=url, **_date_params())
    except Exception as err:  # see extract()
        LOGGER.warning("date search failed for %s: %r", url, err)
        return None


def page_metadata(tree: HtmlElement, url: str) -> Document:
    """trafilatura's metadata steps for what newsmon stores: meta tags, JSON-LD, title, author,
    URL and site name, in `trafilatura.extract_metadata`'s order and with its rules (the title,
    authors and time are chosen by `crawler.process.headline`, `authors` and `times`).

    `extract_metadata` itself would also run htmldate on every page and read categories, tags
    and the licence, which newsmon does not store: together two thirds of a page's extraction
    time. The date is read by `published_time`.
    """
    try:
        meta = examine_meta(tree)
        if meta.author and " " not in meta.author:  # a one-word "author" is a handle or a role
            meta.author = None
        try:
            meta = extract_meta_json(tree, meta)
        except Exception as err:  # trafilatura guards this step the same way
            LOGGER.debug("JSON-LD metadata failed for %s: %r", url, err)
        meta.title = meta.title or extract_title(tree)
        meta.url = meta.url or extract_url(tree, url)
        meta.sitename = _site_name(meta.sitename or extract_sitename(tree), meta.url)
        meta.clean_and_trim()
        return meta
    except Exception as err:  # see extract(): a bad page must not stop a crawl
        LOGGER.warning("metadata extraction failed for %s: %r", url, err)
        return Document()


def _site_name(found: str | None, url: str | None) -> str | None:
    """trafilatura's site-name rules: no Twitter "@", a capital, else the URL's host."""
    if found:
        name = found.lstrip("@")
        if name and "." not in name and not name[0].isupper():
            name = name.title()
        return name
    match = META_URL.match(url) if url else None
    return match[1] if match else None
