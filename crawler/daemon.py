"""`newsmon run`: an APScheduler 3 daemon that runs each cycle's jobs on their intervals."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler

from crawler.config import Config
from crawler.lock import EXIT_LOCKED
from storage.db import make_engine

logger = logging.getLogger(__name__)

JOBS_TABLE = "apscheduler_jobs"  # in the archive's database, outside Alembic's view
REVISIT_EVERY = timedelta(minutes=1)
ALERTS_EVERY = timedelta(minutes=1)
# A job that missed its time by less than this (daemon busy or restarting) still runs, once.
MISFIRE_GRACE = 3600

# The child crawl now running, so that SIGTERM can be passed on to it.
_child_lock = threading.Lock()
_child: subprocess.Popen[bytes] | None = None
# Set on SIGTERM/SIGINT: a job that starts after it must not spawn a new crawl.
_stopping = threading.Event()


def _run_cli(config_path: str, *args: str) -> int:
    """Run one `newsmon` command in a child process: the Twisted reactor cannot restart, so
    every crawl gets a fresh process. Exit 75 means a cron crawl holds the lock: skip."""
    global _child
    cmd = [sys.executable, "-m", "crawler", "--config", config_path, *args]
    with _child_lock:
        if _stopping.is_set():
            return 0
        _child = subprocess.Popen(cmd)
    try:
        code = _child.wait()
    finally:
        with _child_lock:
            _child = None
    if code == EXIT_LOCKED:
        logger.info("skipped %s: another crawl is running", " ".join(args))
    elif code != 0:
        logger.warning("%s exited with %s", " ".join(args), code)
    return code


def poll_source(config_path: str, source: str) -> int:
    """Job: poll one source (and revisit its due articles)."""
    return _run_cli(config_path, "crawl", "--source", source)


def revisit(config_path: str) -> int:
    """Job: revisit what is due, for every source."""
    return _run_cli(config_path, "crawl", "--revisits-only")


def send_alerts(config_path: str) -> int:
    """Job: drain the alert outbox (daily digests go out when their time has come)."""
    return _run_cli(config_path, "alerts", "send")


def build_scheduler(
    config: Config,
    config_path: str,
    *,
    revisit_every: timedelta = REVISIT_EVERY,
    alerts_every: timedelta = ALERTS_EVERY,
) -> BlockingScheduler:
    """A scheduler whose persistent jobs have explicit ids and are replaced on each start."""
    scheduler = BlockingScheduler(
        # newsmon's engine: on SQLite its busy timeout lets the job store wait for a crawl's
        # batch commit instead of failing with "database is locked".
        jobstores={
            "default": SQLAlchemyJobStore(
                engine=make_engine(config.database_url), tablename=JOBS_TABLE
            )
        },
        # One worker: crawls take the crawl lock anyway; queued jobs coalesce.
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE},
        timezone="UTC",
    )
    wanted = set()
    for source in config.sources:
        job_id = f"source:{source.name}"
        wanted.add(job_id)
        scheduler.add_job(
            "crawler.daemon:poll_source",
            "interval",
            args=[config_path, source.name],
            seconds=source.every.total_seconds(),
            id=job_id,
            name=f"poll {source.name}",
            replace_existing=True,
        )
    for job_id, func, every in (
        ("revisits", "crawler.daemon:revisit", revisit_every),
        ("alerts", "crawler.daemon:send_alerts", alerts_every),
    ):
        wanted.add(job_id)
        scheduler.add_job(
            func,
            "interval",
            args=[config_path],
            seconds=every.total_seconds(),
            id=job_id,
            name=job_id,
            replace_existing=True,
        )
    _prune(config.database_url, wanted)
    return scheduler


def _prune(database_url: str, wanted: set[str]) -> None:
    """Remove persisted jobs of sources no longer in the configuration."""
    from sqlalchemy import inspect, text

    engine = make_engine(database_url)
    try:
        if not inspect(engine).has_table(JOBS_TABLE):
            return
        with engine.begin() as conn:
            for (job_id,) in conn.execute(text(f"SELECT id FROM {JOBS_TABLE}")).all():
                if job_id not in wanted:
                    conn.execute(text(f"DELETE FROM {JOBS_TABLE} WHERE id = :id"), {"id": job_id})
    finally:
        engine.dispose()


def _stop_handler(scheduler: BlockingScheduler) -> Any:
    def handler(signum: int, _frame: FrameType | None) -> None:
        logger.info("received %s: stopping", signal.Signals(signum).name)
        with _child_lock:
            _stopping.set()
            if _child is not None and _child.poll() is None:
                # Scrapy stops gracefully on SIGTERM: the running batch is committed.
                _child.send_signal(signal.SIGTERM)
        threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, daemon=True).start()

    return handler


def run_daemon(config: Config, config_path: Path, **timings: Any) -> None:
    """Run until SIGTERM or SIGINT, then shut down cleanly."""
    from crawler.cycle import prepare_database

    prepare_database(config)
    scheduler = build_scheduler(config, str(config_path.resolve()), **timings)
    handler = _stop_handler(scheduler)
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    logger.info(
        "newsmon daemon started (pid %s) with %d jobs", os.getpid(), len(config.sources) + 2
    )
    scheduler.start()
    logger.info("newsmon daemon stopped")
