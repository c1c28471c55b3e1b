"""Distributed crawling: two `crawl` workers share one cycle; daemons hand leadership over."""

from __future__ import annotations

import collections
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import func, select

from crawler.archive.lookup import article_by_ref
from crawler.config import ConfigError, from_dict
from demo import ArticleTruth, DemoSite
from demo.sink import SmtpSink
from storage.db import is_sqlite, make_engine, session_factory, upgrade
from storage.models import Article, CrawlRun, PageError
from tests.conftest import REPO, fresh_postgres_database

# Workers racing on one Redis queue: run alone, not beside the parallel suite's load.
pytestmark = pytest.mark.serial


@pytest.fixture
def redis_env() -> Iterator[tuple[Any, str, str]]:
    """(client, URL, a key prefix of this test's own); the prefix's keys are deleted after."""
    url = os.environ.get("NEWSMON_TEST_REDIS_URL")
    if not url:
        pytest.skip("NEWSMON_TEST_REDIS_URL is not set")
    import redis

    client = redis.Redis.from_url(url, decode_responses=True)
    prefix = f"newsmon-test-{uuid.uuid4().hex[:10]}"
    yield client, url, prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


def _config(redis_url: str, prefix: str, ttl: str = "3s") -> Any:
    return from_dict(
        {"distributed": {"redis_url": redis_url, "key_prefix": prefix, "leader_ttl": ttl}}
    )


# -- configuration -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"redis_url": "localhost:6379"}, "distributed.redis_url"),
        ({"key_prefix": "news mon"}, "distributed.key_prefix"),
        ({"leader_ttl": "500ms"}, "distributed.leader_ttl"),
    ],
)
def test_bad_distributed_settings_name_their_key(section: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError) as err:
        from_dict({"distributed": section}, "n.toml")
    assert err.value.key == key


def test_distributed_defaults_and_the_url_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NEWSMON_REDIS_URL", raising=False)
    dist = from_dict({}).distributed
    assert (dist.url, dist.key_prefix, dist.leader_ttl.total_seconds()) == ("", "newsmon", 30)
    monkeypatch.setenv("NEWSMON_REDIS_URL", "redis://:secret@redis.internal:6379/0")
    assert dist.url == "redis://:secret@redis.internal:6379/0"


# -- leases and cycles on a real Redis -----------------------------------------------------------
@pytest.mark.redis
def test_lease_is_exclusive_renewed_and_released(redis_env: tuple[Any, str, str]) -> None:
    from crawler.distributed.coordination import Lease

    client, _, prefix = redis_env
    key = f"{prefix}:leader"
    first, second = Lease(client, key, "a", 1.0), Lease(client, key, "b", 1.0)
    assert first.acquire()
    assert not second.acquire()
    time.sleep(1.6)  # past the TTL: only the renewals keep it
    assert client.get(key) == "a" and first.held
    assert not second.acquire()
    first.release()
    assert client.get(key) is None
    assert second.acquire()
    second.release()


@pytest.mark.redis
def test_lease_of_a_dead_holder_expires_and_a_taken_lease_is_lost(
    redis_env: tuple[Any, str, str],
) -> None:
    from crawler.distributed.coordination import Lease

    client, _, prefix = redis_env
    key = f"{prefix}:leader"
    client.set(key, "dead", px=500)  # a holder that no longer renews
    lease = Lease(client, key, "b", 1.0)
    assert not lease.acquire()
    time.sleep(0.6)
    assert lease.acquire()
    client.set(key, "usurper")  # e.g. this holder stalled past its TTL and another took over
    assert lease.lost.wait(2.0)
    assert not lease.held
    lease.release()
    assert client.get(key) == "usurper"  # release never deletes another owner's key


