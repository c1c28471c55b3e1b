"""Alembic environment: the URL comes from newsmon's configuration, batch mode for SQLite."""

from __future__ import annotations

from alembic import context

from storage.db import make_engine
from storage.models import Base

config = context.config
target_metadata = Base.metadata

# Tables that live in the archive's database but are not ours to migrate: APScheduler's job
# store, and the SQLite FTS5 index with its shadow tables (created by hand in a migration).
FOREIGN_TABLES = {"apscheduler_jobs"}
FOREIGN_PREFIXES = ("articles_fts",)


# PostgreSQL's generated tsvector column and its index, created by hand in a migration.
HAND_WRITTEN = {"search_vector", "ix_articles_search_vector"}


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    if type_ == "table" and name is not None:
        return name not in FOREIGN_TABLES and not name.startswith(FOREIGN_PREFIXES)
    return name not in HAND_WRITTEN


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    # Render our timezone-aware column type as plain SQLAlchemy so migrations do not import
    # application code that may change after they are written.
    from storage.models import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    # Run as plain `alembic ...` from the project root: read newsmon's configuration.
    from crawler.config import load

    return load().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_name=include_name,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    # newsmon's engine: on SQLite its transactions really begin (pysqlite alone commits each
    # CREATE TABLE by itself), so a migration killed half-way leaves nothing half-done.
    connectable = make_engine(_url())
    try:
        with connectable.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=True,
                include_name=include_name,
                render_item=render_item,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        connectable.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
