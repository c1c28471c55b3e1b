"""Full-text search behind one function: FTS5 on SQLite, tsvector on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import (
    String,
    and_,
    column,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from crawler.text.normalise import has_bigram_script
from crawler.text.query import (
    And,
    Field,
    Node,
    Not,
    Or,
    Phrase,
    QueryError,
    Site,
    Term,
    parse,
    unparse,
)
from crawler.text.topics import snippet
from storage.models import Article, Source, TopicMatch
from storage.queries import iso


class SearchError(ValueError):
    """The search query cannot be run."""


# --- the query tree in each backend's syntax ---------------------------------------------------
#
# A query is parsed once, by the topics' parser (crawler.text.query), then written as SQL: each
# largest part made of words, phrases, AND, OR and title: alone becomes one full-text match
# (FTS5 MATCH, or tsvector @@ tsquery); NOT and site: become SQL, around those matches. So NOT
# is unary as in topics, a query of NOT alone works, and site: filters on the article's host.


def _is_text(node: Node) -> bool:
    """Whether one full-text match can answer `node`: no NOT, no site: and no word of a script
    read as bigrams anywhere inside."""
    if isinstance(node, Term | Phrase):
        return not _has_bigrams(node)
    if isinstance(node, And | Or):
        return all(_is_text(item) for item in node.items)
    return isinstance(node, Field) and _is_text(node.item)


def _fts5_term(term: Term) -> str:
    # Words are folded letters and digits (no quote can occur); quoted, none is FTS5 syntax.
    return f'"{term.word}"' + (" *" if term.prefix else "")


def fts5_query(node: Node, title_only: bool = False) -> str:
    """A text tree (see `_is_text`) in FTS5 syntax: a phrase is its terms joined by `+`, so
    any of them may be a prefix; `title:` is FTS5's column filter."""
    if isinstance(node, Term | Phrase):
        terms = (node,) if isinstance(node, Term) else node.terms
        out = " + ".join(_fts5_term(t) for t in terms)
        return f"title : ({out})" if title_only else out
    if isinstance(node, Field):
        return fts5_query(node.item, title_only or node.name == "title")
    if isinstance(node, And | Or):
        joiner = " AND " if isinstance(node, And) else " OR "
        return "(" + joiner.join(fts5_query(item, title_only) for item in node.items) + ")"
    raise ValueError(f"not a text query: {node!r}")


def _ts_term(term: Term, weight: str) -> str:
    # 'word', 'word':* (prefix), 'word':A (in the title), 'word':*A.
    marks = ("*" if term.prefix else "") + weight
    return f"'{term.word}'" + (":" + marks if marks else "")


def _ts_phrase(terms: tuple[Term, ...], weight: str) -> str:
    return "(" + " <-> ".join(_ts_term(t, weight) for t in terms) + ")"


def ts_query(node: Node, title_only: bool = False) -> str:
    """A text tree in to_tsquery syntax. The title is weighted A and the text B in the search
    vector: `title:` asks for weight A, and a phrase is looked for within the title or within
    the text (each of its words with the same weight), never across the two, as in topics."""
    if isinstance(node, Term):
        return _ts_term(node, "A" if title_only else "")
    if isinstance(node, Phrase):
        if title_only:
            return _ts_phrase(node.terms, "A")
        return f"({_ts_phrase(node.terms, 'A')} | {_ts_phrase(node.terms, 'B')})"
    if isinstance(node, Field):
        return ts_query(node.item, title_only or node.name == "title")
    if isinstance(node, And | Or):
        joiner = " & " if isinstance(node, And) else " | "
        return "(" + joiner.join(ts_query(item, title_only) for item in node.items) + ")"
    raise ValueError(f"not a text query: {node!r}")


_FTS = table("articles_fts", column("rowid"))


def _text_match(node: Node, title_only: bool, sqlite: bool) -> ColumnElement[bool]:
    if sqlite:
        match = literal_column("articles_fts").op("MATCH")(literal(fts5_query(node, title_only)))
        return Article.id.in_(select(_FTS.c.rowid).where(match))
    return _SEARCH_VECTOR.op("@@")(_tsquery(ts_query(node, title_only)))


# The generated, GIN-indexed column of the migrations (0002: unaccented, punctuation blanked).
_SEARCH_VECTOR: ColumnElement[Any] = literal_column("articles.search_vector")


def _tsquery(query: str) -> ColumnElement[Any]:
    """to_tsquery of `query` with its words unaccented as the documents were (0002)."""
    # The parser folded the words already; unaccent also turns "ø" into "o", and "ʼ" (a letter
    # to the parser) into an apostrophe, which the documents' vector blanked like all
    # punctuation: so the query's own quotes are set aside (as \x01, which no word holds),
    # apostrophes that unaccent made become spaces, then the quotes come back.
    guarded = func.newsmon_unaccent(literal(query.replace("'", "\x01")))
    words = func.replace(func.replace(guarded, "'", " "), "\x01", "'")
    return func.to_tsquery(literal_column("'simple'"), words)


