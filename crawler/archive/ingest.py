"""The write path's entry point: one run's pages applied to the archive, stage by stage.

Each stage's writes live in a module of their own (sources, aliases, articles, stories,
boilerplate, revisits, matches, outbox); `Ingestor` holds what they share for one run
(`IngestState`) and is what the pipeline calls.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy.orm import Session

from crawler.archive import aliases, articles, context, learning, sources, stories
from crawler.archive.context import IngestState
from crawler.config import Config
from crawler.items import ArticleAlias, ArticlePage, ListingPage, PageFailure, Processed
from crawler.text import dedup
from storage.models import Article
from storage.queries import core_execute


class Ingestor:
    """Applies pages to the archive inside the caller's transaction."""

    def __init__(self, config: Config, run_id: int | None = None) -> None:
        self.state = IngestState(config, run_id)

    @property
    def counters(self) -> Counter[str]:
        return self.state.counters

    @property
    def deferred(self) -> list[ArticleAlias]:
        return self.state.deferred

    @property
    def boilerplate(self) -> Mapping[str, AbstractSet[str]]:
        return self.state.boilerplate

    @boilerplate.setter
    def boilerplate(self, learned: Mapping[str, AbstractSet[str]]) -> None:
        self.state.boilerplate = learned

    @contextmanager
    def batch(self, session: Session) -> Iterator[None]:
        """Pages applied together: what they add to rows many of them share (request
        counters, last new article, boilerplate paragraph counts) is written once, at the
        end, and nothing of it when the batch fails."""
        state = self.state
        state.batching = True
        try:
            yield
            learning.count_paragraphs(session, state.paragraph_rows)
            context.write_counts(state, session)
            rows = [{"source": s, "at": at} for s, at in state.new_article_at.items()]
            if rows:
                core_execute(session, articles.NEW_ARTICLE_AT, rows)
        finally:
            state.batching = False
            state.paragraph_rows, state.source_counts, state.new_article_at = [], {}, {}

    def source_id(self, session: Session, name: str) -> int:
        return context.source_id(self.state, session, name)

    def listing(self, session: Session, page: ListingPage) -> None:
        sources.listing(self.state, session, page)

    def failure(self, session: Session, failure: PageFailure) -> None:
        sources.failure(self.state, session, failure)

    def finish_sources(self, session: Session, every: dict[str, timedelta]) -> None:
        sources.finish_sources(self.state, session, every)

    def page(self, session: Session, page: ArticlePage, doc: Processed | None) -> None:
        articles.page(self.state, session, page, doc)

    def alias(self, session: Session, alias: ArticleAlias) -> bool:
        return aliases.alias(self.state, session, alias)

    def retry_deferred(self, session: Session) -> None:
        aliases.retry_deferred(self.state, session)

    def assign_story(self, session: Session, article: Article, doc: Processed) -> None:
        stories.assign_story(self.state, session, article, doc)

    def _candidates(
        self, session: Session, article: Article, doc: Processed
    ) -> list[dedup.Candidate]:
        return stories.candidates(session, article.id, doc)
