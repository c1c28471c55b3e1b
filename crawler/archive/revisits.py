"""Revisits and versions: what changed, whether it is an edit, and the next check."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.archive import aliases, context, matches, outbox
from crawler.archive.context import IngestState
from crawler.archive.stories import replace_text, set_fingerprints
from crawler.items import ArticlePage, Processed
from crawler.process.texts import BOILERPLATE_MAX_WORDS
from crawler.text import boilerplate, diffing
from crawler.text.urls import canonical_urls
from storage.models import (
    Article,
    Version,
    utcnow,
)


def due_revisits(
    session: Session, now: datetime, limit: int, source_ids: list[int] | None = None
) -> list[Article]:
    """Articles whose next check is due, most overdue first."""
    query = (
        select(Article)
        .where(Article.next_check_at.is_not(None), Article.next_check_at <= now)
        .order_by(Article.next_check_at)
        .limit(limit)
    )
    if source_ids is not None:
        query = query.where(Article.source_id.in_(source_ids))
    return list(session.scalars(query))


def version_row(
    article: Article, n: int, page: ArticlePage, doc: Processed, now: datetime
) -> Version:
    return Version(**version_values(article.id, n, page, doc, now))


def version_values(
    article_id: int, n: int, page: ArticlePage, doc: Processed, now: datetime
) -> dict[str, Any]:
    """A version's columns (the rest take their defaults)."""
    return {
        "article_id": article_id,
        "n": n,
        "fetched_at": now,
        "title": doc.title,
        "text": doc.text,
        "raw_text": doc.raw_text,
        "author": doc.author,
        "published_at": doc.published_at,
        "content_hash": doc.content_hash,
        "http_status": page.status,
        "etag": page.etag,
        "last_modified": page.last_modified,
        "html": doc.html,
    }


def checked(
    state: IngestState, session: Session, article_id: int, now: datetime, *, changed: bool
) -> None:
    """Plan the next revisit: the k-th is due schedule[k] after the previous check."""
    article = session.get(Article, article_id)
    if article is None:
        return
    step = 0 if changed else article.revisit_step + 1
    article.revisit_step = step
    article.last_checked_at = now
    article.next_check_at = now + state.schedule[step] if step < len(state.schedule) else None


def revisit(state: IngestState, session: Session, page: ArticlePage, doc: Processed | None) -> None:
    now = utcnow()
    article = session.get(Article, page.article_id)
    if article is None:
        return
    state.counters["revisits"] += 1
    if page.status in (404, 410):
        if article.status != "gone":
            article.status, article.gone_at = "gone", now
            state.counters["gone"] += 1
        checked(state, session, article.id, now, changed=False)
        return
    if article.status == "gone":
        article.status, article.gone_at = "live", None
    if page.etag or page.last_modified:
        article.etag, article.last_modified = page.etag, page.last_modified
    context.count_request(state, session, page.source, not_modified=page.status == 304)
    if page.status == 304 or doc is None:
        state.counters["not_modified" if page.status == 304 else "unchanged"] += 1
        checked(state, session, article.id, now, changed=False)
        return
    if _redirected_away(state, session, article, page):
        checked(state, session, article.id, now, changed=False)
        return
    article.body_hash = page.body_hash
    aliases.add_aliases(session, article.id, canonical_urls(page.urls))
    changed = new_version(state, session, article, page, doc, now)
    checked(state, session, article.id, now, changed=changed)


def _redirected_away(
    state: IngestState, session: Session, article: Article, page: ArticlePage
) -> bool:
    """Record a revisit that redirected to another article or to a home page.

    The page answered is not this article, so it makes no version and no alias; a later
    visit that lands on the article again clears the record.
    """
    final = canonical_urls([page.url])
    if not final or final[0] == article.url:
        article.redirected_to = None
        return False
    owner = aliases.find_article(session, final)
    if owner is not None and owner.id == article.id:
        article.redirected_to = None
        return False
    article.redirected_to = final[0]
    state.counters["redirected"] += 1
    return True


def new_version(
    state: IngestState,
    session: Session,
    article: Article,
    page: ArticlePage,
    doc: Processed,
    now: datetime,
) -> bool:
    """Store a version if the headline or the article's text changed; True when the change
    is material. Markup, page furniture and a change in the boilerplate stripped are not
    edits (see diffing.compare and _reclean_current)."""
    if doc.content_hash != article.content_hash:
        _reclean_current(state, session, article, page.source)
    if doc.content_hash == article.content_hash:
        article.suspect_hash = None
        state.counters["unchanged"] += 1
        return False
    change = diffing.compare(
        article.title,
        article.text,
        doc.title,
        doc.text,
        material_words=state.config.revisit.material_words,
    )
    if not change.changed:
        article.suspect_hash = None
        state.counters["unchanged"] += 1
        return False
    if diffing.is_suspect_loss(article.text, doc.text) and article.suspect_hash != doc.content_hash:
        # Hold a sudden loss of most of the text until the next visit confirms it.
        article.suspect_hash = doc.content_hash
        state.counters["suspect"] += 1
        return False
    old_title = article.title
    version = _store_version(session, article, page, doc, change, now)
    state.counters["new_versions"] += 1
    if change.material:
        matches.match(state, session, article, doc.topics, now)
        outbox.queue_updates(state, session, article, old_title, version, now)
    return change.material


def _store_version(
    session: Session,
    article: Article,
    page: ArticlePage,
    doc: Processed,
    change: diffing.Change,
    now: datetime,
) -> Version:
    """Add version n+1 with what changed, and make it the article's current state."""
    n = article.version_count + 1
    version = version_row(article, n, page, doc, now)
    version.words_added, version.words_removed = change.words_added, change.words_removed
    version.headline_changed, version.material = change.headline_changed, change.material
    version.same_as_n = session.scalars(
        select(Version.n).where(
            Version.article_id == article.id, Version.content_hash == doc.content_hash
        )
    ).first()
    session.add(version)
    article.title, article.text = doc.title, doc.text
    article.content_hash, article.text_hash = doc.content_hash, doc.text_hash
    article.words, article.version_count = doc.words, n
    article.last_changed_at, article.suspect_hash = now, None
    set_fingerprints(session, article, doc.signature, doc.bands)
    return version


def _reclean_current(state: IngestState, session: Session, article: Article, source: str) -> None:
    """Clean the stored text with the boilerplate the revisit was cleaned with, in place.

    The previous version's extraction (its raw text) stripped of the same set is what the
    new extraction is compared with: a line learned, or forgotten, since the last visit
    is a change in newsmon, not in the article, and makes no version.
    """
    learned = state.boilerplate.get(source)
    if learned is None:  # not known here (a test, a tool): the stored text as it is
        return
    raw = session.scalars(
        select(Version.raw_text).where(
            Version.article_id == article.id, Version.n == article.version_count
        )
    ).first()
    text = boilerplate.strip_boilerplate(raw or article.text, learned, BOILERPLATE_MAX_WORDS)
    if text != article.text:
        replace_text(session, article, text)
        state.counters["recleaned"] += 1
