"""End to end: one `newsmon crawl` over the fault site (demo/faults/).

Every good page is stored with the right text, every bad page is recorded with its reason,
the canary outside the allowed networks is never asked anything, and the crawl ends with exit
code 0, in bounded time, under 500 MB; into a SQLite archive and, when NEWSMON_TEST_POSTGRES_URL
is set, a PostgreSQL one.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.archive.lookup import article_by_ref
from crawler.text.normalise import normalise_text
from demo.faults import FaultSite
from storage.db import is_sqlite, make_engine, session_factory, upgrade
from storage.models import ListingState, PageError
from tests.conftest import REPO
from tests.test_killsafety import process_tree

WALL_LIMIT = 90.0  # seconds; the crawl itself takes about ten on two busy cores
MEMORY_LIMIT = 500 * 1024 * 1024


@dataclass
class Run:
    returncode: int
    seconds: float
    summary: dict
    stderr: str
    peak_pss: int  # bytes: the crawl and every process it started, summed
    peak_rss: int


def _memory(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in bytes; PSS shares pages the pool workers have in common."""
    pss = rss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
            elif line.startswith("Rss:"):
                rss = int(line.split()[1]) * 1024
    except OSError:
        pass
    return pss, rss


def run_measured(config: Path, *args: str) -> Run:
    """`newsmon -v crawl --json` in a child process, sampling its process tree's memory."""
    cmd = [sys.executable, "-m", "crawler", "--config", str(config), "-v", "crawl", "--json"]
    started = time.monotonic()
    proc = subprocess.Popen(
        [*cmd, *args], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peaks = [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            usage = [_memory(pid) for pid in process_tree(proc.pid)]
            peaks[0] = max(peaks[0], sum(u[0] for u in usage))
            peaks[1] = max(peaks[1], sum(u[1] for u in usage))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        done.set()
        sampler.join()
    summary = json.loads(stdout) if proc.returncode == 0 else {}
    return Run(proc.returncode, time.monotonic() - started, summary, stderr, peaks[0], peaks[1])


@dataclass
class Crawled:
    site: FaultSite
    db_url: str
    run: Run


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory, archive_url: str) -> Iterator[Crawled]:
    tmp = tmp_path_factory.mktemp("faults")
    with FaultSite() as site:
        db_url = archive_url
        config = tmp / "newsmon.toml"
        config.write_text(site.config_toml(db_url), encoding="utf-8")
        run = run_measured(config)
        assert run.returncode == 0, run.stderr[-3000:]
        yield Crawled(site, db_url, run)


@pytest.fixture(scope="module")
def errors(crawled: Crawled) -> dict[str, str]:
    engine = make_engine(crawled.db_url)
    with session_factory(engine)() as session:
        rows = session.execute(select(PageError.url, PageError.reason)).all()
    engine.dispose()
    return {url: reason for url, reason in rows}


def test_the_crawl_ends_well_in_bounded_time(crawled: Crawled) -> None:
    run = crawled.run
    assert run.summary["status"] == "ok"
    assert run.seconds < WALL_LIMIT
    assert "Traceback" not in run.stderr


def test_the_canary_is_never_asked_anything(crawled: Crawled, errors: dict[str, str]) -> None:
    assert crawled.site.canary_hits == []
    for url in crawled.site.canary_urls:
        assert url in errors, f"canary link not recorded: {url}"
        assert "refused" in errors[url], errors[url]


def test_refusals_are_logged_and_counted(crawled: Crawled) -> None:
    stderr = crawled.run.stderr
    for url in crawled.site.canary_urls:
        if "/bad/" not in url:  # the two redirects are logged under their target
            assert f"refused {url}" in stderr
    counted = re.search(r"'newsmon/refused_private_network': (\d+)", stderr)
    assert counted is not None and int(counted.group(1)) == len(crawled.site.canary_urls)


def test_every_good_page_is_stored_with_its_text(crawled: Crawled) -> None:
    engine = make_engine(crawled.db_url)
    with session_factory(engine)() as session:
        for url, page in crawled.site.good.items():
            article = article_by_ref(session, url)
            assert article is not None, f"not stored: {url}"
            assert normalise_text(article.title or "") == normalise_text(page.title), url
            text = normalise_text(article.text)
            assert "\ufffd" not in text, url
            for paragraph in page.paragraphs:
                assert normalise_text(paragraph) in text, f"{url}: missing {paragraph[:60]!r}"
    engine.dispose()
    assert crawled.run.summary["new_articles"] == len(crawled.site.good)


@pytest.mark.parametrize("path", ["/enc/windows-1251.html", "/enc/mislabelled-1251.html"])
def test_legacy_encodings_store_the_real_letters(crawled: Crawled, path: str) -> None:
    engine = make_engine(crawled.db_url)
    with session_factory(engine)() as session:
        article = article_by_ref(session, crawled.site.base() + path)
    engine.dispose()
    assert article is not None and "набережной" in article.text


def test_every_bad_page_is_recorded_with_its_reason(
    crawled: Crawled, errors: dict[str, str]
) -> None:
    expected = {**crawled.site.bad, **crawled.site.listings_bad}
    for url, reason in expected.items():
        assert url in errors, f"no error recorded for {url}"
        assert re.search(reason, errors[url]), f"{url}: {errors[url]!r} !~ {reason!r}"
    good = set(crawled.site.good)
    assert not good & set(errors)
    # One row per failed page (redirect hops are recorded under the link as listed).
    refused = set(crawled.site.robots_refused)
    assert set(errors) == set(expected) | set(crawled.site.canary_urls) | refused
    assert crawled.run.summary["errors"] == len(set(errors) - refused)


def test_robots_refusals_are_recorded_not_counted_as_errors(
    crawled: Crawled, errors: dict[str, str]
) -> None:
    """A link robots.txt disallows, directly or at the end of a redirect, is a refusal."""
    for url in crawled.site.robots_refused:
        assert "robots.txt" in errors.get(url, ""), (url, errors.get(url))
    # Recorded in page_errors, but not counted as errors.
    refused = set(crawled.site.robots_refused)
    assert crawled.run.summary["errors"] == len(set(errors) - refused)
    assert not [p for p in crawled.site.hits if "/private/" in p]


def test_articles_under_index_pages_are_not_home_pages(
    crawled: Crawled, errors: dict[str, str]
) -> None:
    """/index.php?id=7 and /news/kept-slug/index.html, each reached through a redirect, are
    articles (stored: see test_every_good_page_is_stored_with_its_text), not front pages."""
    base = crawled.site.base()
    assert "home page" not in errors.get(base + "/news/old-7.html", "")
    assert "home page" not in errors.get(base + "/news/old-slug.html", "")
    assert {base + "/index.php?id=7", base + "/news/kept-slug/index.html"} <= set(crawled.site.good)


def test_gzipped_sitemaps_are_read_within_the_size_limit(crawled: Crawled) -> None:
    """A .xml.gz named by robots.txt (BOM and all) and a sitemap gzipped without
    Content-Encoding are read (their articles are stored: see the good pages); a gzip bomb
    stops at crawl.max_page_bytes (see listings_bad)."""
    engine = make_engine(crawled.db_url)
    with session_factory(engine)() as session:
        states = {s.url: s.http_status for s in session.scalars(select(ListingState))}
    engine.dispose()
    base = crawled.site.base()
    assert states.get(base + "/sitemaps/news.xml.gz") == 200
    assert states.get(base + "/sitemaps/gzipped.xml") == 200


def test_entity_bombs_are_parsed_without_expansion(crawled: Crawled) -> None:
    engine = make_engine(crawled.db_url)
    with session_factory(engine)() as session:
        states = {s.url: s.http_status for s in session.scalars(select(ListingState))}
    engine.dispose()
    base = crawled.site.base()
    # Parsed, not refused: each led to the one article it lists (stored, see above).
    assert states[base + "/feeds/laughs.xml"] == 200
    assert states[base + "/sitemaps/laughs.xml"] == 200


def test_peak_memory_stays_under_500_mb(crawled: Crawled) -> None:
    """The crawl's process tree (crawl, extraction workers, resource tracker):
    summed RSS, which counts the pages they share once per process, stays under the limit."""
    run = crawled.run
    assert run.peak_pss > 50 * 1024 * 1024, "the sampler saw the crawl"
    figures = f"peak summed RSS {run.peak_rss / 2**20:.0f} MB, PSS {run.peak_pss / 2**20:.0f} MB"
    print(figures)  # shown with -s; the closing note quotes it
    assert run.peak_rss < MEMORY_LIMIT, figures


def test_the_cycle_budget_stops_a_crawl(tmp_path: Path, empty_url: str) -> None:
    if not is_sqlite(empty_url):
        upgrade(empty_url)  # the crawl migrates SQLite only
    with FaultSite(seed=1) as site:
        config = tmp_path / "newsmon.toml"
        config.write_text(
            site.config_toml(empty_url, timeout="20s", extra='cycle_budget = "3s"'),
            encoding="utf-8",
        )
        run = run_measured(config)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.summary["status"] == "over_budget"
    # The slow page alone would hold the crawl for 20 s (twice with its retry).
    assert run.seconds < 20


def test_retry_after_holds_no_download_slot(tmp_path: Path, empty_url: str) -> None:
    """20 pages answer 503 with Retry-After: 30 on one host; with 4 download slots, the other
    host's pages are fetched at once, a retry due past the budget is recorded as an error
    without a wait, and a short Retry-After is honoured (the page is fetched again, later)."""
    if not is_sqlite(empty_url):
        upgrade(empty_url)  # the crawl migrates SQLite only
    with FaultSite(seed=2) as site:
        config = tmp_path / "newsmon.toml"
        config.write_text(
            site.config_toml(
                empty_url, feeds=[site.busy_feed], concurrency=4, extra='cycle_budget = "20s"'
            ),
            encoding="utf-8",
        )
        run = run_measured(config)
        log = list(site.log)
        good = [u for u in site.good if "/news/plain-" in u]
        soon, busy = site.soon_urls, site.busy_urls
    assert run.returncode == 0, run.stderr[-3000:]
    # nothing waited for the 30 s Retry-After (the crawl itself takes about 7 s; 25 leaves room
    # for a loaded machine)
    assert run.seconds < 25, run.seconds
    start = log[0][0]

    def times(url: str) -> list[float]:
        key = url.removeprefix("http://").split("?")[0]
        return [at - start for at, path in log if path == key]

    assert all(len(times(u)) == 1 and times(u)[0] < 5 for u in good), [times(u) for u in good]
    for url in soon:  # asked twice, the second time at least 2 s after the first
        first, second = times(url)
        assert second - first >= 1.9, (url, first, second)
    assert all(len(times(u)) == 1 for u in busy)
    engine = make_engine(empty_url)
    with session_factory(engine)() as session:
        reasons = dict(session.execute(select(PageError.url, PageError.reason)).all())
        stored = [u for u in [*good, *soon] if article_by_ref(session, u) is not None]
    engine.dispose()
    assert stored == [*good, *soon]
    for url in busy:
        assert re.search(r"HTTP 503 \(retry due in 30 s: past the cycle's budget\)", reasons[url])
