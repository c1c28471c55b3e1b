"""All per-article CPU work in one call, run in a process-pool worker."""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import multiprocessing
import os
import threading
import time
import zlib
from collections.abc import Sequence
from dataclasses import replace

from crawler.items import Cleaned, FeedHints, Processed
from crawler.process.errors import ExtractionError, describe
from crawler.process.extract import extract
from crawler.process.memory import release_free_memory
from crawler.process.profile import NO_PROFILE, SourceProfile
from crawler.text import dedup, shingles
from crawler.text.boilerplate import paragraph_key, strip_boilerplate, strip_lines
from crawler.text.normalise import text_hashes
from crawler.text.topics import Document, Topic, TopicSpec
from crawler.text.urls import canonicalise, same_site

# How often a worker checks that the crawl that started it is still alive.
WATCH_SECONDS = 1.0
# A paragraph longer than this is news, not boilerplate: counting it would only grow the table.
BOILERPLATE_MAX_WORDS = 40

_topics: list[Topic] = []


def init_worker(topics: Sequence[TopicSpec]) -> None:
    """Pool initializer: compile the topic queries once per worker process."""
    global _topics
    # numpy's MinHash, loaded now rather than at the first page long enough for a signature:
    # a worker that cannot load it fails every page, loudly, not only the long ones
    importlib.import_module("crawler.text.minhash")
    _topics = [Topic(*spec) for spec in topics]
    # trafilatura logs an error for every page it cannot parse; those are counted by the crawl.
    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    parent = multiprocessing.parent_process()
    if parent is not None and parent.pid is not None:
        threading.Thread(target=_exit_with, args=(parent.pid,), daemon=True).start()


def _exit_with(pid: int) -> None:
    """Exit when the crawl process is gone. When it is killed (SIGKILL, OOM killer) nothing
    else stops its pool's workers (orphans are not signalled), and under cron each killed
    cycle would leave its pool running for good."""
    while True:
        time.sleep(WATCH_SECONDS)
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, PermissionError):  # gone, or its pid reused by another user
            os._exit(0)


# Magic numbers of formats that servers mislabel as HTML.
_BINARY_MAGIC = {
    b"%PDF": "PDF",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"PK\x03\x04": "ZIP archive",
    b"\x1f\x8b": "gzip data",
}


def not_html(body: bytes) -> str | None:
    """Why a body is not an HTML page, or None when it may be one."""
    head = body[:1024].lstrip()
    if not head:
        return "empty body"
    for magic, kind in _BINARY_MAGIC.items():
        if head.startswith(magic):
            return f"not HTML: {kind}"
    # Text has almost no control bytes; random or binary data has many.
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if controls > len(head) // 10:
        return "not HTML: binary content"
    return None


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def process_page(
    body: bytes,
    url: str,
    content_type: str | None,
    hints: FeedHints,
    boilerplate: frozenset[str] = frozenset(),
    keep_html: bool = False,
    profile: SourceProfile = NO_PROFILE,
) -> Processed:
    """Extract, clean, fingerprint and match one article page.

    :param keep_html: also return the body zlib-compressed (compression is CPU work too, and
        the reactor process drops the body once the page is processed).
    :param profile: what was learned of the page's source (crawler/process/profile.py).
    """
    try:
        return _process_page(body, url, content_type, hints, boilerplate, keep_html, profile)
    except (Exception, KeyboardInterrupt, SystemExit):
        raise  # an Exception goes back to the pool, which records it as the page's failure
    except BaseException as exc:
        # pyo3's PanicException (a Rust panic in native code) is neither an Exception nor
        # picklable back to the crawl process
        raise ExtractionError(describe(exc)) from None
    finally:
        release_free_memory()


def _process_page(
    body: bytes,
    url: str,
    content_type: str | None,
    hints: FeedHints,
    boilerplate: frozenset[str],
    keep_html: bool,
    profile: SourceProfile,
) -> Processed:
    reason = not_html(body)
    if reason is not None:
        return failed(reason)
    doc = extract(
        body,
        url,
        content_type=content_type,
        fallback_title=hints.title,
        fallback_published=hints.published_at,
        fallback_author=hints.author,
        profile=profile,
    )
    raw = doc.text
    if not raw.strip():
        return failed("no article text found")
    text = _strip(raw, boilerplate) if boilerplate else raw
    own, foreign = _canonical(doc.canonical_url, url)
    words = shingles.shingle_words(text)
    sig = dedup.signature_of_words(words)
    content, text_only = text_hashes(doc.title, text)
    return Processed(
        title=doc.title,
        text=text,
        raw_text=raw if text != raw else None,
        author=doc.author,
        published_at=doc.published_at,
        language=doc.language,
        site_name=doc.site_name,
        canonical_url=own,
        foreign_canonical=foreign,
        content_hash=content,
        text_hash=text_only,
        words=len(words),
        signature=sig,
        bands=dedup.band_hashes(sig) if sig is not None else [],
        paragraph_keys=_short_paragraphs(raw),
        topics=match_topics(doc.title or "", text, url),
        html=zlib.compress(body) if keep_html else None,
        facts=doc.facts,
    )