# --- scripts without spaces --------------------------------------------------------------------
# Neither FTS5's unicode61 nor PostgreSQL's 'simple' parser can cut a Chinese, Japanese or Thai
# sentence into words (each run is one token), so a term in such a script is looked for as a
# character sequence in the title and text, as topics match it (crawler.text.normalise reads
# these runs as bigrams; the bigrams of a term, joined back, are the sequence).


def _has_bigrams(node: Term | Phrase) -> bool:
    terms = (node,) if isinstance(node, Term) else node.terms
    return any(has_bigram_script(t.word) for t in terms)


def _pieces(terms: tuple[Term, ...]) -> list[str | tuple[Term, ...]]:
    """A phrase's terms grouped: each run of overlapping bigrams as its text ("乌克", "克兰" ->
    "乌克兰"), the other words as tuples of terms."""
    out: list[str | tuple[Term, ...]] = []
    for term in terms:
        last = out[-1] if out else None
        if has_bigram_script(term.word):
            if isinstance(last, str) and len(term.word) == 2 and last[-1] == term.word[0]:
                out[-1] = last + term.word[1]
            else:
                out.append(term.word)
        elif isinstance(last, tuple):
            out[-1] = (*last, term)
        else:
            out.append((term,))
    return out


def _sequence_match(node: Term | Phrase, title_only: bool, sqlite: bool) -> ColumnElement[bool]:
    """Every character sequence of `node` in the title (or the text); its other words through
    the full-text index."""
    conditions = []
    for piece in _pieces((node,) if isinstance(node, Term) else node.terms):
        if isinstance(piece, str):
            found = Article.title.contains(piece, autoescape=True)
            if not title_only:
                found = or_(found, Article.text.contains(piece, autoescape=True))
            conditions.append(found)
        else:
            words = piece[0] if len(piece) == 1 else Phrase(piece)
            conditions.append(_text_match(words, title_only, sqlite))
    return and_(*conditions)


def _condition(node: Node, sqlite: bool, title_only: bool = False) -> ColumnElement[bool]:
    """`node` as a SQL condition on articles."""
    if _is_text(node):
        return _text_match(node, title_only, sqlite)
    if isinstance(node, Term | Phrase):
        return _sequence_match(node, title_only, sqlite)
    if isinstance(node, Site):
        return _host_is(node.host, sqlite)
    if isinstance(node, Not):
        return not_(_condition(node.item, sqlite, title_only))
    if isinstance(node, Field):
        return _condition(node.item, sqlite, title_only or node.name == "title")
    assert isinstance(node, And | Or)
    # The items made of words alone go to the full-text index together, as one match.
    words_only = [item for item in node.items if _is_text(item)]
    others = [_condition(item, sqlite, title_only) for item in node.items if not _is_text(item)]
    combine = and_ if isinstance(node, And) else or_
    if len(words_only) > 1:
        grouped = And(tuple(words_only)) if isinstance(node, And) else Or(tuple(words_only))
        others.insert(0, _text_match(grouped, title_only, sqlite))
    elif words_only:
        others.insert(0, _text_match(words_only[0], title_only, sqlite))
    return combine(*others)


def _host_is(host: str, sqlite: bool) -> ColumnElement[bool]:
    """The article's host is `host` or a subdomain of it (`site:` in topics)."""
    url_host = _sqlite_url_host() if sqlite else _postgres_url_host()
    return or_(url_host == host, url_host.endswith("." + host, autoescape=True))


def _postgres_url_host() -> ColumnElement[str]:
    # The host of an absolute URL: after the scheme and any user info, before port and path.
    pattern = r"^[^:/?#]+://(?:[^/?#@]*@)?([^/?#:]*)"
    return func.lower(func.rtrim(func.substring(Article.url, pattern), "."), type_=String)


def _sqlite_url_host() -> ColumnElement[str]:
    # SQLite has no regular expressions: cut the URL with instr() and substr() instead. The
    # URLs are canonical (crawler.text.urls), so a path, at least "/", always ends the host.
    rest = func.substr(Article.url, func.instr(Article.url, "://") + 3)
    authority = func.substr(rest, 1, func.instr(rest + "/", "/") - 1)
    host_port = func.substr(authority, func.instr(authority, "@") + 1)
    host = func.substr(host_port, 1, func.instr(host_port + ":", ":") - 1)
    return func.lower(func.rtrim(host, "."), type_=String)


def _positive(node: Node) -> Iterator[Term | Phrase]:
    """Terms and phrases outside any NOT: what a snippet highlights."""
    if isinstance(node, Term | Phrase):
        yield node
    elif isinstance(node, And | Or):
        for item in node.items:
            yield from _positive(item)
    elif isinstance(node, Field):
        yield from _positive(node.item)


