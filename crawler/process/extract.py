"""HTML to main text and metadata with trafilatura, plus text normalisation and hashing (pure)."""

from __future__ import annotations

import codecs
import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import charset_normalizer
import trafilatura
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
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    to_unicode,
)

from crawler.process.byline import find_author

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

# htmldate returns the time and offset when the page gives them; a naive value is read as UTC.
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"

# Unicode dash punctuation (category Pd) and the minus sign, all compared as "-".
_DASHES = (
    "\u058a\u05be\u1400\u1806\u2010\u2011\u2012\u2013\u2014\u2015\u2e17\u2e1a\u2e3a\u2e3b"
    "\u2e40\u2e5d\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\u2212"
)
_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2039": "'",
           "\u203a": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
           "\u00ab": '"', "\u00bb": '"'}  # fmt: skip
# Invisible characters that differ between copies of one text: zero-width space, non-joiner,
# joiner, word joiner, BOM, soft hyphen, Mongolian vowel separator.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
_FOLD_TABLE = str.maketrans(
    {**dict.fromkeys(_DASHES, "-"), **_QUOTES, **dict.fromkeys(_INVISIBLE, None)}
)
_WORD_RE = re.compile(r"\w+")
_LANG_RE = re.compile(r"\s*([A-Za-z]{2,3})(?:[-_]|\s*$)")


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


def _is_utf8(body: bytes) -> bool:
    """Whether `body` is UTF-8, allowing a character cut at the end by a size limit."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(body, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _declared_encodings(body: bytes, content_type: str | None) -> list[str]:
    """The Content-Type charset, then the <meta> one (first 4096 bytes), known labels only."""
    header = http_content_type_encoding(content_type)
    # WHATWG: the bare "utf-16" label means little-endian (Python would assume native order)
    declared = ["utf-16-le" if header == "utf-16" else header]
    meta = _meta_encoding(body)
    # WHATWG: a <meta> cannot switch an ASCII-compatible document to UTF-16/32
    declared.append("utf-8" if meta and meta.startswith(("utf-16", "utf-32")) else meta)
    return [encoding for encoding in declared if encoding]


def _meta_encoding(body: bytes) -> str | None:
    """The <meta> charset of the first 4096 bytes, or None.

    The scan is given whole tags only: w3lib 2.6 scans in Rust (frostwork), which panics on a
    body cut inside a tag, and pyo3's PanicException is a BaseException. Should another input
    make it panic, the page is read as if it declared nothing.
    """
    head = body[:4096]
    head = head[: head.rfind(b">") + 1]
    try:
        return html_body_declared_encoding(head)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001 - the panic is not an Exception
        return None


def _mostly_latin(text: str) -> bool:
    """Whether `text` (a body read as windows-1252) reads as Western words ("café", "Größe").

    Cyrillic, Greek or CJK bytes read so give runs of accented letters with no ASCII letter
    beside them; Central European ones give symbols inside words ("Za¿ó³æ" for "Zażółć").
    """
    high = [i for i, ch in enumerate(text) if ord(ch) > 127 and ch.isalpha()]
    beside_ascii = sum(_ascii_letter(text, i - 1) or _ascii_letter(text, i + 1) for i in high)
    inside_word = sum(
        1
        for i, ch in enumerate(text)
        if "\u00a1" <= ch <= "\u00bf"
        and ch != "\u00b7"
        and _letter(text, i - 1)
        and _letter(text, i + 1)
    )
    undefined = "\ufffd" in text  # bytes windows-1252 leaves undefined
    return not undefined and beside_ascii >= len(high) / 2 and inside_word * 20 <= len(high)


def _letter(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i].isalpha()


def _ascii_letter(text: str, i: int) -> bool:
    return _letter(text, i) and text[i].isascii()


def _detected_encoding(body: bytes) -> str:
    sample = body[:65536]
    # charset_normalizer is unreliable on short Western text (it reads latin-1 French as
    # cp1250, German as mac_iceland), so windows-1252 is kept when it reads as Latin words.
    if _mostly_latin(sample.decode("cp1252", errors="replace")):
        return "cp1252"
    matches = list(charset_normalizer.from_bytes(sample))
    # among equally clean decodings, one that reads as a known language is the better guess
    for match in matches:
        if match.language != "Unknown":
            return match.encoding
    return matches[0].encoding if matches else "cp1252"


def _choose_encoding(body: bytes, content_type: str | None) -> str:
    bom_encoding, _ = read_bom(body)
    if bom_encoding:
        return bom_encoding
    if not body.isascii() and _is_utf8(body):
        # Non-ASCII text that is valid UTF-8 is UTF-8 whatever the label says: no real legacy
        # text forms valid multi-byte sequences, while stale legacy labels on UTF-8 pages
        # (templates, converted archives) are common.
        return "utf-8"
    declared = _declared_encodings(body, content_type)
    for encoding in declared:
        # a label the body breaks (typically a server-wide "charset=utf-8" on a legacy page)
        # gives way to the next declaration
        if _decodes(body, encoding):
            return encoding
    return _detected_encoding(body)


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode an HTML body as browsers do, and survive mislabelled pages.

    WHATWG order: byte-order mark, Content-Type charset, <meta charset> or <meta http-equiv>,
    detection (charset_normalizer), windows-1252. Two guards handle mislabelled pages: a
    non-ASCII body that is valid UTF-8 is read as UTF-8, and a declared encoding the body
    does not decode under is skipped. w3lib's html_to_unicode has the order but not the
    guards, so its parts are used; its <meta> scan reads 4096 bytes, not the prescan's 1024,
    which matches browsers re-decoding when their parser meets a late <meta> in <head>.
    Undecodable bytes become U+FFFD; this never raises.

    :param body: the raw (decompressed) response body.
    :param content_type: the Content-Type header value, if any.
    """
    encoding = _choose_encoding(body, content_type)
    text = to_unicode(body, encoding)
    return text[1:] if text.startswith("\ufeff") else text


