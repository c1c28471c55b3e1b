"""A page's light work, outside extraction: fingerprints, re-stripping, topic matching, the
body checks; and the life of the crawl's child processes. Nothing here imports trafilatura,
so the crawl and writer processes stay small."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import threading
import time
from dataclasses import replace

from crawler.items import Cleaned, Processed
from crawler.text import dedup, shingles
from crawler.text.boilerplate import strip_lines
from crawler.text.normalise import text_hashes
from crawler.text.topics import Document, Topic

# How often a child process checks that the crawl that started it is still alive.
WATCH_SECONDS = 1.0
# A paragraph longer than this is news, not boilerplate: counting it would only grow the table.
BOILERPLATE_MAX_WORDS = 40

_topics: list[Topic] = []  # this process's topics (a pool worker's, set by init_worker)


def set_topics(topics: list[Topic]) -> None:
    global _topics
    _topics = topics


def exit_with_parent() -> None:
    """In a process of the crawl's (a pool worker, the writer): exit when the crawl is gone."""
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