@pytest.mark.redis
def test_first_crawl_starts_the_cycle_and_the_last_to_leave_is_told(
    redis_env: tuple[Any, str, str],
) -> None:
    from crawler.distributed.coordination import running_cycle
    from crawler.distributed.cycle import shared_cycle

    client, url, prefix = redis_env
    config = _config(url, prefix)
    with shared_cycle(config, worker="a") as first:
        assert first is not None and first.cycle.discoverer
        assert running_cycle(client, prefix) == first.cycle.id
        with shared_cycle(config, worker="b") as second:
            assert second is not None and not second.cycle.discoverer
            assert second.cycle.id == first.cycle.id
            with shared_cycle(config, join="some-other-cycle", worker="c") as none:
                assert none is None
            assert not first.leave()  # the second member is still in
            assert second.leave()
    assert running_cycle(client, prefix) is None  # the discoverer released it
    with shared_cycle(config, join=first.cycle.id, worker="d") as late:
        assert late is None


# -- two workers, one cycle ----------------------------------------------------------------------
@dataclass
class Worker:
    code: int
    summary: dict[str, Any]
    stderr: str


@dataclass
class SharedCrawl:
    site: DemoSite
    db_url: str
    workers: list[Worker]
    emails: list[EmailMessage]
    keys_left: dict[str, int]
    discovery: bool  # the discovery lock is still held


@pytest.fixture(scope="module")
def shared_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedCrawl]:
    url = os.environ.get("NEWSMON_TEST_REDIS_URL")
    if not url:
        pytest.skip("NEWSMON_TEST_REDIS_URL is not set")
    import redis

    client = redis.Redis.from_url(url, decode_responses=True)
    prefix = f"newsmon-test-{uuid.uuid4().hex[:10]}"
    tmp = tmp_path_factory.mktemp("distributed")
    with (
        fresh_postgres_database() as db_url,
        DemoSite(corpus=False) as site,
        SmtpSink() as sink,
    ):
        upgrade(db_url)
        shared = f'[distributed]\nredis_url = "{url}"\nkey_prefix = "{prefix}"\n'
        procs = []
        try:
            for n in range(2):
                # The two workers run on one machine here: each needs its own local lock.
                text = site.config_toml(db_url, smtp_port=sink.port, extra=shared).replace(
                    "[crawl]\n", f'[crawl]\nlock_path = "{tmp / f"worker{n}.lock"}"\n'
                )
                config = tmp / f"worker{n}.toml"
                config.write_text(text, encoding="utf-8")
                procs.append(_spawn(config, "crawl", "--json"))
                time.sleep(0.3)
            workers = []
            for proc in procs:
                out, err = proc.communicate(timeout=120)
                summary = json.loads(out) if proc.returncode == 0 else {}
                workers.append(Worker(proc.returncode, summary, err))
            keys = {k: int(client.pttl(k)) for k in client.scan_iter(f"{prefix}:*")}
            discovery = client.exists(f"{prefix}:discovery") == 1
            yield SharedCrawl(site, db_url, workers, list(sink.messages), keys, discovery)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
            for key in client.scan_iter(f"{prefix}:*"):
                client.delete(key)
            client.close()


def _spawn(config: Path, *args: str, log: Path | None = None) -> subprocess.Popen[str]:
    """`newsmon` in its own process group; stderr to `log` when given (a daemon's children
    write there too, and nobody reads a pipe meanwhile)."""
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSMON_CONFIG", "NEWSMON_REDIS_URL")}
    with open(log or os.devnull, "w", encoding="utf-8") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "crawler", "--config", str(config), *args],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE if log is None else subprocess.DEVNULL,
            stderr=subprocess.PIPE if log is None else err,
            text=True,
            start_new_session=True,
        )


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.slow
def test_both_workers_finish_and_each_fetched_a_share(shared_crawl: SharedCrawl) -> None:
    for worker in shared_crawl.workers:
        assert worker.code == 0, worker.stderr[-3000:]
        assert worker.summary["status"] == "ok"
        assert worker.summary["fetched"] > 0
    polled = sorted(w.summary["sources_polled"] for w in shared_crawl.workers)
    assert polled == [0, len(shared_crawl.site.publishers)]  # one discovered, one joined
    engine = make_engine(shared_crawl.db_url)
    with session_factory(engine)() as s:
        runs = list(s.scalars(select(CrawlRun).order_by(CrawlRun.id)))
    engine.dispose()
    assert len(runs) == 2
    assert all(r.status == "ok" and r.fetched > 0 and r.finished_at for r in runs)
    assert len({r.pid for r in runs}) == 2


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.slow
def test_every_article_is_stored_once_and_fetched_once(shared_crawl: SharedCrawl) -> None:
    truths = shared_crawl.site.articles()
    assert len(truths) >= 200
    engine = make_engine(shared_crawl.db_url)
    with session_factory(engine)() as s:
        stored = s.scalar(select(func.count()).select_from(Article))
        ids = set()
        for truth in truths:
            article = article_by_ref(s, truth.url)
            assert article is not None, f"not stored: {truth.url}"
            ids.add(article.id)
            for alias in truth.aliases:
                found = article_by_ref(s, alias)
                assert found is not None and found.id == article.id, f"{alias} -> {truth.url}"
        extra = [a.url for a in s.scalars(select(Article).where(Article.id.not_in(ids)))]
    engine.dispose()
    logs = "\n".join(w.stderr[-4000:] for w in shared_crawl.workers)
    assert stored == len(truths) == len(ids), f"stored, not in the site's truth: {extra}\n{logs}"
    assert sum(w.summary["new_articles"] for w in shared_crawl.workers) == len(truths)
    # Across both workers, every article page was requested exactly once.
    hits = {t.url: shared_crawl.site.hits[DemoSite.key(t.url)] for t in truths}
    assert {u: n for u, n in hits.items() if n != 1} == {}


