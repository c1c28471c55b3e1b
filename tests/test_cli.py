"""The command line: init, db, help texts, search queries, and the demo; on SQLite and, when
NEWSMON_TEST_POSTGRES_URL is set, on PostgreSQL."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import typer.main

from crawler.archive.search import search
from crawler.cli import app
from crawler.config import load
from storage.db import (
    current_revision,
    head_revision,
    is_sqlite,
    make_engine,
    session_factory,
    transaction,
)
from storage.models import Article, Source
from tests.conftest import newsmon


def _commands() -> list[tuple[str, object]]:
    group = typer.main.get_command(app)
    out = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        if subcommands:
            out += [(f"{name} {sub}", c) for sub, c in subcommands.items()]
        else:
            out.append((name, command))
    return out


@pytest.mark.parametrize(("name", "command"), _commands(), ids=lambda v: str(v))
def test_every_command_has_help_with_an_example(name: str, command: object) -> None:
    help_text = getattr(command, "help", None) or ""
    assert help_text.strip(), f"`newsmon {name}` has no help text"
    assert "Example: newsmon" in help_text, f"`newsmon {name}` help has no example"


def _revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        return current_revision(engine)
    finally:
        engine.dispose()


def _config(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "c.toml"
    config.write_text(f"[database]\nurl = {json.dumps(url)}\n", encoding="utf-8")
    return config


def test_init_writes_a_valid_config_and_creates_the_database(
    tmp_path: Path, empty_url: str
) -> None:
    # The starter config's SQLite file is <dir>/newsmon.db, empty_url's file on SQLite; a
    # server database comes from NEWSMON_DATABASE_URL, as a deployment would give it.
    env = {} if is_sqlite(empty_url) else {"NEWSMON_DATABASE_URL": empty_url}
    result = newsmon("init", str(tmp_path), env=env)
    assert result.returncode == 0, result.stderr
    config_path = tmp_path / "config" / "newsmon.toml"
    config = load(config_path)
    assert config.topics and config.sources
    assert _revision(empty_url) == head_revision(empty_url)
    again = newsmon("init", str(tmp_path), env=env)
    assert again.returncode != 0
    assert "exists" in again.stderr


def test_db_upgrade_and_current(tmp_path: Path, empty_url: str) -> None:
    config = _config(tmp_path, empty_url)
    before = newsmon("db", "current", config=config)
    assert before.returncode == 0, before.stderr
    assert "(empty database)" in before.stdout
    assert newsmon("db", "upgrade", config=config).returncode == 0
    after = newsmon("db", "current", config=config)
    assert "up to date" in after.stdout
    assert _revision(empty_url) == head_revision(empty_url)


def test_global_options_come_from_the_environment(tmp_path: Path, empty_url: str) -> None:
    config = _config(tmp_path, empty_url)
    result = newsmon("db", "upgrade", env={"NEWSMON_CONFIG": str(config)})
    assert result.returncode == 0, result.stderr
    assert _revision(empty_url) == head_revision(empty_url)


def test_commands_on_an_unmigrated_server_database_ask_for_db_upgrade(
    tmp_path: Path, empty_url: str
) -> None:
    """`crawl` migrates a SQLite archive by itself; a server database is migrated by `db
    upgrade`, and every command says so instead of failing on a missing table."""
    config = _config(tmp_path, empty_url)
    if is_sqlite(empty_url):
        crawled = newsmon("crawl", "--json", config=config)
        assert crawled.returncode == 0, crawled.stderr[-2000:]
        assert _revision(empty_url) == head_revision(empty_url)
        return
    for args in (("crawl",), ("run",), ("search", "x"), ("export",), ("stats",), ("show", "1")):
        result = newsmon(*args, config=config, timeout=60)
        assert result.returncode == 1, (args, result.stderr[-2000:])
        assert "run `newsmon db upgrade`" in result.stderr, (args, result.stderr[-2000:])
        assert "Traceback" not in result.stderr, args
    assert _revision(empty_url) is None
    assert newsmon("db", "upgrade", config=config).returncode == 0
    assert newsmon("search", "x", "--json", config=config).stdout.strip() == "[]"


ARTICLES = {
    "kyiv-moscow": ("Talks in Kyiv", "Envoys from Moscow arrived in Kyiv on Monday."),
    "kyiv-only": ("Kyiv rebuilds", "The city of Kyiv rebuilds its bridges and schools."),
    "blinken": ("Blinken visits", "Antony Blinken met officials, then walked the river bank."),
    "russian": ("Russian grain", "Russian exports of grain rose; sanctions bite."),
    "prague": ("Prague spring", "Flowers and music fill the old town of Prague."),
}


@pytest.fixture(scope="module")
def seeded(archive_url: str) -> str:
    """A migrated archive holding ARTICLES (one module-wide per backend)."""
    engine = make_engine(archive_url)
    with transaction(session_factory(engine, write=True)) as session:
        source = Source(name="wire")
        session.add(source)
        session.flush()
        for key, (title, body) in ARTICLES.items():
            ref = f"https://wire.example/{key}"
            session.add(
                Article(url=ref, source_id=source.id, title=title, text=body, content_hash=ref)
            )
    engine.dispose()
    return archive_url


@pytest.mark.parametrize("query", ['"unclosed', "Kyiv OR", "Kyiv NOT", "(Kyiv", "AND"])
def test_bad_search_query_exits_2(tmp_path: Path, seeded: str, query: str) -> None:
    result = newsmon("search", query, config=_config(tmp_path, seeded))
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    if query == '"unclosed':
        assert "unclosed quote" in result.stderr


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Kyiv", {"kyiv-moscow", "kyiv-only"}),
        ("Kyiv AND Moscow", {"kyiv-moscow"}),
        ("Kyiv Moscow", {"kyiv-moscow"}),  # juxtaposition is AND
        ("Kyiv NOT Moscow", {"kyiv-only"}),  # NOT is an operator, not a word to find
        ("NOT Kyiv", {"blinken", "russian", "prague"}),  # and unary, as in topics
        ('"Antony Blinken" AND bank', {"blinken"}),  # AND is not a word either
        ('"Blinken Antony"', set()),  # a phrase keeps its order
        ("Russia", set()),  # whole words, no stemming
        ("Russia*", {"russian"}),
        ("Prague OR Russia* sanctions", {"prague", "russian"}),  # AND binds tighter than OR
        ("(Prague OR Kyiv) (music OR bridges)", {"prague", "kyiv-only"}),
    ],
)
def test_search_queries_mean_the_same_on_both_backends(
    seeded: str, query: str, expected: set[str]
) -> None:
    """The documented query syntax: FTS5 on SQLite and to_tsquery on PostgreSQL must agree."""
    engine = make_engine(seeded)
    with session_factory(engine)() as session:
        hits = search(session, query, limit=50)
    engine.dispose()
    assert {hit["url"].rsplit("/", 1)[1] for hit in hits} == expected, query


def test_demo_crawls_and_shows_matches_and_the_email(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    """SQLite only: the demo always crawls into a SQLite file (PRODUCT.md, `make demo`)."""
    result, kept = demo_run
    assert result.returncode == 0, result.stderr[-3000:]
    assert "topic ukraine-russia" in result.stdout
    assert "email to" in result.stdout and "[newsmon]" in result.stdout
    assert (kept / "newsmon.db").exists()
