"""`newsmon sources add` and `sources check` against the newcomer publishers of the fixture site
(demo/site/newcomers.py): each is added by its address, then crawled, on SQLite and (when
NEWSMON_TEST_POSTGRES_URL is set) PostgreSQL."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.config import load
from demo.site.newcomers import COURIER, GAZETTE, POST, NewcomerSite
from storage.db import make_engine, session_factory
from storage.models import Article, Source
from tests.conftest import newsmon

HEADER = """# my newsmon: a comment that must survive `sources add`
[database]
url = {url}  # where the archive lives

[crawl]
allow_private_networks = ["127.0.0.0/8"]  # the fixture site is on loopback
download_delay = "0s"
max_pages = 10
"""


@pytest.fixture(scope="module")
def site() -> Iterator[NewcomerSite]:
    # 40 a publisher: the Upland Post's sections then run to a second page.
    with NewcomerSite(per_publisher=40) as running:
        yield running


def write_config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "newsmon.toml"
    path.write_text(HEADER.format(url=json.dumps(url)), encoding="utf-8")
    return path


def stored_urls(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            return set(session.scalars(select(Article.url)))
    finally:
        engine.dispose()


def test_each_publisher_is_added_by_its_address_then_crawled_whole(
    site: NewcomerSite, tmp_path: Path, empty_url: str
) -> None:
    config = write_config(tmp_path, empty_url)
    env = {"NEWSMON_DATABASE_URL": empty_url}
    if not empty_url.startswith("sqlite"):
        assert newsmon("db", "upgrade", config=config, env=env).returncode == 0
    for name in (GAZETTE, COURIER, POST):
        added = newsmon("sources", "add", site.base[name] + "/", config=config)
        assert added.returncode == 0, added.stderr
        assert name in added.stdout and "words" in added.stdout
    text = config.read_text(encoding="utf-8")
    assert "# my newsmon: a comment that must survive" in text
    assert "# where the archive lives" in text
    sources = {s.name: s for s in load(config).sources}
    assert set(sources) == {GAZETTE, COURIER, POST}
    gazette, courier, post = sources[GAZETTE], sources[COURIER], sources[POST]
    # announced on the home page only, at paths no CMS uses
    assert {f.rsplit("/", 1)[1] for f in gazette.feeds} == {"latest.xml", "everything.atom"}
    assert not gazette.pages
    assert courier.sitemaps == [site.base[COURIER] + "/maps/index.xml.gz"]
    assert not courier.feeds and not courier.pages
    assert not post.feeds and not post.sitemaps
    assert set(post.pages) == {site.base[POST] + p for p in ("/", "/politics/", "/business/",
                                                            "/science/")}
    assert post.paginate and post.every_min is not None
    crawl = newsmon("crawl", "--json", config=config)
    assert crawl.returncode == 0, crawl.stderr
    truth = {site.url(s) for s in site.stories()}
    assert len(truth) == 120
    assert truth <= stored_urls(empty_url)
    # Adaptive polling: nothing these sites published in the last week (their clock is in
    # 2024), so each waits every_max (1h) before its next poll; a crawl now polls none.
    engine = make_engine(empty_url)
    with session_factory(engine)() as session:
        waits = [p - datetime.now(UTC) for p in session.scalars(select(Source.next_poll_at))]
    engine.dispose()
    assert len(waits) == 3
    assert all(timedelta(minutes=55) < w <= timedelta(hours=1) for w in waits)
    again = newsmon("crawl", "--json", config=config)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["sources_polled"] == 0


def test_dry_run_prints_the_toml_and_writes_nothing(site: NewcomerSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'n.db'}")
    before = config.read_bytes()
    result = newsmon("sources", "add", site.base[COURIER] + "/", "--name", "Courier",
                     "--dry-run", config=config)
    assert result.returncode == 0, result.stderr
    assert config.read_bytes() == before
    table = tomllib.loads(result.stdout[result.stdout.index("[[sources]]"):])["sources"][0]
    assert table["name"] == "Courier"
    assert table["sitemaps"] == [site.base[COURIER] + "/maps/index.xml.gz"]


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("http://127.0.0.9:9/", "unreachable"),
        ("{gazette}/syndication/latest.xml", "not an HTML page"),
        ("{post}/drafts/", "robots.txt forbids"),
        ("{post}/about/", "no feed, no sitemap"),
    ],
    ids=["unreachable", "not-html", "robots", "nothing-to-follow"],
)
def test_what_cannot_be_added_gives_one_message_and_exit_2(
    site: NewcomerSite, tmp_path: Path, address: str, message: str
) -> None:
    # /about/ is on the Post's host: no sitemap, no feed there either, and no article link
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'n.db'}")
    before = config.read_bytes()
    url = address.format(gazette=site.base[GAZETTE], post=site.base[POST])
    result = newsmon("sources", "add", url, config=config)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr
    assert result.stderr.count("error:") == 1
    assert config.read_bytes() == before


def test_the_network_guard_and_a_source_already_configured(
    site: NewcomerSite, tmp_path: Path
) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'n.db'}")
    guarded = tmp_path / "guarded.toml"
    guarded.write_text(config.read_text().replace('["127.0.0.0/8"]', "false"), encoding="utf-8")
    refused = newsmon("sources", "add", site.base[GAZETTE] + "/", config=guarded)
    assert refused.returncode == 2 and "non-public address" in refused.stderr
    assert newsmon("sources", "add", site.base[GAZETTE] + "/", config=config).returncode == 0
    before = config.read_bytes()
    again = newsmon("sources", "add", site.base[GAZETTE] + "/", "--name", "Other", config=config)
    assert again.returncode == 2 and "already configured" in again.stderr
    named = newsmon("sources", "add", site.base[POST] + "/", "--name", GAZETTE, config=config)
    assert named.returncode == 2 and "already configured" in named.stderr
    assert config.read_bytes() == before


def test_sources_check_reports_each_source_without_storing(
    site: NewcomerSite, tmp_path: Path
) -> None:
    db = tmp_path / "n.db"
    config = write_config(tmp_path, f"sqlite:///{db}")
    for name in (GAZETTE, POST):
        assert newsmon("sources", "add", site.base[name] + "/", config=config).returncode == 0
    result = newsmon("sources", "check", "--json", config=config)
    assert result.returncode == 0, result.stderr
    reports = {r["source"]: r for r in json.loads(result.stdout)}
    gazette, post = reports[GAZETTE], reports[POST]
    assert gazette["feeds"] == gazette["feeds_answering"] == 2
    assert gazette["listings"] == gazette["answering"] == 2
    assert post["feeds"] == 0 and post["listings"] == post["answering"] == 4
    assert gazette["articles_seen"] == 40 and post["articles_seen"] == 40
    assert gazette["robots"] == "allowed"
    assert gazette["sampled"] == 20 and gazette["median_words"] > 100
    assert gazette["stub_share"] == 0 and gazette["date_share"] == 1
    assert gazette["author_share"] == 1
    assert not db.exists()  # nothing stored, not even an empty archive
    site.break_template(GAZETTE)
    try:
        broken = newsmon("sources", "check", GAZETTE, config=config)
    finally:
        site.mend_template(GAZETTE)
    assert broken.returncode == 0, broken.stderr
    assert "stubs 100%" in broken.stdout and POST not in broken.stdout


def test_sources_check_reports_what_robots_txt_forbids(site: NewcomerSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'n.db'}")
    drafts = site.base[POST] + "/drafts/"
    with config.open("a", encoding="utf-8") as f:
        f.write(f'[[sources]]\nname = "Drafts"\npages = ["{drafts}"]\nfollow = "/20"\n')
    result = newsmon("sources", "check", "Drafts", "--json", config=config)
    assert result.returncode == 0, result.stderr
    (report,) = json.loads(result.stdout)
    assert report["robots"] == "forbids 1 of our requests"
    assert report["answering"] == 0 and report["articles_seen"] == 0
    assert "robots.txt" in report["failing"][drafts]
