"""Read queries behind the web view (`newsmon serve`); each takes a Session and only reads.

Every result is plain data (str, int, bool, None, lists and dicts; times as ISO 8601), so a
page and its `?format=json` twin show the same thing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from storage.models import Article, ArticleURL, Source, Story, TopicMatch, Version
from storage.queries import export_record, iso


# An article's place in time: its publication date, else when newsmon first saw it.
def newest() -> ColumnElement[datetime]:
    return func.coalesce(Article.published_at, Article.first_seen_at)


def _day(session: Session, value: Any) -> ColumnElement[Any]:
    """The UTC calendar day of a stored time, as each backend spells it."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(value)  # SQLite stores UTC text: 'YYYY-MM-DD HH:MM:SS'
    return cast(func.timezone("UTC", value), Date)


def topic_names(session: Session) -> list[str]:
    """Topics that have matched something, by name: one index seek per topic (a loose index
    scan), rather than a read of every match."""
    names: list[str] = []
    while True:
        stmt = select(func.min(TopicMatch.topic))
        if names:
            stmt = stmt.where(TopicMatch.topic > names[-1])
        name = session.scalar(stmt)
        if name is None:
            return names
        names.append(name)


def has_matches(session: Session, topic: str) -> bool:
    stmt = select(TopicMatch.id).where(TopicMatch.topic == topic).limit(1)
    return session.scalar(stmt) is not None


def last_match_at(session: Session, topic: str) -> datetime | None:
    """When the topic last matched an article."""
    stmt = select(func.max(TopicMatch.matched_at)).where(TopicMatch.topic == topic)
    return session.scalar(stmt)


def matches_per_day(
    session: Session, topic: str, end: date, days: int = 30
) -> list[dict[str, Any]]:
    """The topic's matches per day (by when they matched) for the `days` days ending at `end`,
    zero days included. Read from the (topic, matched_at) index alone."""
    start = end - timedelta(days=days - 1)
    since = datetime(start.year, start.month, start.day, tzinfo=UTC)
    until = since + timedelta(days=days)
    day = _day(session, TopicMatch.matched_at)
    stmt = (
        select(day, func.count())
        .where(
            TopicMatch.topic == topic,
            TopicMatch.matched_at >= since,
            TopicMatch.matched_at < until,
        )
        .group_by(day)
    )
    counts = {str(d)[:10]: n for d, n in session.execute(stmt)}
    out = []
    for k in range(days):
        key = (start + timedelta(days=k)).isoformat()
        out.append({"day": key, "matches": counts.get(key, 0)})
    return out


def topic_stories(
    session: Session, topic: str, *, limit: int = 25, offset: int = 0
) -> list[dict[str, Any]]:
    """The topic's stories, the most recently matched first, each with its canonical copy's
    title, URL, source and publication time, its number of copies and its last match.

    The topic's matches are walked newest first (matches are numbered in the order they were
    made) on the (topic, id, story_id) index, only until `offset + limit` stories are found: a
    page costs what it shows, whatever the archive's size. Ordering by the articles'
    publication times instead would read every matching article's row: seconds on a
    100,000-article SQLite archive (docs/benchmarks.md).
    """
    want = offset + limit
    stmt = (
        select(TopicMatch.story_id, TopicMatch.id)
        .where(TopicMatch.topic == topic, TopicMatch.story_id.is_not(None))
        .order_by(TopicMatch.id.desc())
        .execution_options(yield_per=min(512, 2 * want + 16))
    )
    last: dict[int, int] = {}
    result = session.execute(stmt)
    try:
        for story_id, match_id in result:
            if story_id is not None and story_id not in last:
                last[story_id] = match_id
                if len(last) >= want:
                    break
    finally:
        result.close()
    order = list(last.items())[offset:]
    if not order:
        return []
    matched = dict(
        session.execute(
            select(TopicMatch.id, TopicMatch.matched_at).where(
                TopicMatch.id.in_([m for _, m in order])
            )
        ).all()
    )
    return _stories_by_id(session, [(story, matched.get(m)) for story, m in order])


