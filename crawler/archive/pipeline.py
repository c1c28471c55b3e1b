"""The archive pipeline: CPU work in a process pool, database writes in batches."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import Counter
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from sqlalchemy import select, update

from crawler.archive.ingest import Ingestor
from crawler.archive.learning import (
    MIN_DOCS,
    holding,
    learned_boilerplate,
    learned_profile,
    reclean,
    store_recleaned,
)
from crawler.config import Config
from crawler.items import ArticleAlias, ArticlePage, Cleaned, ListingPage, PageFailure, Processed
from crawler.process.memory import release_free_memory
from crawler.process.pool import ExtractionPool
from crawler.process.profile import NO_PROFILE, SourceProfile
from crawler.process.worker import body_hash, failed, needs_restrip, reclean_texts, restrip
from crawler.text.topics import Topic
from storage.db import make_engine, serialise_writers, session_factory, transaction
from storage.models import CrawlRun, Source

logger = logging.getLogger(__name__)

# An item, what the worker made of it, and the boilerplate the worker stripped.
Op = tuple[Any, Processed | None, frozenset[str]]
# Stored articles to strip of newly learned lines: their source, (id, title, text) and the
# lines learned.
Reclean = tuple[str, list[tuple[int, str | None, str]], frozenset[str]]
# What the pool made of one: source, the articles that lost a line (None: the pool failed),
# the texts sent by id.
Recleaned = tuple[str, dict[int, Cleaned] | None, dict[int, str]]
NOTHING: frozenset[str] = frozenset()


class ArchivePipeline:
    """Extract in worker processes; write to the archive one transaction per batch."""

    BATCH_ITEMS = 50
    BATCH_SECONDS = 1.0
    RELEARN_SECONDS = 5.0

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.config: Config = crawler.settings["NEWSMON_CONFIG"]
        self.run_id: int | None = crawler.settings.get("NEWSMON_RUN_ID")
        self.ingestor = Ingestor(self.config, self.run_id)
        # for pages re-stripped here (the workers match the rest)
        self.topics = [Topic(t.name, t.query, t.language) for t in self.config.topics]
        self.buffer: list[Op] = []
        self.last_flush = time.monotonic()
        self.boilerplate: dict[str, frozenset[str]] = {}
        self.ingestor.boilerplate = self.boilerplate  # revisits are compared cleaned alike
        self.profiles: dict[str, SourceProfile] = {}  # learned headline, byline, time zone
        # per source: pages stored since its last relearn, since when, and pages it had then
        self.unlearned: Counter[str] = Counter()
        self.pending_since: dict[str, float] = {}
        self.learned_from: Counter[str] = Counter()
        self.closing = False
        self.pool: ExtractionPool | None = None
        # Re-stripping stored articles: queued in a flush, stripped in the pool, stored in the
        # next flush (the CPU work of it stays out of this process).
        self.reclean_jobs: list[Reclean] = []
        self.reclean_tasks: set[asyncio.Future[None]] = set()
        self.recleaned: list[Recleaned] = []
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.engine = make_engine(self.config.database_url)
        self.sessions = session_factory(self.engine, write=True)
        workers = self.config.crawl.workers or os.cpu_count() or 1
        topics = [(t.name, t.query, t.language) for t in self.config.topics]
        self.pool = ExtractionPool(workers, topics)
        with self.sessions() as session:
            for source in self.config.sources:
                self.boilerplate[source.name] = self._learned(session, source.name)
                self.profiles[source.name] = self._profile(session, source.name)

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticlePage):
            doc, stripped = await self._process(item)
            self.buffer.append((item, doc, stripped))
            item.body = b""  # the bytes are no longer needed; keep memory flat
        elif isinstance(item, ListingPage | PageFailure | ArticleAlias):
            self.buffer.append((item, None, NOTHING))
        if len(self.buffer) >= self.BATCH_ITEMS or (
            time.monotonic() - self.last_flush >= self.BATCH_SECONDS
        ):
            self.flush()
        self._start_recleans()
        return item

    async def _process(self, page: ArticlePage) -> tuple[Processed | None, frozenset[str]]:
        """What the worker made of the page, and the boilerplate it was stripped of."""
        stripped = self.boilerplate.get(page.source, NOTHING)
        if page.status != 200:
            return None, stripped
        page.body_hash = body_hash(page.body)
        if page.previous_body_hash and page.body_hash == page.previous_body_hash:
            return None, stripped  # an unchanged body costs no extraction
        assert self.pool is not None
        doc, reason = await self.pool.process_page(
            page.url,
            page.body,
            page.url,
            page.content_type,
            page.hints,
            stripped,
            self.config.crawl.store_html,
            self.profiles.get(page.source, NO_PROFILE),
        )
        if reason is not None:
            return failed(f"extraction failed: {reason}"), stripped
        # Lines learned while the page was in the pool are stripped there too; a failure
        # leaves it to _apply.
        while (learned := self.boilerplate.get(page.source, NOTHING)) is not stripped:
            if doc.error is None and needs_restrip(doc, learned, stripped):
                again, reason = await self.pool.run(restrip, doc, learned, stripped, url=page.url)
                if reason is not None:
                    break
                doc = again
            stripped = learned
        return doc, stripped

    def _pool_stats(self) -> None:
        """What cycle.py reads, once the crawl is over, to tell a failed run (no page could be
        processed): written once at close, not for every page."""
        assert self.crawler.stats is not None and self.pool is not None
        stats = self.crawler.stats
        stats.set_value("newsmon/extraction_attempted", self.pool.attempted)
        stats.set_value("newsmon/extraction_failed", self.pool.failed)
        stats.set_value("newsmon/extraction_restarts", self.pool.restarts)
        cause = self.pool.first_failure or (
            f"the extraction pool could not start: {self.pool.start_error}"
            if self.pool.start_error
            else None
        )
        if cause is not None:
            stats.set_value("newsmon/extraction_failure", cause)
        stats.set_value("newsmon/extraction_unavailable", self.pool.start_error is not None)

    def flush(self) -> None:
        """Write the buffer and the run's counters in one transaction."""
        self.last_flush = time.monotonic()
        if not (
            self.buffer
            or self.ingestor.deferred
            or self.recleaned
            or (self.closing and self.unlearned)
        ):
            return
        batch, self.buffer = self.buffer, []
        before = self.ingestor.counters.copy()
        with transaction(self.sessions) as session:
            serialise_writers(session)
            with self.ingestor.batch(session):
                for item, doc, stripped in batch:
                    self._apply(session, item, doc, stripped)
                self.ingestor.retry_deferred(session)
            self._store_recleaned(session)
            for item, *_ in batch:
                if isinstance(item, ArticlePage):
                    self.unlearned[item.source] += 1
                    self.pending_since.setdefault(item.source, time.monotonic())
            self._relearn_due(session, final=self.closing)
            delta = self.ingestor.counters - before
            if self.run_id is not None:
                values = {
                    k: getattr(CrawlRun, k) + v for k, v in delta.items() if hasattr(CrawlRun, k)
                }
                if values:
                    session.execute(
                        update(CrawlRun).where(CrawlRun.id == self.run_id).values(values)
                    )
        release_free_memory()  # a batch's pages and rows are garbage now
        assert self.crawler.stats is not None
        for key, value in self.ingestor.counters.items():
            self.crawler.stats.set_value(f"newsmon/{key}", value)

    def _apply(
        self, session: Any, item: Any, doc: Processed | None, stripped: frozenset[str]
    ) -> None:
        if isinstance(item, ArticlePage):
            learned = self.boilerplate.get(item.source, NOTHING)
            if doc is not None and doc.error is None and learned is not stripped:
                # lines learned while the page was in the pool
                doc = restrip(doc, learned, stripped, topics=self.topics, url=item.url)
            self.ingestor.page(session, item, doc)
        elif isinstance(item, ListingPage):
            self.ingestor.listing(session, item)
        elif isinstance(item, PageFailure):
            self.ingestor.failure(session, item)
        elif isinstance(item, ArticleAlias):
            self.ingestor.alias(session, item)

    def _learned(self, session: Any, source: str) -> frozenset[str]:
        """The boilerplate paragraphs learned so far for one source."""
        source_id = session.scalar(select(Source.id).where(Source.name == source))
        if source_id is None:
            return frozenset()
        return frozenset(learned_boilerplate(session, source_id))

    def _profile(self, session: Any, source: str) -> SourceProfile:
        """What was learned so far of one source's headline, byline and time zone."""
        source_id = session.scalar(select(Source.id).where(Source.name == source))
        return NO_PROFILE if source_id is None else learned_profile(session, source_id)

    def _relearn_due(self, session: Any, *, final: bool) -> None:
        """Relearn the sources whose boilerplate may have changed, and all at the end.

        Learning reads all of a source's paragraph counts, and a newly learned line re-strips
        the articles stored before it: too much work for every batch. A source is relearned
        once its new pages reach a quarter of those it had at its last relearn (at least
        MIN_DOCS, the fewest a line is learned from), so a new source learns its template
        within its first pages and a large one rarely; and at most RELEARN_SECONDS after any
        new page, so a trickle is cleaned too.
        """
        now = time.monotonic()
        for name, new in sorted(self.unlearned.items()):
            grown = new >= max(MIN_DOCS, self.learned_from[name] // 4)
            waited = now - self.pending_since[name] >= self.RELEARN_SECONDS
            if final or grown or waited:
                self._relearn(session, name)
                self.learned_from[name] += new
                del self.unlearned[name], self.pending_since[name]

    def _relearn(self, session: Any, source: str) -> None:
        """Refresh a source's learned boilerplate; strip new keys from its stored articles,
        so the copies stored before a line was learned end up as clean as later ones."""
        self.profiles[source] = self._profile(session, source)
        learned = self._learned(session, source)
        added = learned - self.boilerplate.get(source, NOTHING)
        if added:
            source_id = self.ingestor.source_id(session, source)
            if self.pool is None or self.pool.start_error is not None:
                self.ingestor.counters["recleaned"] += reclean(session, source_id, added, learned)
            elif texts := holding(session, source_id, added):
                self.reclean_jobs.append((source, texts, learned))
        if learned != self.boilerplate.get(source, NOTHING):
            # a new object only when the set changes: pages stripped with the current one
            # are not stripped again (see _apply)
            self.boilerplate[source] = learned

    def _start_recleans(self) -> None:
        """Send the queued re-stripping of stored articles to the pool."""
        jobs, self.reclean_jobs = self.reclean_jobs, []
        for job in jobs:
            task = asyncio.ensure_future(self._reclean(*job))
            self.reclean_tasks.add(task)
            task.add_done_callback(self.reclean_tasks.discard)

    async def _reclean(
        self, source: str, texts: list[tuple[int, str | None, str]], learned: frozenset[str]
    ) -> None:
        assert self.pool is not None
        done, reason = await self.pool.run(reclean_texts, texts, learned)
        if reason is not None:
            logger.warning("re-stripping stored articles in the pool failed: %s", reason)
        cleaned = dict(done) if reason is None else None
        self.recleaned.append((source, cleaned, {i: text for i, _, text in texts}))

    def _store_recleaned(self, session: Any) -> None:
        """Store what the pool stripped from stored articles since the last flush."""
        results, self.recleaned = self.recleaned, []
        for source, cleaned, sent in results:
            learned = self.boilerplate.get(source, NOTHING)
            self.ingestor.counters["recleaned"] += store_recleaned(session, cleaned, sent, learned)

    async def close_spider(self) -> None:
        if self.pool is not None:
            self._pool_stats()  # first: a failing write below must not hide why no page was made
        self.closing = True
        self.flush()
        # The final relearn's re-stripping, and any still in the pool, stored before the end.
        while self.reclean_jobs or self.reclean_tasks:
            self._start_recleans()
            await asyncio.gather(*self.reclean_tasks)
            self.flush()
        with transaction(self.sessions) as session:
            self.ingestor.finish_sources(session, {s.name: s.every for s in self.config.sources})
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None

    def engine_stopped(self) -> None:
        if hasattr(self, "engine"):
            self.engine.dispose()
