"""The archive pipeline: CPU work in a process pool, database writes in batches."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from sqlalchemy import select, update

from crawler.config import Config
from crawler.ingest import Ingestor
from crawler.items import ArticleAlias, ArticlePage, ListingPage, PageFailure
from crawler.reprocess import learned_boilerplate, reclean
from crawler.worker import Processed, body_hash, init_worker, process_page, restrip
from storage.db import make_engine, serialise_writers, session_factory, transaction
from storage.models import CrawlRun, Source

logger = logging.getLogger(__name__)

Op = tuple[Any, Processed | None]


class ArchivePipeline:
    """Extract in worker processes; write to the archive one transaction per batch."""

    BATCH_ITEMS = 50
    BATCH_SECONDS = 1.0

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.config: Config = crawler.settings["NEWSMON_CONFIG"]
        self.run_id: int | None = crawler.settings.get("NEWSMON_RUN_ID")
        self.ingestor = Ingestor(self.config, self.run_id)
        self.buffer: list[Op] = []
        self.last_flush = time.monotonic()
        self.boilerplate: dict[str, frozenset[str]] = {}
        self.pool: ProcessPoolExecutor | None = None
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        import multiprocessing

        self.engine = make_engine(self.config.database_url)
        self.sessions = session_factory(self.engine, write=True)
        workers = self.config.crawl.workers or os.cpu_count() or 1
        topics = [(t.name, t.query) for t in self.config.topics]
        # forkserver: forking a process that runs the Twisted reactor and holds DB connections
        # is unsafe.
        self.pool = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("forkserver"),
            initializer=init_worker,
            initargs=(topics,),
        )
        with self.sessions() as session:
            for source in self.config.sources:
                self.boilerplate[source.name] = self._learned(session, source.name)

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticlePage):
            doc = await self._process(item)
            self.buffer.append((item, doc))
            item.body = b""  # the bytes are no longer needed; keep memory flat
        elif isinstance(item, ListingPage | PageFailure | ArticleAlias):
            self.buffer.append((item, None))
        if len(self.buffer) >= self.BATCH_ITEMS or (
            time.monotonic() - self.last_flush >= self.BATCH_SECONDS
        ):
            self.flush()
        return item

    async def _process(self, page: ArticlePage) -> Processed | None:
        if page.status != 200:
            return None
        page.body_hash = body_hash(page.body)
        if page.previous_body_hash and page.body_hash == page.previous_body_hash:
            return None  # an unchanged body costs no extraction
        loop = asyncio.get_running_loop()
        assert self.pool is not None
        return await loop.run_in_executor(
            self.pool,
            process_page,
            page.body,
            page.url,
            page.content_type,
            page.hints,
            self.boilerplate.get(page.source, frozenset()),
            self.config.crawl.store_html,
        )

    def flush(self) -> None:
        """Write the buffer and the run's counters in one transaction."""
        self.last_flush = time.monotonic()
        if not self.buffer and not self.ingestor.deferred:
            return
        batch, self.buffer = self.buffer, []
        before = self.ingestor.counters.copy()
        with transaction(self.sessions) as session:
            serialise_writers(session)
            for item, doc in batch:
                self._apply(session, item, doc)
            self.ingestor.retry_deferred(session)
            delta = self.ingestor.counters - before
            if self.run_id is not None:
                values = {
                    k: getattr(CrawlRun, k) + v for k, v in delta.items() if hasattr(CrawlRun, k)
                }
                if values:
                    session.execute(
                        update(CrawlRun).where(CrawlRun.id == self.run_id).values(values)
                    )
            sources = {item.source for item, _ in batch if isinstance(item, ArticlePage)}
            for name in sources:
                self._relearn(session, name)
        assert self.crawler.stats is not None
        for key, value in self.ingestor.counters.items():
            self.crawler.stats.set_value(f"newsmon/{key}", value)

    def _apply(self, session: Any, item: Any, doc: Processed | None) -> None:
        if isinstance(item, ArticlePage):
            learned = self.boilerplate.get(item.source)
            if doc is not None and doc.error is None and learned:
                doc = restrip(doc, learned)
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

    def _relearn(self, session: Any, source: str) -> None:
        """Refresh a source's learned boilerplate; strip new keys from its stored articles,
        so the copies stored before a line was learned end up as clean as later ones."""
        learned = self._learned(session, source)
        added = learned - self.boilerplate.get(source, frozenset())
        if added:
            source_id = self.ingestor.source_id(session, source)
            self.ingestor.counters["recleaned"] += reclean(
                session, source_id, set(added), set(learned)
            )
        self.boilerplate[source] = learned

    def close_spider(self) -> None:
        self.flush()
        with transaction(self.sessions) as session:
            self.ingestor.finish_sources(session, {s.name: s.every for s in self.config.sources})
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def engine_stopped(self) -> None:
        if hasattr(self, "engine"):
            self.engine.dispose()
