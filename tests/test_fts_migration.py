"""Migration 0003: the SQLite FTS5 table names its content table double-quoted (Datasette)."""

from __future__ import annotations

from sqlalchemy import insert, text

from crawler.archive.search import search
from storage.db import downgrade, make_engine, session_factory, transaction, upgrade
from storage.models import Article, Source


def _fts_sql(url: str) -> str:
    engine = make_engine(url)
    with engine.connect() as conn:
        sql = conn.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'articles_fts'")
        ).scalar_one()
    engine.dispose()
    return str(sql)


def test_fts_content_is_double_quoted_and_keeps_what_was_indexed(sqlite_url: str) -> None:
    upgrade(sqlite_url, "0001")
    sessions = session_factory(make_engine(sqlite_url), write=True)
    with transaction(sessions) as s:
        s.add(Source(id=1, name="Wire"))
        s.flush()
        # Core INSERT of these columns only: the model has columns that 0001 lacks.
        s.execute(
            insert(Article).values(
                id=1,
                url="https://w.example/a",
                source_id=1,
                title="Kyiv talks",
                text="Blinken landed in Kyiv.",
                content_hash="x",
            )
        )
    upgrade(sqlite_url)
    assert 'content="articles"' in _fts_sql(sqlite_url)
    with transaction(sessions) as s:
        # the index was rebuilt from articles, and the triggers still follow edits
        assert [h["id"] for h in search(s, "Kyiv")] == [1]
        article = s.get(Article, 1)
        assert article is not None
        article.text, article.title = "Talks moved to Berlin.", "Berlin talks"
    with transaction(sessions) as s:
        assert search(s, "Kyiv") == []
        assert [h["id"] for h in search(s, "berlin")] == [1]
    downgrade(sqlite_url, "0001")
    assert "content='articles'" in _fts_sql(sqlite_url)
    with transaction(sessions) as s:
        assert [h["id"] for h in search(s, "berlin")] == [1]
