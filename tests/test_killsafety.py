"""Crash safety: `newsmon crawl` killed with SIGKILL at random points, then run again."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import text

from crawler.alerts.sink import SmtpSink
from crawler.demosite import DemoSite
from storage.db import make_engine, session_factory
from storage.queries import article_by_ref
from tests.conftest import REPO, newsmon

KILLS = 10
SEED = 20240318
# Fewer base articles than the demo's 60: a full crawl takes a few seconds, so ten kills and
# ten recoveries fit in about a minute and a half on two cores.
ARTICLES = 12

DUPLICATES = {
    "articles": "SELECT url, count(*) FROM articles GROUP BY url HAVING count(*) > 1",
    "article_urls": "SELECT url, count(*) FROM article_urls GROUP BY url HAVING count(*) > 1",
    "alerts": (
        "SELECT topic, recipient, story_id, kind, key, count(*) FROM alerts "
        "GROUP BY topic, recipient, story_id, kind, key HAVING count(*) > 1"
    ),
    "versions": (
        "SELECT article_id, n, count(*) FROM versions GROUP BY article_id, n HAVING count(*) > 1"
    ),
    "topic_matches": (
        "SELECT topic, article_id, count(*) FROM topic_matches GROUP BY topic, article_id "
        "HAVING count(*) > 1"
    ),
}


# --- processes --------------------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent pid, state, start time) of a process, from /proc; None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0], int(fields[19])


def process_tree(root: int) -> dict[int, int]:
    """`root` and every descendant alive now: pid -> start time (to tell a reused pid)."""
    parents: dict[int, list[int]] = {}
    starts: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            parents.setdefault(stat[0], []).append(int(entry))
            starts[int(entry)] = stat[2]
    tree, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in starts:
            tree[pid] = starts[pid]
            todo += parents.get(pid, [])
    return tree


def still_running(tree: dict[int, int]) -> list[int]:
    """The processes of `tree` that still run (a zombie waiting for its reaper does not)."""
    out = []
    for pid, start in tree.items():
        stat = _stat(pid)
        if stat is not None and stat[2] == start and stat[1] != "Z":
            out.append(pid)
    return out


# --- the archive ------------------------------------------------------------------------------


@dataclass
class Pair:
    """One killed crawl and the normal crawl after it, on an archive of their own."""

    db_url: str
    delay: float
    killed_after: float | None  # None: the crawl had finished before the kill was due
    tree: dict[int, int]  # the processes the killed crawl had started: pid -> start time
    messages: list[EmailMessage]  # every email both crawls sent


def _rows(db_url: str, sql: str) -> list[tuple]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def _story_urls(msg: EmailMessage) -> list[str]:
    body = msg.get_body(("plain",))
    assert body is not None
    return re.findall(r"^  (https?://\S+)\r?$", body.get_content(), flags=re.M)


def _emails_per_story(db_url: str, messages: list[EmailMessage]) -> Counter[tuple[str, int]]:
    """How many emails named each (recipient, story) (alert emails list each story's URL)."""
    engine = make_engine(db_url)
    counts: Counter[tuple[str, int]] = Counter()
    with session_factory(engine)() as session:
        for msg in messages:
            for url in _story_urls(msg):
                article = article_by_ref(session, url)
                assert article is not None and article.story_id is not None, url
                counts[(str(msg["To"]), article.story_id)] += 1
    engine.dispose()
    return counts


def _kill_then_recover(config: Path, delay: float) -> tuple[float | None, dict[int, int]]:
    """Start a crawl, SIGKILL it (and only it) after `delay` seconds; return when it died
    and the processes it had started (its extraction pool)."""
    cmd = [sys.executable, "-m", "crawler", "--config", str(config), "-q", "crawl"]
    env = {k: v for k, v in os.environ.items() if k != "NEWSMON_CONFIG"}
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    started = time.monotonic()
    tree: dict[int, int] = {}
    while time.monotonic() - started < delay and proc.poll() is None:
        tree.update(process_tree(proc.pid))
        time.sleep(0.05)
    if proc.poll() is not None:
        return None, tree
    tree.update(process_tree(proc.pid))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return time.monotonic() - started, tree


@dataclass
class KillRuns:
    site: DemoSite
    reference: Path  # config of an archive crawled once, start to finish
    pairs: list[Pair]


@pytest.fixture(scope="module")
def kill_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KillRuns]:
    tmp = tmp_path_factory.mktemp("kills")
    rng = random.Random(SEED)
    with DemoSite(corpus=False, articles_per_publisher=ARTICLES) as site, SmtpSink() as sink:
        reference = tmp / "reference.toml"
        reference.write_text(site.config_toml(f"sqlite:///{tmp / 'reference.db'}"), "utf-8")
        clock = time.monotonic()
        full = newsmon("crawl", config=reference)
        assert full.returncode == 0, full.stderr[-2000:]
        full_time = time.monotonic() - clock
        results = []
        for i in range(KILLS):
            db_url = f"sqlite:///{tmp / f'kill-{i}.db'}"
            config = tmp / f"kill-{i}.toml"
            config.write_text(site.config_toml(db_url, smtp_port=sink.port), encoding="utf-8")
            sink.clear()
            delay = rng.uniform(0.5, full_time)
            killed_after, tree = _kill_then_recover(config, delay)
            recovered = newsmon("crawl", "--json", config=config)
            assert recovered.returncode == 0, recovered.stderr[-2000:]
            results.append(Pair(db_url, delay, killed_after, tree, list(sink.messages)))
        yield KillRuns(site, reference, results)


