"""What an alert email shows of the archive: each story once, with snippet, source and copies."""

from __future__ import annotations

import json
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawler.alerts.render import (
    StoryView,
    UpdateView,
)
from crawler.text import diffing
from crawler.text.topics import snippet
from storage.models import Alert, Article, Source, Story, TopicMatch, Version

SNIPPET_WIDTH = 240


def _json(raw: str | None, default: Any) -> Any:
    try:
        value = json.loads(raw or "")
    except ValueError:
        return default
    return value if isinstance(value, type(default)) else default


def story_views(session: Session, topic: str, rows: list[Alert]) -> list[StoryView]:
    """Each story once: the canonical copy's headline, source, time and URL, the snippet
    around the matched terms, and how many other copies were seen."""
    story_ids = {r.story_id for r in rows if r.story_id is not None}
    stories = {s.id: s for s in session.scalars(select(Story).where(Story.id.in_(story_ids)))}
    wanted = {r.article_id for r in rows if r.article_id is not None}
    wanted |= {s.canonical_article_id for s in stories.values() if s.canonical_article_id}
    articles = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(wanted)))}
    names = _source_names(session, {a.source_id for a in articles.values()})
    copies = _copies(session, story_ids)
    terms = _matched_terms(session, topic, {r.article_id for r in rows if r.article_id})
    views: dict[int, StoryView] = {}
    for row in rows:
        if row.story_id is None or row.article_id is None:
            continue  # (story rows only: a source's health is emailed on its own)
        matched = articles.get(row.article_id)
        story = stories.get(row.story_id)
        if matched is None or row.story_id in views:
            continue
        canonical = articles.get(story.canonical_article_id or 0, matched) if story else matched
        found = [str(t) for t in terms.get(matched.id, [])]
        views[row.story_id] = StoryView(
            headline=canonical.title or matched.title or "",
            source=names.get(canonical.source_id, ""),
            when=canonical.published_at or canonical.first_seen_at,
            url=canonical.url,
            **snippet_of(found, canonical.text, matched.text),
            other_copies=max(copies.get(row.story_id, 1) - 1, 0),
        )
    return sorted(
        views.values(), key=lambda v: v.when or datetime.min.replace(tzinfo=UTC), reverse=True
    )


# Result has keys(), so dict(result) would take it for a mapping: the helpers unpack the rows.
def _source_names(session: Session, source_ids: set[int]) -> dict[int, str]:
    rows = session.execute(select(Source.id, Source.name).where(Source.id.in_(source_ids)))
    return {i: name for i, name in rows}


def _copies(session: Session, story_ids: AbstractSet[int | None]) -> dict[int | None, int]:
    """How many articles each story has."""
    rows = session.execute(
        select(Article.story_id, func.count())
        .where(Article.story_id.in_(story_ids))
        .group_by(Article.story_id)
    )
    return {story_id: n for story_id, n in rows}


def _matched_terms(session: Session, topic: str, article_ids: set[int]) -> dict[int, Any]:
    """The terms each article matched the topic with."""
    matches = session.scalars(
        select(TopicMatch).where(TopicMatch.topic == topic, TopicMatch.article_id.in_(article_ids))
    )
    return {m.article_id: _json(m.terms, []) for m in matches}


def snippet_of(terms: list[str], *texts: str) -> dict[str, Any]:
    """A snippet from the first text in which a term occurs (the canonical copy first)."""
    for text in texts:
        window, spans = snippet(text or "", terms, SNIPPET_WIDTH)
        if spans:
            return {"snippet": window, "spans": tuple(spans)}
    window, _ = snippet(texts[0] or "", [], SNIPPET_WIDTH)
    return {"snippet": window, "spans": ()}


def update_view(session: Session, row: Alert) -> UpdateView:
    """Old and new headline and the sentences added and removed from version n-1 to n."""
    article = session.get(Article, row.article_id)
    if article is None:
        raise ValueError(f"alert row {row.id}: article {row.article_id} is gone")
    payload = _json(row.payload, {})
    n = int(payload.get("version") or article.version_count)
    versions = {
        v.n: v
        for v in session.scalars(
            select(Version).where(Version.article_id == article.id, Version.n.in_((n - 1, n)))
        )
    }
    old, new = versions.get(n - 1), versions.get(n)
    added, removed = diffing.sentence_changes(old.text, new.text) if old and new else ([], [])
    source = session.get(Source, article.source_id)
    return UpdateView(
        old_headline=payload.get("old_title") or (old.title if old else None) or "",
        new_headline=(new.title if new else None) or article.title or "",
        source=source.name if source else "",
        when=new.fetched_at if new else article.last_changed_at,
        url=article.url,
        version=n,
        added=added,
        removed=removed,
    )
