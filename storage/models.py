"""SQLAlchemy 2.0 models of the newsmon archive."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Every constraint gets a predictable name so that migrations can drop it (SQLite batch mode
# needs names to recreate tables).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored as UTC; SQLite has no zones, so they are re-attached."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: newsmon stores only aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), str: String(), bytes: LargeBinary()}


class Source(Base):
    """A configured source; rows are created as sources are first polled."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_polled_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    last_new_article_at: Mapped[datetime | None]
    # Earliest next poll, from feed <ttl>/sy:updatePeriod and failure backoff.
    next_poll_at: Mapped[datetime | None]
    # Cumulative request outcomes, for `newsmon stats` (304 rate, error rate).
    requests: Mapped[int] = mapped_column(default=0)
    not_modified: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)


class SourceHealth(Base):
    """A source's health verdict, why, and what the next verdict is judged on
    (crawler/archive/health.py); a row once the source has been polled."""

    __tablename__ = "source_health"

    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    healthy: Mapped[bool] = mapped_column(Boolean, default=True)
    problem: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime | None]
    empty_polls: Mapped[int] = mapped_column(default=0)  # polls in a row without a new article
    words_baseline: Mapped[int | None]  # the usual median words of its new articles


class SourceDay(Base):
    """One source's counters for one day (UTC): its health over time."""

    __tablename__ = "source_days"

    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    polls: Mapped[int] = mapped_column(default=0)
    articles: Mapped[int] = mapped_column(default=0)  # new articles
    requests: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    not_modified: Mapped[int] = mapped_column(default=0)
    median_words: Mapped[int | None]  # of the articles first seen that day


class ListingState(Base):
    """HTTP validators of a feed, sitemap or section page, for conditional polling."""

    __tablename__ = "listing_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    etag: Mapped[str | None]
    last_modified: Mapped[str | None]
    fetched_at: Mapped[datetime | None]
    http_status: Mapped[int | None]
    ttl_seconds: Mapped[int | None]


class Story(Base):
    """One story across outlets: a set of near-duplicate articles with one canonical copy."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Not a foreign key: articles point at stories, and a cycle of keys complicates inserts.
    canonical_article_id: Mapped[int | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    copies: Mapped[int] = mapped_column(default=1)


class Article(Base):
    """One article: one canonical URL; `title`/`text` mirror its current version."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    # minutes east of UTC that the page gave its time in: export prints the time so
    published_offset: Mapped[int | None] = mapped_column(SmallInteger)
    language: Mapped[str | None] = mapped_column(String(16))
    site_name: Mapped[str | None]
    status: Mapped[str] = mapped_column(String(8), default="live")
    gone_at: Mapped[datetime | None]
    redirected_to: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Revisit plan: the next check is due at next_check_at; revisit_step indexes the schedule.
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    revisit_step: Mapped[int] = mapped_column(SmallInteger, default=0)
    version_count: Mapped[int] = mapped_column(default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    # Hash of the normalised text alone: short texts join a story only on an exact match.
    text_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    body_hash: Mapped[str | None] = mapped_column(String(64))
    etag: Mapped[str | None]
    last_modified: Mapped[str | None]
    words: Mapped[int] = mapped_column(default=0)
    signature: Mapped[bytes | None]
    canonical_link: Mapped[str | None] = mapped_column(Text)
    is_republication: Mapped[bool] = mapped_column(Boolean, default=False)
    # A suspect extraction (most of the text lost) waits here for confirmation by the next visit.
    suspect_hash: Mapped[str | None] = mapped_column(String(64))


class ArticleURL(Base):
    """Every URL seen for an article (feed link, redirect hop, AMP page, canonical)."""

    __tablename__ = "article_urls"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class Version(Base):
    """One stored state of an article's title and text."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("article_id", "n"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    n: Mapped[int]
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    # The extraction before learned boilerplate was removed; NULL when nothing was removed.
    raw_text: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    content_hash: Mapped[str] = mapped_column(String(64))
    http_status: Mapped[int | None]
    etag: Mapped[str | None]
    last_modified: Mapped[str | None]
    html: Mapped[bytes | None]  # zlib-compressed raw HTML when crawl.store_html is on
    words_added: Mapped[int] = mapped_column(default=0)
    words_removed: Mapped[int] = mapped_column(default=0)
    headline_changed: Mapped[bool] = mapped_column(Boolean, default=False)
    material: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set when this version returns to the content of an earlier one (A/B headline tests).
    same_as_n: Mapped[int | None]


class LshBand(Base):
    """The persisted LSH index: one row per (band, band hash) of each article's MinHash."""

    __tablename__ = "lsh_bands"

    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    hash: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class BoilerplateParagraph(Base):
    """How many articles of a source contain a paragraph: recurring ones are boilerplate."""

    __tablename__ = "boilerplate_paragraphs"

    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    docs: Mapped[int] = mapped_column(default=0)
    sample: Mapped[str | None] = mapped_column(Text)


class SourceFact(Base):
    """How many articles of a source showed one fact about its pages (which headline
    candidate was right, its title's site segment, its byline source, its time zone):
    facts that recur are learned (crawler/process/profile.py)."""

    __tablename__ = "source_facts"

    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)
    docs: Mapped[int] = mapped_column(default=0)


