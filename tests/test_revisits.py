"""Story updates over cycles: revisits, versions, 304s, takedowns and update alerts, end to end."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crawler.archive.lookup import article_by_ref
from demo import DemoSite
from demo.sink import SmtpSink
from storage.db import make_engine, session_factory
from storage.models import Article, Version
from tests.conftest import newsmon

# Every check is due one second after the previous one, for ten checks.
SCHEDULE = ["1s"] * 10


def config_toml(site: DemoSite, db_url: str, smtp_port: int) -> str:
    """The site's sources and topics, with a fast revisit schedule and update alerts on."""
    lines = [
        f"[database]\nurl = {json.dumps(db_url)}",
        '[crawl]\nallow_private_networks = ["127.0.0.0/8"]\ndownload_delay = "0s"',
        'concurrency = 32\nper_host_concurrency = 8\ntimeout = "10s"',
        f"[revisit]\nschedule = {json.dumps(SCHEDULE)}\nbudget = 2000",
        f'[alerts]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp_port}',
    ]
    for source in site.sources_config():
        lines.append("[[sources]]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in source.items()]
    for topic in site.topic_config():
        lines.append("[[topics]]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in topic.items() if k != "alert_updates"]
        lines.append("alert_updates = true")
    return "\n".join(lines) + "\n"


@dataclass
class Cycle:
    summary: dict
    emails: list[EmailMessage]
    hits: dict[str, int]
    responses: dict[tuple[str, int], int]
    versions: dict[str, int] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)


@dataclass
class Scenario:
    site: DemoSite
    db_url: str
    config: Path
    cycles: list[Cycle]
    edits: dict[int, list[tuple[str, str]]]
    cosmetic: dict[int, list[str]]
    gone: list[str]


def _snapshot(db_url: str) -> tuple[dict[str, int], dict[str, str]]:
    engine = make_engine(db_url)
    with session_factory(engine)() as s:
        rows = s.execute(select(Article.url, Article.version_count, Article.status)).all()
    engine.dispose()
    return {r.url: r.version_count for r in rows}, {r.url: r.status for r in rows}


def _wait_until_all_due(db_url: str) -> None:
    """Sleep until every article's next check is due (the last ones were checked late in the
    crawl, and a loaded machine may take a while)."""
    engine = make_engine(db_url)
    with session_factory(engine)() as s:
        latest = s.scalar(select(func.max(Article.next_check_at)))
    engine.dispose()
    if latest is not None:
        time.sleep(max(0.0, (latest - datetime.now(UTC)).total_seconds()) + 0.2)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory, archive_url: str) -> Iterator[Scenario]:
    """Five crawls: first sight; an edit cycle; nothing changed; takedowns; returns."""
    tmp = tmp_path_factory.mktemp("revisits")
    with DemoSite(corpus=False) as site, SmtpSink() as sink:
        db_url = archive_url
        config = tmp / "newsmon.toml"
        config.write_text(config_toml(site, db_url, sink.port), encoding="utf-8")
        cycles: list[Cycle] = []
        edits, cosmetic = {}, {}
        for step in ("first", "advance", "same", "advance", "advance"):
            if step == "advance":
                site.advance()
                edits[site.cycle] = site.edits(site.cycle)
                cosmetic[site.cycle] = site.cosmetic(site.cycle)
            site.reset_counters()
            sink.clear()
            result = newsmon("crawl", "--json", config=config)
            assert result.returncode == 0, result.stderr[-3000:]
            cycle = Cycle(
                json.loads(result.stdout),
                list(sink.messages),
                dict(site.hits),
                dict(site.responses),
            )
            cycle.versions, cycle.status = _snapshot(db_url)
            cycles.append(cycle)
            _wait_until_all_due(db_url)
        yield Scenario(site, db_url, config, cycles, edits, cosmetic, site.gone(2))


def test_each_real_edit_makes_exactly_one_version(scenario: Scenario) -> None:
    for index, cycle_no in ((1, 1), (3, 2), (4, 3)):
        before, after = scenario.cycles[index - 1].versions, scenario.cycles[index].versions
        for url, kind in scenario.edits[cycle_no]:
            assert after[url] == before[url] + 1, f"cycle {cycle_no} {kind} edit of {url}"


