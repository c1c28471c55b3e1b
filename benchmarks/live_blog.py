"""A 20,000-word live blog revisited through 50 successive versions: the CPU a revisit costs in
the crawl's write transaction (the version diff and the rest of the write path), against the
whole-text word diff it replaced (issue 14, item 16).

    python benchmarks/live_blog.py [--words 20000] [--versions 50]
"""

from __future__ import annotations

import argparse
import html
import random
import statistics
import sys
import tempfile
import time
from difflib import SequenceMatcher
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.archive.ingest import Ingestor  # noqa: E402
from crawler.config import from_dict  # noqa: E402
from crawler.items import ArticlePage, FeedHints, Processed  # noqa: E402
from crawler.process.worker import body_hash, init_worker, process_page  # noqa: E402
from crawler.text import diffing  # noqa: E402
from storage.db import make_engine, session_factory, transaction, upgrade  # noqa: E402
from storage.models import Article  # noqa: E402

URL = "https://live.example/2026/03/12/ukraine-talks-live"
TITLE = "Ukraine talks live: delegations meet in Geneva"
ENTRY_WORDS = 50
SUBJECTS = ["The minister", "A spokesman", "The delegation", "Officials", "The mediator"]
VERBS = ["said", "confirmed", "denied", "warned", "announced", "reported"]
WORDS = (
    "talks", "corridor", "grain", "prisoners", "exchange", "border", "ceasefire", "agreement",
    "statement", "council", "morning", "evening", "meeting", "capital", "sources", "draft",
    "proposal", "security", "guarantees", "sanctions", "troops", "region", "negotiators",
    "government", "parliament", "vote", "envoy", "summit",
)  # fmt: skip


def entry(rng: random.Random, n: int) -> str:
    """One live-blog entry of about ENTRY_WORDS words in a few sentences."""
    sentences, words = [], 0
    while words < ENTRY_WORDS:
        tail = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 12)))
        sentence = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} that the {tail}."
        sentences.append(sentence)
        words += len(sentence.split())
    return f"{n:02d}:{n % 60:02d} GMT. " + " ".join(sentences)


def blog_versions(total_words: int, versions: int) -> list[list[str]]:
    """Successive entry lists: each version adds an entry on top; every fifth also corrects one
    word of an older entry (a copy-editor's fix)."""
    rng = random.Random(14)
    entries: list[str] = []
    while sum(len(e.split()) for e in entries) < total_words:
        entries.append(entry(rng, len(entries)))
    out = [entries[:]]
    for v in range(1, versions + 1):
        entries = [entry(rng, 1000 + v), *entries]
        if v % 5 == 0:
            i = rng.randrange(len(entries) // 2, len(entries))
            entries[i] = entries[i].replace(" that the ", " that a ", 1)
        out.append(entries[:])
    return out


def page(entries: list[str]) -> bytes:
    body = "".join(f"<p>{html.escape(e)}</p>" for e in entries)
    return (
        f"<html lang='en'><head><title>{html.escape(TITLE)}</title></head><body>"
        f"<article><h1>{html.escape(TITLE)}</h1>{body}</article></body></html>"
    ).encode()


def whole_text_diff(old: str, new: str) -> int:
    """The word diff before issue 14: one SequenceMatcher over the whole texts' words."""
    a, b = old.split(), new.split()
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return sum(
        max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    )


def fetched(body: bytes, article_id: int | None) -> tuple[ArticlePage, Processed]:
    item = ArticlePage(
        source="Live",
        url=URL,
        urls=[URL],
        status=200,
        body=body,
        content_type="text/html",
        etag=None,
        last_modified=None,
        article_id=article_id,
        body_hash=body_hash(body),
    )
    return item, process_page(body, URL, "text/html", FeedHints())


def run(total_words: int, versions: int) -> None:
    init_worker([])
    bodies = [page(entries) for entries in blog_versions(total_words, versions)]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/live.db"
        upgrade(url)
        engine = make_engine(url)
        sessions = session_factory(engine, write=True)
        config = from_dict({"database": {"url": url}})
        first_page, first_doc = fetched(bodies[0], None)
        with transaction(sessions) as session:
            Ingestor(config).page(session, first_page, first_doc)
        with sessions() as session:
            article_id = session.query(Article.id).scalar()
        print(f"live blog: {first_doc.words} words, {versions} successive versions")
        diff_new, diff_old, write = [], [], []
        previous = first_doc
        for body in bodies[1:]:
            item, doc = fetched(body, article_id)  # the extraction worker's part: not timed
            started = time.perf_counter()
            diffing.compare(previous.title, previous.text, doc.title, doc.text)
            diff_new.append(time.perf_counter() - started)
            started = time.perf_counter()
            whole_text_diff(previous.text, doc.text)
            diff_old.append(time.perf_counter() - started)
            started = time.perf_counter()
            with transaction(sessions) as session:
                Ingestor(config).page(session, item, doc)
            write.append(time.perf_counter() - started)
            previous = doc
        with sessions() as session:
            count = session.get(Article, article_id).version_count  # type: ignore[union-attr]
        engine.dispose()
    report("version diff (paragraphs, then words)", diff_new)
    report("whole-text word diff (before)", diff_old)
    report("write transaction per revisit", write)
    print(f"versions stored: {count} (expected {versions + 1})")


def report(name: str, seconds: list[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    print(
        f"{name}: median {statistics.median(ms):.1f} ms, max {ms[-1]:.1f} ms, "
        f"total {sum(ms) / 1000:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=20_000)
    parser.add_argument("--versions", type=int, default=50)
    args = parser.parse_args()
    run(args.words, args.versions)


if __name__ == "__main__":
    main()
