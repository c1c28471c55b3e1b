"""`newsmon search` speaks the topic query language: the same query finds the same articles
through full-text search (FTS5 on SQLite, tsquery on PostgreSQL) and through topic matching."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import insert

from crawler.archive.search import SearchError, search
from storage.db import make_engine, session_factory, transaction
from storage.models import Article, Source
from tests.conftest import newsmon
from tests.searching import seed, topic_keys

# key: (url, title, text)
ARTICLES = {
    "kyiv-moscow": (
        "https://wire.example/kyiv-moscow",
        "Talks in Kyiv",
        "Envoys from Moscow arrived in Kyiv on Monday.",
    ),
    "kyiv-only": (
        "https://wire.example/kyiv-only",
        "Kyiv rebuilds",
        "The city of Kyiv rebuilds its bridges and schools in пʼять years.",
    ),
    "blinken": (
        "https://news.example.org/blinken",
        "Blinken visits",
        "Antony Blinken met officials, then walked the river bank.",
    ),
    "russian": (
        "https://sub.news.example.org/russian",
        "Russian grain",
        "Russian exports of grain rose; sanctions bite and prices climb.",
    ),
    "zurich": (
        "https://zeitung.example.ch/zurich",
        "Zürich vote",
        "Voters in Zürich backed the São Paulo-style transit plan; Dvořák played København.",
    ),
    "creme": (
        "https://wire.example/creme",
        "Crème brûlée wins",
        "A café in Kraków served CRÈME BRÛLÉE and naïve art.",
    ),
    "lowercase-operators": (
        "https://wire.example/rock",
        "Rock and roll",
        "Bread or butter, not both: the pro-Moscow envoy said so and left.",
    ),
    "boundary": (
        "https://wire.example/boundary",
        "Peace talks end",
        "Kyiv responds to the news from example.org.",
    ),
    "port": ("http://127.0.0.1:8080/story", "Local news", "Kyiv council meets at 3.5 pm."),
    "lookalike-host": ("https://notexample.org/x", "Moscow weather", "Snow in Moscow."),
}

QUERIES = [
    # words, case, juxtaposition, operators
    "Kyiv",
    "kyiv",
    "KYIV",
    "Kyiv AND Moscow",
    "Kyiv Moscow",
    "Prague OR Russia* sanctions",
    # NOT is unary, as in topics
    "Kyiv NOT Moscow",
    "NOT Kyiv",
    "NOT (Kyiv OR Moscow)",
    "Kyiv OR NOT Moscow",
    "NOT NOT Kyiv",
    # phrases, prefixes
    '"Antony Blinken" AND bank',
    '"Blinken Antony"',
    '"river ba*"',
    "Russia",
    "Russia*",
    "russ*",
    "caf*",
    '"end Kyiv"',  # a phrase does not run from the title into the text
    '"pro Moscow"',
    "pro-Moscow",
    "3.5",
    # nested parentheses
    "(Kyiv OR Zurich) AND (NOT (Moscow OR vote) OR rebuilds)",
    "((Kyiv OR (grain AND NOT sanctions)) AND (Monday OR (bridges AND NOT schools)))",
    # title:
    "title:Kyiv",
    "title:Moscow",
    "title:(Kyiv OR grain)",
    'title:"Kyiv rebuilds"',
    "NOT title:Kyiv",
    "title:(talks NOT Kyiv)",
    "title:kyi*",
    # site:
    "site:example.org",
    "site:news.example.org Russian",
    "site:example.org OR Zürich",
    "NOT site:example.org",
    "site:127.0.0.1",
    "site:https://NEWS.example.org/anything",
    "example",  # the word, not the host
    # accents and case
    "zurich",
    "Zürich",
    "ZÜRICH",
    "creme brulee",
    '"crème brûlée"',
    "Krakow",
    "naive",
    "Dvorak",
    '"Sao Paulo"',
    "København",
    "пʼять",  # a modifier letter apostrophe, which unaccent makes an ASCII one
    '"schools in пʼять"',
    # operators written in lower case are words
    "bread and butter",
    "rock or jazz",
    "not both",
]


def _topic_keys(query: str) -> set[str]:
    return topic_keys(ARTICLES, query)


@pytest.fixture(scope="module")
def seeded(archive_url: str) -> str:
    return seed(archive_url, "wire", ARTICLES)


def _search_keys(url: str, query: str) -> set[str]:
    engine = make_engine(url)
    with session_factory(engine)() as session:
        hits = search(session, query, limit=100)
    engine.dispose()
    by_url = {u: key for key, (u, _, _) in ARTICLES.items()}
    return {by_url[hit["url"]] for hit in hits}


def test_the_battery_is_not_trivial() -> None:
    """The expected answers come from topic matching; make sure they discriminate."""
    answers = [frozenset(_topic_keys(q)) for q in QUERIES]
    assert sum(1 for a in answers if a) >= len(QUERIES) * 3 // 4
    assert len(set(answers)) >= 20
    assert _topic_keys("title:Moscow") == {"lookalike-host"}
    assert _topic_keys("site:example.org") == {"blinken", "russian"}
    assert _topic_keys("NOT Kyiv") == set(ARTICLES) - {
        "kyiv-moscow",
        "kyiv-only",
        "boundary",
        "port",
    }


@pytest.mark.parametrize("query", QUERIES)
def test_search_finds_what_topics_match(seeded: str, query: str) -> None:
    assert _search_keys(seeded, query) == _topic_keys(query), query


@pytest.mark.parametrize("query", ['"unclosed', "Kyiv OR", "Kyiv NOT", "(Kyiv", "site:", "-Kyiv"])
def test_search_refuses_what_topics_refuse(seeded: str, query: str) -> None:
    engine = make_engine(seeded)
    with session_factory(engine)() as session, pytest.raises(SearchError) as err:
        search(session, query)
    engine.dispose()
    assert "position" in str(err.value)


def test_cli_search_understands_title_and_site(tmp_path: Path, seeded: str) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f"[database]\nurl = {json.dumps(seeded)}\n", encoding="utf-8")
    result = newsmon("search", "title:Moscow OR site:news.example.org", "--json", config=config)
    assert result.returncode == 0, result.stderr[-2000:]
    assert '"https://notexample.org/x"' in result.stdout
    assert '"https://news.example.org/blinken"' in result.stdout
    assert '"https://sub.news.example.org/russian"' in result.stdout
    assert "wire.example" not in result.stdout


def test_upgrade_refolds_the_articles_already_stored(db_url: str) -> None:
    """Migration 0002 rebuilds PostgreSQL's search vector for the articles already there."""
    from storage.db import downgrade, upgrade

    upgrade(db_url, "0001")
    engine = make_engine(db_url)
    with transaction(session_factory(engine, write=True)) as session:
        session.add(Source(id=1, name="wire"))
        session.flush()
        url, title, text = ARTICLES["zurich"]
        # Core INSERT of these columns only: the model has columns that 0001 lacks.
        values = {"url": url, "source_id": 1, "title": title, "text": text, "content_hash": url}
        session.execute(insert(Article).values(values))
    upgrade(db_url)
    with session_factory(engine)() as session:
        assert [hit["url"] for hit in search(session, "zurich AND sao")] == [url]
    downgrade(db_url, "0001")
    upgrade(db_url)
    with session_factory(engine)() as session:
        assert [hit["url"] for hit in search(session, "Zürich Dvořák")] == [url]
    engine.dispose()
