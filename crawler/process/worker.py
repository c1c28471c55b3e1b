"""All per-article CPU work in one call, run in a process-pool worker."""

from __future__ import annotations

import gc
import importlib
import logging
import zlib
from collections.abc import Sequence

from crawler.items import FeedHints, Processed
from crawler.process.errors import ExtractionError, describe
from crawler.process.extract import extract
from crawler.process.memory import release_free_memory
from crawler.process.profile import NO_PROFILE, SourceProfile
from crawler.process.texts import (
    BOILERPLATE_MAX_WORDS,
    body_hash,
    exit_with_parent,
    failed,
    fingerprint,
    match_topics,
    needs_restrip,
    not_html,
    reclean_texts,
    restrip,
    set_topics,
    terms_json,
)
from crawler.text import dedup, shingles
from crawler.text.boilerplate import paragraph_key, strip_boilerplate
from crawler.text.normalise import text_hashes
from crawler.text.topics import Topic, TopicSpec

# Re-exported: what the pool, the archive and the tests call the worker's.
__all__ = [
    "BOILERPLATE_MAX_WORDS",
    "body_hash",
    "exit_with_parent",
    "failed",
    "fingerprint",
    "init_worker",
    "match_topics",
    "needs_restrip",
    "not_html",
    "process_page",
    "reclean_texts",
    "restrip",
    "terms_json",
]
from crawler.text.urls import canonicalise, same_site


def init_worker(topics: Sequence[TopicSpec]) -> None:
    """Pool initializer: compile the topic queries once per worker process."""
    # numpy's MinHash, loaded now rather than at the first page long enough for a signature:
    # a worker that cannot load it fails every page, loudly, not only the long ones
    importlib.import_module("crawler.text.minhash")
    set_topics([Topic(*spec) for spec in topics])
    # trafilatura logs an error for every page it cannot parse; those are counted by the crawl.
    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    exit_with_parent()
    # What the imports made lives as long as the worker: out of the collector's sight, a full
    # collection (each page's trees and proxies set one off) stops walking its ~80k objects.
    gc.collect()
    gc.freeze()


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
        doc = _process_page(body, url, content_type, hints, boilerplate, keep_html, profile)
        doc.body_hash = body_hash(body)  # here, not in the crawl process: 0.2 ms a page
        return doc
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


def _strip(text: str, boilerplate: frozenset[str]) -> str:
    return strip_boilerplate(text, boilerplate, BOILERPLATE_MAX_WORDS)


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
