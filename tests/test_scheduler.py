"""The crawl's request queue lives on disk, in a directory removed when the crawl ends."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.fetch.diskqueue import PREFIX, remove_stale
from demo import DemoSite
from tests.conftest import newsmon


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_remove_stale_keeps_the_queues_of_running_crawls(tmp_path: Path) -> None:
    import os

    dead = tmp_path / f"{PREFIX}{_dead_pid()}-abc"
    live = tmp_path / f"{PREFIX}{os.getpid()}-def"
    other = tmp_path / "newsmon-queue-notapid"
    for path in (dead, live, other):
        (path / "requests.queue").mkdir(parents=True)
    remove_stale(tmp_path)
    assert not dead.exists()
    assert live.exists() and other.exists()


def _stat(stderr: str, name: str) -> int:
    match = re.search(rf"'{re.escape(name)}': (\d+)", stderr)
    return int(match.group(1)) if match else 0


def test_a_crawl_queues_every_request_on_disk_and_leaves_no_queue_behind(tmp_path: Path) -> None:
    queues = tmp_path / "tmp"
    queues.mkdir()
    stale = queues / f"{PREFIX}{_dead_pid()}-xyz"  # as a killed crawl leaves it
    (stale / "requests.queue").mkdir(parents=True)
    with DemoSite() as site:
        config = tmp_path / "newsmon.toml"
        config.write_text(site.config_toml(f"sqlite:///{tmp_path / 'a.db'}"), encoding="utf-8")
        newsmon("db", "upgrade", config=config)
        done = newsmon("-v", "crawl", "--json", config=config, env={"TMPDIR": str(queues)})
    assert done.returncode == 0, done.stderr[-3000:]
    # Scrapy's closing stats: every request went through the disk queue, none stayed in
    # memory because it could not be pickled (its meta: feed hints, revisit facts...).
    on_disk = _stat(done.stderr, "scheduler/enqueued/disk")
    assert on_disk > 20
    assert on_disk == _stat(done.stderr, "scheduler/dequeued/disk")
    assert _stat(done.stderr, "scheduler/enqueued/memory") == 0
    assert "scheduler/unserializable" not in done.stderr
    assert list(queues.iterdir()) == []  # its own queue removed, and the killed crawl's


def test_without_a_usable_directory_the_queue_stays_in_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from scrapy import Spider
    from scrapy.utils.test import get_crawler

    from crawler.fetch.diskqueue import DiskQueueScheduler

    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    crawler = get_crawler(Spider, {"NEWSMON_QUEUE_DIR": str(not_a_dir)})
    with caplog.at_level(logging.WARNING, logger="crawler.fetch.diskqueue"):
        scheduler = DiskQueueScheduler.from_crawler(crawler)
    # no disk queue: Scrapy's scheduler then queues in memory, as without JOBDIR
    assert scheduler.dqdir is None and scheduler.root is None
    assert f"request queue kept in memory: no directory in {not_a_dir}" in caplog.text
