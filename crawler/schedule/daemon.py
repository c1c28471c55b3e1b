"""`newsmon run`: an APScheduler 3 daemon that runs each cycle's jobs on their intervals."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from crawler.config import Config
from crawler.lock import EXIT_LOCKED
from storage.db import make_engine

if TYPE_CHECKING:
    from crawler.schedule.distributed import Lease

logger = logging.getLogger(__name__)

JOBS_TABLE = "apscheduler_jobs"  # in the archive's database, outside Alembic's view
REVISIT_EVERY = timedelta(minutes=1)
ALERTS_EVERY = timedelta(minutes=1)
# A job that missed its time by less than this (daemon busy or restarting) still runs, once.
MISFIRE_GRACE = 3600

# The child processes now running (a scheduled crawl; with Redis also a joining crawl), so
# that SIGTERM can be passed on to them.
_child_lock = threading.Lock()
_children: set[subprocess.Popen[bytes]] = set()
# Set on SIGTERM/SIGINT: a job that starts after it must not spawn a new crawl.
_stopping = threading.Event()


def _run_cli(config_path: str, *args: str, env: dict[str, str] | None = None) -> int:
    """Run one `newsmon` command in a child process: the Twisted reactor cannot restart, so
    every crawl gets a fresh process. Exit 75 means a cron crawl holds the lock: skip.

    :param env: variables added to the child's environment.
    """
    cmd = [sys.executable, "-m", "crawler", "--config", config_path, *args]
    with _child_lock:
        if _stopping.is_set():
            return 0
        child = subprocess.Popen(cmd, env={**os.environ, **env} if env else None)
        _children.add(child)
    try:
        code = child.wait()
    finally:
        with _child_lock:
            _children.discard(child)
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
    kind: type[BaseScheduler] = BlockingScheduler,
) -> BaseScheduler:
    """A scheduler whose persistent jobs have explicit ids and are replaced on each start.

    :param kind: BlockingScheduler (runs in the calling thread) or BackgroundScheduler.
    """
    scheduler = kind(
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
            "crawler.schedule.daemon:poll_source",
            "interval",
            args=[config_path, source.name],
            seconds=source.every.total_seconds(),
            id=job_id,
            name=f"poll {source.name}",
            replace_existing=True,
        )
    for job_id, func, every in (
        ("revisits", "crawler.schedule.daemon:revisit", revisit_every),
        ("alerts", "crawler.schedule.daemon:send_alerts", alerts_every),
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


def _stop_handler(on_stop: Callable[[], None]) -> Any:
    def handler(signum: int, _frame: FrameType | None) -> None:
        logger.info("received %s: stopping", signal.Signals(signum).name)
        with _child_lock:
            _stopping.set()
            for child in _children:
                if child.poll() is None:
                    # Scrapy stops gracefully on SIGTERM: the running batch is committed.
                    child.send_signal(signal.SIGTERM)
        on_stop()

    return handler


def run_daemon(config: Config, config_path: Path, **timings: Any) -> None:
    """Run until SIGTERM or SIGINT, then shut down cleanly.

    With `distributed.redis_url`, only the instance holding the leadership schedules; every
    instance joins the running shared cycle (see `lead_and_join`).
    """
    from crawler.cycle import prepare_database

    prepare_database(config)
    path = str(config_path.resolve())
    if config.distributed.url:
        signal.signal(signal.SIGTERM, _stop_handler(lambda: None))
        signal.signal(signal.SIGINT, _stop_handler(lambda: None))
        logger.info("newsmon daemon started (pid %s), distributed", os.getpid())
        lead_and_join(config, path, **timings)
        logger.info("newsmon daemon stopped")
        return
    scheduler = build_scheduler(config, path, **timings)
    handler = _stop_handler(
        lambda: threading.Thread(
            target=scheduler.shutdown, kwargs={"wait": True}, daemon=True
        ).start()
    )
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    logger.info(
        "newsmon daemon started (pid %s) with %d jobs", os.getpid(), len(config.sources) + 2
    )
    scheduler.start()
    logger.info("newsmon daemon stopped")


def lead_and_join(config: Config, config_path: str, **timings: Any) -> None:
    """The distributed daemon's loop, until SIGTERM/SIGINT.

    The instance holding the Redis lease `{prefix}:leader` (renewed every third of
    `leader_ttl`; it expires when its holder dies) runs the scheduler; the others poll for it,
    so one takes over at most about `leader_ttl` after the leader dies. Every instance, leader
    or not, spawns a crawl that joins a running shared cycle it has no crawl in.
    """
    from redis import RedisError

    from crawler.schedule.distributed import Lease, connect, leader_key, running_cycle, worker_id

    dist = config.distributed
    client = connect(dist.url)
    ttl = dist.leader_ttl.total_seconds()
    lease = Lease(client, leader_key(dist.key_prefix), worker_id(), ttl)
    scheduler: BaseScheduler | None = None
    joined: str | None = None
    joiners: list[threading.Thread] = []
    try:
        while not _stopping.is_set():
            try:
                scheduler = _lead(config, config_path, lease, scheduler, timings)
                current = running_cycle(client, dist.key_prefix)
            except RedisError as exc:
                logger.warning("Redis: %s", exc)
                current = None
            if current is not None and current != joined and _join(config_path, current, joiners):
                joined = current
            _stopping.wait(min(ttl / 3, 1.0))
    finally:
        if scheduler is not None:
            scheduler.pause()  # no new job from here on (each would return at once anyway)
            scheduler.shutdown(wait=True)
        for thread in joiners:
            thread.join(timeout=30)
        lease.release()
        client.close()


def _lead(
    config: Config,
    config_path: str,
    lease: Lease,
    scheduler: BaseScheduler | None,
    timings: dict[str, Any],
) -> BaseScheduler | None:
    """Start the scheduler on winning the leadership, stop it on losing it; the scheduler."""
    if scheduler is None and lease.acquire():
        logger.info("leading (%s): this instance schedules the jobs", lease.owner)
        scheduler = build_scheduler(config, config_path, kind=BackgroundScheduler, **timings)
        scheduler.start()
    elif scheduler is not None and not lease.held:
        logger.warning("lost the leadership: no longer scheduling")
        scheduler.shutdown(wait=False)
        scheduler = None
    return scheduler


def _join(config_path: str, cycle_id: str, joiners: list[threading.Thread]) -> bool:
    """Spawn a crawl that joins `cycle_id`, unless a crawl of ours runs (the leader's crawl may
    be the one that started it); whether one was spawned."""
    from crawler.cycle import JOIN_ENV

    with _child_lock:
        if _children or _stopping.is_set():
            return False
    thread = threading.Thread(
        target=_run_cli,
        args=(config_path, "crawl"),
        kwargs={"env": {JOIN_ENV: cycle_id}},
        daemon=True,
        name=f"join-{cycle_id}",
    )
    logger.info("joining shared cycle %s", cycle_id)
    thread.start()
    joiners[:] = [t for t in joiners if t.is_alive()] + [thread]
    return True
