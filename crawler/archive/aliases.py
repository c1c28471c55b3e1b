"""Article identity: the URLs an article is known by, and redirects folded into it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.archive.context import IngestState
from crawler.items import ArticleAlias
from crawler.text.urls import canonical_urls
from storage.models import (
    Article,
    ArticleURL,
    utcnow,
)
from storage.queries import core_execute, insert_ignore


def find_article(session: Session, urls: list[str]) -> Article | None:
    if not urls:
        return None
    session.flush()  # Core below (see core_execute): an alias added in this batch counts
    article_id = core_execute(
        session, select(ArticleURL.article_id).where(ArticleURL.url.in_(urls)).limit(1)
    ).scalar()
    return session.get(Article, article_id) if article_id is not None else None


def add_aliases(session: Session, article_id: int, urls: list[str]) -> None:
    now = utcnow()
    rows = [{"url": u, "article_id": article_id, "first_seen_at": now} for u in urls]
    insert_ignore(session, ArticleURL, rows, ["url"])


def alias(state: IngestState, session: Session, alias: ArticleAlias) -> bool:
    """Attach redirecting URLs to their article; defer when it is not stored yet."""
    article = find_article(session, [alias.target])
    if article is None:
        state.deferred.append(alias)
        return False
    add_aliases(session, article.id, canonical_urls(alias.urls))
    state.counters["duplicates"] += 1
    return True


def retry_deferred(state: IngestState, session: Session) -> None:
    pending, state.deferred = state.deferred, []
    for deferred in pending:
        alias(state, session, deferred)
