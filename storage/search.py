"""Full-text search behind one function: FTS5 on SQLite, tsvector on PostgreSQL."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal_column, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from storage.models import Article, Source, TopicMatch
from storage.queries import iso

_TOKEN = re.compile(r'"[^"]*"|\(|\)|[^\s()"]+')
_OPERATORS = {"AND", "OR", "NOT"}


class SearchError(ValueError):
    """The search query cannot be run."""


def fts5_query(query: str) -> str:
    """Turn a user query (terms, "phrases", prefix*, AND/OR/NOT, parentheses) into FTS5 syntax.

    Bare words are quoted so that punctuation in them (e.g. `U.S.`) is not FTS5 syntax.
    """
    if query.count('"') % 2:
        raise SearchError(f"unclosed quote in {query!r}")
    out = []
    for token in _TOKEN.findall(query):
        if token in _OPERATORS or token in "()":
            out.append(token)
        elif token.startswith('"'):
            out.append(token if len(token) > 2 else "")
        elif token.endswith("*") and len(token) > 1:
            out.append('"' + token.rstrip("*").replace('"', "") + '"*')
        else:
            out.append('"' + token.replace('"', "") + '"')
    result = " ".join(t for t in out if t)
    if not result:
        raise SearchError("empty search query")
    return result


def search(
    session: Session,
    query: str,
    *,
    topic: str | None = None,
    since: datetime | None = None,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """Articles matching `query`, newest first, with a snippet."""
    if session.get_bind().dialect.name == "sqlite":
        ids_snippets = _sqlite_hits(session, query)
    else:
        ids_snippets = _postgres_hits(session, query)
    newest = func.coalesce(Article.published_at, Article.first_seen_at)
    stmt = (
        select(Article, Source.name)
        .join(Source, Source.id == Article.source_id)
        .where(Article.id.in_(ids_snippets.keys()) if ids_snippets else Article.id < 0)
        .order_by(newest.desc(), Article.id.desc())
        .limit(limit)
    )
    if topic is not None:
        stmt = stmt.where(
            Article.id.in_(select(TopicMatch.article_id).where(TopicMatch.topic == topic))
        )
    if since is not None:
        stmt = stmt.where(newest >= since)
    return [
        {
            "id": a.id,
            "url": a.url,
            "title": a.title,
            "source": source,
            "published_at": iso(a.published_at),
            "story_id": a.story_id,
            "snippet": ids_snippets[a.id],
        }
        for a, source in session.execute(stmt)
    ]


def _sqlite_hits(session: Session, query: str) -> dict[int, str]:
    sql = text(
        "SELECT rowid, snippet(articles_fts, 1, '[', ']', '…', 24) FROM articles_fts "
        "WHERE articles_fts MATCH :q"
    )
    try:
        rows = session.execute(sql, {"q": fts5_query(query)}).all()
    except Exception as exc:  # FTS5 reports syntax errors as OperationalError
        if "fts5" in str(exc).lower() or "syntax" in str(exc).lower():
            raise SearchError(f"cannot search for {query!r}: {exc}") from None
        raise
    return {int(r[0]): str(r[1]) for r in rows}


def _postgres_hits(session: Session, query: str) -> dict[int, str]:
    # The generated, GIN-indexed column of the initial migration.
    document: ColumnElement[Any] = literal_column("articles.search_vector")
    tsquery = func.websearch_to_tsquery(literal_column("'simple'"), query)
    snippet = func.ts_headline(
        literal_column("'simple'"),
        Article.text,
        tsquery,
        "StartSel=[, StopSel=], MaxWords=30, MinWords=10",
    )
    rows = session.execute(select(Article.id, snippet).where(document.op("@@")(tsquery))).all()
    return {int(r[0]): str(r[1]) for r in rows}
