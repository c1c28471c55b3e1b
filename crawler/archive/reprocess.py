"""`newsmon reprocess`: re-run extraction and learned boilerplate stripping on stored HTML."""

from __future__ import annotations

import zlib
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crawler.archive.learning import learned_boilerplate, learned_profile, set_text
from crawler.config import Config
from crawler.items import FeedHints, Processed
from crawler.process.profile import SourceProfile
from crawler.process.worker import init_worker, process_page
from storage.db import serialise_writers, transaction
from storage.models import Article, Source, Version

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
    init_worker([(t.name, t.query, t.language) for t in config.topics])
    query = select(Article.id).order_by(Article.id)
    if source is not None:
        query = query.join(Source, Source.id == Article.source_id).where(Source.name == source)
    with sessions() as session:
        ids = list(session.scalars(query))
    stats = {"articles": 0, "changed": 0, "no_html": 0}
    learned: dict[int, Learned] = {}
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


# What was learned of a source: its boilerplate lines and its profile.
Learned = tuple[frozenset[str], SourceProfile]
# An article id, the version it had when read, and what its HTML gives now.
Redone = tuple[int, int, Processed]


def _extract_batch(
    session: Session, ids: list[int], learned: dict[int, Learned], stats: dict[str, int]
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
            learned[article.source_id] = (
                frozenset(learned_boilerplate(session, article.source_id)),
                learned_profile(session, article.source_id),
            )
        boilerplate, profile = learned[article.source_id]
        hints = FeedHints(article.title, article.published_at, article.author)
        doc = process_page(
            zlib.decompress(html), article.url, None, hints, boilerplate, False, profile
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
        set_text(session, article, doc.text)
        version.raw_text = doc.raw_text
        changed += 1
    return changed
