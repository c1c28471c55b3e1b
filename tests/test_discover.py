"""Discovery's pure functions (crawler/fetch/discover.py), the new configuration keys, and the
health verdict and adaptive interval (crawler/archive/health.py) on a real archive."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.archive.health import judge, poll_interval
from crawler.config import ConfigError, SourceHealthConfig, from_dict
from crawler.fetch import discover
from storage.db import make_engine, session_factory, transaction, upgrade
from storage.models import Article, Source, SourceHealth

HOME = "https://news.example/"


def test_advertised_feeds_in_page_order_relative_ones_resolved() -> None:
    html = b"""<html><head>
    <link rel="alternate" type="application/rss+xml" href="/rss/latest.xml">
    <link rel="stylesheet" href="/a.css">
    <link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
    <link rel="Alternate" type="application/atom+xml; charset=utf-8" href="https://cdn.example/all.atom">
    <link rel="alternate" type="application/feed+json" href="feed.json">
    </head><body></body></html>"""
    tree = discover.parse_html(html, HOME)
    assert tree is not None
    assert discover.advertised_feeds(tree, HOME) == [
        "https://news.example/rss/latest.xml",
        "https://cdn.example/all.atom",
        "https://news.example/feed.json",
    ]


def test_same_host_links_drop_fragments_and_other_hosts() -> None:
    html = b"""<a href="/a#top">a</a><a href="/a">again</a><a href="https://other.example/b">x</a>
    <a href="mailto:x@news.example">m</a><a href="c/d">rel</a>"""
    tree = discover.parse_html(html, HOME + "x/")
    assert tree is not None
    assert discover.same_host_links(tree, HOME + "x/") == [HOME + "a", HOME + "x/c/d"]


@pytest.mark.parametrize(
    ("url", "article"),
    [
        ("https://n.example/2024/03/18/minister-resigns/", True),
        ("https://n.example/news/minister-resigns-after-long-row-1234", True),
        ("https://n.example/world/", False),
        ("https://n.example/about-us/", False),
        ("https://n.example/news/page/2/", False),
        ("https://n.example/2024/", False),
    ],
)
def test_what_looks_like_an_article(url: str, article: bool) -> None:
    assert discover.looks_like_article(url) is article


def test_learn_follow_takes_the_shape_most_links_share() -> None:
    dated = [f"https://n.example/2024/03/{d:02d}/minister-number-{d}-resigns-today/" for d in
             range(1, 6)]
    other = ["https://n.example/world/", "https://n.example/opinion/a-long-opinion-piece-here"]
    follow = discover.learn_follow(dated + other)
    assert follow is not None
    assert all(re.search(follow, u) for u in dated)
    assert not any(re.search(follow, u) for u in other)
    assert re.search(follow, "https://n.example/2025/12/31/new-year-honours-list-out/")


def test_learn_follow_keeps_a_shared_prefix_and_generalises_sections() -> None:
    links = [f"https://n.example/news/{s}/story-about-thing-{i}" for i, s in
             enumerate(["world", "uk", "business", "world"])]
    follow = discover.learn_follow(links)
    assert follow is not None
    assert follow.startswith("^https?://[^/]+/news/")
    assert re.search(follow, "https://n.example/news/sport/cup-final-ends-in-draw-9")
    assert not re.search(follow, "https://n.example/blog/sport/cup-final-ends-in-draw-9")


def test_learn_follow_needs_enough_article_links() -> None:
    assert discover.learn_follow(["https://n.example/a-b-c-d", "https://n.example/e-f-g-h"]) is None
    assert discover.learn_follow(["https://n.example/world/", "https://n.example/"]) is None


def test_learn_paginate() -> None:
    assert discover.learn_paginate(["https://n.example/world/page/2/"]) == r"/page/\d+/?$"
    assert discover.learn_paginate(["https://n.example/world?page=3"]) == r"[?&]page=\d+$"
    assert discover.learn_paginate(["https://n.example/world/"]) == ""


def test_section_pages_are_short_word_paths_that_are_not_articles() -> None:
    links = ["https://n.example/world/", "https://n.example/news/business/",
             "https://n.example/2024/03/18/a-b-c-d/", "https://n.example/search?q=x",
             "https://n.example/a/b/c/"]
    found = discover.section_pages("https://n.example/", links, r"/\d{4}/")
    assert found == ["https://n.example/", "https://n.example/world/",
                     "https://n.example/news/business/"]


# -- configuration -----------------------------------------------------------------------------
FEED = {"name": "W", "feeds": ["https://w.example/rss"]}


def test_polling_bounds_and_a_fixed_every_still_works() -> None:
    fixed = from_dict({"sources": [{**FEED, "every": "10m"}]}).sources[0]
    assert fixed.poll_range == (timedelta(minutes=10), timedelta(minutes=10))
    adaptive = from_dict({"sources": [{**FEED, "every_min": "5m", "every_max": "2h"}]}).sources[0]
    assert adaptive.poll_range == (timedelta(minutes=5), timedelta(hours=2))
    for bad in ({"every_min": "5m"}, {"every_min": "3h", "every_max": "1h"}):
        with pytest.raises(ConfigError, match=r"sources\[0\]: `every_min`"):
            from_dict({"sources": [{**FEED, **bad}]})


def test_revisit_budget_is_a_duration_or_the_older_count() -> None:
    assert from_dict({}).revisit.budget == timedelta(seconds=60)
    assert from_dict({"revisit": {"budget": "90s"}}).revisit.budget == timedelta(seconds=90)
    assert from_dict({"revisit": {"budget": 500}}).revisit.budget == 500
    with pytest.raises(ConfigError, match="revisit.budget"):
        from_dict({"revisit": {"budget": "lots"}})


def test_operator_to_takes_one_address_or_a_list() -> None:
    assert from_dict({"alerts": {"operator_to": "ops@x.org"}}).alerts.operator_to == ["ops@x.org"]
    with pytest.raises(ConfigError, match="alerts.operator_to: not an email address"):
        from_dict({"alerts": {"operator_to": ["nobody"]}})


# -- health ------------------------------------------------------------------------------------
SETTINGS = SourceHealthConfig(empty_polls=2, min_articles=3)


def test_judge_every_fetch_failed_and_empty_polls() -> None:
    source = SourceHealth(empty_polls=0, healthy=True)
    assert judge(source, SETTINGS, 2, 0, [300, 310, 320], Counter(requests=5)) == []
    assert source.words_baseline == 310
    failed = judge(source, SETTINGS, 0, 2, [], Counter(requests=2, errors=2))
    assert failed == ["every fetch failed"]
    again = judge(source, SETTINGS, 0, 2, [], Counter(requests=2, errors=2))
    assert again == ["no new article in its last 2 polls", "every fetch failed"]


def test_judge_median_words_against_the_usual_and_the_verdict_standing() -> None:
    source = SourceHealth(empty_polls=0, healthy=True, words_baseline=400)
    problems = judge(source, SETTINGS, 1, 0, [20, 25, 30], Counter(requests=4))
    assert problems == ["median words fell from 400 to 25"]
    assert source.words_baseline == 400  # stubs do not become the usual
    source.problem = problems[0]
    # two new articles are too few to judge: the last verdict on length stands
    assert judge(source, SETTINGS, 1, 0, [500, 500], Counter(requests=3)) == problems
    assert judge(source, SETTINGS, 1, 0, [380, 390, 420], Counter(requests=4)) == []


def test_poll_interval_follows_the_publishing_rate(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'n.db'}"
    upgrade(url)
    engine = make_engine(url)
    now = datetime(2024, 3, 18, 12, tzinfo=UTC)
    low, high = timedelta(minutes=5), timedelta(hours=6)
    with transaction(session_factory(engine, write=True)) as session:
        busy, slow = Source(name="busy"), Source(name="slow")
        session.add_all([busy, slow])
        session.flush()
        for i in range(7 * 24):  # hourly for a week
            session.add(Article(url=f"https://b.example/{i}", source_id=busy.id, content_hash="x",
                                published_at=now - timedelta(hours=i), first_seen_at=now))
        session.add(Article(url="https://s.example/1", source_id=slow.id, content_hash="x",
                            published_at=now - timedelta(days=30), first_seen_at=now))
        session.flush()
        assert poll_interval(session, busy.id, low, high, now) == timedelta(hours=1)
        assert poll_interval(session, busy.id, low, timedelta(minutes=30), now) == timedelta(
            minutes=30)
        assert poll_interval(session, slow.id, low, high, now) == high  # nothing this week
    engine.dispose()
