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
