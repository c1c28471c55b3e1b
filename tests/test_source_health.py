"""Source health end to end: daily counters, the verdict in `newsmon stats`, and exactly one
operator email when a source turns unhealthy (real SMTP), one when it recovers; on SQLite and
(when NEWSMON_TEST_POSTGRES_URL is set) PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.sink import SmtpSink
from demo.site.newcomers import GAZETTE, POST, NewcomerSite
from tests.conftest import newsmon

OPERATOR = "ops@example.org"


@pytest.fixture
def site() -> Iterator[NewcomerSite]:
    with NewcomerSite(per_publisher=30) as running:
        yield running


def config_toml(site: NewcomerSite, url: str, smtp_port: int) -> str:
    gazette = site.base[GAZETTE]
    return f"""
[database]
url = {json.dumps(url)}
[crawl]
allow_private_networks = ["127.0.0.0/8"]
download_delay = "0s"
[alerts]
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
operator_to = ["{OPERATOR}"]
[source_health]
empty_polls = 2
min_articles = 3
[[sources]]
name = "{GAZETTE}"
feeds = ["{gazette}/syndication/everything.atom"]
[[sources]]
name = "{POST}"
pages = ["{site.base[POST]}/politics/", "{site.base[POST]}/business/"]
follow = '/\\d{{4}}/\\d{{2}}/\\d{{2}}/[\\w-]+/'
"""


def crawl(config: Path) -> None:
    result = newsmon("crawl", "--json", config=config)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "ok"


def operator_mail(sink: SmtpSink) -> list[str]:
    return [str(m["Subject"]) for m in sink.messages if OPERATOR in str(m["To"])]


def stats(config: Path) -> dict[str, dict]:
    result = newsmon("stats", "--json", config=config)
    assert result.returncode == 0, result.stderr
    return {row["source"]: row for row in json.loads(result.stdout)["sources"]}


def test_a_template_change_and_a_silent_source_each_send_one_operator_email(
    site: NewcomerSite, tmp_path: Path, empty_url: str
) -> None:
    with SmtpSink() as sink:
        config = tmp_path / "newsmon.toml"
        config.write_text(config_toml(site, empty_url, sink.port), encoding="utf-8")
        if not empty_url.startswith("sqlite"):
            assert newsmon("db", "upgrade", config=config).returncode == 0
        crawl(config)  # the Gazette's usual length is learned; the Post yields its backlog
        site.advance(only=[GAZETTE])
        crawl(config)
        assert operator_mail(sink) == []
        site.break_template(GAZETTE)  # new articles now extract as stubs
        site.advance(only=[GAZETTE])
        crawl(config)  # the Post's second poll in a row without a new article
        subjects = operator_mail(sink)
        assert sorted(subjects) == [
            f"[newsmon] source {GAZETTE}: unhealthy",
            f"[newsmon] source {POST}: unhealthy",
        ]
        gazette_mail = next(m for m in sink.messages if GAZETTE in str(m["Subject"]))
        assert "median words fell from" in gazette_mail.get_body(("plain",)).get_content()
        rows = stats(config)
        assert not rows[GAZETTE]["healthy"] and "median words" in rows[GAZETTE]["health_problem"]
        assert not rows[POST]["healthy"] and "no new article" in rows[POST]["health_problem"]
        today = rows[GAZETTE]["days"][0]
        assert today["polls"] == 3 and today["articles"] == 36 and today["errors"] == 0
        text = newsmon("stats", config=config)
        assert "UNHEALTHY: median words fell" in text.stdout
        site.advance(only=[GAZETTE])
        crawl(config)  # still stubs, still silent: no second email
        assert len(operator_mail(sink)) == 2
        site.mend_template(GAZETTE)
        site.advance(only=[GAZETTE, POST])
        crawl(config)
        assert sorted(operator_mail(sink)[2:]) == [
            f"[newsmon] source {GAZETTE}: recovered",
            f"[newsmon] source {POST}: recovered",
        ]
        assert all(stats(config)[name]["healthy"] for name in (GAZETTE, POST))
