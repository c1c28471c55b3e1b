"""New articles: a fetched page becomes an article, a duplicate URL, or a revisit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from crawler.archive import aliases, context, learning, matches, revisits, sources, stories
from crawler.archive.context import IngestState
from crawler.items import ArticlePage, PageFailure, Processed
from crawler.text.urls import canonical_urls, is_home
from storage.models import (
    Article,
    Source,
    utcnow,
)
from storage.queries import core_execute


def offset_minutes(when: datetime | None) -> int | None:
    """Minutes east of UTC of an aware time (what export prints it in)."""
    offset = when.utcoffset() if when is not None else None
    return None if offset is None else int(offset.total_seconds() // 60)


_NEW_ARTICLE_AT = (
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


def new_article(
    state: IngestState,
    session: Session,
    page: ArticlePage,
    doc: Processed,
    url: str,
    urls: list[str],
) -> Article:
    now = utcnow()
    source_id = context.source_id(state, session, page.source)
    article = Article(
        url=url,
        source_id=source_id,
        title=doc.title,
        text=doc.text,
        author=doc.author,
        published_at=doc.published_at,
        published_offset=offset_minutes(doc.published_at),
        language=doc.language,
        site_name=doc.site_name,
        first_seen_at=now,
        last_checked_at=now,
        last_changed_at=now,
        next_check_at=now + state.schedule[0] if state.schedule else None,
        revisit_step=0,
        version_count=1,
        content_hash=doc.content_hash,
        text_hash=doc.text_hash,
        body_hash=page.body_hash,
        etag=page.etag,
        last_modified=page.last_modified,
        words=doc.words,
        signature=doc.signature,
        canonical_link=doc.foreign_canonical,
        is_republication=doc.foreign_canonical is not None,
    )
    session.add(article)
    session.flush()
    aliases.add_aliases(session, article.id, urls)
    session.add(revisits.version_row(article, 1, page, doc, now))
    stories.assign_story(state, session, article, doc)
    learning.learn_paragraphs(session, page.source, source_id, doc)
    learning.learn_facts(session, source_id, doc)
    matches.match(state, session, article, doc.topics, now)
    core_execute(session, _NEW_ARTICLE_AT, {"source": source_id, "at": now})
    state.counters["new_articles"] += 1
    return article
