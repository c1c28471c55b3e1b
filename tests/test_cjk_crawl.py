"""A crawl of the CJK fixture site (demo.site.cjksite): Chinese, Japanese, Korean and Thai
articles stored with their text, matched by topics in their scripts, the Chinese wire story and
its reprint folded into one story, and `newsmon search` finding CJK terms, on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from demo.site.cjksite import ARTICLES, TOPICS, CJKSite
from storage.db import make_engine
from storage.models import Article, TopicMatch
from tests.conftest import newsmon


@dataclass
class Crawled:
    base_url: str
    config: Path
    archive: str


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory, archive_url: str) -> Iterator[Crawled]:
    config = tmp_path_factory.mktemp("cjk") / "newsmon.toml"
    with CJKSite() as site:
        config.write_text(site.config_toml(archive_url), encoding="utf-8")
        run = newsmon("crawl", "--json", config=config)
        assert run.returncode == 0, run.stderr[-3000:]
        yield Crawled(site.base_url, config, archive_url)


def _articles(crawled: Crawled) -> dict[str, Article]:
    engine = make_engine(crawled.archive)
    with Session(engine) as session:
        found = {a.url.removeprefix(crawled.base_url): a for a in session.scalars(select(Article))}
        session.expunge_all()
    engine.dispose()
    return found


def test_every_article_is_stored_with_its_text(crawled: Crawled) -> None:
    stored = _articles(crawled)
    assert set(stored) == {a.path for a in ARTICLES}
    for article in ARTICLES:
        text = stored[article.path].text
        for paragraph in article.paragraphs[:3]:
            assert paragraph in text, (article.path, paragraph)
        assert stored[article.path].title == article.title


def test_topics_in_cjk_thai_and_korean_match_exactly_their_articles(crawled: Crawled) -> None:
    stored = _articles(crawled)
    by_id = {a.id: path for path, a in stored.items()}
    engine = make_engine(crawled.archive)
    with Session(engine) as session:
        rows = session.execute(select(TopicMatch.topic, TopicMatch.article_id)).all()
    engine.dispose()
    for topic, (_, expected) in TOPICS.items():
        assert {by_id[a] for t, a in rows if t == topic} == expected, topic


def test_the_chinese_reprint_joins_the_wire_story_and_nothing_else_does(crawled: Crawled) -> None:
    stored = _articles(crawled)
    stories: dict[str, set[int | None]] = {}
    for article in ARTICLES:
        stories.setdefault(article.story, set()).add(stored[article.path].story_id)
    assert all(len(ids) == 1 for ids in stories.values()), stories
    assert len(set.union(*stories.values())) == len(stories)


@pytest.mark.parametrize(
    ("query", "paths"),
    [
        ("乌克兰", {"/xinhua/a/3.html"}),
        ("ウクライナ", {"/nikkei/a/2.html"}),
        ("민주당", {"/hankook/a/1.html"}),
        ("우크라이나", {"/hankook/a/2.html"}),
        ("ยูเครน", {"/thairath/a/1.html"}),
        ("居民消费价格指数 NOT 新华社", {"/portal/n/9.html"}),
        ("title:东京", set()),
    ],
)
def test_newsmon_search_finds_cjk_terms(crawled: Crawled, query: str, paths: set[str]) -> None:
    run = newsmon("search", query, "--json", config=crawled.config)
    assert run.returncode == 0, run.stderr[-2000:]
    hits = json.loads(run.stdout)
    assert {h["url"].removeprefix(crawled.base_url) for h in hits} == paths
