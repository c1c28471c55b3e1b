"""Re-apply learned boilerplate, and re-run extraction on stored HTML (`newsmon reprocess`)."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from crawler import dedup
from crawler.config import Config
from crawler.ingest import replace_text
from crawler.items import FeedHints
from crawler.worker import BOILERPLATE_MAX_WORDS, Processed, init_worker, process_page
from storage.db import serialise_writers, transaction
from storage.models import Article, BoilerplateParagraph, Source, Version

# A line this short that recurs verbatim in MIN_DOCS articles of one source is a label
# ("Read Next", "Source link", "Leave a Reply"), whatever share of the source carries it: a
# content farm puts such lines only in the copies it republishes.
SHORT_LINE_WORDS = 8
MIN_DOCS = 3


def learned_boilerplate(session: Session, source_id: int) -> set[str]:
    """The paragraph keys learned as boilerplate for one source."""
    n_docs = session.scalar(
        select(func.count()).select_from(Article).where(Article.source_id == source_id)
    )
    rows = session.execute(
        select(
            BoilerplateParagraph.key, BoilerplateParagraph.docs, BoilerplateParagraph.sample
        ).where(BoilerplateParagraph.source_id == source_id, BoilerplateParagraph.docs >= 2)
    ).all()
    counts = {r.key: r.docs for r in rows}
    short = {
        r.key
        for r in rows
        if r.docs >= MIN_DOCS and len((r.sample or "").split()) <= SHORT_LINE_WORDS
    }
    return short | set(dedup.learn_boilerplate(counts, n_docs or 0, min_docs=MIN_DOCS))


def _samples(session: Session, source_id: int, keys: Iterable[str]) -> list[str]:
    return [
        s
        for s in session.scalars(
            select(BoilerplateParagraph.sample).where(
                BoilerplateParagraph.source_id == source_id,
                BoilerplateParagraph.key.in_(list(keys)),
            )
        )
        if s
    ]


def _set_text(session: Session, article: Article, text: str) -> None:
    """Replace the current text of an article and of its current version (not a new version:
    the page did not change, our knowledge of its boilerplate did), fingerprints included."""
    replace_text(session, article, text)


def reclean(
    session: Session, source_id: int, new_keys: AbstractSet[str], learned: AbstractSet[str]
) -> int:
    """Strip newly learned boilerplate from the source's stored articles; returns how many."""
    samples = _samples(session, source_id, new_keys)
    if not samples:
        return 0
    # One query for all new lines: an article holding several of them is stripped once.
    # autoescape: a `%` or `_` in a line is literal (and PostgreSQL's default escape, `\`,
    # is replaced by one that is escaped too).
    holds_one = or_(*(Article.text.contains(s[:60], autoescape=True) for s in samples))
    changed = 0
    for article in session.scalars(
        select(Article).where(Article.source_id == source_id, holds_one)
    ):
        text, removed = dedup.strip_lines(article.text, learned, BOILERPLATE_MAX_WORDS)
        if removed:
            _set_text(session, article, text)
            changed += 1
    return changed


# Articles per batch: one short write transaction each, so a crawl (in another process or on
# another machine) never waits long for the archive; and only a batch's HTML is in memory.
REPROCESS_BATCH = 100
Progress = Callable[[int, int], None]


def reprocess(
    sessions: sessionmaker[Session],
    config: Config,
    source: str | None = None,
    *,
    batch_size: int = REPROCESS_BATCH,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Re-run extraction and cleaning on the stored HTML of each article's current version.

    Streams the archive: a batch is read, extracted outside any transaction, then written in
    a transaction of its own. The caller holds the crawl lock.

    :param progress: called with (articles done, articles in all) after each batch.
    """
    init_worker([(t.name, t.query) for t in config.topics])
    query = select(Article.id).order_by(Article.id)
    if source is not None:
        query = query.join(Source, Source.id == Article.source_id).where(Source.name == source)
    with sessions() as session:
        ids = list(session.scalars(query))
    stats = {"articles": 0, "changed": 0, "no_html": 0}
    learned: dict[int, frozenset[str]] = {}
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        with sessions() as session:
            docs = _extract_batch(session, batch, learned, stats)
        with transaction(sessions) as session:
            serialise_writers(session)
            stats["changed"] += _store_batch(session, docs)
        if progress is not None:
            progress(start + len(batch), len(ids))
    return stats


# An article id, the version it had when read, and what its HTML gives now.
Redone = tuple[int, int, Processed]


def _extract_batch(
    session: Session, ids: list[int], learned: dict[int, frozenset[str]], stats: dict[str, int]
) -> list[Redone]:
    """Extract the current versions of these articles from their stored HTML."""
    rows = session.execute(
        select(Article, Version.html)
        .join(Version, (Version.article_id == Article.id) & (Version.n == Article.version_count))
        .where(Article.id.in_(ids))
    ).all()
    out: list[Redone] = []
    for article, html in rows:
        stats["articles"] += 1
        if html is None:
            stats["no_html"] += 1
            continue
        if article.source_id not in learned:
            learned[article.source_id] = frozenset(learned_boilerplate(session, article.source_id))
        hints = FeedHints(article.title, article.published_at, article.author)
        doc = process_page(
            zlib.decompress(html), article.url, None, hints, learned[article.source_id]
        )
        if doc.text != article.text or doc.title != article.title:
            out.append((article.id, article.version_count, doc))
    return out


def _store_batch(session: Session, docs: list[Redone]) -> int:
    """Write what changed; an article that got a new version meanwhile is left as it is."""
    changed = 0
    for article_id, n, doc in docs:
        article = session.get(Article, article_id)
        if article is None or article.version_count != n:
            continue
        version = session.scalars(
            select(Version).where(Version.article_id == article_id, Version.n == n)
        ).one()
        article.title = version.title = doc.title
        _set_text(session, article, doc.text)
        version.raw_text = doc.raw_text
        changed += 1
    return changed
