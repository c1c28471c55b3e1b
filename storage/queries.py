"""Read and upsert queries over the archive; each takes a Session and the caller commits."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import (
    Article,
    ArticleURL,
    Base,
    Source,
    Story,
    TopicMatch,
    Version,
)


def insert_ignore(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> int:
    """INSERT ... ON CONFLICT DO NOTHING; returns how many rows were inserted.

    Racing workers never fail on, nor duplicate, a unique URL, alias, match or alert.
    """
    if not rows:
        return 0
    stmt = _insert_ignore(session.get_bind().dialect.name, model, tuple(keys))
    session.flush()  # the rows may refer to what the session holds
    return len(core_execute(session, stmt, list(rows)).all())


def core_execute(session: Session, statement: Any, params: Any = None) -> Any:
    """Run a Core statement on the session's connection, in its transaction.

    For statements run for every page or article, on tables the session holds no objects of:
    through the ORM, running one costs several times the statement itself (an alias row:
    200 us against 20). Unlike session.execute it does not flush first: callers that read
    or refer to what the session may hold pending flush it themselves.
    """
    return session.connection().execute(statement, params)


@functools.cache
def _insert_ignore(dialect: str, model: type[Base], keys: tuple[str, ...]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the primary key, built once per shape: the
    rows go as parameters (several at once: SQLAlchemy's "insertmanyvalues")."""
    module: Any = postgresql if dialect == "postgresql" else sqlite
    primary_key = list(inspect(model).primary_key)
    # RETURNING counts what was inserted: rowcount is -1 for this statement on some drivers.
    return (
        module.insert(model)
        .on_conflict_do_nothing(index_elements=list(keys))
        .returning(*primary_key)
    )


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def published_iso(article: Article) -> str | None:
    """The publication time in the offset the page gave it (UTC when unknown)."""
    when, minutes = article.published_at, article.published_offset
    if when is None or minutes is None:
        return iso(when)
    return when.astimezone(timezone(timedelta(minutes=minutes))).isoformat()


def aliases(session: Session, article: Article) -> list[str]:
    rows = session.scalars(
        select(ArticleURL.url)
        .where(ArticleURL.article_id == article.id, ArticleURL.url != article.url)
        .order_by(ArticleURL.id)
    )
    return list(rows)


def topics_of(session: Session, article_id: int) -> list[str]:
    return list(
        session.scalars(
            select(TopicMatch.topic)
            .where(TopicMatch.article_id == article_id)
            .order_by(TopicMatch.topic)
        )
    )


def export_record(session: Session, article: Article) -> dict[str, Any]:
    """One article as the export format of PRODUCT.md."""
    source = session.get(Source, article.source_id)
    story = session.get(Story, article.story_id) if article.story_id else None
    return {
        "id": article.id,
        "url": article.url,
        "aliases": aliases(session, article),
        "source": source.name if source else None,
        "title": article.title,
        "text": article.text,
        "author": article.author,
        "published_at": published_iso(article),
        "language": article.language,
        "first_seen_at": iso(article.first_seen_at),
        "last_checked_at": iso(article.last_checked_at),
        "last_changed_at": iso(article.last_changed_at),
        "status": article.status,
        "versions": article.version_count,
        "story_id": article.story_id,
        "story_canonical": bool(story and story.canonical_article_id == article.id),
        "topics": topics_of(session, article.id),
    }


EXPORT_FIELDS = [
    "id",
    "url",
    "aliases",
    "source",
    "title",
    "text",
    "author",
    "published_at",
    "language",
    "first_seen_at",
    "last_checked_at",
    "last_changed_at",
    "status",
    "versions",
    "story_id",
    "story_canonical",
    "topics",
]


def history(session: Session, article_id: int) -> list[dict[str, Any]]:
    versions = session.scalars(
        select(Version).where(Version.article_id == article_id).order_by(Version.n)
    )
    return [
        {
            "n": v.n,
            "fetched_at": iso(v.fetched_at),
            "title": v.title,
            "words_added": v.words_added,
            "words_removed": v.words_removed,
            "headline_changed": v.headline_changed,
            "material": v.material,
            "same_as": v.same_as_n,
        }
        for v in versions
    ]


def copies(session: Session, article: Article) -> list[dict[str, Any]]:
    """The other articles of the article's story."""
    if article.story_id is None:
        return []
    rows = session.execute(
        select(Article.id, Article.url, Source.name)
        .join(Source, Source.id == Article.source_id)
        .where(Article.story_id == article.story_id, Article.id != article.id)
        .order_by(Article.id)
    )
    return [{"id": r.id, "url": r.url, "source": r.name} for r in rows]


