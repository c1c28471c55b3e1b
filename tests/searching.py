"""Shared by the search tests: an archive seeded with articles, and what topics say of a query."""

from __future__ import annotations

from collections.abc import Mapping

from crawler.text.topics import Document, matches, parse
from storage.db import make_engine, session_factory, transaction
from storage.models import Article, Source

# key: (url, title, text)
Articles = Mapping[str, tuple[str, str, str]]


def seed(archive_url: str, source_name: str, articles: Articles) -> str:
    """Store `articles` under one source in the archive; return its URL."""
    engine = make_engine(archive_url)
    with transaction(session_factory(engine, write=True)) as session:
        source = Source(name=source_name)
        session.add(source)
        session.flush()
        for url, title, text in articles.values():
            session.add(
                Article(url=url, source_id=source.id, title=title, text=text, content_hash=url)
            )
    engine.dispose()
    return archive_url


def topic_keys(articles: Articles, query: str) -> set[str]:
    """The keys of the articles the topic matcher says `query` matches."""
    node = parse(query)
    return {
        key
        for key, (url, title, text) in articles.items()
        if matches(node, Document.from_text(title, text, url))
    }