def _stories(truths: list[ArticleTruth]) -> dict[str, list[ArticleTruth]]:
    groups: dict[str, list[ArticleTruth]] = {}
    for t in truths:
        groups.setdefault(t.story or t.url, []).append(t)
    return groups


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.slow
def test_each_story_is_alerted_once_per_topic_and_recipient(shared_crawl: SharedCrawl) -> None:
    emails = shared_crawl.emails
    assert sum(w.summary["alerts_sent"] for w in shared_crawl.workers) == len(emails) > 0
    truths = shared_crawl.site.articles()
    for topic in shared_crawl.site.topic_config():
        name = topic["name"]
        for rcpt in topic["alert_to"]:
            mine = [m for m in emails if m["To"] == rcpt and f"] {name}:" in m["Subject"]]
            # The last worker to finish sends: one email for the whole cycle.
            assert len(mine) == 1, f"{name} -> {rcpt}: {len(mine)} emails"
            texts = "".join(_plain(m) for m in mine)
            for key, group in _stories([t for t in truths if name in t.topics]).items():
                mentions = sum(texts.count(t.url + "\n") for t in group)
                assert mentions == 1, f"{name} -> {rcpt}: story {key} listed {mentions} times"


def _plain(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.slow
def test_the_cycle_is_released_and_its_keys_expire(shared_crawl: SharedCrawl) -> None:
    assert not shared_crawl.discovery  # a next crawl starts a new cycle
    assert shared_crawl.keys_left, "the cycle's keys should linger briefly"
    assert all(0 < ttl <= 60_000 for ttl in shared_crawl.keys_left.values())


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.slow
def test_no_worker_requests_a_page_robots_txt_disallows(shared_crawl: SharedCrawl) -> None:
    site = shared_crawl.site
    private = site.private_urls()
    assert private, "the Herald links pages its robots.txt disallows"
    assert {u: site.hits[DemoSite.key(u)] for u in private if site.hits[DemoSite.key(u)]} == {}
    for publisher in site.publishers:
        assert site.hits[f"{publisher.host}/robots.txt"] >= 1, publisher.name


# -- two workers racing for one article -----------------------------------------------------------
# The race is driven step by step here, on the real components and Redis: on a real crawl it
# needs one worker to enqueue the article between the other's decision to follow a redirect to
# it and the followed hop reaching the shared duplicate filter (rare, more so on an idle machine).
ARTICLE = "http://127.0.0.2:8000/news/world/storm-1003"
SHORT = "http://127.0.0.2:8000/s/1003"
HOP = "http://127.0.0.2:8000/n/1003"
OTHER = "http://127.0.0.2:8000/news/world/calm-1004"


@dataclass
class RaceWorker:
    """One worker's real Scrapy components on the shared cycle (no reactor, no downloads)."""

    spider: Any
    scheduler: Any
    alias: Any  # RedirectAliasMiddleware
    redirect: Any  # Scrapy's RedirectMiddleware
    known: Any  # KnownArticleMiddleware

    @classmethod
    def build(cls, config: Any, cycle: Any) -> RaceWorker:
        from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
        from scrapy.utils.test import get_crawler

        from crawler.distributed.components import CycleScheduler, CycleSpider
        from crawler.fetch.middlewares.known import KnownArticleMiddleware
        from crawler.fetch.middlewares.redirects import RedirectAliasMiddleware
        from crawler.fetch.settings import scrapy_settings

        settings = {**scrapy_settings(config, cycle=cycle), "TWISTED_REACTOR_ENABLED": False}
        crawler = get_crawler(CycleSpider, settings)
        spider = CycleSpider.from_crawler(crawler, sources=[], cycle=cycle)
        crawler.spider = spider
        scheduler = CycleScheduler.from_crawler(crawler)
        scheduler.open(spider)
        return cls(
            spider,
            scheduler,
            RedirectAliasMiddleware.from_crawler(crawler),
            RedirectMiddleware.from_crawler(crawler),
            KnownArticleMiddleware.from_crawler(crawler),
        )

    def listing(self, *urls: str) -> Iterator[bool]:
        """Parse a listing that links `urls` directly; each step enqueues the next request it
        lets through (whether the scheduler took it)."""
        from scrapy import Request
        from scrapy.http import Response

        sitemap = "http://127.0.0.2:8000/sitemap.xml"
        listing = Response(sitemap, request=Request(sitemap))
        links = [Request(u, meta={"source": "Lattice", "article_link": True}) for u in urls]
        for request in self.known.process_spider_output(listing, links):
            yield self.scheduler.enqueue_request(request)

    def redirected(self) -> tuple[Any, Any]:
        """The second hop of the short link answers 301 to the article: (request, what the
        redirect middlewares make of it, in their order: alias, then Scrapy's redirect)."""
        from scrapy import Request
        from scrapy.http import Response

        hop = Request(
            HOP,
            meta={
                "source": "Lattice",
                "article_link": True,
                "redirect_urls": [SHORT],
                "redirect_times": 1,
            },
        )
        answer = Response(HOP, status=301, headers={"Location": ARTICLE}, request=hop)
        answer = self.alias.process_response(hop, answer)
        return hop, self.redirect.process_response(hop, answer)

    def close(self) -> None:
        self.known.engine.dispose()
        self.scheduler.server.close()
        self.spider.redis.close()


@pytest.mark.redis
@pytest.mark.parametrize("order", ["listing first", "redirect first", "interleaved"])
def test_a_redirect_and_a_listing_racing_for_one_article_keep_its_aliases(
    redis_env: tuple[Any, str, str], tmp_path: Path, order: str
) -> None:
    from scrapy import Request

    from crawler.distributed.cycle import Cycle

    _, url, prefix = redis_env
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    upgrade(db_url)
    config = from_dict(
        {"database": {"url": db_url}, "distributed": {"redis_url": url, "key_prefix": prefix}}
    )
    a = RaceWorker.build(config, Cycle(url, prefix, "race", "a", True, 30.0))
    b = RaceWorker.build(config, Cycle(url, prefix, "race", "b", False, 30.0))
    try:
        if order == "listing first":
            list(b.listing(ARTICLE))
            hop, out = a.redirected()
        elif order == "redirect first":
            # A decides to follow the redirect; B enqueues the article before A's hop does.
            hop, out = a.redirected()
            list(b.listing(ARTICLE))
        else:
            # B has checked both its links (neither requested yet) and enqueued the first when
            # A decides to follow the redirect; then B goes on with the article.
            steps = b.listing(OTHER, ARTICLE)
            next(steps)
            hop, out = a.redirected()
            list(steps)
        if isinstance(out, Request):
            assert a.scheduler.enqueue_request(out), "the followed hop was dropped"
        queued = []
        while (request := a.scheduler.next_request()) is not None:
            queued.append(request)
        fetches = [r for r in queued if r.url == ARTICLE]
        assert len(fetches) == 1, queued  # one fetch of the article across the workers
        # The URLs that led to it reach the archive: with the page fetched through them, or
        # as an alias the stopped redirect records.
        led = set(fetches[0].meta.get("redirect_urls", []))
        if hop.meta.get("alias_of") == ARTICLE:
            (alias,) = a.spider.parse_article(out)
            led |= set(alias.urls)
        assert {SHORT, HOP} <= led, (order, fetches[0].meta, hop.meta)
    finally:
        a.close()
        b.close()


# -- robots.txt in every worker -------------------------------------------------------------------
ROBOTS = b"User-agent: *\nDisallow: /private/\n"


class _RobotsHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        server = cast(_RobotsHost, self.server)
        with server.lock:
            server.hits[self.path] += 1
            asked = server.hits[self.path]
        status, body, kind = server.answer(self.path, asked)
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class _RobotsHost(ThreadingHTTPServer):
    """A loopback host whose robots.txt is `robots`: "ok", "once" (the first answer, then 503
    as from a server too busy to answer), "503" (always) or "stalled" (no answer before the
    crawl's timeout); it disallows /private/. Every other path is a small article page."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, robots: str) -> None:
        super().__init__(("127.0.0.1", 0), _RobotsHandler)
        self.robots = robots
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        self.hits: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()
        self.feed: bytes = b""
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet about the crawler hanging up on the stalled robots.txt."""

    def answer(self, path: str, asked: int) -> tuple[int, bytes, str]:
        if path == "/robots.txt":
            if self.robots == "stalled":
                time.sleep(3)
            if self.robots == "ok" or (self.robots == "once" and asked == 1):
                return 200, ROBOTS, "text/plain"
            return 503, b"busy\n", "text/plain"
        if path == "/feed.xml":
            return 200, self.feed, "application/rss+xml"
        time.sleep(0.3)  # slow pages: the first worker does not take them all before the other
        words = " ".join(f"word{n}" for n in range(80))
        paras = "".join(f"<p>{path} paragraph {k}: {words}.</p>" for k in range(5))
        page = f"<html><head><title>{path}</title></head><body><article><h1>{path}</h1>{paras}"
        return 200, f"{page}</article></body></html>".encode(), "text/html; charset=utf-8"


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.slow
def test_a_robots_txt_no_worker_could_read_forbids_its_host(
    redis_env: tuple[Any, str, str], tmp_path: Path
) -> None:
    _, url, prefix = redis_env
    news, busy, stalled = _RobotsHost("once"), _RobotsHost("503"), _RobotsHost("stalled")
    hosts = (news, busy, stalled)
    links = [news.base + f"/2024/a-{n}.html" for n in range(4)]
    links += [h.base + p for h in hosts for p in ("/2024/b-1.html", "/private/members.html")]
    news.feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>x</link>'
        + "".join(f"<item><title>{u}</title><link>{u}</link></item>" for u in links)
        + "</channel></rss>"
    ).encode()
    with fresh_postgres_database() as db_url:
        upgrade(db_url)
        procs = []
        try:
            for n in range(2):
                config = tmp_path / f"worker{n}.toml"
                config.write_text(
                    f'''[database]
url = "{db_url}"
[crawl]
user_agent = "newsmon-test/1.0"
concurrency = 2
per_host_concurrency = 1
download_delay = "0s"
timeout = "1s"
retries = 1
allow_private_networks = ["127.0.0.0/8"]
lock_path = "{tmp_path / f"worker{n}.lock"}"
[[sources]]
name = "News"
feeds = ["{news.base}/feed.xml"]
[distributed]
redis_url = "{url}"
key_prefix = "{prefix}"
''',
                    encoding="utf-8",
                )
                procs.append(_spawn(config, "crawl", "--json"))
                time.sleep(0.3)
            results = [(p.communicate(timeout=90), p.returncode) for p in procs]
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
            for host in hosts:
                host.shutdown()
                host.server_close()
        engine = make_engine(db_url)
        with session_factory(engine)() as s:
            reasons = {u: r for u, r in s.execute(select(PageError.url, PageError.reason))}
        engine.dispose()
    for (_, err), code in results:
        assert code == 0, err[-3000:]
    # No page robots.txt disallows, and nothing of a host whose robots.txt could not be read.
    assert [p for h in hosts for p in h.hits if p.startswith("/private/")] == []
    assert set(busy.hits) == set(stalled.hits) == {"/robots.txt"}
    # Retried before giving up (crawl.retries = 1), and recorded as an error, not as allowed.
    assert busy.hits["/robots.txt"] >= 2 and stalled.hits["/robots.txt"] >= 2
    for host in (busy, stalled):
        reason = reasons.get(host.base + "/2024/b-1.html", "")
        assert "robots.txt unreachable" in reason, reasons