def test_changes_outside_the_article_make_no_version(scenario: Scenario) -> None:
    before, after = scenario.cycles[0].versions, scenario.cycles[1].versions
    edited = {url for url, _ in scenario.edits[1]}
    cosmetic_only = [u for u in scenario.cosmetic[1] if u not in edited and u in before]
    assert len(cosmetic_only) >= 50
    false_versions = [u for u in cosmetic_only if after[u] != before[u]]
    assert false_versions == []
    assert scenario.cycles[1].summary["new_versions"] == len(scenario.edits[1])


def test_unchanged_pages_are_answered_304(scenario: Scenario) -> None:
    same = scenario.cycles[2]
    article_keys = {
        DemoSite.key(url) for url in scenario.cycles[1].versions if url in same.versions
    }
    requests = sum(n for key, n in same.hits.items() if key in article_keys)
    not_modified = sum(
        n for (key, status), n in same.responses.items() if key in article_keys and status == 304
    )
    assert requests >= 200, "every article is revisited"
    assert not_modified / requests >= 0.95, f"{not_modified}/{requests} answered 304"
    assert same.summary["new_versions"] == 0
    assert same.summary["not_modified"] >= not_modified


def test_takedowns_make_articles_gone_and_returns_live(scenario: Scenario) -> None:
    assert len(scenario.gone) == 2
    for url in scenario.gone:
        assert scenario.cycles[2].status[url] == "live"
        assert scenario.cycles[3].status[url] == "gone"
        assert scenario.cycles[4].status[url] == "live"
    assert scenario.cycles[3].summary["gone"] == 2


def test_version_records_what_changed(scenario: Scenario) -> None:
    engine = make_engine(scenario.db_url)
    with session_factory(engine)() as s:
        for url, kind in scenario.edits[1] + scenario.edits[2] + scenario.edits[3]:
            article = article_by_ref(s, url)
            assert article is not None
            latest = s.scalars(
                select(Version).where(Version.article_id == article.id).order_by(Version.n.desc())
            ).first()
            assert latest is not None and latest.n >= 2
            if kind == "headline":
                assert latest.headline_changed and latest.material
            elif kind == "paragraph_added":
                assert not latest.headline_changed and latest.words_added >= 10
                assert latest.material
            else:
                assert not latest.headline_changed and not latest.material
                assert 1 <= latest.words_added <= 2
    engine.dispose()


def test_diff_command_shows_the_edit(scenario: Scenario) -> None:
    url = next(u for u, kind in scenario.edits[1] if kind == "headline")
    engine = make_engine(scenario.db_url)
    with session_factory(engine)() as s:
        article = article_by_ref(s, url)
        assert article is not None
        old = s.scalars(
            select(Version.title).where(Version.article_id == article.id, Version.n == 1)
        ).one()
    engine.dispose()
    result = newsmon("diff", str(article.id), config=scenario.config)
    assert result.returncode == 0, result.stderr
    assert "[-" in result.stdout and "{+" in result.stdout
    removed = [w for w in (old or "").split() if w not in (article.title or "").split()]
    assert removed and removed[0] in result.stdout


def _subjects(cycle: Cycle) -> list[str]:
    return [str(m["Subject"]) for m in cycle.emails]


def test_material_update_of_an_alerted_story_sends_an_update_alert(scenario: Scenario) -> None:
    site = scenario.site
    truths = {t.url: t for t in site.articles(include_gone=True)}
    subjects = _subjects(scenario.cycles[3])
    updated = [(u, k) for u, k in scenario.edits[2] if truths[u].topics and k != "one_word"]
    assert updated, "the fixture edits an alerted story at cycle 2"
    for url, _kind in updated:
        truth = truths[url]
        for topic in truth.topics:
            wanted = f"[newsmon] {topic}: updated: {truth.title}"
            assert wanted in subjects, (wanted, subjects)


def test_typo_fix_sends_no_update_alert(scenario: Scenario) -> None:
    site = scenario.site
    truths = {t.url: t for t in site.articles(include_gone=True)}
    typo = [(u, k) for u, k in scenario.edits[3] if k == "one_word" and truths[u].topics]
    assert typo, "the fixture fixes a typo in an alerted story at cycle 3"
    subjects = _subjects(scenario.cycles[4])
    for url, _ in typo:
        assert not any("updated:" in s and truths[url].title in s for s in subjects)
