"""Shared fixtures: corpus location, archives (SQLite file, fresh PostgreSQL database), the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def corpus_path() -> Path:
    return Path(
        os.environ.get("NEWSMON_CORPUS_DIR", REPO.parent / "shared" / "corpus" / "readability")
    )


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    path = corpus_path()
    if not (path / "manifest.json").exists():
        pytest.skip(f"readability corpus not found at {path}")
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'newsmon.db'}"


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database on NEWSMON_TEST_POSTGRES_URL's server, dropped after."""
    base = os.environ.get("NEWSMON_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("NEWSMON_TEST_POSTGRES_URL is not set")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"newsmon_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


BACKENDS = ["sqlite", "postgres"]


@contextmanager
def empty_archive(backend: str, directory: Path) -> Iterator[str]:
    """An archive with no migration applied: a new SQLite file in `directory`, or a fresh
    PostgreSQL database (skips without NEWSMON_TEST_POSTGRES_URL), dropped after."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'newsmon.db'}"
        return
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test using it runs on a new SQLite file and, when configured, on a fresh
    PostgreSQL database of its own; nothing is migrated (the CLI does that on SQLite only)."""
    with empty_archive(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
def archive_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated archive for a whole test module: a SQLite file, then (when configured) a
    fresh PostgreSQL database, so end-to-end suites run on both."""
    from storage.db import upgrade

    with empty_archive(request.param, tmp_path_factory.mktemp("archive")) as url:
        upgrade(url)
        yield url


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """The session's PostgreSQL database, emptied before each test."""
    from sqlalchemy import create_engine, text

    engine = create_engine(postgres_server_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    yield postgres_server_url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using it runs on SQLite and, when configured, on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'newsmon.db'}"
    return str(request.getfixturevalue("postgres_url"))


def newsmon(
    *args: str, config: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a child process (one Twisted reactor per process)."""
    cmd = [sys.executable, "-m", "crawler"]
    if config is not None:
        cmd += ["--config", str(config)]
    full_env = {**os.environ, **(env or {})}
    full_env.pop("NEWSMON_CONFIG", None) if config is not None else None
    return subprocess.run(
        [*cmd, *args], capture_output=True, text=True, timeout=timeout, env=full_env, cwd=REPO
    )


@pytest.fixture(scope="session")
def demo_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """One `newsmon demo --keep DIR` (what `make demo` runs) and DIR, for the tests of what it
    prints (test_cli) and of the web view it ends with (web/test_demo); tests/scheduling.py
    sends both to one worker, so the demo crawls once."""
    keep = tmp_path_factory.mktemp("demo") / "demo"
    return newsmon("demo", "--keep", str(keep), timeout=300), keep


class _XdistPlan:
    @pytest.hookimpl
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: object) -> object:
        """`--dist loadfile` (make test) shares the work as tests/scheduling.py says."""
        if config.getvalue("dist") != "loadfile":
            return None
        from tests.scheduling import Plan

        return Plan(config, log)


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistPlan(), "newsmon-xdist-plan")