def _robots_config(path: Path, db_url: str, feed: str, extra: str = "") -> None:
    """A crawl config over `feed` that reaches many loopback hosts at once (8 requests each)."""
    path.write_text(
        f'''[database]
url = "{db_url}"
[crawl]
user_agent = "newsmon-test/1.0"
concurrency = 32
per_host_concurrency = 8
download_delay = "0s"
timeout = "5s"
retries = 1
allow_private_networks = ["127.0.0.0/8"]
lock_path = "{path.with_suffix(".lock")}"
[[sources]]
name = "News"
feeds = ["{feed}"]
{extra}''',
        encoding="utf-8",
    )


def _gated_hosts(count: int) -> tuple[_RobotsHost, list[_RobotsHost]]:
    """A feed host, and `count` hosts the feed links first to, each with 4 pages robots.txt
    disallows among 4 it allows: each host's first requests are many at once."""
    feed, hosts = _RobotsHost("ok"), [_RobotsHost("ok") for _ in range(count)]
    links = [
        h.base + (f"/private/p-{n}.html" if n % 2 else f"/2024/a-{n}.html")
        for h in hosts
        for n in range(8)
    ]
    feed.feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>x</link>'
        + "".join(f"<item><title>{u}</title><link>{u}</link></item>" for u in links)
        + "</channel></rss>"
    ).encode()
    return feed, hosts


