"""One crawl cycle: discover, fetch, extract, dedup, store, revisit, match, send alerts."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from typing import TYPE_CHECKING, Any

from scrapy.crawler import CrawlerProcess
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from crawler.archive.revisits import due_revisits
from crawler.config import Config, ConfigError
from crawler.fetch.settings import scrapy_settings
from crawler.fetch.spider import NewsSpider, RevisitTarget
from crawler.lock import CrawlLock, lock_path
from storage.db import (
    is_sqlite,
    make_engine,
    require_schema,
    session_factory,
    transaction,
    upgrade,
)
from storage.models import COUNTERS, CrawlRun, PageError, Source, SourceDay, utcnow

if TYPE_CHECKING:
    from crawler.distributed.cycle import SharedCycle

logger = logging.getLogger(__name__)

# The daemon hands a running shared cycle's id to the `crawl` it spawns to join it.
JOIN_ENV = "NEWSMON_JOIN_CYCLE"
# With a time budget: the most revisits a cycle chooses (they are held in memory).
MAX_REVISITS = 100_000


def select_sources(config: Config, names: Sequence[str]) -> list[Any]:
    if not names:
        return list(config.sources)
    known = {s.name: s for s in config.sources}
    missing = [n for n in names if n not in known]
    if missing:
        raise ConfigError(None, "--source", f"no source named {missing[0]!r} in the configuration")
    return [known[n] for n in names]


def prepare_database(config: Config) -> None:
    """`crawl` and `run` apply pending migrations on SQLite by themselves; a server database
    is migrated by `newsmon db upgrade` (one deliberate step for every machine sharing it),
    so they refuse, with SchemaError, one that is not up to date."""
    if is_sqlite(config.database_url):
        upgrade(config.database_url)
    else:
        require_schema(config.database_url)


@contextmanager
def _prepared(config: Config) -> Iterator[None]:
    """prepare_database, as a step of run_cycle's `with` (entered once the lock is held)."""
    prepare_database(config)
    yield


def start_run(
    config: Config, now: datetime, revisit_sources: list[str] | None
) -> tuple[int, list[RevisitTarget], set[str]]:
    """Record the run, choose the due revisits (chosen now, so new pages wait a cycle), and
    name the sources whose next poll is not yet due (feed TTL floor, failure backoff)."""
    engine = make_engine(config.database_url)
    try:
        with transaction(session_factory(engine, write=True)) as session:
            prune_history(session, now - config.crawl.history_retention)
            run = CrawlRun(started_at=now, host=socket.gethostname(), pid=os.getpid())
            session.add(run)
            session.flush()
            names = dict(session.execute(select(Source.id, Source.name)).all())
            wanted = set(revisit_sources) if revisit_sources is not None else set(names.values())
            ids = [i for i, n in names.items() if n in wanted]
            targets = [
                RevisitTarget(a.id, a.url, names[a.source_id], a.etag, a.last_modified, a.body_hash)
                for a in due_revisits(session, now, revisit_limit(config), ids)
            ]
            waiting = set(
                session.scalars(
                    select(Source.name).where(
                        Source.next_poll_at.is_not(None), Source.next_poll_at > now
                    )
                )
            )
            return run.id, targets, waiting
    finally:
        engine.dispose()


def revisit_limit(config: Config) -> int:
    """Revisits chosen at the start of a cycle: `revisit.budget` when it is a count; with a
    time budget every due article (up to a bound on memory), the budget deciding how many go
    (CycleBudgetMiddleware)."""
    budget = config.revisit.budget
    return budget if isinstance(budget, int) else MAX_REVISITS


def prune_history(session: Session, before: datetime) -> None:
    """Delete the runs started before `before`, with their page errors (and errors recorded
    outside any run, as old), and the sources' daily counters as old: without it these
    tables grow with every cycle."""
    old_runs = select(CrawlRun.id).where(CrawlRun.started_at < before)
    session.execute(delete(PageError).where(PageError.run_id.in_(old_runs)))
    session.execute(delete(PageError).where(PageError.run_id.is_(None), PageError.at < before))
    session.execute(delete(CrawlRun).where(CrawlRun.started_at < before))
    session.execute(delete(SourceDay).where(SourceDay.day < before.date()))


