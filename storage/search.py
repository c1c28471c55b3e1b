"""Full-text search behind one function: FTS5 on SQLite, tsvector on PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from sqlalchemy import Select, column, func, literal_column, select, table, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from storage.models import Article, Source, TopicMatch
from storage.queries import iso

_TOKEN = re.compile(r'"[^"]*"|\(|\)|[^\s()"]+')
_OPERATORS = {"AND", "OR", "NOT"}


class SearchError(ValueError):
    """The search query cannot be run."""


def _tokens(query: str) -> list[str]:
    """The query's operators, parentheses and quoted terms, phrases and prefixes, in order:
    the one reading of a query that both backends' syntaxes are written from."""
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
    result: list[str] = []
    for token in (t for t in out if t):
        # Juxtaposition is AND, written out: FTS5 implies it between phrases only, not
        # next to a parenthesis (`a (b OR c)`).
        if result and _ends_operand(result[-1]) and _starts_operand(token):
            result.append("AND")
        result.append(token)
    if not result:
        raise SearchError("empty search query")
    return result


def _ends_operand(token: str) -> bool:
    return token == ")" or token.startswith('"')


def _starts_operand(token: str) -> bool:
    return token == "(" or token.startswith('"')


def fts5_query(query: str) -> str:
    """Turn a user query (terms, "phrases", prefix*, AND/OR/NOT, parentheses) into FTS5 syntax.

    Bare words are quoted so that punctuation in them (e.g. `U.S.`) is not FTS5 syntax.
    """
    return " ".join(_tokens(query))


def ts_query(query: str) -> str:
    """The same query in PostgreSQL's to_tsquery syntax, with FTS5's grammar and precedence
    (NOT, then AND, explicit or implied, then OR; NOT is binary: `a NOT b`), so that a query
    means the same on both backends and one that FTS5 refuses is refused here too."""
    return _TsQueryWriter(query, _tokens(query)).write()


class _TsQueryWriter:
    """A recursive-descent reader of the query's tokens that writes to_tsquery syntax."""

    def __init__(self, query: str, tokens: list[str]) -> None:
        self.query, self.tokens, self.pos = query, tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def write(self) -> str:
        out = self.any_of()
        if self.peek() is not None:
            raise self.error()
        return out

    def any_of(self) -> str:
        parts = [self.all_of()]
        while self.peek() == "OR":
            self.pos += 1
            parts.append(self.all_of())
        return parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"

    def all_of(self) -> str:
        parts = [self.but_not()]
        while self.peek() not in (None, "OR", ")"):
            if self.peek() == "AND":
                self.pos += 1
            parts.append(self.but_not())
        return parts[0] if len(parts) == 1 else "(" + " & ".join(parts) + ")"

    def but_not(self) -> str:
        out = self.operand()
        while self.peek() == "NOT":
            self.pos += 1
            out = f"({out} & !{self.operand()})"
        return out

    def operand(self) -> str:
        token = self.peek()
        if token is None or token in _OPERATORS or token == ")":
            raise self.error()
        self.pos += 1
        if token == "(":
            out = self.any_of()
            if self.peek() != ")":
                raise self.error()
            self.pos += 1
            return out
        prefix = token.endswith("*")
        words = token[1:-2] if prefix else token[1:-1]
        # A quoted operand: to_tsquery runs it through the parser that built the document's
        # tsvector (several words become a phrase, a <-> b); backslash and quote are escaped.
        quoted = "'" + words.replace("\\", "\\\\").replace("'", "''") + "'"
        return quoted + (":*" if prefix else "")

    def error(self) -> SearchError:
        where = self.peek()
        near = f"near {where!r}" if where is not None else "at its end"
        return SearchError(f"cannot search for {self.query!r}: syntax error {near}")


def search(
    session: Session,
    query: str,
    *,
    topic: str | None = None,
    since: datetime | None = None,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """Articles matching `query`, newest first, with a snippet.

    The full-text query itself orders and limits (so a common word does not make every match
    travel back), then snippets are made for the `limit` articles shown.
    """
    sqlite = session.get_bind().dialect.name == "sqlite"
    newest = func.coalesce(Article.published_at, Article.first_seen_at)
    stmt = _sqlite_matches(query) if sqlite else _postgres_matches(query)
    if topic is not None:
        stmt = stmt.where(
            Article.id.in_(select(TopicMatch.article_id).where(TopicMatch.topic == topic))
        )
    if since is not None:
        stmt = stmt.where(newest >= since)
    stmt = stmt.order_by(newest.desc(), Article.id.desc()).limit(limit)
    try:
        ids = [int(i) for i in session.scalars(stmt)]
    except OperationalError as exc:
        # FTS5 reports query syntax errors as OperationalError; anything else (a server that
        # is down) is not the query's fault.
        message = str(exc.orig)
        if "fts5" not in message.lower() and "syntax" not in message.lower():
            raise
        raise SearchError(f"cannot search for {query!r}: {message}") from None
    if not ids:
        return []
    snippets = (
        _sqlite_snippets(session, query, ids) if sqlite else _postgres_snippets(session, query, ids)
    )
    rows = {
        a.id: (a, source)
        for a, source in session.execute(
            select(Article, Source.name)
            .join(Source, Source.id == Article.source_id)
            .where(Article.id.in_(ids))
        )
    }
    return [
        {
            "id": a.id,
            "url": a.url,
            "title": a.title,
            "source": source,
            "published_at": iso(a.published_at),
            "story_id": a.story_id,
            "snippet": snippets.get(a.id, ""),
        }
        for a, source in (rows[i] for i in ids if i in rows)
    ]


_FTS = table("articles_fts", column("rowid"))


def _sqlite_matches(query: str) -> Select[int]:
    match = text("articles_fts MATCH :q").bindparams(q=fts5_query(query))
    return select(Article.id).join(_FTS, _FTS.c.rowid == Article.id).where(match)


def _postgres_matches(query: str) -> Select[int]:
    # The generated, GIN-indexed column of the initial migration.
    document: ColumnElement[Any] = literal_column("articles.search_vector")
    tsquery = func.to_tsquery(literal_column("'simple'"), ts_query(query))
    return select(Article.id).where(document.op("@@")(tsquery))


def _sqlite_snippets(session: Session, query: str, ids: list[int]) -> dict[int, str]:
    sql = text(
        "SELECT rowid, snippet(articles_fts, 1, '[', ']', '…', 24) FROM articles_fts "
        "WHERE articles_fts MATCH :q AND rowid IN (SELECT value FROM json_each(:ids))"
    )
    rows = session.execute(sql, {"q": fts5_query(query), "ids": json.dumps(ids)})
    return {int(r[0]): str(r[1]) for r in rows}


def _postgres_snippets(session: Session, query: str, ids: list[int]) -> dict[int, str]:
    tsquery = func.to_tsquery(literal_column("'simple'"), ts_query(query))
    snippet = func.ts_headline(
        literal_column("'simple'"),
        Article.text,
        tsquery,
        "StartSel=[, StopSel=], MaxWords=30, MinWords=10",
    )
    rows = session.execute(select(Article.id, snippet).where(Article.id.in_(ids)))
    return {int(r[0]): str(r[1]) for r in rows}
