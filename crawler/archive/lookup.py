"""Finding an article by what a user types: its id, its canonical URL or any URL it was seen at."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.text.urls import canonicalise
from storage.models import Article, ArticleURL


def article_by_ref(session: Session, ref: str) -> Article | None:
    """An article by id, canonical URL or any alias URL."""
    if ref.isdigit():
        return session.get(Article, int(ref))
    try:
        url = canonicalise(ref)
    except ValueError:
        return None
    article_id = session.scalars(select(ArticleURL.article_id).where(ArticleURL.url == url)).first()
    return session.get(Article, article_id) if article_id is not None else None
