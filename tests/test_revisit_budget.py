"""revisit.budget as time: a cycle revisits every due article when they fit in it, and what
is not sent when the time is spent stays due (no error, no lost revisit); the older count
form still caps the number. On SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from demo.site.newcomers import COURIER, GAZETTE, NewcomerSite
from storage.db import make_engine, session_factory
from storage.models import Article
from tests.conftest import newsmon


@pytest.fixture(scope="module")
def site() -> Iterator[NewcomerSite]:
    with NewcomerSite(per_publisher=30) as running:
        yield running


def write_config(path: Path, site: NewcomerSite, url: str, budget: str | int) -> None:
    path.write_text(
        f"""[database]
url = {json.dumps(url)}
[crawl]
allow_private_networks = ["127.0.0.0/8"]
download_delay = "0s"
[revisit]
schedule = ["1s", "1d"]
budget = {json.dumps(budget)}
[[sources]]
name = "{GAZETTE}"
feeds = ["{site.base[GAZETTE]}/syndication/everything.atom"]
[[sources]]
name = "{COURIER}"
sitemaps = ["{site.base[COURIER]}/maps/index.xml.gz"]
""",
        encoding="utf-8",
    )


def due(url: str) -> int:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            now = datetime.now(UTC)
            return int(session.scalar(
                select(func.count()).select_from(Article).where(Article.next_check_at <= now)
            ) or 0)
    finally:
        engine.dispose()


def revisit(config: Path) -> dict:
    result = newsmon("crawl", "--revisits-only", "--json", config=config)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_revisits_fit_in_the_time_budget_or_wait_for_the_next_cycle(
    site: NewcomerSite, tmp_path: Path, empty_url: str
) -> None:
    config = tmp_path / "newsmon.toml"
    write_config(config, site, empty_url, "0s")
    if not empty_url.startswith("sqlite"):
        assert newsmon("db", "upgrade", config=config).returncode == 0
    first = newsmon("crawl", "--json", config=config)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["new_articles"] == 60
    time.sleep(1.5)
    assert due(empty_url) == 60
    spent = revisit(config)  # no time for revisits: none is sent, and none is an error
    assert spent["revisits"] == 0 and spent["errors"] == 0
    assert due(empty_url) == 60
    write_config(config, site, empty_url, 25)  # the older form: a count
    counted = revisit(config)
    assert counted["revisits"] == 25 and due(empty_url) == 35
    write_config(config, site, empty_url, "60s")
    every = revisit(config)  # they fit in a minute: every due article is revisited
    assert every["revisits"] == 35 and every["errors"] == 0
    assert due(empty_url) == 0
