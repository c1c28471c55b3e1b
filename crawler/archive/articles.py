"""New articles: a fetched page becomes an article, a duplicate URL, or a revisit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session

from crawler.archive import aliases, context, learning, matches, revisits, sources, stories
from crawler.archive.context import IngestState
from crawler.items import ArticlePage, PageFailure, Processed
from crawler.text.urls import canonical_urls, is_home
from storage.models import (
    Article,
    Source,
    Story,
    Version,
    utcnow,
)
from storage.queries import core_execute


def offset_minutes(when: datetime | None) -> int | None:
    """Minutes east of UTC of an aware time (what export prints it in)."""
    offset = when.utcoffset() if when is not None else None
    return None if offset is None else int(offset.total_seconds() // 60)


NEW_ARTICLE_AT = (
    update(Source)
    .where(Source.id == bindparam("source"))
    .values(last_new_article_at=bindparam("at"))
)


def page(state: IngestState, session: Session, page: ArticlePage, doc: Processed | None) -> None:
    """Apply one fetched article page (new, duplicate or revisit) to the archive."""
    state.counters["fetched"] += 1
    if page.article_id is None:
        context.count_request(state, session, page.source)
    if doc is not None and doc.error is not None:
        sources.failure(
            state,
            session,
            PageFailure(page.source, page.url, doc.error, page.status, page.article_id),
        )
        return
    if page.article_id is not None:
        revisits.revisit(state, session, page, doc)
        return
    if doc is None:
        return
    urls = canonical_urls(page.urls)
    if len(urls) > 1 and is_home(urls[-1]) and not is_home(urls[0]):
        # A link that redirects to the front page is a removed article, not a new one.
        sources.failure(
            state,
            session,
            PageFailure(page.source, urls[0], "redirected to the home page", page.status),
        )
        return
    canonical = doc.canonical_url or (urls[-1] if urls else page.url)
    urls = list(dict.fromkeys([canonical, *urls]))
    existing = aliases.find_article(session, urls)
    if existing is not None:
        # Another URL of an article already stored: fold it in, never a second article.
        aliases.add_aliases(session, existing.id, urls)
        state.counters["duplicates"] += 1
        return
    new_article(state, session, page, doc, canonical, urls)


# A new article's rows, written as Core statements built once: through the ORM, its unit of
# work cost more than the statements (CPU of the crawl process, which writes every article).
_INSERT_ARTICLE = insert(Article).returning(Article.id)
_INSERT_STORY = insert(Story).returning(Story.id)
_INSERT_VERSION = insert(Version)
_CANONICAL = (
    update(Story)
    .where(Story.id == bindparam("story"))
    .values(canonical_article_id=bindparam("article"))
)


def new_article(
    state: IngestState,
    session: Session,
    page: ArticlePage,
    doc: Processed,
    url: str,
    urls: list[str],
) -> int:
    """Store a new article, its URLs, first version, story, fingerprints, boilerplate counts
    and topic matches; returns its id."""
    now = utcnow()
    source_id = context.source_id(state, session, page.source)
    match = stories.nearest(session, doc)
    if match is None:
        values = {"created_at": now, "updated_at": now, "copies": 1}
        story_id = core_execute(session, _INSERT_STORY, values).scalar_one()
    else:
        story_id = match.story_id
    row = _article_row(state, page, doc, now)
    row.update(url=url, source_id=source_id, story_id=story_id)
    article_id = core_execute(session, _INSERT_ARTICLE, row).scalar_one()
    aliases.add_aliases(session, article_id, urls)
    if match is None:
        core_execute(session, _CANONICAL, {"story": story_id, "article": article_id})
    else:
        state.counters["story_copies"] += 1
        stories.recanonicalise(session, story_id)  # the new copy and its URLs count
    core_execute(session, _INSERT_VERSION, revisits.version_values(article_id, 1, page, doc, now))
    stories.add_bands(session, article_id, doc.bands)
    if state.batching:
        state.paragraph_rows.extend(learning.paragraph_rows(source_id, doc))
        state.new_article_at[source_id] = now
    else:
        learning.learn_paragraphs(session, page.source, source_id, doc)
        core_execute(session, NEW_ARTICLE_AT, {"source": source_id, "at": now})
    learning.learn_facts(session, source_id, doc)
    # what matches and alerts read of it
    matches.match(state, session, Article(id=article_id, story_id=story_id), doc.topics, now)
    state.counters["new_articles"] += 1
    return article_id


def _article_row(
    state: IngestState, page: ArticlePage, doc: Processed, now: datetime
) -> dict[str, Any]:
    return {
        "title": doc.title,
        "text": doc.text,
        "author": doc.author,
        "published_at": doc.published_at,
        "published_offset": offset_minutes(doc.published_at),
        "language": doc.language,
        "site_name": doc.site_name,
        "first_seen_at": now,
        "last_checked_at": now,
        "last_changed_at": now,
        "next_check_at": now + state.schedule[0] if state.schedule else None,
        "revisit_step": 0,
        "version_count": 1,
        "content_hash": doc.content_hash,
        "text_hash": doc.text_hash,
        "body_hash": page.body_hash,
        "etag": page.etag,
        "last_modified": page.last_modified,
        "words": doc.words,
        "signature": doc.signature,
        "canonical_link": doc.foreign_canonical,
        "is_republication": doc.foreign_canonical is not None,
    }
