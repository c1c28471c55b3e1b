"""The archive pipeline: CPU work in a process pool, database writes in batches (in a
writer process once the crawl is large enough to be worth one)."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import Counter
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

from crawler.archive.batches import NOTHING, BatchWriter, Op, Recleaned, Reply
from crawler.archive.writer import WriterProcess
from crawler.config import Config
from crawler.items import ArticleAlias, ArticlePage, ListingPage, PageFailure, Processed
from crawler.process.errors import describe
from crawler.process.pool import ExtractionPool
from crawler.process.profile import NO_PROFILE, SourceProfile
from crawler.process.texts import body_hash, failed, needs_restrip, reclean_texts, restrip

logger = logging.getLogger(__name__)


class ArchivePipeline:
    """Extract in worker processes; write to the archive one transaction per batch.

    The writes (crawler/archive/batches.py) run in this process for a crawl's first
    `crawl.writer_after` article pages, then in a writer process of their own
    (crawler/archive/writer.py), so that a large crawl's process only fetches and hands
    pages on. A small crawl (most polls) does not pay for starting one.
    """

    BATCH_ITEMS = 50
    BATCH_SECONDS = 1.0
    MAX_PENDING = 4  # batches sent to the writer process and not yet written

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.config: Config = crawler.settings["NEWSMON_CONFIG"]
        self.run_id: int | None = crawler.settings.get("NEWSMON_RUN_ID")
        self.writer_after = self.config.crawl.writer_after
        self.writer = BatchWriter(self.config, self.run_id, pool_recleans=True)
        self.remote: WriterProcess | None = None
        self.buffer: list[Op] = []
        self.last_flush = time.monotonic()
        # What the sources learned so far (the writer's replies): each page is stripped of
        # its source's boilerplate, and extracted with its profile, in the pool.
        self.boilerplate: dict[str, frozenset[str]] = {}
        self.profiles: dict[str, SourceProfile] = {}
        self.closing = False
        self.pool: ExtractionPool | None = None
        # Re-stripping stored articles: asked for by a batch written here, stripped in the
        # pool, stored with a later batch (the CPU work of it stays out of this process).
        self.reclean_tasks: set[asyncio.Future[None]] = set()
        self.recleaned: list[Recleaned] = []
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.writer.open()
        self.boilerplate.update(self.writer.boilerplate)
        self.profiles.update(self.writer.profiles)
        workers = self.config.crawl.workers or os.cpu_count() or 1
        topics = [(t.name, t.query, t.language) for t in self.config.topics]
        self.pool = ExtractionPool(workers, topics)

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
        if self.remote is not None and len(self.remote.pending) > self.MAX_PENDING:
            # the writer is behind: wait for it rather than hold ever more pages
            await asyncio.wait([asyncio.wrap_future(self.remote.pending[0])])
            self._collect(wait=False)
        return item

    async def _process(self, page: ArticlePage) -> tuple[Processed | None, frozenset[str]]:
        """What the worker made of the page, and the boilerplate it was stripped of."""
        stripped = self.boilerplate.get(page.source, NOTHING)
        if page.status != 200:
            return None, stripped
        if page.previous_body_hash:  # a revisit: an unchanged body costs no extraction
            page.body_hash = body_hash(page.body)
            if page.body_hash == page.previous_body_hash:
                return None, stripped
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
            page.body_hash = page.body_hash or body_hash(page.body)
            return failed(f"extraction failed: {reason}"), stripped
        page.body_hash = doc.body_hash
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

    def flush(self, *, wait: bool = False) -> None:
        """Write the buffer and the run's counters in one transaction: here, or sent to the
        writer process (then, with `wait`, return once every batch sent is committed)."""
        self.last_flush = time.monotonic()
        batch, self.buffer = self.buffer, []
        recleaned, self.recleaned = self.recleaned, []
        self._hand_over_when_due()
        pool = self.pool is not None and self.pool.start_error is None
        if self.remote is None:
            self.writer.pool_recleans = pool
            try:
                self._took(self.writer.write(batch, recleaned, closing=self.closing))
            except Exception as exc:  # noqa: BLE001 - any failed write is counted, then the crawl goes on
                self._lost(1, exc)
            self._hand_over_when_due()  # started now, it is ready for the next batch
            return
        try:
            self.remote.send(batch, recleaned, closing=self.closing, pool=pool)
        except BrokenProcessPool as exc:  # it died since the last batch was answered
            self._take_back(exc, lost=len(self.remote.pending) + 1)
            return
        self._collect(wait=wait)

    def _hand_over_when_due(self) -> None:
        """Once the crawl has written `writer_after` article pages (and is not closing), start
        the writer process with the writer's state: it writes from the next batch."""
        if self.remote is not None or self.closing or self.writer.articles < self.writer_after:
            return
        self.remote = WriterProcess(self.writer)
        self.writer.close()
        logger.info("archive writes go to a writer process from now")

    def _take_back(self, exc: BaseException, *, lost: int) -> None:
        """The writer process died (the OOM killer): the `lost` batches it had not committed
        are lost; the writes come back here, with what was learned when it took over."""
        assert self.remote is not None
        logger.error("the archive's writer process died; writing in the crawl process from now")
        self._lost(lost, exc)
        self.remote.pending.clear()
        self.remote.shutdown(wait=False)
        self.remote = None
        self.writer_after = 2**62
        self.writer.open()

    def _collect(self, *, wait: bool) -> None:
        assert self.remote is not None
        replies = self.remote.replies(wait=wait)
        for i, reply in enumerate(replies):
            if isinstance(reply, BrokenProcessPool):  # this batch and every one after it
                self._take_back(reply, lost=len(replies) - i + len(self.remote.pending))
                return
            if isinstance(reply, Exception):
                self._lost(1, reply)
            else:
                self._took(reply)

    def _lost(self, batches: int, exc: BaseException) -> None:
        """Batches whose writes failed: counted, so that the run is not taken as complete
        (cycle.py: its listings' validators are then not trusted by the next run, which
        fetches what they listed again)."""
        logger.error("%d batch(es) of archive writes lost: %s", batches, exc, exc_info=exc)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("newsmon/writes_lost", batches)
        if not self.crawler.stats.get_value("newsmon/writes_lost_reason"):
            self.crawler.stats.set_value("newsmon/writes_lost_reason", describe(exc))

    def _took(self, reply: Reply) -> None:
        """What a batch's writes tell: the counters for the stats, what sources learned,
        stored articles to re-strip in the pool."""
        self.boilerplate.update(reply.boilerplate)
        self.profiles.update(reply.profiles)
        for job in reply.recleans:
            task = asyncio.ensure_future(self._reclean(*job))
            self.reclean_tasks.add(task)
            task.add_done_callback(self.reclean_tasks.discard)
        self._count(reply.counters)

    def _count(self, counters: Counter[str]) -> None:
        assert self.crawler.stats is not None
        for key, value in counters.items():
            self.crawler.stats.set_value(f"newsmon/{key}", value)

    async def _reclean(
        self, source: str, texts: list[tuple[int, str | None, str]], learned: frozenset[str]
    ) -> None:
        assert self.pool is not None
        done, reason = await self.pool.run(reclean_texts, texts, learned)
        if reason is not None:
            logger.warning("re-stripping stored articles in the pool failed: %s", reason)
        cleaned = dict(done) if reason is None else None
        self.recleaned.append((source, cleaned, {i: text for i, _, text in texts}))

    async def close_spider(self) -> None:
        if self.pool is not None:
            self._pool_stats()  # first: a failing write below must not hide why no page was made
        self.closing = True
        try:
            self.flush(wait=True)
            # The final relearn's re-stripping, and any still in the pool, stored before the end.
            while self.reclean_tasks:
                await asyncio.gather(*self.reclean_tasks)
                self.flush(wait=True)
            self._count(self.remote.finish() if self.remote else self.writer.finish())
        finally:
            if self.remote is not None:
                self.remote.shutdown()
            if self.pool is not None:
                self.pool.shutdown()
                self.pool = None

    def engine_stopped(self) -> None:
        self.writer.close()