def _clean_lines(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


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


def _language(tree: HtmlElement) -> str | None:
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


def _canonical_url(tree: HtmlElement, url: str) -> str | None:
    """<link rel=canonical> (resolved against <base href> and `url`), else og:url."""
    base = _absolute_http("".join(tree.xpath("(//base/@href)[1]")), url) or url
    for link in tree.xpath("//link[@rel][@href]"):
        is_canonical = "canonical" in link.get("rel", "").lower().split()
        if is_canonical and (found := _absolute_http(link.get("href"), base)):
            return found
    return _absolute_http(_meta_content(tree, "og:url"), base)


def _words(text: str) -> set[str]:
    return set(_WORD_RE.findall(text.casefold()))


def _title(found: str | None, tree: HtmlElement) -> str | None:
    """trafilatura's title, unless it is the page's only <h1> and <title> looks better.

    trafilatura takes a page's only <h1> as its title before any <meta>, and on many pages
    that is the site's logo or section name ("Allergies Health Center") while <title> holds
    the headline: a longer <title> that shares at most half of the <h1>'s words wins.
    """
    page_title = " ".join(str(tree.xpath("string((//title)[1])")).split())
    if not found:
        return page_title or None
    h1s = tree.xpath("//h1")
    if len(h1s) != 1 or " ".join(h1s[0].text_content().split()) != found:
        return found
    mine, theirs = _words(found), _words(page_title)
    if len(theirs) > len(mine) and len(mine & theirs) * 2 <= len(mine):
        return page_title
    return found


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


# Where a page states its publication time itself; htmldate may prefer a date in the URL
# and lose the time of day.
_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "dc.date.issued",
)


def _json_ld_published(tree: HtmlElement) -> str | None:
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        match = re.search(r'"datePublished"\s*:\s*"([^"]+)"', str(script))
        if match:
            return match.group(1)
    return None


def _declared_published(tree: HtmlElement) -> datetime | None:
    """A publication date-time the page declares in meta tags or JSON-LD."""
    value = _meta_content(tree, *_PUBLISHED_META) or _json_ld_published(tree)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _published(tree: HtmlElement, url: str | None, fallback: datetime | None) -> datetime | None:
    """The page's own declaration, else htmldate's find, else the feed's date; a date alone
    takes the feed's time when the feed gives one for that same day."""
    published = _declared_published(tree) or _parse_date(_found_date(tree, url))
    if published is None:
        return fallback
    midnight = (published.hour, published.minute, published.second) == (0, 0, 0)
    if midnight and fallback is not None and fallback.date() == published.date():
        return fallback
    return published


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


def _metadata(tree: HtmlElement, url: str) -> Document:
    """trafilatura's metadata steps for what newsmon stores: meta tags, JSON-LD, title, author,
    URL and site name, in `trafilatura.extract_metadata`'s order and with its rules (the byline
    search rewritten in one pass: `crawler.process.byline`).

    `extract_metadata` itself would also run htmldate on every page and read categories, tags
    and the licence, which newsmon does not store: together two thirds of a page's extraction
    time. The date is read by `_published`.
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
        meta.author = meta.author or find_author(tree)
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


def _main_text(tree: HtmlElement, url: str) -> str:
    try:
        document = trafilatura.bare_extraction(tree, url=url, **_TRAFILATURA_OPTIONS)
    except Exception as err:  # see extract()
        LOGGER.warning("text extraction failed for %s: %r", url, err)
        return ""
    if not isinstance(document, Document) or not document.text:
        return ""
    return "\n".join(_text_lines(_clean_lines(document.text)))


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
        return _title(found_title, tree), _canonical_url(tree, url), _language(tree)
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
        return Extracted(
            title=fallback_title,
            text="",
            author=fallback_author,
            published_at=fallback_published,
            language=None,
            site_name=None,
            canonical_url=None,
            description=None,
        )
    meta = _metadata(tree, url)
    title, canonical_url, language = _head_fields(tree, url, meta.title)
    title = title or fallback_title
    return Extracted(
        title=title,
        text=_without_headline(_main_text(tree, url), title),
        author=meta.author or fallback_author,
        published_at=_published(tree, meta.url or url, fallback_published),
        language=language,
        site_name=meta.sitename or None,
        canonical_url=canonical_url,
        description=meta.description or None,
    )


def normalise_text(s: str) -> str:
    """Normalise text for comparing versions and hashing.

    NFKC, curly quotes folded to straight ones, every dash to "-", zero-width characters and
    soft hyphens dropped, whitespace collapsed within each line, lines stripped; line breaks
    are kept but empty lines dropped, so re-wrapping paragraphs is a change and blank lines
    are not.
    """
    folded = unicodedata.normalize("NFKC", s).translate(_FOLD_TABLE)
    return _clean_lines(folded)


def content_hash(title: str | None, text: str) -> str:
    """SHA-256 (hex) of the normalised title and text, separated by a blank line."""
    return _content_digest(title, normalise_text(text))


def text_hashes(title: str | None, text: str) -> tuple[str, str]:
    """(`content_hash(title, text)`, SHA-256 of the normalised text), normalising `text` once."""
    normal = normalise_text(text)
    return _content_digest(title, normal), hashlib.sha256(normal.encode("utf-8")).hexdigest()


def _content_digest(title: str | None, normal_text: str) -> str:
    payload = f"{normalise_text(title or '')}\n\n{normal_text}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def paragraphs(text: str) -> list[str]:
    """The non-empty lines of `text`, stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]
