"""Distributed crawling: two `crawl` workers share one cycle; daemons hand leadership over."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from crawler.alerts.sink import SmtpSink
from crawler.config import ConfigError, from_dict
from crawler.demosite import ArticleTruth, DemoSite
from storage.db import make_engine, session_factory, upgrade
from storage.models import Article, CrawlRun
from storage.queries import article_by_ref
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
    from crawler.distributed import Lease

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
    from crawler.distributed import Lease

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
    from crawler.distributed import running_cycle, shared_cycle

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