class TopicMatch(Base):
    """An article that matched a topic query."""

    __tablename__ = "topic_matches"
    __table_args__ = (
        UniqueConstraint("topic", "article_id"),
        # The web view's reads of a topic (storage/views.py), from the index alone: its stories
        # by last match, and its matches per day.
        Index("ix_topic_matches_topic_id_story_id", "topic", "id", "story_id"),
        Index("ix_topic_matches_topic_matched_at", "topic", "matched_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(200), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    story_id: Mapped[int | None] = mapped_column(index=True)
    matched_at: Mapped[datetime] = mapped_column(default=utcnow)
    terms: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of matched query terms


class Alert(Base):
    """The outbox: one row per (topic, recipient, story, kind, key) to send, sent or failed."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("topic", "recipient", "story_id", "kind", "key"),
        Index("ix_alerts_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(200))
    recipient: Mapped[str] = mapped_column(String(320))
    # Both NULL for an operator's email about a source's health (kind "health").
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    kind: Mapped[str] = mapped_column(String(8), default="new")  # new | update | health
    key: Mapped[str] = mapped_column(String(64), default="")  # update alerts: the version
    mode: Mapped[str] = mapped_column(String(12), default="immediate")  # immediate | daily
    status: Mapped[str] = mapped_column(String(8), default="pending")  # pending | sending | sent
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    message_id: Mapped[str | None]
    payload: Mapped[str] = mapped_column(Text, default="{}")  # JSON: what the email says


class CrawlRun(Base):
    """One crawl cycle and its counters."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(12), default="running")
    host: Mapped[str | None]
    pid: Mapped[int | None]
    fetched: Mapped[int] = mapped_column(default=0)
    new_articles: Mapped[int] = mapped_column(default=0)
    new_versions: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    not_modified: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    matches: Mapped[int] = mapped_column(default=0)
    alerts_sent: Mapped[int] = mapped_column(default=0)
    revisits: Mapped[int] = mapped_column(default=0)
    gone: Mapped[int] = mapped_column(default=0)


class PageError(Base):
    """A page that failed in a run, with its reason."""

    __tablename__ = "page_errors"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("crawl_runs.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str | None]
    url: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    http_status: Mapped[int | None]
    at: Mapped[datetime] = mapped_column(default=utcnow)


COUNTERS = (
    "fetched",
    "new_articles",
    "new_versions",
    "unchanged",
    "not_modified",
    "duplicates",
    "errors",
    "matches",
    "alerts_sent",
)
