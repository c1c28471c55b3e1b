"""All per-article CPU work in one call, run in a process-pool worker."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime

from crawler import dedup
from crawler.extract import content_hash, extract, normalise_text
from crawler.items import FeedHints
from crawler.topics import Document, Topic
from crawler.urls import canonicalise, same_site

# A paragraph longer than this is news, not boilerplate: counting it would only grow the table.
BOILERPLATE_MAX_WORDS = 40

_topics: list[Topic] = []


def init_worker(topics: list[tuple[str, str]]) -> None:
    """Pool initializer: compile the topic queries once per worker process."""
    global _topics
    _topics = [Topic(name, query) for name, query in topics]
    # trafilatura logs an error for every page it cannot parse; those are counted by the crawl.
    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


@dataclass
class Processed:
    """What a page became: clean text, identity, fingerprints and topic matches."""

    title: str | None
    text: str
    raw_text: str | None  # the extraction before learned boilerplate was stripped, if different
    author: str | None
    published_at: datetime | None
    language: str | None
    site_name: str | None
    canonical_url: str | None  # canonicalised rel=canonical/og:url when on the same site
    foreign_canonical: str | None  # a rel=canonical to another site: this page republishes
    content_hash: str
    text_hash: str
    words: int
    signature: bytes | None
    bands: list[int]
    paragraph_keys: dict[str, str] = field(default_factory=dict)  # key -> sample (short ones)
    topics: dict[str, list[str]] = field(default_factory=dict)  # topic -> matched terms


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def process_page(
    body: bytes,
    url: str,
    content_type: str | None,
    hints: FeedHints,
    boilerplate: frozenset[str] = frozenset(),
) -> Processed:
    """Extract, clean, fingerprint and match one article page."""
    doc = extract(
        body,
        url,
        content_type=content_type,
        fallback_title=hints.title,
        fallback_published=hints.published_at,
        fallback_author=hints.author,
    )
    raw = doc.text
    text = dedup.strip_boilerplate(raw, set(boilerplate)) if boilerplate else raw
    own, foreign = _canonical(doc.canonical_url, url)
    sig = dedup.signature(text)
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
        content_hash=content_hash(doc.title, text),
        text_hash=hashlib.sha256(normalise_text(text).encode()).hexdigest(),
        words=len(text.split()),
        signature=sig,
        bands=dedup.band_hashes(sig) if sig is not None else [],
        paragraph_keys=_short_paragraphs(raw),
        topics=match_topics(doc.title or "", text, url),
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
            out[dedup.paragraph_key(line)] = line[:200]
    return out


def match_topics(title: str, text: str, url: str) -> dict[str, list[str]]:
    doc = Document.from_text(title, text, url)
    out = {}
    for topic in _topics:
        terms = topic.match(doc)
        if terms is not None:
            out[topic.name] = terms
    return out


def terms_json(terms: list[str]) -> str:
    return json.dumps(terms, ensure_ascii=False)
