"""`newsmon run`: an APScheduler 3 daemon that runs each cycle's jobs on their intervals."""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from apscheduler.executors.debug import DebugExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

from crawler.config import Config
from crawler.lock import EXIT_LOCKED
from storage.db import make_engine

if TYPE_CHECKING:
    from crawler.distributed.coordination import Lease

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
# Set by the main thread once SIGTERM/SIGINT arrived: a job that starts after it must not
# spawn a new crawl.
_stopping = threading.Event()

# What the scheduler's jobs found due (source names, REVISITS, ALERTS), for the dispatcher.
_due_lock = threading.Lock()
_due: set[str] = set()
_wake = threading.Event()
# How long the dispatcher waits, once woken, for the rest of a tick's jobs.
GATHER_SECONDS = 0.5
REVISITS, ALERTS = "\0revisits", "\0alerts"  # (a source name is never empty or has no NUL)


class _StopPipe:
    """SIGTERM/SIGINT as a byte in a pipe, read by the main thread.

    A Python signal handler runs in the main thread between two bytecodes, maybe while that
    thread holds `_child_lock` (in `_join`) or the lock inside a threading.Event; neither is
    re-entrant. Writing to a pipe takes no lock, so the handler cannot deadlock.
    """

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.write_fd, False)

    def handler(self, signum: int, _frame: FrameType | None) -> None:
        with contextlib.suppress(OSError):  # the pipe is full: a stop is requested already
            os.write(self.write_fd, bytes([signum]))

    def wait(self, timeout: float | None) -> int | None:
        """The signal received within `timeout` seconds, or None."""
        if not select.select([self.read_fd], [], [], timeout)[0]:
            return None
        return os.read(self.read_fd, 1)[0]


_stop_pipe: _StopPipe | None = None


def install_stop_handlers() -> None:
    """Let SIGTERM and SIGINT request a stop (see `wait_for_stop`)."""
    global _stop_pipe
    _stop_pipe = _StopPipe()
    signal.signal(signal.SIGTERM, _stop_pipe.handler)
    signal.signal(signal.SIGINT, _stop_pipe.handler)


def wait_for_stop(timeout: float | None) -> bool:
    """In the main thread: wait up to `timeout` seconds for a stop signal; on the first,
    pass SIGTERM on to the running children and tell the other threads. Whether stopping."""
    if _stopping.is_set():
        return True
    assert _stop_pipe is not None, "install_stop_handlers() first"
    signum = _stop_pipe.wait(timeout)
    if signum is None:
        return False
    logger.info("received %s: stopping", signal.Signals(signum).name)
    with _child_lock:
        _stopping.set()
        for child in _children:
            if child.poll() is None:
                # Scrapy stops gracefully on SIGTERM: the running batch is committed.
                child.send_signal(signal.SIGTERM)
    _wake.set()
    return True


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


# The scheduler's jobs only say what is due (they run in its own thread, at once): the
# dispatcher gathers what is due into as few crawls as it can.
def source_due(source: str) -> None:
    """Job: the source's interval has come."""
    _mark_due(source)


def revisits_due() -> None:
    """Job: time to revisit what is due, for every source."""
    _mark_due(REVISITS)


def alerts_due() -> None:
    """Job: time to drain the alert outbox (daily digests go out when their time has come)."""
    _mark_due(ALERTS)


def _mark_due(what: str) -> None:
    with _due_lock:
        _due.add(what)
    _wake.set()


def dispatch(config_path: str, sources: list[str]) -> None:
    """The dispatcher thread, until stopping: one crawl at a time, for every source due.

    While a crawl runs, what falls due waits and goes into the next one, which starts as
    soon as it ends: with one process per source, queued one behind the other, seven sources
    at 20 s were polled about once a minute.
    """
    while not _stopping.is_set():
        if not _wake.wait(1.0):
            continue
        _stopping.wait(GATHER_SECONDS)  # the other jobs of this tick mark theirs
        _wake.clear()
        with _due_lock:
            due = set(_due)
            _due.clear()
        if due and not _stopping.is_set():
            _run_due(config_path, due, sources)


def _run_due(config_path: str, due: set[str], sources: list[str]) -> None:
    """One crawl for the sources due (every source's revisits too when all are due), then
    the revisits and alerts if still due (a crawl sends the due alerts at its end)."""
    names = [s for s in sources if s in due]
    crawled = False
    if names:
        if len(names) == len(sources):
            _run_cli(config_path, "crawl")
            due.discard(REVISITS)
        else:
            _run_cli(config_path, "crawl", *(a for n in names for a in ("--source", n)))
        crawled = True
    if REVISITS in due:
        _run_cli(config_path, "crawl", "--revisits-only")
        crawled = True
    if ALERTS in due and not crawled:
        _run_cli(config_path, "alerts", "send")


