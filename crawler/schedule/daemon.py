"""`newsmon run`: an APScheduler 3 daemon that runs each cycle's jobs on their intervals."""

from __future__ import annotations

import logging
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apscheduler.executors.debug import DebugExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

from crawler.config import Config
from crawler.schedule.children import (
    _child_lock,
    _children,
    _run_cli,
    _stopping,
    _wake,
    install_stop_handlers,
    wait_for_stop,
)
from storage.db import make_engine

if TYPE_CHECKING:
    from crawler.distributed.coordination import Lease


logger = logging.getLogger(__name__)


JOBS_TABLE = "apscheduler_jobs"  # in the archive's database, outside Alembic's view


REVISIT_EVERY = timedelta(minutes=1)


ALERTS_EVERY = timedelta(minutes=1)


# A job that missed its time by less than this (daemon busy or restarting) still runs, once.
MISFIRE_GRACE = 3600


# What the scheduler's jobs found due (source names, REVISITS, ALERTS), for the dispatcher.
_due_lock = threading.Lock()


_due: set[str] = set()




# How long the dispatcher waits, once woken, for the rest of a tick's jobs.
GATHER_SECONDS = 0.5


REVISITS, ALERTS = "\0revisits", "\0alerts"  # (a source name is never empty or has no NUL)


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
    scheduler = _new_scheduler(config)
    wanted = set()
    # One start for all: jobs with the same interval fall due at the same tick, one crawl.
    start = datetime.now(UTC)
    for source in config.sources:
        job_id = f"source:{source.name}"
        wanted.add(job_id)
        _add_job(
            # every_min with adaptive polling: a crawl skips a source not yet due (next_poll_at)
            scheduler, "crawler.schedule.daemon:source_due", source.poll_range[0], start, job_id,
            name=f"poll {source.name}", args=[source.name],
        )  # fmt: skip
    for job_id, func, every in (
        ("revisits", "crawler.schedule.daemon:revisits_due", revisit_every),
        ("alerts", "crawler.schedule.daemon:alerts_due", alerts_every),
    ):
        wanted.add(job_id)
        _add_job(scheduler, func, every, start, job_id, name=job_id)
    _prune(config.database_url, wanted)
    return scheduler


def _new_scheduler(config: Config) -> BaseScheduler:
    return BackgroundScheduler(
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


def _add_job(
    scheduler: BaseScheduler,
    func: str,
    every: timedelta,
    start: datetime,
    job_id: str,
    *,
    name: str,
    args: list[str] | None = None,
) -> None:
    """A persistent interval job: explicit id, replaced on each start."""
    scheduler.add_job(
        func,
        "interval",
        args=args or [],
        seconds=every.total_seconds(),
        start_date=start,
        id=job_id,
        name=name,
        replace_existing=True,
    )


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
