"""Scrapy's scheduler with its request queue on disk, in a directory of the crawl's own."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

PREFIX = "newsmon-queue-"


class DiskQueueScheduler(Scheduler):
    """Queue requests on disk, as Scrapy does under JOBDIR, without JOBDIR's resuming.

    A feed or sitemap can name tens of thousands of articles at once, and Scrapy's memory
    queue holds each as a live Request (headers, meta, callbacks, a cached parsed URL): about
    4 KB apiece, 80 MB for 20,000. On disk they cost nothing until popped. The directory is
    the crawl's alone (a cycle never resumes another's queue: what a killed cycle did not
    fetch, the next one finds again in its feeds) and is removed when the crawl closes; a
    killed crawl's is removed by the next crawl on the machine. A request that cannot be
    pickled stays in memory (Scrapy counts it as scheduler/unserializable).
    """

    root: Path | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DiskQueueScheduler:
        scheduler = super().from_crawler(crawler)
        # NEWSMON_QUEUE_DIR: where the directory goes (default: the system's temporary one)
        base = Path(crawler.settings.get("NEWSMON_QUEUE_DIR") or tempfile.gettempdir())
        try:
            remove_stale(base)
            root = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=base))
            # Scrapy's own JOBDIR layout: open() builds the disk queues there.
            (root / "requests.queue").mkdir()
        except OSError as err:
            # A crawl with its queue in memory beats no crawl.
            logger.warning("request queue kept in memory: no directory in %s (%s)", base, err)
            return scheduler
        scheduler.root, scheduler.dqdir = root, str(root / "requests.queue")
        return scheduler

    def close(self, reason: str) -> Deferred[None] | None:
        try:
            return super().close(reason)
        finally:
            if self.root is not None:
                shutil.rmtree(self.root, ignore_errors=True)


def remove_stale(base: Path) -> None:
    """Remove the queue directories of crawls that are no longer running."""
    for path in base.glob(f"{PREFIX}*"):
        pid = _pid_of(path.name)
        if pid is not None and not _alive(pid):
            logger.debug("removing %s, the queue of a crawl that ended", path)
            shutil.rmtree(path, ignore_errors=True)


def _pid_of(name: str) -> int | None:
    head = name.removeprefix(PREFIX).partition("-")[0]
    return int(head) if head.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: not ours to judge
        return True
    return True