def build_scheduler(
    config: Config,
    config_path: str,
    *,
    revisit_every: timedelta = REVISIT_EVERY,
    alerts_every: timedelta = ALERTS_EVERY,
) -> BaseScheduler:
    """A scheduler (in a thread of its own) whose persistent jobs have explicit ids and are
    replaced on each start; its jobs mark what is due for `dispatch`."""
    scheduler = BackgroundScheduler(
        # newsmon's engine: on SQLite its busy timeout lets the job store wait for a crawl's
        # batch commit instead of failing with "database is locked".
        jobstores={
            "default": SQLAlchemyJobStore(
                engine=make_engine(config.database_url), tablename=JOBS_TABLE
            )
        },
        # The jobs take no time: they run in the scheduler's thread. No pool, so no job is
        # ever skipped for a running instance, nor submitted to a pool already shut down
        # (the "cannot schedule new futures after shutdown" tracebacks at SIGTERM).
        executors={"default": DebugExecutor()},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE},
        timezone="UTC",
    )
    wanted = set()
    # One start for all: jobs with the same interval fall due at the same tick, one crawl.
    start = datetime.now(UTC)
    for source in config.sources:
        job_id = f"source:{source.name}"
        wanted.add(job_id)
        scheduler.add_job(
            "crawler.schedule.daemon:source_due",
            "interval",
            args=[source.name],
            seconds=source.every.total_seconds(),
            start_date=start,
            id=job_id,
            name=f"poll {source.name}",
            replace_existing=True,
        )
    for job_id, func, every in (
        ("revisits", "crawler.schedule.daemon:revisits_due", revisit_every),
        ("alerts", "crawler.schedule.daemon:alerts_due", alerts_every),
    ):
        wanted.add(job_id)
        scheduler.add_job(
            func,
            "interval",
            seconds=every.total_seconds(),
            start_date=start,
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


def run_daemon(config: Config, config_path: Path, **timings: Any) -> None:
    """Run until SIGTERM or SIGINT, then shut down cleanly: the running crawl is told to stop
    and waited for, so no child of the daemon outlives it.

    With `distributed.redis_url`, only the instance holding the leadership schedules; every
    instance joins the running shared cycle (see `lead_and_join`).
    """
    install_stop_handlers()
    _prepare(config)
    path = str(config_path.resolve())
    dispatcher = threading.Thread(
        target=dispatch, args=(path, [s.name for s in config.sources]), name="dispatcher"
    )
    dispatcher.start()
    try:
        if config.distributed.url:
            logger.info("newsmon daemon started (pid %s), distributed", os.getpid())
            lead_and_join(config, path, **timings)
        else:
            _schedule(config, path, timings)
    finally:
        _stopping.set()  # (also when the scheduler could not start)
        _wake.set()
        dispatcher.join()
    logger.info("newsmon daemon stopped")


def _prepare(config: Config) -> None:
    """Migrate (SQLite) or check (server) the archive, under the crawl lock as a crawl does;
    when a crawl holds it, that crawl has done so, and each crawl spawned will."""
    from crawler.cycle import prepare_database
    from crawler.lock import CrawlLock, LockedError, lock_path

    try:
        with CrawlLock(lock_path(config)):
            prepare_database(config)
    except LockedError:
        logger.info("a crawl is running: the archive is prepared by the crawls")


def _schedule(config: Config, config_path: str, timings: dict[str, Any]) -> None:
    """The single-machine daemon: schedule until a stop signal."""
    scheduler = build_scheduler(config, config_path, **timings)
    scheduler.start()
    logger.info(
        "newsmon daemon started (pid %s) with %d jobs", os.getpid(), len(config.sources) + 2
    )
    try:
        while not wait_for_stop(None):
            pass
    finally:
        scheduler.shutdown(wait=True)


def lead_and_join(config: Config, config_path: str, **timings: Any) -> None:
    """The distributed daemon's loop, until SIGTERM/SIGINT.

    The instance holding the Redis lease `{prefix}:leader` (renewed every third of
    `leader_ttl`; it expires when its holder dies) runs the scheduler; the others poll for it,
    so one takes over at most about `leader_ttl` after the leader dies. Every instance, leader
    or not, spawns a crawl that joins a running shared cycle it has no crawl in.
    """
    from redis import RedisError

    from crawler.distributed.coordination import (
        Lease,
        connect,
        leader_key,
        running_cycle,
        worker_id,
    )

    dist = config.distributed
    client = connect(dist.url)
    ttl = dist.leader_ttl.total_seconds()
    lease = Lease(client, leader_key(dist.key_prefix), worker_id(), ttl)
    scheduler: BaseScheduler | None = None
    joined: str | None = None
    joiners: list[threading.Thread] = []
    try:
        while not wait_for_stop(min(ttl / 3, 1.0)):
            try:
                scheduler = _lead(config, config_path, lease, scheduler, timings)
                current = running_cycle(client, dist.key_prefix)
            except RedisError as exc:
                logger.warning("Redis: %s", exc)
                current = None
            if current is not None and current != joined and _join(config_path, current, joiners):
                joined = current
    finally:
        if scheduler is not None:
            scheduler.pause()  # no new job from here on (each would return at once anyway)
            scheduler.shutdown(wait=True)
        for thread in joiners:
            thread.join()  # its crawl got SIGTERM: no child outlives the daemon
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
        scheduler = build_scheduler(config, config_path, **timings)
        scheduler.start()
    elif scheduler is not None and not lease.held:
        logger.warning("lost the leadership: no longer scheduling")
        scheduler.shutdown(wait=False)
        scheduler = None
        with _due_lock:
            _due.clear()  # the new leader schedules them
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
