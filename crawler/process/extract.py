"""HTML to main text and metadata with trafilatura, plus text normalisation and hashing (pure)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Document

from crawler.process.decode import decode_html
from crawler.process.metadata import (
    page_canonical_url,
    page_language,
    page_metadata,
    page_title,
    published_time,
)
from crawler.text.normalise import clean_lines, normalise_text

LOGGER = logging.getLogger(__name__)


# Chosen on the 94 real pages of the readability corpus (figures in tests/test_extract.py):
# favor_recall with tables gave the best F1 (its precision was as high as any other mode's);
# comments are never article text for a news monitor; images, links and formatting put
# markdown into the stored plain text; deduplicate lowered both recall and precision.
_TRAFILATURA_OPTIONS: dict[str, Any] = {
    "favor_precision": False,
    "favor_recall": True,
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "include_formatting": False,
    "include_links": False,
    "deduplicate": False,
}


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


def _main_text(tree: HtmlElement, url: str) -> str:
    try:
        document = trafilatura.bare_extraction(tree, url=url, **_TRAFILATURA_OPTIONS)
    except Exception as err:  # see extract()
        LOGGER.warning("text extraction failed for %s: %r", url, err)
        return ""
    if not isinstance(document, Document) or not document.text:
        return ""
    return "\n".join(_text_lines(clean_lines(document.text)))


# trafilatura writes a table as markdown: "| a | b |" rows and a "|---|---|" rule under the
# head row. The rule, and any line without a letter or digit ("}", "-", "* * *"), is no text:
# it reached snippets and alert emails, and learning or stripping it made false versions.
_TABLE_ROW = re.compile(r"^\|\s(.*)\s\|$")


def _text_lines(text: str) -> list[str]:
    """The lines of trafilatura's text that hold words, table rows as "cell | cell"."""
    out = []
    for line in text.split("\n"):
        if not any(ch.isalnum() for ch in line):
            continue
        row = _TABLE_ROW.match(line)
        out.append(row.group(1).strip() if row else line)
    return out


def _without_headline(text: str, title: str | None) -> str:
    """Drop a first line that repeats the title: the headline is stored apart from the text."""
    first, _, rest = text.partition("\n")
    if title and _fold(first) == _fold(title):
        return rest
    return text


def _fold(text: str) -> str:
    return " ".join(normalise_text(text).split()).casefold()


def _parse(html: str | bytes, content_type: str | None) -> HtmlElement | None:
    try:
        text = decode_html(html, content_type) if isinstance(html, bytes) else html
        return trafilatura.load_html(text)
    except Exception as err:  # see extract()
        LOGGER.warning("HTML parsing failed: %r", err)
        return None


def _head_fields(
    tree: HtmlElement, url: str, found_title: str | None
) -> tuple[str | None, str | None, str | None]:
    """(title, canonical URL, language) read from the tree."""
    try:
        return page_title(found_title, tree), page_canonical_url(tree, url), page_language(tree)
    except Exception as err:  # see extract()
        LOGGER.warning("head parsing failed for %s: %r", url, err)
        return found_title, None, None


def extract(
    html: str | bytes,
    url: str,
    *,
    content_type: str | None = None,
    fallback_title: str | None = None,
    fallback_published: datetime | None = None,
    fallback_author: str | None = None,
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
    """
    if fallback_published is not None and fallback_published.tzinfo is None:
        fallback_published = fallback_published.replace(tzinfo=UTC)
    tree = _parse(html, content_type)
    if tree is None:
        return _fallbacks_only(fallback_title, fallback_author, fallback_published)
    meta = page_metadata(tree, url)
    title, canonical_url, language = _head_fields(tree, url, meta.title)
    title = title or fallback_title
    return Extracted(
        title=title,
        text=_without_headline(_main_text(tree, url), title),
        author=meta.author or fallback_author,
        published_at=published_time(tree, meta.url or url, fallback_published),
        language=language,
        site_name=meta.sitename or None,
        canonical_url=canonical_url,
        description=meta.description or None,
    )


def _fallbacks_only(
    title: str | None, author: str | None, published: datetime | None
) -> Extracted:
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