def finish_run(config: Config, run_id: int, status: str, alerts_sent: int) -> dict[str, Any]:
    engine = make_engine(config.database_url)
    try:
        with transaction(session_factory(engine, write=True)) as session:
            session.execute(
                update(CrawlRun)
                .where(CrawlRun.id == run_id)
                .values(
                    status=status,
                    finished_at=utcnow(),
                    alerts_sent=CrawlRun.alerts_sent + alerts_sent,
                )
            )
            run = session.get(CrawlRun, run_id)
            assert run is not None
            summary: dict[str, Any] = {k: getattr(run, k) for k in COUNTERS}
            summary.update(run_id=run_id, status=status, revisits=run.revisits, gone=run.gone)
            return summary
    finally:
        engine.dispose()


def crawl(
    config: Config,
    sources: list[Any],
    targets: list[RevisitTarget],
    run_id: int,
    log_level: str,
    progress: bool = False,
    shared: SharedCycle | None = None,
) -> tuple[str, str | None]:
    """Run the spider to completion in this process (the reactor starts once per process);
    return Scrapy's finish reason ("finished", or "shutdown" after SIGTERM/SIGINT) and, when
    no page could be processed, why (see `extraction_failure`).

    In a shared cycle only the discoverer seeds `sources` and `targets`; every worker knows
    every source, to parse the listings it fetches for the others.
    """
    cycle = shared.cycle if shared is not None else None
    settings = scrapy_settings(config, run_id=run_id, progress=progress, cycle=cycle)
    settings["LOG_LEVEL"] = log_level
    process = CrawlerProcess(settings)
    kwargs: dict[str, Any] = {
        "sources": sources,
        "revisits": targets,
        "max_pages": config.crawl.max_pages,
    }
    if cycle is None:
        crawler = process.create_crawler(NewsSpider)
    else:
        from crawler.distributed.components import CycleSpider

        crawler = process.create_crawler(CycleSpider)
        kwargs.update(cycle=cycle, sources=sources if cycle.discoverer else list(config.sources))
    process.crawl(crawler, **kwargs)
    process.start()
    assert crawler.stats is not None
    return str(crawler.stats.get_value("finish_reason", "unknown")), extraction_failure(
        crawler.stats.get_stats()
    )


def extraction_failure(stats: dict[str, Any]) -> str | None:
    """Why the run failed: no page could be processed (the extraction pool could not start,
    or processing failed for every article page it was given), or writes were lost."""
    cause = stats.get("newsmon/extraction_failure")
    if stats.get("newsmon/extraction_unavailable"):
        return f"extraction is unavailable: {cause}"
    attempted = stats.get("newsmon/extraction_attempted", 0)
    if attempted and stats.get("newsmon/extraction_failed", 0) == attempted:
        return f"extraction failed for every page: {cause}"
    if lost := stats.get("newsmon/writes_lost"):
        # the next run fetches again what this one's listings showed (conditional.py)
        why = stats.get("newsmon/writes_lost_reason")
        return f"{lost} batch(es) of archive writes were lost: {why}"
    return None


def stop_resource_tracker() -> None:
    """Stop multiprocessing's resource tracker and reap it, once the extraction pool is shut.

    The spawn context starts the tracker beside the pool's workers, and it exits only when
    this process has: an orphan then, which an init that never reaps (a container's PID 1
    that is a shell or cron) keeps as a zombie after every crawl. Python 3.11 has no public
    API for this; `ResourceTracker._stop` closes its pipe and waits for its pid.
    """
    import gc
    from multiprocessing import resource_tracker, synchronize, util

    # The pool's queues unregister their semaphores through the tracker when collected: done
    # after the tracker stopped, that would start a new one.
    gc.collect()
    # A semaphore still alive (a crawl stopped by SIGTERM can leave the pool's queues
    # referenced) is unlinked now, while the tracker runs: stopped first, the tracker unlinks
    # it as "leaked" and this process's exit then fails to, with a traceback on stderr.
    cleanup = getattr(synchronize.SemLock, "_cleanup", None)
    for finalizer in list((getattr(util, "_finalizer_registry", None) or {}).values()):
        if cleanup is not None and getattr(finalizer, "_callback", None) is cleanup:
            finalizer()
    stop = getattr(resource_tracker._resource_tracker, "_stop", None)
    if stop is not None:
        stop()


