"""Engines, sessions and migrations for the archive; nothing is created at import time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# SQLite waits this long for a writer's lock before giving up ("database is locked").
SQLITE_BUSY_TIMEOUT_MS = 30_000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None for memory databases and other backends."""
    parsed = make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        return None
    return Path(parsed.database)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets readers (search, export) work while a crawl writes; foreign keys are off by
    # default in SQLite.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # Writers BEGIN IMMEDIATE: they take the write lock up front and queue on busy_timeout,
    # instead of failing with "database is locked" when a read transaction tries to upgrade.
    # Readers BEGIN (deferred), so a long search or export never holds up a crawl (WAL).
    immediate = conn.get_execution_options().get("sqlite_writer", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine with newsmon's connection settings for SQLite or PostgreSQL."""
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        event.listen(engine, "connect", lambda c, _r: setattr(c, "isolation_level", None))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def session_factory(engine: Engine, *, write: bool = False) -> sessionmaker[Session]:
    """Sessions for reading, or (write=True) for writing: on SQLite a writer's transaction
    takes the database's write lock when it begins."""
    bind = engine.execution_options(sqlite_writer=True) if write else engine
    return sessionmaker(bind, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on error."""
    with factory() as session, session.begin():
        yield session


# Key of the PostgreSQL advisory lock that serialises archive writers (see serialise_writers).
WRITER_LOCK_KEY = 0x6E65_7773  # "news"


def serialise_writers(session: Session) -> None:
    """Make this transaction the only archive writer until it ends.

    Story assignment reads the LSH index and then writes to it: two workers storing copies of one
    story at the same moment must not both miss each other. SQLite gets this from BEGIN
    IMMEDIATE; on PostgreSQL a transaction-scoped advisory lock does the same. Fetching and
    extraction still run in parallel; only the short batch writes queue.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK_KEY})


def alembic_config(url: str) -> Any:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply pending migrations."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


class SchemaError(RuntimeError):
    """The archive has no newsmon schema yet, or an older one than this newsmon's."""


def require_schema(url: str) -> None:
    """Raise SchemaError unless the database is migrated to this newsmon's head revision.

    A revision this newsmon does not know (written by a newer one) is let through: it is not
    this version's to judge. The message never names the URL (it may carry a password).
    """
    from alembic.script import ScriptDirectory

    engine = make_engine(url)
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    script = ScriptDirectory.from_config(alembic_config(url))
    head = script.get_current_head()
    if current == head:
        return
    if current is None:
        raise SchemaError("the database has no newsmon tables yet: run `newsmon db upgrade`")
    if current in {rev.revision for rev in script.walk_revisions()}:
        raise SchemaError(
            f"the database is at migration {current}, this newsmon needs {head}: "
            "run `newsmon db upgrade`"
        )


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(url: str) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()