def show_record(session: Session, article: Article) -> dict[str, Any]:
    record = export_record(session, article)
    record["history"] = history(session, article.id)
    record["copies"] = copies(session, article)
    record["site_name"] = article.site_name
    return record


def iter_export(
    session: Session,
    *,
    since: datetime | None = None,
    topic: str | None = None,
    batch: int = 500,
) -> Iterator[dict[str, Any]]:
    """Export records in id order, read in batches so memory stays flat."""
    last_id = 0
    while True:
        query = select(Article).where(Article.id > last_id).order_by(Article.id).limit(batch)
        if since is not None:
            query = query.where(Article.first_seen_at >= since)
        if topic is not None:
            query = query.where(
                Article.id.in_(select(TopicMatch.article_id).where(TopicMatch.topic == topic))
            )
        rows = session.scalars(query).all()
        if not rows:
            return
        for article in rows:
            yield export_record(session, article)
        last_id = rows[-1].id
        session.expunge_all()


def version(session: Session, article_id: int, n: int) -> Version | None:
    return session.scalars(
        select(Version).where(Version.article_id == article_id, Version.n == n)
    ).first()


def topic_summary(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Per topic, its matching stories (canonical copy's title and source, copies seen)."""
    canonical = (
        select(
            TopicMatch.topic,
            Story.id.label("story_id"),
            Story.copies,
            Article.title,
            Source.name.label("source"),
        )
        .join(Story, Story.id == TopicMatch.story_id)
        .join(Article, Article.id == Story.canonical_article_id)
        .join(Source, Source.id == Article.source_id)
        .distinct()
        .order_by(TopicMatch.topic, Article.title)
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for row in session.execute(canonical):
        out.setdefault(row.topic, []).append(
            {
                "story_id": row.story_id,
                "title": row.title,
                "source": row.source,
                "copies": row.copies - 1,
            }
        )
    return out


# A source with no new article for this long while others have them is reported as stale.
STALE_AFTER_DAYS = 3
# `recent_errors`: the page errors of this last stretch (older ones are history).
RECENT_ERRORS = timedelta(days=1)


def source_stats(session: Session) -> list[dict[str, Any]]:
    """Per source: articles, last success, errors, 304 rate, last new article, staleness."""
    from datetime import UTC

    from storage.models import PageError, SourceHealth

    counts = dict(
        session.execute(select(Article.source_id, func.count()).group_by(Article.source_id)).all()
    )
    now = datetime.now(UTC)
    out = []
    verdicts = {h.source_id: h for h in session.scalars(select(SourceHealth))}
    for src in session.scalars(select(Source).order_by(Source.name)):
        last_new = src.last_new_article_at
        health = verdicts.get(src.id)
        out.append(
            {
                "source": src.name,
                "articles": counts.get(src.id, 0),
                "requests": src.requests,
                "errors": src.errors,
                "recent_errors": session.scalar(
                    select(func.count())
                    .select_from(PageError)
                    .where(PageError.source == src.name, PageError.at >= now - RECENT_ERRORS)
                ),
                "not_modified_rate": src.not_modified / src.requests if src.requests else None,
                "last_success_at": iso(src.last_success_at),
                "last_error": src.last_error,
                "last_new_article_at": iso(last_new),
                "consecutive_failures": src.consecutive_failures,
                "stale": last_new is not None and now - last_new > timedelta(days=STALE_AFTER_DAYS),
                "healthy": health is None or health.healthy,
                "health_problem": health.problem if health else None,
                "health_changed_at": iso(health.changed_at) if health else None,
                "next_poll_at": iso(src.next_poll_at),
                "days": source_days(session, src.id),
            }
        )
    return out


def source_days(session: Session, source_id: int, days: int = 7) -> list[dict[str, Any]]:
    """A source's daily counters, newest first: articles, errors, median words, 304 rate."""
    from storage.models import SourceDay

    rows = session.scalars(
        select(SourceDay)
        .where(SourceDay.source_id == source_id)
        .order_by(SourceDay.day.desc())
        .limit(days)
    )
    return [
        {
            "day": r.day.isoformat(),
            "polls": r.polls,
            "articles": r.articles,
            "errors": r.errors,
            "median_words": r.median_words,
            "not_modified_rate": round(r.not_modified / r.requests, 3) if r.requests else None,
        }
        for r in rows
    ]


def run_stats(session: Session, limit: int = 10) -> list[dict[str, Any]]:
    from storage.models import COUNTERS, CrawlRun

    rows = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit))
    return [
        {
            "id": r.id,
            "started_at": iso(r.started_at),
            "finished_at": iso(r.finished_at),
            "status": r.status,
            **{k: getattr(r, k) for k in COUNTERS},
            "revisits": r.revisits,
        }
        for r in rows
    ]