def test_kills_hit_running_crawls(kill_runs: KillRuns) -> None:
    results = kill_runs.pairs
    killed = [pair.killed_after for pair in results if pair.killed_after is not None]
    assert len(killed) >= KILLS - 2, "most kills must land while the crawl runs"


def test_no_duplicates_after_any_kill(kill_runs: KillRuns) -> None:
    results = kill_runs.pairs
    for pair in results:
        db_url = pair.db_url
        assert _rows(db_url, "PRAGMA integrity_check") == [("ok",)]
        for table, sql in DUPLICATES.items():
            assert _rows(db_url, sql) == [], f"duplicate {table} after a kill at {pair.delay:.2f}s"


def test_every_article_present_after_recovery(kill_runs: KillRuns) -> None:
    site, results = kill_runs.site, kill_runs.pairs
    truths = site.articles()
    expected_matches = {(t.url, topic) for t in truths for topic in t.topics}
    for pair in results:
        db_url = pair.db_url
        engine = make_engine(db_url)
        with session_factory(engine)() as session:
            missing = [t.url for t in truths if article_by_ref(session, t.url) is None]
        engine.dispose()
        assert not missing, f"lost after a kill at {pair.delay:.2f}s: {missing[:5]}"
        assert _rows(db_url, "SELECT count(*) FROM articles") == [(len(truths),)]
        matches = set(
            _rows(
                db_url,
                "SELECT a.url, m.topic FROM topic_matches m JOIN articles a ON a.id = m.article_id",
            )
        )
        assert matches == expected_matches, f"matches differ after a kill at {pair.delay:.2f}s"


def test_no_story_is_emailed_twice(kill_runs: KillRuns) -> None:
    results = kill_runs.pairs
    emailed = 0
    for pair in results:
        db_url = pair.db_url
        counts = _emails_per_story(db_url, pair.messages)
        twice = {key: n for key, n in counts.items() if n > 1}
        assert not twice, f"stories emailed twice after a kill at {pair.delay:.2f}s: {twice}"
        emailed += len(counts)
        # Sent rows and emails agree: a story marked sent was emailed (at-least-once aside,
        # a claim killed between SMTP and commit stays "sending" for its lease).
        sent = _rows(db_url, "SELECT count(DISTINCT story_id) FROM alerts WHERE status = 'sent'")
        assert sent[0][0] <= len({story for _, story in counts})
    assert emailed > 0, "the fixture must send alerts"


def test_a_killed_crawl_leaves_no_process_behind(kill_runs: KillRuns) -> None:
    results = kill_runs.pairs
    pools = 0
    for pair in results:
        if pair.killed_after is None:
            continue
        pools += len(pair.tree) > 1  # killed after it had started its extraction pool
        left = still_running(pair.tree)
        assert not left, f"processes of a crawl killed at {pair.delay:.2f}s still run: {left}"
    assert pools >= KILLS // 2


def test_listing_validators_of_an_unfinished_run_are_not_trusted(kill_runs: KillRuns) -> None:
    """A killed run may have stored a feed's ETag and lost the articles it listed: the next run
    must fetch that feed in full, not accept a 304 that hides them."""
    site, config = kill_runs.site, kill_runs.reference
    db_url = tomllib.loads(config.read_text(encoding="utf-8"))["database"]["url"]
    engine = make_engine(db_url)
    with engine.begin() as conn:  # what SIGKILL leaves: a run that never finished
        conn.execute(text("UPDATE crawl_runs SET status = 'running', finished_at = NULL"))
    engine.dispose()
    listings = {
        DemoSite.key(url) for p in site.publishers for url in [*p.feeds, *p.sitemaps, *p.pages]
    }
    site.reset_counters()
    after_kill = newsmon("crawl", "--json", config=config)
    assert after_kill.returncode == 0, after_kill.stderr[-2000:]
    statuses = {status for (key, status) in site.responses if key in listings}
    assert statuses == {200}, "a listing of the unfinished run was asked conditionally"
    # That run finished: its validators are good again.
    site.reset_counters()
    again = newsmon("crawl", "--json", config=config)
    assert again.returncode == 0, again.stderr[-2000:]
    assert {status for (key, status) in site.responses if key in listings} == {304}
    assert json.loads(again.stdout)["not_modified"] > 0


MIGRATION_KILLER = """
import os, signal, sys
from sqlalchemy import Engine, event
from storage.db import upgrade

created = []

@event.listens_for(Engine, "after_cursor_execute")
def kill_after(conn, cursor, statement, *args):
    if statement.lstrip().upper().startswith("CREATE TABLE"):
        created.append(statement)
        if len(created) == int(sys.argv[2]):
            os.kill(os.getpid(), signal.SIGKILL)

upgrade(sys.argv[1])
"""


@pytest.mark.parametrize("tables", [1, 3, 6])
def test_a_migration_killed_half_way_leaves_nothing_half_done(tmp_path: Path, tables: int) -> None:
    """SIGKILL right after the n-th CREATE TABLE of the first migration (as at the first
    `newsmon crawl` of a new archive): the next command starts from a clean database."""
    db_url = f"sqlite:///{tmp_path / 'newsmon.db'}"
    killed = subprocess.run(
        [sys.executable, "-c", MIGRATION_KILLER, db_url, str(tables)], cwd=REPO, timeout=120
    )
    assert killed.returncode == -signal.SIGKILL
    assert _rows(db_url, "SELECT count(*) FROM sqlite_master WHERE type = 'table'") == [(0,)]
    config = tmp_path / "newsmon.toml"
    config.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    upgraded = newsmon("db", "upgrade", config=config)
    assert upgraded.returncode == 0, upgraded.stderr[-2000:]
    assert "(up to date)" in newsmon("db", "current", config=config).stdout