def _stories_by_id(session: Session, order: list[tuple[int, Any]]) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Story.id, Story.copies, Article.id.label("article_id"), Article.title, Article.url)
        .add_columns(Source.name.label("source"), Article.author, newest().label("published"))
        .join(Article, Article.id == Story.canonical_article_id)
        .join(Source, Source.id == Article.source_id)
        .where(Story.id.in_([story_id for story_id, _ in order]))
    )
    found = {r.id: r for r in rows}
    out = []
    for story_id, matched_at in order:
        r = found.get(story_id)
        if r is None:
            continue
        out.append(
            {
                "story_id": story_id,
                "title": r.title,
                "url": r.url,
                "source": r.source,
                "author": r.author,
                "canonical_article_id": r.article_id,
                "copies": r.copies,
                "published_at": _iso_any(r.published),
                "last_match_at": _iso_any(matched_at),
            }
        )
    return out


def _iso_any(value: Any) -> str | None:
    """ISO 8601 of a time, also of an untyped one (SQLite gives coalesce() back as text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return iso(value if value.tzinfo else value.replace(tzinfo=UTC))


# Busiest sources are counted over the topic's latest matches: a bounded read on any archive.
RECENT_MATCHES = 200


def busiest_sources(session: Session, topic: str, limit: int = 5) -> list[dict[str, Any]]:
    """The sources with the most articles among the topic's latest RECENT_MATCHES matches."""
    recent = (
        select(TopicMatch.article_id)
        .where(TopicMatch.topic == topic)
        .order_by(TopicMatch.matched_at.desc())  # the (topic, matched_at) index's order
        .limit(RECENT_MATCHES)
        .subquery()
    )
    count = func.count().label("matches")
    stmt = (
        select(Source.name, count)
        .join(Article, Article.source_id == Source.id)
        .join(recent, recent.c.article_id == Article.id)
        .group_by(Source.name)
        .order_by(count.desc(), Source.name)
        .limit(limit)
    )
    return [{"source": name, "matches": n} for name, n in session.execute(stmt)]


def story_detail(session: Session, story_id: int) -> dict[str, Any] | None:
    """A story and its copies in time order (publication, else first seen), canonical marked."""
    story = session.get(Story, story_id)
    if story is None:
        return None
    rows = session.execute(
        select(Article.id, Article.title, Article.url, Article.author, Article.status)
        .add_columns(Article.published_at, Article.first_seen_at, Source.name.label("source"))
        .join(Source, Source.id == Article.source_id)
        .where(Article.story_id == story_id)
        .order_by(newest(), Article.id)
    )
    copies = [
        {
            "id": r.id,
            "title": r.title,
            "url": r.url,
            "author": r.author,
            "status": r.status,
            "source": r.source,
            "published_at": iso(r.published_at),
            "first_seen_at": iso(r.first_seen_at),
            "canonical": r.id == story.canonical_article_id,
        }
        for r in rows
    ]
    topics = session.scalars(
        select(TopicMatch.topic).where(TopicMatch.story_id == story_id).distinct()
    )
    return {
        "id": story.id,
        "canonical_article_id": story.canonical_article_id,
        "created_at": iso(story.created_at),
        "updated_at": iso(story.updated_at),
        "copies": copies,
        "topics": sorted(topics),
    }


def article_detail(session: Session, article_id: int) -> dict[str, Any] | None:
    """An article's record (the export fields, site name, every URL) and all its versions with
    their title and text, oldest first."""
    article = session.get(Article, article_id)
    if article is None:
        return None
    record = export_record(session, article)
    record["site_name"] = article.site_name
    record["urls"] = list(
        session.scalars(
            select(ArticleURL.url)
            .where(ArticleURL.article_id == article_id)
            .order_by(ArticleURL.id)
        )
    )
    columns = (Version.n, Version.fetched_at, Version.title, Version.text, Version.author)
    flags = (Version.words_added, Version.words_removed, Version.headline_changed)
    rows = session.execute(
        select(*columns, *flags, Version.material, Version.same_as_n)
        .where(Version.article_id == article_id)
        .order_by(Version.n)
    )
    record["history"] = [
        {
            "n": r.n,
            "fetched_at": iso(r.fetched_at),
            "title": r.title,
            "text": r.text,
            "author": r.author,
            "words_added": r.words_added,
            "words_removed": r.words_removed,
            "headline_changed": r.headline_changed,
            "material": r.material,
            "same_as": r.same_as_n,
        }
        for r in rows
    ]
    return record