def restrip(
    doc: Processed,
    boilerplate: frozenset[str],
    stripped: frozenset[str] = frozenset(),
    *,
    topics: list[Topic] | None = None,
    url: str,
) -> Processed:
    """Strip boilerplate learned while the page was being extracted, and match the topics
    again on what is left (a word in a stripped line must not make a match).

    :param stripped: the boilerplate the worker stripped. A line can only go if its key is
        learned now and was not then; the worker returned the keys of all the short lines
        (`paragraph_keys`, the only lines stripping looks at), so most pages are known to be
        unchanged without hashing their lines again.
    :param topics: the crawl's topics (default: the worker's); `url`: the page's (for
        `site:` terms).
    """
    if not needs_restrip(doc, boilerplate, stripped):
        return doc
    text, removed = strip_lines(doc.text, boilerplate, BOILERPLATE_MAX_WORDS)
    if not removed:
        return doc
    clean = fingerprint(doc.title, text)  # the fingerprints of what is stored
    return replace(
        doc,
        text=text,
        raw_text=doc.raw_text or doc.text,
        content_hash=clean.content_hash,
        text_hash=clean.text_hash,
        words=clean.words,
        signature=clean.signature,
        bands=clean.bands,
        topics=match_topics(doc.title or "", text, url, topics),
    )


def needs_restrip(doc: Processed, boilerplate: frozenset[str], stripped: frozenset[str]) -> bool:
    """Whether a line of the page may be learned boilerplate that was not stripped from it."""
    return any(key in boilerplate and key not in stripped for key in doc.paragraph_keys)


def fingerprint(title: str | None, text: str) -> Cleaned:
    """A text with its hashes, word count, MinHash signature and LSH bands."""
    content, text_only = text_hashes(title, text)
    words = shingles.shingle_words(text)
    signature = dedup.signature_of_words(words)
    bands = dedup.band_hashes(signature) if signature is not None else []
    return Cleaned(text, content, text_only, len(words), signature, bands)


def reclean_texts(
    texts: list[tuple[int, str | None, str]], boilerplate: frozenset[str]
) -> list[tuple[int, Cleaned]]:
    """Stored articles (id, title, text) stripped of learned boilerplate: those that lost a
    line, each with the fingerprints of what is left (run in the pool: the crawl process
    only stores the result)."""
    out = []
    for article_id, title, text in texts:
        stripped, removed = strip_lines(text, boilerplate, BOILERPLATE_MAX_WORDS)
        if removed:
            out.append((article_id, fingerprint(title, stripped)))
    return out


def _strip(text: str, boilerplate: frozenset[str]) -> str:
    return strip_boilerplate(text, boilerplate, BOILERPLATE_MAX_WORDS)


def failed(reason: str) -> Processed:
    """A page that yields no article, and why."""
    return Processed(
        title=None,
        text="",
        raw_text=None,
        author=None,
        published_at=None,
        language=None,
        site_name=None,
        canonical_url=None,
        foreign_canonical=None,
        content_hash="",
        text_hash="",
        words=0,
        signature=None,
        bands=[],
        error=reason,
    )


def _canonical(link: str | None, url: str) -> tuple[str | None, str | None]:
    """Split a page's canonical link into one on its own site (identity) or elsewhere."""
    if not link:
        return None, None
    try:
        canonical = canonicalise(link)
    except ValueError:
        return None, None
    return (canonical, None) if same_site(canonical, url) else (None, canonical)


def _short_paragraphs(text: str) -> dict[str, str]:
    out = {}
    for line in text.split("\n"):
        if line.strip() and len(line.split()) <= BOILERPLATE_MAX_WORDS:
            out[paragraph_key(line)] = line[:200]
    return out


def match_topics(
    title: str, text: str, url: str, topics: list[Topic] | None = None
) -> dict[str, list[str]]:
    """The topics (the worker's, by default) that match, each with its matched terms."""
    doc = Document.from_text(title, text, url)
    out = {}
    for topic in _topics if topics is None else topics:
        terms = topic.match(doc)
        if terms is not None:
            out[topic.name] = terms
    return out


def terms_json(terms: list[str]) -> str:
    return json.dumps(terms, ensure_ascii=False)