def send_alerts(config: Config) -> int:
    from crawler.alerts.sender import send_due

    engine = make_engine(config.database_url)
    try:
        return send_due(session_factory(engine, write=True), config)
    finally:
        engine.dispose()


def run_cycle(
    config: Config,
    source_names: Sequence[str] = (),
    *,
    log_level: str = "WARNING",
    progress: bool = False,
    revisits_only: bool = False,
    force: bool = False,
    join: str | None = None,
) -> dict[str, Any]:
    """One whole cycle under the crawl lock; returns the run's summary counters.

    With `distributed.redis_url`, the crawl starts a cycle shared through Redis (it then
    discovers: polls the sources and chooses the due revisits) or, when one is running, joins
    it and fetches its share of the queued requests. Each worker records its own run.

    :param source_names: poll only these sources and revisit only their articles.
    :param revisits_only: poll no source, only revisit what is due.
    :param force: poll sources even when their feed TTL or failure backoff says wait.
    :param join: join this shared cycle if it still runs, else do nothing (the daemon passes
        it to the crawl it spawns in the environment, NEWSMON_JOIN_CYCLE).
    """
    if config.distributed.url:
        join = join or os.environ.get(JOIN_ENV) or None
    sources = select_sources(config, source_names)
    started = time.monotonic()
    # The lock first: a second crawl must not migrate the schema under a running one.
    with CrawlLock(lock_path(config)), _prepared(config), _shared_cycle(config, join) as shared:
        if join and shared is None:
            logger.info("cycle %s is over: nothing to join", join)
            return _nothing(started)
        discoverer = shared is None or shared.cycle.discoverer
        revisit_scope = [s.name for s in sources] if source_names else None
        run_id, targets, waiting = start_run(config, utcnow(), revisit_scope if discoverer else [])
        if revisits_only or not discoverer:
            sources = []
        elif not force:
            sources = [s for s in sources if s.name not in waiting]
        outcome: tuple[str, int, str | None] = ("failed", 0, None)
        try:
            outcome = _crawl_and_alert(
                config, sources, targets, run_id, log_level, progress, shared
            )
        finally:
            summary = finish_run(config, run_id, outcome[0], outcome[1])
    if outcome[2] is not None:
        summary["error"] = outcome[2]
    summary["seconds"] = round(time.monotonic() - started, 2)
    summary["sources_polled"] = len(sources)
    return summary


def _crawl_and_alert(
    config: Config,
    sources: list[Any],
    targets: list[RevisitTarget],
    run_id: int,
    log_level: str,
    progress: bool,
    shared: SharedCycle | None,
) -> tuple[str, int, str | None]:
    """Crawl, then send due alerts: the run's status, the alerts sent, and why it failed."""
    reason, failure = crawl(config, sources, targets, run_id, log_level, progress, shared)
    alerts_sent = 0
    if reason == "shutdown":
        status = "interrupted"  # stopped by a signal: what was fetched is committed
    else:
        # A shared cycle's last worker to finish sends: one email per (topic, recipient) for
        # the whole cycle.
        if shared is None or shared.leave():
            alerts_sent = send_alerts(config)
        # Over crawl.cycle_budget: what was fetched is committed, the rest waits.
        status = "over_budget" if reason == "closespider_timeout" else "ok"
    # what was fetched is committed; the summary says why the run failed
    return ("failed" if failure is not None else status), alerts_sent, failure


def _shared_cycle(config: Config, join: str | None) -> AbstractContextManager[SharedCycle | None]:
    """The cycle shared through Redis that this crawl starts or joins; None without
    `distributed.redis_url` (scrapy-redis and redis are then not needed)."""
    if not config.distributed.url:
        return nullcontext(None)
    try:
        from crawler.distributed.coordination import require
        from crawler.distributed.cycle import shared_cycle

        require()
    except ImportError as exc:
        raise ConfigError(
            None,
            "distributed.redis_url",
            f"needs scrapy-redis and redis ({exc})",
        ) from None
    return shared_cycle(config, join)


def _nothing(started: float) -> dict[str, Any]:
    """The summary of a crawl that had nothing to do (the cycle it was to join is over)."""
    summary: dict[str, Any] = dict.fromkeys(COUNTERS, 0)
    summary.update(run_id=None, status="ok", revisits=0, gone=0, sources_polled=0)
    summary["seconds"] = round(time.monotonic() - started, 2)
    return summary
