"""`newsmon run`: the APScheduler daemon runs cycles on their interval and stops cleanly, on
SQLite and (when NEWSMON_TEST_POSTGRES_URL is set) on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from demo import DemoSite
from demo.sink import SmtpSink
from storage.db import is_sqlite, make_engine, session_factory
from storage.models import Article, CrawlRun, Version
from tests.conftest import REPO, newsmon

# A 10-second shutdown bound: run alone, not beside the parallel suite's load.
pytestmark = pytest.mark.serial


def _runs(db_url: str) -> list[CrawlRun]:
    engine = make_engine(db_url)
    try:
        if not inspect(engine).has_table("crawl_runs"):
            return []
        with session_factory(engine)() as s:
            return list(s.scalars(select(CrawlRun).order_by(CrawlRun.id)))
    finally:
        engine.dispose()


def _feed_polls(site: DemoSite, feeds: dict[str, str], seconds: float) -> dict[str, list[float]]:
    """When each source's feed was requested, from the fixture site's request counts."""
    polls: dict[str, list[float]] = {name: [] for name in feeds}
    seen = dict.fromkeys(feeds, 0)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for name, key in feeds.items():
            count = site.hits[key]
            if count > seen[name]:
                polls[name] += [time.monotonic()] * (count - seen[name])
                seen[name] = count
        time.sleep(0.1)
    return polls


def test_daemon_polls_each_source_at_its_interval(tmp_path: Path, sqlite_url: str) -> None:
    """Four sources every 12 s: one crawl per tick for all that are due, not one process per
    source queued behind the others; each source is polled at its interval within 20%."""
    every = 12.0
    with DemoSite(corpus=False, articles_per_publisher=12) as site:
        config = tmp_path / "newsmon.toml"
        config.write_text(
            site.config_toml(sqlite_url).replace('every = "15m"', f'every = "{every:g}s"'),
            encoding="utf-8",
        )
        feeds = {s["name"]: DemoSite.key(s["feeds"][0]) for s in site.sources_config()}
        env = {k: v for k, v in os.environ.items() if k != "NEWSMON_CONFIG"}
        stderr_file = tmp_path / "stderr.txt"
        with stderr_file.open("w") as err:
            daemon = subprocess.Popen(
                [sys.executable, "-m", "crawler", "--config", str(config), "run"],
                cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=err,
            )  # fmt: skip
            try:
                polls = _feed_polls(site, feeds, 84)
                daemon.send_signal(signal.SIGTERM)
                code = daemon.wait(timeout=30)
            finally:
                if daemon.poll() is None:
                    daemon.kill()
    stderr = stderr_file.read_text()
    assert code == 0, stderr[-3000:]
    assert "maximum number of running instances" not in stderr
    # The Herald's RSS asks for <ttl>15</ttl>: a floor the daemon keeps (polled once).
    herald = next(name for name, key in feeds.items() if key.endswith("/feeds/rss.xml"))
    assert len(polls.pop(herald)) == 1
    for name, times in polls.items():
        # From the second poll on (the first crawl fetches every article, and may be late).
        steady = times[1:]
        assert len(steady) >= 5, (name, len(times), stderr[-2000:])
        mean = (steady[-1] - steady[0]) / (len(steady) - 1)
        assert abs(mean - every) <= 0.2 * every, (
            name,
            [round(b - a, 1) for a, b in zip(times, times[1:], strict=False)],
        )


def test_daemon_runs_cycles_and_stops_on_sigterm(tmp_path: Path, empty_url: str) -> None:
    """On SQLite the daemon migrates the new archive itself; a PostgreSQL one is migrated by
    `newsmon db upgrade` first, as PRODUCT.md says (the job store lives there too)."""
    db_url = empty_url
    with DemoSite(corpus=False, articles_per_publisher=15) as site, SmtpSink() as sink:
        config = tmp_path / "newsmon.toml"
        text = site.config_toml(db_url, smtp_port=sink.port).replace(
            'every = "15m"', 'every = "2s"'
        )
        assert 'every = "2s"' in text
        config.write_text(text, encoding="utf-8")
        if not is_sqlite(db_url):
            upgraded = newsmon("db", "upgrade", config=config)
            assert upgraded.returncode == 0, upgraded.stderr[-2000:]
        env = {k: v for k, v in os.environ.items() if k != "NEWSMON_CONFIG"}
        daemon = subprocess.Popen(
            [sys.executable, "-m", "crawler", "--config", str(config), "run"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                finished = [r for r in _runs(db_url) if r.status == "ok"]
                if len(finished) >= 2:
                    break
                assert daemon.poll() is None, daemon.communicate()[1][-3000:]
                time.sleep(0.5)
            assert len(finished) >= 2, "the daemon completed fewer than 2 cycles in 2 minutes"
            stopped_at = time.monotonic()
            daemon.send_signal(signal.SIGTERM)
            code = daemon.wait(timeout=10)
            elapsed = time.monotonic() - stopped_at
        finally:
            if daemon.poll() is None:
                daemon.kill()
        _, stderr = daemon.communicate()
    assert code == 0, stderr[-3000:]
    assert elapsed < 10
    runs = _runs(db_url)
    # No half-written cycle: every run finished (ok, or interrupted by the signal) ...
    assert all(r.status in ("ok", "interrupted") and r.finished_at for r in runs), [
        (r.id, r.status) for r in runs
    ]
    # ... and the run counters agree with the archive.
    engine = make_engine(db_url)
    with session_factory(engine)() as s:
        articles = s.scalar(select(func.count()).select_from(Article))
        versions = s.scalar(select(func.count()).select_from(Version))
    engine.dispose()
    assert sum(r.new_articles for r in runs) == articles
    assert articles + sum(r.new_versions for r in runs) == versions
    assert articles >= 15  # at least one source was crawled in full


def test_sigterm_while_the_main_thread_holds_the_child_lock_does_not_deadlock() -> None:
    """The handler runs in the main thread, which may hold `_child_lock` (in `_join`) at that
    moment; a threading.Lock is not re-entrant, so the handler must take no lock."""
    script = (
        "import os, signal, time\n"
        "from crawler.schedule import daemon\n"
        "daemon.install_stop_handlers()\n"
        "with daemon._child_lock:\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    time.sleep(0.2)\n"
        "print('stopping', daemon.wait_for_stop(5))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "stopping True"


@pytest.mark.parametrize("moment", [0.2, 1.0, 2.5, 4.0, 7.0])
def test_daemon_stops_at_any_moment_without_traceback_or_leftover(
    tmp_path: Path, sqlite_url: str, moment: float
) -> None:
    """SIGTERM while starting, while scheduling, while a crawl starts or runs: exit 0, no
    traceback, and no child of the daemon left, alive or zombie."""
    from tests.test_ops import under_reaper

    with DemoSite(corpus=False, articles_per_publisher=12) as site:
        config = tmp_path / "newsmon.toml"
        config.write_text(
            site.config_toml(sqlite_url).replace('every = "15m"', 'every = "1s"'),
            encoding="utf-8",
        )
        code, left, stderr = under_reaper(tmp_path, config, "run", term_after=moment)
    assert "Traceback" not in stderr and "Error submitting job" not in stderr, stderr[-3000:]
    assert code in (0, -signal.SIGTERM), stderr[-3000:]  # (killed before Python set handlers)
    assert left == []
