"""Alembic round trip and `alembic check` on a fresh SQLite file and PostgreSQL database."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from storage.db import (
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    upgrade,
)
from storage.models import Base


def test_upgrade_downgrade_check(db_url: str) -> None:
    upgrade(db_url)
    command.check(alembic_config(db_url))  # raises when models and migrations disagree
    engine = make_engine(db_url)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert current_revision(engine) == head_revision(db_url)

    downgrade(db_url, "base")
    remaining = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    assert current_revision(engine) is None

    upgrade(db_url)
    command.check(alembic_config(db_url))
    engine.dispose()


def test_apscheduler_table_is_out_of_alembics_view(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE apscheduler_jobs (id VARCHAR(191) PRIMARY KEY)")
    engine.dispose()
    command.check(alembic_config(db_url))  # a foreign table must not look like a pending drop


def test_sqlite_fts_follows_the_current_text(sqlite_url: str) -> None:
    from crawler.archive.search import search
    from storage.db import session_factory, transaction
    from storage.models import Article, Source

    upgrade(sqlite_url)
    sessions = session_factory(make_engine(sqlite_url), write=True)
    with transaction(sessions) as s:
        s.add(Source(id=1, name="Wire"))
        s.flush()
        s.add(
            Article(
                id=1,
                url="https://w.example/a",
                source_id=1,
                title="Kyiv talks",
                text="Blinken landed in Kyiv.",
                content_hash="x",
            )
        )
    with transaction(sessions) as s:
        assert [h["id"] for h in search(s, "Kyiv")] == [1]
        article = s.get(Article, 1)
        assert article is not None
        article.text = "Talks moved to Berlin."
        article.title = "Berlin talks"
    with transaction(sessions) as s:
        assert search(s, "Kyiv") == []
        assert [h["id"] for h in search(s, "berlin")] == [1]
