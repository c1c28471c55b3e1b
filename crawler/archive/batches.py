"""The archive's batch writes: one transaction a batch, and what each source teaches."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

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
from crawler.process.profile import NO_PROFILE, SourceProfile
from crawler.process.texts import restrip
from crawler.text.topics import Topic
from storage.db import make_engine, serialise_writers, session_factory, transaction
from storage.models import CrawlRun, Source

# An item, what the worker made of it, and the boilerplate the worker stripped.
Op = tuple[Any, Processed | None, frozenset[str]]
# Stored articles to strip of newly learned lines: their source, (id, title, text) and the
# lines learned.
Reclean = tuple[str, list[tuple[int, str | None, str]], frozenset[str]]
# What the pool made of one: source, the articles that lost a line (None: the pool failed),
# the texts sent by id.
Recleaned = tuple[str, dict[int, Cleaned] | None, dict[int, str]]
NOTHING: frozenset[str] = frozenset()


@dataclass
class Reply:
    """What a batch's writes tell the crawl: the run's counters so far, what its sources
    learned (only the sources whose learning changed), and stored articles to re-strip."""

    counters: Counter[str]
    boilerplate: dict[str, frozenset[str]] = field(default_factory=dict)
    profiles: dict[str, SourceProfile] = field(default_factory=dict)
    recleans: list[Reclean] = field(default_factory=list)


class BatchWriter:
    """Applies batches of pages to the archive, one transaction each, and relearns each
    source's boilerplate and profile as its pages come in.

    It runs in the crawl process, or in a writer process of its own (crawler/archive/
    writer.py), which is handed the writer's state, so that it can take over mid-crawl.
    """

    RELEARN_SECONDS = 5.0

    def __init__(self, config: Config, run_id: int | None, *, pool_recleans: bool) -> None:
        self.config, self.run_id = config, run_id
        self.ingestor = Ingestor(config, run_id)
        # for pages re-stripped here (the workers match the rest)
        self.topics = [Topic(t.name, t.query, t.language) for t in config.topics]
        self.boilerplate: dict[str, frozenset[str]] = {}
        self.ingestor.boilerplate = self.boilerplate  # revisits are compared cleaned alike
        self.profiles: dict[str, SourceProfile] = {}  # learned headline, byline, time zone
        # per source: pages stored since its last relearn, since when, and pages it had then
        self.unlearned: Counter[str] = Counter()
        self.pending_since: dict[str, float] = {}
        self.learned_from: Counter[str] = Counter()
        # Stored articles holding a newly learned line go to the extraction pool to be
        # stripped (Reply.recleans), or, without one, are stripped here.
        self.pool_recleans = pool_recleans
        self.articles = 0  # article pages written so far

    def __getstate__(self) -> dict[str, Any]:
        # Handed to a writer process: its connections stay here.
        state = self.__dict__.copy()
        state.pop("engine", None), state.pop("sessions", None)
        return state

    def open(self) -> None:
        self.engine = make_engine(self.config.database_url)
        self.sessions = session_factory(self.engine, write=True)
        if self.boilerplate or self.profiles:
            return  # handed over: learned already
        with self.sessions() as session:
            for source in self.config.sources:
                self.boilerplate[source.name] = self._learned(session, source.name)
                self.profiles[source.name] = self._profile(session, source.name)

    def close(self) -> None:
        if hasattr(self, "engine"):
            self.engine.dispose()

    def write(self, batch: list[Op], recleaned: list[Recleaned], *, closing: bool) -> Reply:
        """Write the batch, the re-stripped articles and the run's counters in one
        transaction; relearn the sources that are due (all of them when closing)."""
        before = (dict(self.boilerplate), dict(self.profiles))
        recleans: list[Reclean] = []
        if batch or self.ingestor.deferred or recleaned or (closing and self.unlearned):
            self._transaction(batch, recleaned, recleans, closing=closing)
            release_free_memory()  # a batch's pages and rows are garbage now
        # a source's set is a new object only when it changed
        return Reply(
            self.ingestor.counters.copy(),
            {k: v for k, v in self.boilerplate.items() if before[0].get(k) is not v},
            {k: v for k, v in self.profiles.items() if before[1].get(k) is not v},
            recleans,
        )

    def _transaction(
        self, batch: list[Op], recleaned: list[Recleaned], recleans: list[Reclean], *, closing: bool
    ) -> None:
        before = self.ingestor.counters.copy()
        with transaction(self.sessions) as session:
            serialise_writers(session)
            with self.ingestor.batch(session):
                for item, doc, stripped in batch:
                    self._apply(session, item, doc, stripped)
                self.ingestor.retry_deferred(session)
            self._store_recleaned(session, recleaned)
            for item, *_ in batch:
                if isinstance(item, ArticlePage):
                    self.articles += 1
                    self.unlearned[item.source] += 1
                    self.pending_since.setdefault(item.source, time.monotonic())
            self._relearn_due(session, recleans, final=closing)
            delta = self.ingestor.counters - before
            values = {k: getattr(CrawlRun, k) + v for k, v in delta.items() if hasattr(CrawlRun, k)}
            if self.run_id is not None and values:
                session.execute(update(CrawlRun).where(CrawlRun.id == self.run_id).values(values))

    def _apply(
        self, session: Any, item: Any, doc: Processed | None, stripped: frozenset[str]
    ) -> None:
        if isinstance(item, ArticlePage):
            learned = self.boilerplate.get(item.source, NOTHING)
            if doc is not None and doc.error is None and learned != stripped:
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

    def _relearn_due(self, session: Any, recleans: list[Reclean], *, final: bool) -> None:
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
                self._relearn(session, name, recleans)
                self.learned_from[name] += new
                del self.unlearned[name], self.pending_since[name]

    def _relearn(self, session: Any, source: str, recleans: list[Reclean]) -> None:
        """Refresh a source's learned boilerplate; strip new keys from its stored articles,
        so the copies stored before a line was learned end up as clean as later ones."""
        self.profiles[source] = self._profile(session, source)
        learned = self._learned(session, source)
        added = learned - self.boilerplate.get(source, NOTHING)
        if added:
            source_id = self.ingestor.source_id(session, source)
            if not self.pool_recleans:
                self.ingestor.counters["recleaned"] += reclean(session, source_id, added, learned)
            elif texts := holding(session, source_id, added):
                recleans.append((source, texts, learned))
        if learned != self.boilerplate.get(source, NOTHING):
            self.boilerplate[source] = learned

    def _store_recleaned(self, session: Any, results: list[Recleaned]) -> None:
        """Store what the pool stripped from stored articles since the last batch."""
        for source, cleaned, sent in results:
            learned = self.boilerplate.get(source, NOTHING)
            self.ingestor.counters["recleaned"] += store_recleaned(session, cleaned, sent, learned)

    def finish(self) -> Counter[str]:
        """The run's per-source bookkeeping, once every batch is written; its counters."""
        with transaction(self.sessions) as session:
            self.ingestor.finish_sources(session, {s.name: s.every for s in self.config.sources})
        return self.ingestor.counters.copy()