def parse_query(query: str) -> Node:
    """The query read by the topics' parser; SearchError names the position of a mistake."""
    try:
        return parse(query)
    except QueryError as exc:
        raise SearchError(f"cannot search for {query!r}: {exc}") from None


def search(
    session: Session,
    query: str,
    *,
    topic: str | None = None,
    since: datetime | None = None,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """Articles matching `query` (the topics' query language), newest first, with a snippet.

    The database itself orders and limits (so a common word does not make every match travel
    back), then snippets are made for the `limit` articles shown.
    """
    node = parse_query(query)
    sqlite = session.get_bind().dialect.name == "sqlite"
    newest = func.coalesce(Article.published_at, Article.first_seen_at)
    stmt = select(Article.id).where(_condition(node, sqlite))
    if topic is not None:
        stmt = stmt.where(
            Article.id.in_(select(TopicMatch.article_id).where(TopicMatch.topic == topic))
        )
    if since is not None:
        stmt = stmt.where(newest >= since)
    stmt = stmt.order_by(newest.desc(), Article.id.desc()).limit(limit)
    ids = [int(i) for i in session.scalars(stmt)]
    if not ids:
        return []
    return _hits(session, ids, _snippets(session, node, ids, sqlite))


# Only what a hit shows, so that search also reads an archive a migration behind the model.
_HIT_COLUMNS = (
    Article.id,
    Article.url,
    Article.title,
    Article.text,
    Article.published_at,
    Article.story_id,
    Source.name.label("source"),
)


def _hits(session: Session, ids: list[int], snippets: dict[int, str]) -> list[dict[str, Any]]:
    rows = {
        row.id: row
        for row in session.execute(
            select(*_HIT_COLUMNS)
            .join(Source, Source.id == Article.source_id)
            .where(Article.id.in_(ids))
        )
    }
    return [
        {
            "id": row.id,
            "url": row.url,
            "title": row.title,
            "source": row.source,
            "published_at": iso(row.published_at),
            "story_id": row.story_id,
            "snippet": snippets.get(row.id) or _lead(row.text),
        }
        for row in (rows[i] for i in ids if i in rows)
    ]


def _lead(text: str, words: int = 30) -> str:
    """The text's first words: the snippet of an article found by NOT or site: alone."""
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def _snippets(session: Session, node: Node, ids: list[int], sqlite: bool) -> dict[int, str]:
    """Snippets around the query's words outside NOT (any of them), for the articles shown."""
    wanted = list(dict.fromkeys(_positive(node)))
    if not wanted:
        return {}
    if any(_has_bigrams(w) for w in wanted):
        return _python_snippets(session, wanted, ids)
    if sqlite:
        return _sqlite_snippets(session, fts5_query(Or(tuple(wanted))), ids)
    # A headline is of the text alone, unweighted: the phrases are asked for without weights.
    phrases = (w.terms if isinstance(w, Phrase) else (w,) for w in wanted)
    any_of = " | ".join(_ts_phrase(terms, "") for terms in phrases)
    return _postgres_snippets(session, any_of, ids)


def _sqlite_snippets(session: Session, fts_query: str, ids: list[int]) -> dict[int, str]:
    sql = text(
        "SELECT rowid, snippet(articles_fts, 1, '[', ']', '…', 24) FROM articles_fts "
        "WHERE articles_fts MATCH :q AND rowid IN (SELECT value FROM json_each(:ids))"
    )
    rows = session.execute(sql, {"q": fts_query, "ids": json.dumps(ids)})
    return {int(r[0]): str(r[1]) for r in rows}


def _postgres_snippets(session: Session, tsquery: str, ids: list[int]) -> dict[int, str]:
    snippet = func.ts_headline(
        literal_column("'simple'"),
        Article.text,
        _tsquery(tsquery),
        "StartSel=[, StopSel=], MaxWords=30, MinWords=10",
    )
    rows = session.execute(select(Article.id, snippet).where(Article.id.in_(ids)))
    return {int(r[0]): str(r[1]) for r in rows}


def _python_snippets(
    session: Session, wanted: list[Term | Phrase], ids: list[int]
) -> dict[int, str]:
    """Snippets made as the web view and alerts make them (crawler.text.topics.snippet), with
    the words in brackets: for queries the full-text index cannot highlight."""
    terms = [unparse(w).strip('"') for w in wanted]
    out = {}
    for article_id, body in session.execute(
        select(Article.id, Article.text).where(Article.id.in_(ids))
    ):
        cut, spans = snippet(body or "", terms)
        for start, end in reversed(spans):
            cut = f"{cut[:start]}[{cut[start:end]}]{cut[end:]}"
        out[int(article_id)] = cut
    return out
