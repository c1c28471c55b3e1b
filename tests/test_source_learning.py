"""Per-source learning on the metadata fixture site (demo.site.metasite): headline candidate,
site suffix, byline source and time zone learned from a publisher's first pages and applied to
its later one; and every page's title, authors, time and body through crawl and archive."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.process.extract import extract
from crawler.process.profile import AFFIX, BYLINE, HEADLINE, OFFSET, SourceProfile, learn
from demo.site.mastheads import PageTruth
from demo.site.metasite import MetadataSite
from storage.db import make_engine
from storage.models import Article, Source, SourceFact
from tests.conftest import newsmon


@dataclass
class Crawled:
    site: MetadataSite
    archive: str
    config: Path


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory, archive_url: str) -> Iterator[Crawled]:
    """Two crawls: the first sees four pages of each publisher, the second the fifth."""
    config = tmp_path_factory.mktemp("meta") / "newsmon.toml"
    with MetadataSite() as site:
        config.write_text(site.config_toml(archive_url), encoding="utf-8")
        for _ in range(2):
            run = newsmon("crawl", "--json", config=config)
            assert run.returncode == 0, run.stderr[-3000:]
            site.release()
        yield Crawled(site, archive_url, config)


def _stored(crawled: Crawled, page: PageTruth) -> Article:
    engine = make_engine(crawled.archive)
    try:
        with Session(engine) as session:
            found = session.scalars(
                select(Article).where(Article.url == crawled.site.url(page))
            ).one()
            session.expunge(found)
            return found
    finally:
        engine.dispose()


def _facts(crawled: Crawled, source: str) -> dict[tuple[str, str], int]:
    engine = make_engine(crawled.archive)
    try:
        with Session(engine) as session:
            rows = session.execute(
                select(SourceFact.kind, SourceFact.value, SourceFact.docs)
                .join(Source, Source.id == SourceFact.source_id)
                .where(Source.name == source)
            ).all()
            return {(r.kind, r.value): r.docs for r in rows}
    finally:
        engine.dispose()


def _last(crawled: Crawled, publisher: str) -> PageTruth:
    return crawled.site.truth(publisher)[-1]


def _alone(crawled: Crawled, page: PageTruth) -> object:
    """What the page gives with nothing learned of its source (and no feed hints)."""
    return extract(page.html, crawled.site.url(page))


def test_learned_site_segment_strips_a_title_no_other_candidate_explains(
    crawled: Crawled,
) -> None:
    page = _last(crawled, "kurier")
    assert (AFFIX, "kurier poranny dziennik regionu łódzkiego od 1957 roku") in _facts(
        crawled, "kurier"
    )
    assert _alone(crawled, page).title != page.title  # type: ignore[attr-defined]
    assert _stored(crawled, page).title == page.title


def test_learned_headline_candidate_decides_when_no_two_agree(crawled: Crawled) -> None:
    page = _last(crawled, "ledger")
    facts = _facts(crawled, "ledger")
    assert facts[(HEADLINE, "h1")] > facts.get((HEADLINE, "og"), 0)
    assert _alone(crawled, page).title != page.title  # type: ignore[attr-defined]
    assert _stored(crawled, page).title == page.title


def test_learned_byline_source_decides_when_sources_disagree(crawled: Crawled) -> None:
    page = _last(crawled, "harbour")
    assert _facts(crawled, "harbour")[(BYLINE, "meta")] >= 3
    assert _alone(crawled, page).author == "Margaret Olsen"  # type: ignore[attr-defined]
    assert _stored(crawled, page).author == page.author == "Rachel Brazil"


def test_learned_time_zone_reads_a_naive_time_without_witness(crawled: Crawled) -> None:
    page = _last(crawled, "bote")
    assert _facts(crawled, "bote")[(OFFSET, "60")] >= 3
    alone = _alone(crawled, page).published_at  # type: ignore[attr-defined]
    assert alone == page.published_at.replace(tzinfo=UTC)  # the local clock read as UTC
    assert _stored(crawled, page).published_at == page.published_at


@pytest.mark.parametrize("publisher", ["kurier", "ledger", "harbour", "bote", "diario", "pulse"])
def test_every_page_title_authors_time_and_body(crawled: Crawled, publisher: str) -> None:
    for page in crawled.site.truth(publisher):
        stored = _stored(crawled, page)
        assert stored.title == page.title, page.path
        if page.author is not None:
            assert stored.author == page.author, page.path
        assert stored.published_at == page.published_at, page.path
        lines = stored.text.split("\n")
        assert lines == page.paragraphs, page.path  # each paragraph its own line, nothing else
        for absent in page.absent:
            assert absent not in stored.text, page.path


def test_export_prints_the_time_in_the_offset_the_page_gave(crawled: Crawled) -> None:
    run = newsmon("export", "--format", "jsonl", config=crawled.config)
    assert run.returncode == 0, run.stderr[-2000:]
    records = {r["url"]: r for r in map(json.loads, run.stdout.splitlines())}
    for page in crawled.site.truth("diario") + crawled.site.truth("bote"):
        exported = records[crawled.site.url(page)]["published_at"]
        assert exported == page.published_at.isoformat(), page.path  # "...T09:15:00+01:00"


def test_profile_needs_min_docs_and_prefers_the_most_seen() -> None:
    few = {(HEADLINE, "h1"): 2, (OFFSET, "60"): 2}
    assert learn(few) == SourceProfile()
    counts = {
        (HEADLINE, "h1"): 5,
        (HEADLINE, "og"): 2,
        (BYLINE, "dom"): 3,
        (BYLINE, "meta"): 4,
        (AFFIX, "rp pl"): 4,
        (AFFIX, "once"): 1,
        (OFFSET, "120"): 4,
        (OFFSET, "60"): 1,
    }
    assert learn(counts) == SourceProfile("h1", frozenset({"rp pl"}), "meta", 120)
    # an offset seen on a minority of the pages that showed one is no zone
    assert learn({(OFFSET, "60"): 3, (OFFSET, "120"): 3}).utc_offset is None


def test_metadata_site_serves_feeds_and_pages(tmp_path: Path) -> None:
    import httpx

    with MetadataSite() as site:
        first = httpx.get(f"{site.base_url}/bote/feed.xml").text
        assert first.count("<item>") == 4 and "<pubDate>" in first
        site.release()
        second = httpx.get(f"{site.base_url}/bote/feed.xml").text
        assert second.count("<item>") == 5 and second.count("<pubDate>") == 4
        assert httpx.get(f"{site.base_url}/nowhere").status_code == 404
