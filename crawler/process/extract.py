"""HTML to main text and metadata with trafilatura, plus text normalisation and hashing (pure)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import trafilatura
from lxml.html import HtmlElement

from crawler.process import authors, headline, jsonld
from crawler.process.body import main_text
from crawler.process.decode import decode_html
from crawler.process.metadata import (
    page_canonical_url,
    page_language,
    page_metadata,
    published_time,
)
from crawler.process.profile import NO_PROFILE, Fact, SourceProfile
from crawler.text.normalise import normalise_text

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Extracted:
    """What one fetched page yields: its main text and metadata."""

    title: str | None
    text: str  # one paragraph per line, no empty lines, whitespace collapsed within lines
    author: str | None
    published_at: datetime | None  # time-zone aware; a date alone is midnight UTC
    language: str | None  # primary language subtag, e.g. "en"
    site_name: str | None
    canonical_url: str | None  # absolute; <link rel=canonical>, else og:url
    description: str | None
    facts: tuple[Fact, ...] = ()  # what the page shows about its source (crawler.process.profile)


def _without_headline(text: str, title: str | None) -> str:
    """Drop a line among the first HEADLINE_LINES that repeats the title: the headline is
    stored apart from the text (a kicker or a date line may come before it)."""
    lines = text.split("\n")
    for i, line in enumerate(lines[:HEADLINE_LINES]):
        if title and _fold(line) == _fold(title):
            return "\n".join(lines[:i] + lines[i + 1 :])
    return text


HEADLINE_LINES = 3


def _fold(text: str) -> str:
    return " ".join(normalise_text(text).split()).casefold()


def _parse(html: str | bytes, content_type: str | None) -> HtmlElement | None:
    try:
        text = decode_html(html, content_type) if isinstance(html, bytes) else html
        return trafilatura.load_html(text)
    except Exception as err:  # see extract()
        LOGGER.warning("HTML parsing failed: %r", err)
        return None


def _head_fields(tree: HtmlElement, url: str) -> tuple[str | None, str | None]:
    """(canonical URL, language) read from the tree."""
    try:
        return page_canonical_url(tree, url), page_language(tree)
    except Exception as err:  # see extract()
        LOGGER.warning("head parsing failed for %s: %r", url, err)
        return None, None


def _people_and_title(
    tree: HtmlElement, url: str, profile: SourceProfile
) -> tuple[str | None, str | None, list[Fact]]:
    """(headline, authors, the facts they show about the source)."""
    try:
        chosen = headline.choose(tree, url, profile)
        names, byline_facts = authors.choose(tree, headline.site_names(tree, url), profile)
        return chosen.title, names, chosen.facts + byline_facts
    except Exception as err:  # see extract()
        LOGGER.warning("headline or byline failed for %s: %r", url, err)
        return None, None, []


def extract(
    html: str | bytes,
    url: str,
    *,
    content_type: str | None = None,
    fallback_title: str | None = None,
    fallback_published: datetime | None = None,
    fallback_author: str | None = None,
    profile: SourceProfile = NO_PROFILE,
) -> Extracted:
    """Extract the main text and metadata of one page; the fallbacks fill what it lacks.

    The HTML is parsed once and the tree handed to trafilatura. This never raises: a page that
    cannot be parsed (random bytes, a truncated or empty body) gives empty text and the
    fallbacks. Extraction runs lxml, trafilatura, justext and htmldate on hostile input, whose
    failure modes (ValueError, lxml errors, RecursionError on deep nesting...) are not all
    documented; one bad page must be recorded as such, not stop the crawl or the worker pool.

    :param html: the page, as bytes (decoded with `decode_html`) or text.
    :param url: the URL it was fetched from; relative links resolve against it.
    :param content_type: the Content-Type header, for decoding bytes.
    :param fallback_title: e.g. the feed entry's title.
    :param fallback_published: e.g. the feed entry's date (made UTC if naive).
    :param fallback_author: e.g. the feed entry's author.
    :param profile: what was learned of the page's source (`crawler.process.profile`).
    """
    witness = fallback_published  # an aware feed time can give a naive page time its zone
    if fallback_published is not None and fallback_published.tzinfo is None:
        fallback_published = fallback_published.replace(tzinfo=UTC)
    tree = _parse(html, content_type)
    if tree is None:
        return _fallbacks_only(fallback_title, fallback_author, fallback_published)
    try:
        return _extract_tree(
            tree, url, fallback_title, fallback_author, fallback_published, profile, witness
        )
    finally:
        jsonld.forget()


def _extract_tree(
    tree: HtmlElement,
    url: str,
    fallback_title: str | None,
    fallback_author: str | None,
    fallback_published: datetime | None,
    profile: SourceProfile,
    witness: datetime | None,
) -> Extracted:
    meta = page_metadata(tree, url)
    canonical_url, language = _head_fields(tree, url)
    title, names, facts = _people_and_title(tree, url, profile)
    title = title or meta.title or fallback_title
    published, time_facts = published_time(
        tree, meta.url or url, fallback_published, profile, witness
    )
    return Extracted(
        title=title,
        text=_without_headline(main_text(tree, url), title),
        author=names or fallback_author,
        published_at=published,
        language=language,
        site_name=meta.sitename or None,
        canonical_url=canonical_url,
        description=meta.description or None,
        facts=tuple(facts + time_facts),
    )


def _fallbacks_only(title: str | None, author: str | None, published: datetime | None) -> Extracted:
    """What a page that cannot be parsed gives: no text, the feed's fallbacks."""
    return Extracted(
        title=title,
        text="",
        author=author,
        published_at=published,
        language=None,
        site_name=None,
        canonical_url=None,
        description=None,
    )