def _private_hits(hosts: list[_RobotsHost]) -> list[str]:
    return [h.base + p for h in hosts for p in h.hits if p.startswith("/private/")]


def _stop(hosts: list[_RobotsHost]) -> None:
    for host in hosts:
        host.shutdown()
        host.server_close()


@pytest.mark.slow
def test_robots_txt_holds_for_every_first_request_to_a_host(tmp_path: Path, empty_url: str) -> None:
    """The requests that wait for a host's robots.txt while its first request fetches it are
    judged by it too (Scrapy 2.13+ hands every waiter but the first None: "allow all")."""
    if not is_sqlite(empty_url):
        upgrade(empty_url)  # the crawl migrates SQLite only
    feed, hosts = _gated_hosts(4)
    try:
        config = tmp_path / "crawl.toml"
        _robots_config(config, empty_url, feed.base + "/feed.xml")
        proc = _spawn(config, "crawl", "--json")
        _, err = proc.communicate(timeout=90)
    finally:
        _stop([feed, *hosts])
    assert proc.returncode == 0, err[-3000:]
    assert _private_hits(hosts) == []
    assert all(h.hits["/robots.txt"] == 1 for h in hosts), [dict(h.hits) for h in hosts]
    assert all(h.hits["/2024/a-0.html"] == 1 for h in hosts)


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.slow
def test_two_workers_obey_robots_txt_run_after_run(
    redis_env: tuple[Any, str, str], tmp_path: Path
) -> None:
    """Two workers share a cycle, five times over fresh hosts: no worker, on its first request
    to a host or later, on its own requests or the other's, fetches a disallowed page."""
    _, url, prefix = redis_env
    with fresh_postgres_database() as db_url:
        upgrade(db_url)
        for run in range(5):
            feed, hosts = _gated_hosts(3)
            shared = f'[distributed]\nredis_url = "{url}"\nkey_prefix = "{prefix}-{run}"\n'
            procs = []
            try:
                for n in range(2):
                    config = tmp_path / f"run{run}-worker{n}.toml"
                    _robots_config(config, db_url, feed.base + "/feed.xml", shared)
                    procs.append(_spawn(config, "crawl", "--json"))
                results = [(p.communicate(timeout=90), p.returncode) for p in procs]
            finally:
                for proc in procs:
                    if proc.poll() is None:
                        proc.kill()
                _stop([feed, *hosts])
            for (_, err), code in results:
                assert code == 0, err[-3000:]
            assert _private_hits(hosts) == [], f"run {run}"
            assert all(h.hits["/2024/a-0.html"] == 1 for h in hosts), f"run {run}"


