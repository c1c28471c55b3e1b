"""No extraction failure is silent: a worker that cannot import, a worker that dies mid-crawl.

Both run the real `newsmon crawl` over the fixture site into a real SQLite archive, then read
its exit code, its message, its counters and `page_errors`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from demo import DemoSite
from storage.db import make_engine, session_factory
from storage.models import Article, PageError
from tests.conftest import REPO, newsmon

pytestmark = pytest.mark.slow

# A numpy that cannot be imported, as in an install without it: on PYTHONPATH, so the spawned
# extraction workers meet it (the crawl process itself does not import numpy).
NO_NUMPY = 'raise ModuleNotFoundError("No module named \'numpy\'", name="numpy")\n'


@pytest.fixture
def site() -> Iterator[DemoSite]:
    with DemoSite(articles_per_publisher=12, corpus=False) as demo:
        yield demo


def _config(site: DemoSite, tmp_path: Path) -> tuple[Path, str]:
    db_url = f"sqlite:///{tmp_path / 'newsmon.db'}"
    config = tmp_path / "newsmon.toml"
    # no SMTP server: the topics send nothing ("none"), so nothing else can fail the run
    toml = site.config_toml(db_url).replace('alert_mode = "immediate"', 'alert_mode = "none"')
    config.write_text(toml, encoding="utf-8")
    return config, db_url


def _page_errors(db_url: str) -> list[tuple[str, str]]:
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            return [tuple(r) for r in session.execute(select(PageError.url, PageError.reason))]
    finally:
        engine.dispose()


def _articles(db_url: str) -> int:
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            return int(session.scalar(select(func.count()).select_from(Article)) or 0)
    finally:
        engine.dispose()


def test_a_worker_that_cannot_import_fails_the_run(site: DemoSite, tmp_path: Path) -> None:
    config, db_url = _config(site, tmp_path)
    shadow = tmp_path / "shadow" / "numpy"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text(NO_NUMPY, encoding="utf-8")
    env = {"PYTHONPATH": f"{shadow.parent}{os.pathsep}{REPO}"}
    result = newsmon("crawl", "--json", config=config, env=env)

    assert result.returncode == 1, result.stderr[-2000:]
    cause = "extraction failed for every page: ModuleNotFoundError: No module named 'numpy'"
    assert cause in " ".join(result.stderr.split())
    summary = json.loads(result.stdout)
    assert summary["status"] == "failed"
    assert summary["error"].startswith("extraction failed for every page")
    assert summary["new_articles"] == 0
    errors = _page_errors(db_url)
    failures = [(u, r) for u, r in errors if "numpy" in r]
    others = [r for _, r in errors if "numpy" not in r and "robots" not in r.lower()]
    assert len(failures) >= 12  # every article page of the site
    assert summary["errors"] == len(failures) + len(others)  # each one counted
    reason = "extraction failed: ModuleNotFoundError: No module named 'numpy'"
    assert all(r == reason for _, r in failures)
    # one line per page, with its URL, and never the page's body
    logged = [line for line in result.stderr.splitlines() if "extraction failed for http" in line]
    assert len(logged) == len(failures)
    assert "<html" not in result.stderr.lower() and "Error processing" not in result.stderr
    assert len(result.stderr.splitlines()) < 3 * len(failures) + 50


def _workers(pid: int) -> list[int]:
    """The crawl's extraction workers: its children started by multiprocessing's spawn."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


def _stored(db_url: str) -> int:
    try:
        return _articles(db_url)
    except Exception:  # noqa: BLE001 - not migrated yet, or busy: nothing stored to count
        return 0


def test_a_worker_killed_mid_crawl_is_recorded_and_replaced(tmp_path: Path) -> None:
    with DemoSite(articles_per_publisher=60, corpus=False) as site:
        _kill_a_worker_mid_crawl(site, tmp_path)


def _kill_a_worker_mid_crawl(site: DemoSite, tmp_path: Path) -> None:
    config, db_url = _config(site, tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler", "--config", str(config), "crawl", "--json"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NEWSMON_CONFIG": ""},
    )
    killed = None
    stored_then = 0
    deadline = time.monotonic() + 60
    while killed is None and time.monotonic() < deadline and proc.poll() is None:
        # as the OOM killer would: once the pool has stored a few pages, SIGKILL a worker
        stored_then = _stored(db_url)
        workers = _workers(proc.pid)
        if workers and stored_then >= 10:
            killed = workers[0]
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.1)
    stdout, stderr = proc.communicate(timeout=180)
    assert killed is not None, "the crawl ended before a worker could be killed"

    assert proc.returncode == 0, stderr[-2000:]
    summary = json.loads(stdout)
    assert summary["status"] == "ok"
    died = [(u, r) for u, r in _page_errors(db_url) if "an extraction worker died" in r]
    assert died, "the pages in flight on the killed worker were not recorded"
    assert summary["errors"] >= len(died)
    prefix = "extraction failed: an extraction worker died: BrokenProcessPool"
    assert all(r.startswith(prefix) for _, r in died)
    assert "restarting the pool" in stderr
    # the restarted pool went on: the rest of the site was stored
    assert summary["new_articles"] == _articles(db_url) >= stored_then + 50
    assert "<html" not in stderr.lower()
