"""Revisits on real databases: cosmetic changes make no version, fingerprints follow the text,
and a story's copies are ranked without loading their texts (issue 14, items 1, 8 and 16)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from crawler.archive.ingest import Ingestor
from crawler.archive.learning import holding, reclean, store_recleaned
from crawler.archive.reprocess import reprocess
from crawler.config import Config, from_dict
from crawler.items import ArticlePage, FeedHints, Processed
from crawler.process.worker import body_hash, init_worker, process_page, reclean_texts
from crawler.text import boilerplate, dedup
from storage.db import make_engine, session_factory, transaction, upgrade
from storage.models import Article, LshBand, Version
from tests.test_ingest import PARAGRAPHS, URL, page_html

TITLE = "Talks resume in Geneva"
# A boilerplate paragraph that reads as prose: only the learned set can tell it from the article.
PLUG = "Read our full coverage of the negotiations and the war in Ukraine on our website."
PLUG_KEY = boilerplate.paragraph_key(PLUG)
NEW_PARAGRAPHS = [
    "The delegations agreed late on Wednesday on a first exchange of two hundred prisoners, "
    "to take place at the border crossing within the next ten days.",
    "The grain corridor stays closed for now, and the mediators will report to the security "
    "council before the next round of talks begins in Istanbul.",
]


@dataclass
class Archive:
    config: Config
    sessions: sessionmaker[Session]

    def fetch(
        self,
        paragraphs: list[str],
        *,
        learned: frozenset[str] = frozenset(),
        article_id: int | None = None,
        url: str = URL,
        source: str = "Example",
        keep_html: bool = False,
    ) -> tuple[ArticlePage, Processed]:
        body = page_html(TITLE, paragraphs)
        page = ArticlePage(
            source=source,
            url=url,
            urls=[url],
            status=200,
            body=body,
            content_type="text/html",
            etag=None,
            last_modified=None,
            article_id=article_id,
            body_hash=body_hash(body),
        )
        return page, process_page(body, url, "text/html", FeedHints(), learned, keep_html)

    def apply(
        self, page: ArticlePage, doc: Processed, learned: frozenset[str] | None = None
    ) -> Ingestor:
        """Store a page as the pipeline does, with the boilerplate the page was stripped with."""
        ingestor = Ingestor(self.config)
        if learned is not None:
            ingestor.boilerplate = {page.source: learned}
        with transaction(self.sessions) as session:
            ingestor.page(session, page, doc)
        return ingestor

    def article(self, url: str = URL) -> Article:
        with self.sessions() as session:
            return session.scalars(select(Article).where(Article.url == url)).one()

    def versions(self) -> list[Version]:
        with self.sessions() as session:
            return list(session.scalars(select(Version).order_by(Version.n)))

    def bands(self, article_id: int) -> list[int]:
        with self.sessions() as session:
            rows = session.execute(
                select(LshBand.band, LshBand.hash).where(LshBand.article_id == article_id)
            )
            return [h for _, h in sorted(rows)]


@pytest.fixture
def archive(db_url: str) -> Iterator[Archive]:
    upgrade(db_url)
    init_worker([])
    engine = make_engine(db_url)
    config = from_dict({"database": {"url": db_url}, "crawl": {"store_html": True}})
    yield Archive(config, session_factory(engine, write=True))
    engine.dispose()


# --- item 1: a change in what is stripped is not an edit ----------------------------------------
def test_a_newly_learned_boilerplate_line_makes_no_version(archive: Archive) -> None:
    archive.apply(*archive.fetch([*PARAGRAPHS, PLUG]), learned=frozenset())
    article_id = archive.article().id
    learned = frozenset({PLUG_KEY})
    # The same page, now stripped of the line the source's other pages taught.
    page, doc = archive.fetch([*PARAGRAPHS, PLUG], learned=learned, article_id=article_id)
    ingestor = archive.apply(page, doc, learned)
    assert ingestor.counters["new_versions"] == 0
    article = archive.article()
    assert article.version_count == 1 and PLUG not in article.text
    assert article.content_hash == doc.content_hash  # re-cleaned in place
    (version,) = archive.versions()
    assert PLUG not in version.text and version.raw_text is not None and PLUG in version.raw_text


def test_a_forgotten_boilerplate_line_makes_no_version(archive: Archive) -> None:
    learned = frozenset({PLUG_KEY})
    archive.apply(*archive.fetch([*PARAGRAPHS, PLUG], learned=learned), learned=learned)
    article_id = archive.article().id
    assert PLUG not in archive.article().text
    page, doc = archive.fetch([*PARAGRAPHS, PLUG], article_id=article_id)
    assert archive.apply(page, doc, frozenset()).counters["new_versions"] == 0
    assert archive.article().version_count == 1


def test_a_learned_line_and_a_real_edit_count_only_the_edit(archive: Archive) -> None:
    archive.apply(*archive.fetch([*PARAGRAPHS, PLUG]), learned=frozenset())
    article_id = archive.article().id
    learned = frozenset({PLUG_KEY})
    fixed = [PARAGRAPHS[0].replace("third", "fourth"), *PARAGRAPHS[1:], PLUG]
    archive.apply(*archive.fetch(fixed, learned=learned, article_id=article_id), learned)
    latest = archive.versions()[-1]
    assert latest.n == 2 and (latest.words_added, latest.words_removed) == (1, 1)


@pytest.mark.parametrize(
    "furniture",
    [
        "Last updated: 12 March 2026, 10:32 GMT",
        "Home World Politics Business Technology Science Health Sport Weather",
        "window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(1);}",
        "|---|---|",
    ],
    ids=["stamp", "menu", "script", "table rule"],
)
def test_furniture_entering_the_text_makes_no_version(archive: Archive, furniture: str) -> None:
    archive.apply(*archive.fetch(PARAGRAPHS))
    article_id = archive.article().id
    page, doc = archive.fetch([*PARAGRAPHS, furniture], article_id=article_id)
    assert doc.content_hash != archive.article().content_hash or furniture == "|---|---|"
    assert archive.apply(page, doc).counters["new_versions"] == 0
    assert archive.article().version_count == 1


# --- item 8: fingerprints follow the text ---------------------------------------------------------
def _assert_fingerprints(archive: Archive, article_id: int, text: str) -> None:
    signature = dedup.signature(text)
    assert signature is not None
    article = archive.article()
    assert article.signature == signature
    assert archive.bands(article_id) == dedup.band_hashes(signature)


def test_a_new_version_refreshes_signature_and_bands(archive: Archive) -> None:
    archive.apply(*archive.fetch(PARAGRAPHS))
    article_id = archive.article().id
    page, doc = archive.fetch([*PARAGRAPHS[:2], *NEW_PARAGRAPHS], article_id=article_id)
    archive.apply(page, doc)
    assert archive.article().version_count == 2
    _assert_fingerprints(archive, article_id, doc.text)


def test_a_reclean_refreshes_signature_and_bands(archive: Archive) -> None:
    archive.apply(*archive.fetch([*PARAGRAPHS, PLUG, *NEW_PARAGRAPHS]))
    article = archive.article()
    with transaction(archive.sessions) as session:
        assert reclean(session, article.source_id, {PLUG_KEY}, {PLUG_KEY}) == 1
    text = archive.article().text
    assert PLUG not in text
    _assert_fingerprints(archive, article.id, text)


def _in_the_pool(archive: Archive, source_id: int) -> tuple[dict[int, Any], dict[int, str]]:
    """What the crawl sends the pool to strip of PLUG, and what the pool gives back."""
    with transaction(archive.sessions) as session:
        sent = holding(session, source_id, {PLUG_KEY})
    return dict(reclean_texts(sent, frozenset({PLUG_KEY}))), {i: text for i, _, text in sent}


def test_a_reclean_in_the_pool_stores_what_reclean_would(archive: Archive) -> None:
    archive.apply(*archive.fetch([*PARAGRAPHS, PLUG, *NEW_PARAGRAPHS]))
    article = archive.article()
    cleaned, sent = _in_the_pool(archive, article.source_id)
    assert list(sent) == [article.id]
    with transaction(archive.sessions) as session:
        assert store_recleaned(session, cleaned, sent, {PLUG_KEY}) == 1
    text = archive.article().text
    assert PLUG not in text and NEW_PARAGRAPHS[0] in text
    _assert_fingerprints(archive, article.id, text)


def test_a_reclean_from_the_pool_never_overwrites_a_newer_text(archive: Archive) -> None:
    archive.apply(*archive.fetch([*PARAGRAPHS, PLUG]))
    article = archive.article()
    cleaned, sent = _in_the_pool(archive, article.source_id)
    # a revisit stores a new text while the pool strips the old one
    page, doc = archive.fetch([*PARAGRAPHS, PLUG, *NEW_PARAGRAPHS], article_id=article.id)
    archive.apply(page, doc)
    with transaction(archive.sessions) as session:
        assert store_recleaned(session, cleaned, sent, {PLUG_KEY}) == 1
    stored = archive.article()
    assert stored.version_count == 2
    assert PLUG not in stored.text and NEW_PARAGRAPHS[1] in stored.text
    _assert_fingerprints(archive, article.id, stored.text)


def test_reprocess_refreshes_signature_and_bands(archive: Archive) -> None:
    archive.apply(*archive.fetch([*PARAGRAPHS, *NEW_PARAGRAPHS], keep_html=True))
    article_id = archive.article().id
    with transaction(archive.sessions) as session:
        version = session.scalars(select(Version)).one()
        # as if an older extractor had made this text from the stored page
        version.html = zlib.compress(page_html(TITLE, [*PARAGRAPHS, *NEW_PARAGRAPHS[:1]]))
    # reprocess takes the session factory: it writes a batch per transaction
    assert reprocess(archive.sessions, archive.config)["changed"] == 1
    _assert_fingerprints(archive, article_id, archive.article().text)


# --- item 16: a copy joining a story does not load the texts of the story's copies -------------
def test_a_copy_joining_a_story_loads_no_article_text(archive: Archive) -> None:
    archive.apply(*archive.fetch(PARAGRAPHS))
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = archive.sessions.kw["bind"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        copy = "https://other.example/2026/geneva-talks"
        ingestor = archive.apply(*archive.fetch(PARAGRAPHS, url=copy, source="Other"))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert ingestor.counters["story_copies"] == 1
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert reads and not [s for s in reads if re.search(r"articles\.text\b", s)], reads
