"""The web view through Starlette's TestClient, over a real crawl, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator

import feedparser
import pytest
from sqlalchemy import func, select, text
from starlette.testclient import TestClient

from crawler.web.app import create_app
from storage.db import make_engine, session_factory
from storage.models import Article, Source, TopicMatch, Version
from tests.web.conftest import WebArchive

TOPICS = ["chips", "climate", "ukraine-russia"]


@pytest.fixture(scope="module")
def client(web_archive: WebArchive) -> Iterator[TestClient]:
    app = create_app(web_archive.db_url, topics=TOPICS)
    with TestClient(app) as c:
        yield c
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def db(web_archive: WebArchive) -> Iterator:
    engine = make_engine(web_archive.db_url)
    with session_factory(engine)() as s:
        yield s
    engine.dispose()


def _story_of(db, article_id: int) -> int:
    return int(db.scalar(select(Article.story_id).where(Article.id == article_id)))


def _routes(web_archive: WebArchive, db) -> list[str]:
    story = _story_of(db, web_archive.edited_id)
    return [
        "/",
        "/topics/ukraine-russia",
        "/topics/ukraine-russia.atom",
        f"/stories/{story}",
        f"/articles/{web_archive.edited_id}",
        "/search?q=Kyiv",
        "/sources",
    ]


def test_every_route_renders_and_answers_json(client, web_archive, db) -> None:
    for route in _routes(web_archive, db):
        page = client.get(route)
        assert page.status_code == 200, route
        assert "script-src" not in page.headers["content-security-policy"]
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert "<script" not in page.text.lower(), route
        sep = "&" if "?" in route else "?"
        data = client.get(route + sep + "format=json")
        assert data.status_code == 200 and data.headers["content-type"] == "application/json"
        assert data.json(), route


def test_dashboard_charts_each_topic(client, db) -> None:
    data = client.get("/?format=json").json()
    assert [t["name"] for t in data["topics"]] == TOPICS
    for topic in data["topics"]:
        matches = db.scalar(
            select(func.count()).select_from(TopicMatch).where(TopicMatch.topic == topic["name"])
        )
        assert len(topic["per_day"]) == 30
        assert 0 < sum(d["matches"] for d in topic["per_day"]) <= matches
        assert topic["stories"] and topic["sources"]
    html = client.get("/").text
    assert html.count('<svg class="chart"') == 3 and html.count('class="bar"') == 90


def test_topic_pages_list_every_story_most_recently_matched_first(client, db) -> None:
    last_match = dict(
        db.execute(
            select(TopicMatch.story_id, func.max(TopicMatch.id))
            .where(TopicMatch.topic == "ukraine-russia")
            .group_by(TopicMatch.story_id)
        ).all()
    )
    seen, page = [], 1
    while True:
        data = client.get(f"/topics/ukraine-russia?page={page}&format=json").json()
        assert len(data["stories"]) <= 25
        seen += [s["story_id"] for s in data["stories"]]
        if not data["more"]:
            break
        assert len(data["stories"]) == 25
        page += 1
    assert page > 1, "the fixture's topic fills more than one page"
    assert sorted(seen) == sorted(last_match)
    assert seen == sorted(last_match, key=lambda story: -last_match[story])
    html = client.get(f"/topics/ukraine-russia?page={page}").text
    assert 'rel="prev"' in html and 'rel="next"' not in html
    assert client.get("/topics/no-such-topic").status_code == 404


def test_atom_feed_validates_with_one_entry_per_story(client, db) -> None:
    response = client.get("/topics/climate.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    stories = db.scalar(
        select(func.count(func.distinct(TopicMatch.story_id))).where(TopicMatch.topic == "climate")
    )
    expected = min(stories, 50)
    assert len(feed.entries) == expected
    assert len({e.id for e in feed.entries}) == expected
    assert all(e.link.startswith("http://testserver/stories/") for e in feed.entries)


def test_story_shows_its_copies_with_the_canonical_marked(client, db) -> None:
    story = db.scalar(
        text("SELECT id FROM stories WHERE copies > 1 ORDER BY copies DESC, id LIMIT 1")
    )
    data = client.get(f"/stories/{story}?format=json").json()
    assert len(data["copies"]) > 1
    assert [c["id"] for c in data["copies"] if c["canonical"]] == [data["canonical_article_id"]]
    html = client.get(f"/stories/{story}").text
    assert html.count('class="badge">canonical') == 1
    assert html.count('<circle class="dot canonical"') == 1
    for copy in data["copies"]:
        assert f'href="/articles/{copy["id"]}"' in html
    assert client.get("/stories/999999").status_code == 404


def test_article_shows_versions_with_an_inline_word_diff(client, web_archive) -> None:
    data = client.get(f"/articles/{web_archive.edited_id}?format=json").json()
    assert len(data["history"]) >= 2
    later = data["history"][1]
    ops = {op for op, _ in later["text_diff"]} | {op for op, _ in later["title_diff"]}
    assert ops & {"insert", "delete"}
    html = client.get(f"/articles/{web_archive.edited_id}").text
    assert "<ins>" in html or "<del>" in html
    assert client.get("/articles/999999").status_code == 404


def test_headline_changes_are_shown(client, db) -> None:
    article = db.scalar(
        select(Version.article_id).where(Version.headline_changed).order_by(Version.id)
    )
    assert article is not None, "the advance() cycle edits some headlines"
    html = client.get(f"/articles/{article}").text
    assert "headline changed" in html
    headline = re.search(r'<p class="headline">(.*?)</p>', html, re.S)
    assert headline and "<del>" in headline.group(1) and "<ins>" in headline.group(1)


def test_search_shows_snippets_and_explains_bad_queries(client) -> None:
    data = client.get("/search?q=Kyiv&format=json").json()
    assert data["results"] and any("[" in r["snippet"] for r in data["results"])
    html = client.get("/search?q=Kyiv").text
    assert "<mark>Kyiv</mark>" in html or "<mark>kyiv</mark>" in html.lower()
    bad = client.get('/search?q="unclosed')
    assert bad.status_code == 400 and "unclosed quote" in bad.text


def test_sources_show_the_counters_and_say_health_is_not_there_yet(client, db) -> None:
    data = client.get("/sources?format=json").json()
    names = set(db.scalars(select(Source.name)))
    assert {s["source"] for s in data["sources"]} == names
    for s in data["sources"]:
        stored = db.scalar(
            select(func.count()).select_from(Article).join(Source).where(Source.name == s["source"])
        )
        assert s["articles"] == stored
        assert {"last_success_at", "errors", "not_modified_rate", "last_new_article_at"} <= set(s)
    assert "not tracked yet" in client.get("/sources").text


def test_nothing_writes(client, web_archive) -> None:
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for route in ("/", "/sources", f"/articles/{web_archive.edited_id}"):
            response = client.request(method, route)
            assert response.status_code == 405, (method, route)
            assert "content-security-policy" in response.headers
    assert client.head("/sources").status_code == 200
    # and the database refuses writes from the app's connections
    with client.app.state.sessions() as s, pytest.raises(Exception, match="(?i)read.?only"):
        s.execute(text("DELETE FROM topic_matches"))
        s.flush()


def test_archived_fields_are_escaped(client, web_archive) -> None:
    record = client.get(f"/articles/{web_archive.hostile_id}?format=json").json()
    assert "<script>" in record["title"] and "onerror" in record["text"]
    for route in (
        f"/articles/{web_archive.hostile_id}",
        f"/stories/{record['story_id']}",
        "/search?q=delegation",
        "/sources",
        "/",
    ):
        html = client.get(route).text
        for raw in ("<script", "<img ", "<iframe", "<svg onload", 'href="javascript:'):
            assert raw not in html, (route, raw)
    page = client.get(f"/articles/{web_archive.hostile_id}").text
    assert "&lt;script&gt;" in page and "onerror=" in page  # shown, as text
    feed = client.get("/topics/ukraine-russia.atom").text
    assert "<script>" not in feed and "&lt;script&gt;" in feed


def test_every_link_between_pages_resolves(client) -> None:
    """Follow the site's own links from the dashboard, breadth first: none is broken."""
    href = re.compile(r'href="(/[^"]*)"')
    queue, seen = ["/"], {"/"}
    while queue and len(seen) < 400:
        page = client.get(queue.pop(0))
        assert page.status_code == 200, page.url
        if not page.headers["content-type"].startswith("text/html"):
            continue
        for link in href.findall(page.text):
            link = link.replace("&amp;", "&")
            if link not in seen:
                seen.add(link)
                queue.append(link)
    kinds = {link.split("/")[1].split("?")[0] for link in seen if link != "/"}
    assert {"topics", "stories", "articles", "sources", "static"} <= kinds