# -- leadership ----------------------------------------------------------------------------------
def _runs(db_url: str) -> list[CrawlRun]:
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as s:
            return list(s.scalars(select(CrawlRun).order_by(CrawlRun.id)))
    finally:
        engine.dispose()


def _wait(what: str, check: Any, timeout: float, daemons: dict[Path, Any]) -> Any:
    """Poll `check` until it is true; fail with the log of a daemon that died meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        for log, proc in daemons.items():
            assert proc.poll() is None, log.read_text(encoding="utf-8")[-3000:]
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.slow
def test_a_follower_takes_over_when_the_leader_is_killed(
    redis_env: tuple[Any, str, str], tmp_path: Path
) -> None:
    client, url, prefix = redis_env
    host = socket.gethostname()
    with (
        fresh_postgres_database() as db_url,
        DemoSite(corpus=False, articles_per_publisher=15) as site,
        SmtpSink() as sink,
    ):
        upgrade(db_url)
        shared = f'[distributed]\nredis_url = "{url}"\nkey_prefix = "{prefix}"\nleader_ttl = "3s"\n'
        daemons: dict[Path, subprocess.Popen[str]] = {}
        try:
            for n in range(2):
                text = (
                    site.config_toml(db_url, smtp_port=sink.port, extra=shared)
                    .replace("[crawl]\n", f'[crawl]\nlock_path = "{tmp_path / f"d{n}.lock"}"\n')
                    .replace('every = "15m"', 'every = "2s"')
                )
                config = tmp_path / f"daemon{n}.toml"
                config.write_text(text, encoding="utf-8")
                log = tmp_path / f"daemon{n}.log"
                daemons[log] = _spawn(config, "run", log=log)
                time.sleep(0.3)
            ids = {f"{host}:{p.pid}": (log, p) for log, p in daemons.items()}
            leader_id = _wait("a leader", lambda: client.get(f"{prefix}:leader"), 15, daemons)
            assert leader_id in ids
            _, leader = ids[leader_id]
            follower_log, follower = next(i for i in ids.values() if i[1] is not leader)
            # Every instance works on the shared requests: the follower's crawl joins a cycle
            # (two runs at once; one daemon never has two crawls in a cycle).
            _wait("the follower to join a cycle", lambda: _overlap(_runs(db_url)), 40, daemons)

            started = time.monotonic()
            leader.send_signal(signal.SIGKILL)  # its crawl child lives on and finishes its cycle
            leader.wait(5)
            alone = {follower_log: follower}
            follower_id = f"{host}:{follower.pid}"
            _wait("the takeover", lambda: client.get(f"{prefix}:leader") == follower_id, 10, alone)
            took_over = time.monotonic() - started
            # Once the dead leader's last crawl is gone, only the new leader can start a cycle
            # (a daemon joins cycles, it never starts one unscheduled): a run started after that
            # is the new leader's scheduling.
            _wait("the dead leader's crawl to end", lambda: not _group_alive(leader.pid), 60, alone)
            orphan_gone = datetime.now(UTC)
            _wait(
                "a crawl scheduled by the new leader",
                lambda: [r for r in _runs(db_url) if _utc(r.started_at) > orphan_gone],
                30,
                alone,
            )
            follower.send_signal(signal.SIGTERM)
            code = follower.wait(15)
        finally:
            for proc in daemons.values():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)  # the daemon and its crawl children
                proc.wait()
    assert took_over < 3 + 5, took_over  # the TTL, a poll, and room for a busy machine
    assert code == 0, follower_log.read_text(encoding="utf-8")[-3000:]
    assert client.get(f"{prefix}:leader") is None  # released on a clean stop


def _overlap(runs: list[CrawlRun]) -> bool:
    """Whether two runs were going at the same time."""
    for a in runs:
        for b in runs:
            end = _utc(a.finished_at) if a.finished_at else datetime.now(UTC)
            if a.id != b.id and _utc(a.started_at) <= _utc(b.started_at) <= end:
                return True
    return False


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
