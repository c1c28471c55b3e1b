"""Two crawler processes storing copies of one story at the same moment end with one story."""

from __future__ import annotations

import html
import multiprocessing
from collections import defaultdict
from multiprocessing.synchronize import Barrier

from sqlalchemy import select

from crawler.archive.ingest import Ingestor
from crawler.config import from_dict
from crawler.items import ArticlePage, FeedHints
from crawler.process.worker import body_hash, init_worker, process_page
from storage.db import make_engine, serialise_writers, session_factory, transaction, upgrade
from storage.models import Article
from tests.syndication import Doc, generate

ROUNDS = 3


def _page(doc: Doc) -> bytes:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in doc.text.split("\n"))
    return (
        f"<html lang='en'><head><title>{html.escape(doc.title)}</title></head><body>"
        f"<nav>Home World</nav><article><h1>{html.escape(doc.title)}</h1>{paragraphs}</article>"
        "<footer>(c) Test</footer></body></html>"
    ).encode()


def _store(db_url: str, doc: Doc, url: str, barrier: Barrier) -> None:
    """One crawler process: extract, then write at the same moment as the other."""
    config = from_dict({"database": {"url": db_url}})
    init_worker([])
    body = _page(doc)
    processed = process_page(body, url, "text/html", FeedHints())
    page = ArticlePage(
        source=doc.source,
        url=url,
        urls=[url],
        status=200,
        body=body,
        content_type="text/html",
        etag=None,
        last_modified=None,
        body_hash=body_hash(body),
    )
    engine = make_engine(db_url)
    sessions = session_factory(engine, write=True)
    barrier.wait()
    with transaction(sessions) as session:
        serialise_writers(session)
        Ingestor(config).page(session, page, processed)
    engine.dispose()


def _copy_pairs() -> list[tuple[Doc, Doc]]:
    by_story: dict[str, list[Doc]] = defaultdict(list)
    for doc in generate(seed=3):
        if doc.story_key.startswith("wire-"):
            by_story[doc.story_key].append(doc)
    groups = [g for g in by_story.values() if len(g) >= 2]
    return [(g[0], g[1]) for g in groups[:ROUNDS]]


def test_racing_copies_make_one_story(db_url: str) -> None:
    upgrade(db_url)
    context = multiprocessing.get_context("spawn")
    urls = []
    for i, (first, second) in enumerate(_copy_pairs()):
        barrier = context.Barrier(2)
        pair = [f"https://wire.example/{i}/a", f"https://copies.example/{i}/b"]
        workers = [
            context.Process(target=_store, args=(db_url, doc, url, barrier))
            for doc, url in zip((first, second), pair, strict=True)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=60)
            assert w.exitcode == 0
        urls.append(pair)
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        for pair in urls:
            stories = set(session.scalars(select(Article.story_id).where(Article.url.in_(pair))))
            assert len(stories) == 1, f"{pair} in stories {stories}"
        all_stories = set(session.scalars(select(Article.story_id)))
    engine.dispose()
    assert len(all_stories) == len(urls)
