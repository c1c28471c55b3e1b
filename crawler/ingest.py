"""Write path: fold processed pages into articles, versions, stories, matches and alerts."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crawler import dedup, diffing
from crawler.config import Config, TopicConfig
from crawler.extract import text_hashes
from crawler.items import ArticleAlias, ArticlePage, ListingPage, PageFailure
from crawler.urls import canonicalise, is_home
from crawler.worker import BOILERPLATE_MAX_WORDS, Processed, terms_json
from storage.models import (
    Alert,
    Article,
    ArticleURL,
    BoilerplateParagraph,
    ListingState,
    LshBand,
    PageError,
    Source,
    Story,
    TopicMatch,
    Version,
    utcnow,
)
from storage.queries import core_execute, insert_ignore

# At most this many LSH candidates are compared in full for one new article.
MAX_CANDIDATES = 50


def canonical_urls(urls: list[str]) -> list[str]:
    out = []
    for url in urls:
        try:
            out.append(canonicalise(url))
        except ValueError:
            continue
    return list(dict.fromkeys(out))


class Ingestor:
    """Applies pages to the archive inside the caller's transaction."""

    def __init__(self, config: Config, run_id: int | None = None) -> None:
        self.config = config
        self.run_id = run_id
        self.schedule = list(config.revisit.schedule)
        self.topics = {t.name: t for t in config.topics}
        self._source_ids: dict[str, int] = {}
        self.counters: Counter[str] = Counter()
        # Per source this run: listings answered, listings failed, largest feed TTL (seconds).
        self.polls: dict[str, list[int]] = {}
        # Aliases whose article was still in flight; retried at each batch and at the end.
        self.deferred: list[ArticleAlias] = []
        # Per source, the learned boilerplate the pages being stored were stripped of (the
        # crawl's, shared): a revisit is compared with the previous version cleaned alike.
        self.boilerplate: Mapping[str, AbstractSet[str]] = {}

    # -- sources and listings -------------------------------------------------------------
    def source_id(self, session: Session, name: str) -> int:
        if name not in self._source_ids:
            insert_ignore(session, Source, [{"name": name, "created_at": utcnow()}], ["name"])
            self._source_ids[name] = session.scalars(
                select(Source.id).where(Source.name == name)
            ).one()
        return self._source_ids[name]

    def listing(self, session: Session, page: ListingPage) -> None:
        now = utcnow()
        state = session.scalars(select(ListingState).where(ListingState.url == page.url)).first()
        if state is None:
            state = ListingState(url=page.url, source_id=self.source_id(session, page.source))
            session.add(state)
        if page.status != 304:
            state.etag, state.last_modified = page.etag, page.last_modified
            state.ttl_seconds = page.ttl_seconds
        state.fetched_at, state.http_status = now, page.status
        poll = self.polls.setdefault(page.source, [0, 0, 0])
        poll[0] += 1
        poll[2] = max(poll[2], page.ttl_seconds or state.ttl_seconds or 0)
        self._count_request(session, page.source, not_modified=page.status == 304)
        self.counters["not_modified" if page.status == 304 else "listings"] += 1

    def _count_request(
        self, session: Session, name: str, *, not_modified: bool = False, error: bool = False
    ) -> None:
        params = {
            "source": self.source_id(session, name),
            "more_not_modified": int(not_modified),
            "more_errors": int(error),
        }
        core_execute(session, _COUNT_REQUEST, params)

    def finish_sources(self, session: Session, every: dict[str, timedelta]) -> None:
        """After a poll: record success, or back off a source whose every listing failed.

        A feed's <ttl>/sy:updatePeriod is a floor on the next poll; failures double the wait
        (capped at a day).
        """
        now = utcnow()
        for name, (ok, failed, ttl) in self.polls.items():
            source = session.get(Source, self.source_id(session, name))
            if source is None:
                continue
            source.last_polled_at = now
            if ok or not failed:
                source.last_success_at, source.consecutive_failures = now, 0
                source.next_poll_at = now + timedelta(seconds=ttl) if ttl else None
            else:
                source.consecutive_failures += 1
                base = every.get(name, timedelta(minutes=15))
                wait = min(base * 2 ** (source.consecutive_failures - 1), timedelta(days=1))
                source.next_poll_at = now + wait

    def failure(self, session: Session, failure: PageFailure) -> None:
        now = utcnow()
        robots = failure.robots
        session.add(
            PageError(
                run_id=self.run_id,
                source=failure.source,
                url=failure.url,
                reason=failure.reason,
                http_status=failure.status,
                at=now,
            )
        )
        if failure.source:
            session.execute(
                update(Source)
                .where(Source.id == self.source_id(session, failure.source))
                .values(last_error_at=now, last_error=f"{failure.url}: {failure.reason}"[:2000])
            )
            self._count_request(session, failure.source, error=not robots)
            if failure.listing:
                self.polls.setdefault(failure.source, [0, 0, 0])[1] += 1
        if failure.article_id is not None:
            self._checked(session, failure.article_id, now, changed=False)
        if robots:
            self.counters["robots_excluded"] += 1  # obeying robots.txt is not a failure
        else:
            self.counters["errors"] += 1

    # -- articles --------------------------------------------------------------------------
    def find_article(self, session: Session, urls: list[str]) -> Article | None:
        if not urls:
            return None
        session.flush()  # Core below (see core_execute): an alias added in this batch counts
        article_id = core_execute(
            session, select(ArticleURL.article_id).where(ArticleURL.url.in_(urls)).limit(1)
        ).scalar()
        return session.get(Article, article_id) if article_id is not None else None

    def add_aliases(self, session: Session, article_id: int, urls: list[str]) -> None:
        now = utcnow()
        rows = [{"url": u, "article_id": article_id, "first_seen_at": now} for u in urls]
        insert_ignore(session, ArticleURL, rows, ["url"])

    def alias(self, session: Session, alias: ArticleAlias) -> bool:
        """Attach redirecting URLs to their article; defer when it is not stored yet."""
        article = self.find_article(session, [alias.target])
        if article is None:
            self.deferred.append(alias)
            return False
        self.add_aliases(session, article.id, canonical_urls(alias.urls))
        self.counters["duplicates"] += 1
        return True

    def retry_deferred(self, session: Session) -> None:
        pending, self.deferred = self.deferred, []
        for alias in pending:
            self.alias(session, alias)

    def page(self, session: Session, page: ArticlePage, doc: Processed | None) -> None:
        """Apply one fetched article page (new, duplicate or revisit) to the archive."""
        self.counters["fetched"] += 1
        if page.article_id is None:
            self._count_request(session, page.source)
        if doc is not None and doc.error is not None:
            self.failure(
                session, PageFailure(page.source, page.url, doc.error, page.status, page.article_id)
            )
            return
        if page.article_id is not None:
            self.revisit(session, page, doc)
            return
        if doc is None:
            return
        urls = canonical_urls(page.urls)
        if len(urls) > 1 and is_home(urls[-1]) and not is_home(urls[0]):
            # A link that redirects to the front page is a removed article, not a new one.
            self.failure(
                session,
                PageFailure(page.source, urls[0], "redirected to the home page", page.status),
            )
            return
        canonical = doc.canonical_url or (urls[-1] if urls else page.url)
        urls = list(dict.fromkeys([canonical, *urls]))
        existing = self.find_article(session, urls)
        if existing is not None:
            # Another URL of an article already stored: fold it in, never a second article.
            self.add_aliases(session, existing.id, urls)
            self.counters["duplicates"] += 1
            return
        self.new_article(session, page, doc, canonical, urls)

    def new_article(
        self, session: Session, page: ArticlePage, doc: Processed, url: str, urls: list[str]
    ) -> Article:
        now = utcnow()
        source_id = self.source_id(session, page.source)
        article = Article(
            url=url,
            source_id=source_id,
            title=doc.title,
            text=doc.text,
            author=doc.author,
            published_at=doc.published_at,
            language=doc.language,
            site_name=doc.site_name,
            first_seen_at=now,
            last_checked_at=now,
            last_changed_at=now,
            next_check_at=now + self.schedule[0] if self.schedule else None,
            revisit_step=0,
            version_count=1,
            content_hash=doc.content_hash,
            text_hash=doc.text_hash,
            body_hash=page.body_hash,
            etag=page.etag,
            last_modified=page.last_modified,
            words=doc.words,
            signature=doc.signature,
            canonical_link=doc.foreign_canonical,
            is_republication=doc.foreign_canonical is not None,
        )
        session.add(article)
        session.flush()
        self.add_aliases(session, article.id, urls)
        session.add(self._version(article, 1, page, doc, now))
        self.assign_story(session, article, doc)
        self.learn_paragraphs(session, page.source, source_id, doc)
        self.match(session, article, doc.topics, now)
        core_execute(session, _NEW_ARTICLE_AT, {"source": source_id, "at": now})
        self.counters["new_articles"] += 1
        return article

    def _version(
        self, article: Article, n: int, page: ArticlePage, doc: Processed, now: datetime
    ) -> Version:
        return Version(
            article_id=article.id,
            n=n,
            fetched_at=now,
            title=doc.title,
            text=doc.text,
            raw_text=doc.raw_text,
            author=doc.author,
            published_at=doc.published_at,
            content_hash=doc.content_hash,
            http_status=page.status,
            etag=page.etag,
            last_modified=page.last_modified,
            html=doc.html,
        )

    # -- stories ---------------------------------------------------------------------------
    def assign_story(self, session: Session, article: Article, doc: Processed) -> None:
        """Join the story of the best near-duplicate, or start a new one."""
        match = dedup.best_match(
            doc.signature, doc.text_hash, doc.words, self._candidates(session, article, doc)
        )
        if match is None:
            story = Story(canonical_article_id=article.id, created_at=utcnow())
            session.add(story)
            session.flush()
            article.story_id = story.id
        else:
            article.story_id = match.story_id
            self.counters["story_copies"] += 1
            self.recanonicalise(session, match.story_id)
        if doc.bands:
            core_execute(
                session,
                insert(LshBand),
                [{"band": i, "hash": h, "article_id": article.id} for i, h in enumerate(doc.bands)],
            )

    def _candidates(
        self, session: Session, article: Article, doc: Processed
    ) -> list[dedup.Candidate]:
        if doc.bands:
            params = {f"h{i}": h for i, h in enumerate(doc.bands)}
            # flushed first: the story of an article stored earlier in this batch counts
            session.flush()
            rows = core_execute(session, _BAND_CANDIDATES, {**params, "article_id": article.id})
        else:
            rows = session.execute(
                _candidate_columns()
                .where(Article.text_hash == doc.text_hash, Article.id != article.id)
                .limit(MAX_CANDIDATES)
            )
        return [
            dedup.Candidate(
                article_id=row.id,
                story_id=row.story_id,
                signature=row.signature,
                text_hash=row.text_hash or "",
                words=row.words,
            )
            for row in rows
            if row.story_id is not None
        ]

    def recanonicalise(self, session: Session, story_id: int) -> None:
        """Choose the story's canonical copy again, from the copies' stored word counts: their
        texts are not loaded (a story of many copies would load them all for each new one)."""
        copies = session.execute(_COPY_COLUMNS.where(Article.story_id == story_id)).all()
        urls: dict[int, set[str]] = {}
        for row in session.execute(
            select(ArticleURL.article_id, ArticleURL.url).where(
                ArticleURL.article_id.in_([a.id for a in copies])
            )
        ):
            urls.setdefault(row.article_id, set()).add(row.url)
        chosen = dedup.choose_canonical(
            [
                dedup.Copy(
                    article_id=a.id,
                    url=a.url,
                    published_at=a.published_at,
                    first_seen_at=a.first_seen_at,
                    words=a.words,
                    canonical_link=a.canonical_link,
                    is_republication=a.is_republication,
                )
                for a in copies
            ],
            urls,
        )
        session.execute(
            update(Story)
            .where(Story.id == story_id)
            .values(canonical_article_id=chosen, copies=len(copies), updated_at=utcnow())
        )

    # -- boilerplate -----------------------------------------------------------------------
    def learn_paragraphs(
        self, session: Session, source: str, source_id: int, doc: Processed
    ) -> None:
        if not doc.paragraph_keys:
            return
        rows = [
            {"source_id": source_id, "key": key, "docs": 1, "sample": sample}
            for key, sample in doc.paragraph_keys.items()
        ]
        # One statement of fixed shape run for every row (executemany): compiled once, where a
        # multi-row VALUES of varying length was compiled anew for every article.
        core_execute(session, _count_paragraph(session.get_bind().dialect.name), rows)

    # -- topics and alerts -----------------------------------------------------------------
    def match(
        self, session: Session, article: Article, topics: dict[str, list[str]], now: datetime
    ) -> None:
        for name, terms in topics.items():
            topic = self.topics.get(name)
            if topic is None:
                continue
            inserted = insert_ignore(
                session,
                TopicMatch,
                [
                    {
                        "topic": name,
                        "article_id": article.id,
                        "story_id": article.story_id,
                        "matched_at": now,
                        "terms": terms_json(terms),
                    }
                ],
                ["topic", "article_id"],
            )
            if inserted:
                self.counters["matches"] += 1
                self.queue_alerts(session, topic, article, now)

    def queue_alerts(
        self, session: Session, topic: TopicConfig, article: Article, now: datetime
    ) -> None:
        """Outbox rows, in the match's transaction: one per (topic, recipient, story)."""
        if topic.alert_mode == "none" or not topic.alert_to or article.story_id is None:
            return
        rows = [
            _alert_row(topic.name, rcpt, article, "new", "", topic.alert_mode, now)
            for rcpt in topic.alert_to
        ]
        insert_ignore(session, Alert, rows, ["topic", "recipient", "story_id", "kind", "key"])

    # -- revisits --------------------------------------------------------------------------
    def _checked(self, session: Session, article_id: int, now: datetime, *, changed: bool) -> None:
        """Plan the next revisit: the k-th is due schedule[k] after the previous check."""
        article = session.get(Article, article_id)
        if article is None:
            return
        step = 0 if changed else article.revisit_step + 1
        article.revisit_step = step
        article.last_checked_at = now
        article.next_check_at = now + self.schedule[step] if step < len(self.schedule) else None

    def revisit(self, session: Session, page: ArticlePage, doc: Processed | None) -> None:
        now = utcnow()
        article = session.get(Article, page.article_id)
        if article is None:
            return
        self.counters["revisits"] += 1
        if page.status in (404, 410):
            if article.status != "gone":
                article.status, article.gone_at = "gone", now
                self.counters["gone"] += 1
            self._checked(session, article.id, now, changed=False)
            return
        if article.status == "gone":
            article.status, article.gone_at = "live", None
        if page.etag or page.last_modified:
            article.etag, article.last_modified = page.etag, page.last_modified
        self._count_request(session, page.source, not_modified=page.status == 304)
        if page.status == 304 or doc is None:
            self.counters["not_modified" if page.status == 304 else "unchanged"] += 1
            self._checked(session, article.id, now, changed=False)
            return
        if self._redirected_away(session, article, page):
            self._checked(session, article.id, now, changed=False)
            return
        article.body_hash = page.body_hash
        self.add_aliases(session, article.id, canonical_urls(page.urls))
        changed = self.new_version(session, article, page, doc, now)
        self._checked(session, article.id, now, changed=changed)

    def _redirected_away(self, session: Session, article: Article, page: ArticlePage) -> bool:
        """Record a revisit that redirected to another article or to a home page.

        The page answered is not this article, so it makes no version and no alias; a later
        visit that lands on the article again clears the record.
        """
        final = canonical_urls([page.url])
        if not final or final[0] == article.url:
            article.redirected_to = None
            return False
        owner = self.find_article(session, final)
        if owner is not None and owner.id == article.id:
            article.redirected_to = None
            return False
        article.redirected_to = final[0]
        self.counters["redirected"] += 1
        return True

    def new_version(
        self, session: Session, article: Article, page: ArticlePage, doc: Processed, now: datetime
    ) -> bool:
        """Store a version if the headline or the article's text changed; True when the change
        is material. Markup, page furniture and a change in the boilerplate stripped are not
        edits (see diffing.compare and _reclean_current)."""
        if doc.content_hash != article.content_hash:
            self._reclean_current(session, article, page.source)
        if doc.content_hash == article.content_hash:
            article.suspect_hash = None
            self.counters["unchanged"] += 1
            return False
        change = diffing.compare(
            article.title,
            article.text,
            doc.title,
            doc.text,
            material_words=self.config.revisit.material_words,
        )
        if not change.changed:
            article.suspect_hash = None
            self.counters["unchanged"] += 1
            return False
        if (
            diffing.is_suspect_loss(article.text, doc.text)
            and article.suspect_hash != doc.content_hash
        ):
            # Hold a sudden loss of most of the text until the next visit confirms it.
            article.suspect_hash = doc.content_hash
            self.counters["suspect"] += 1
            return False
        n = article.version_count + 1
        version = self._version(article, n, page, doc, now)
        version.words_added, version.words_removed = change.words_added, change.words_removed
        version.headline_changed, version.material = change.headline_changed, change.material
        version.same_as_n = session.scalars(
            select(Version.n).where(
                Version.article_id == article.id, Version.content_hash == doc.content_hash
            )
        ).first()
        session.add(version)
        old_title = article.title
        article.title, article.text = doc.title, doc.text
        article.content_hash, article.text_hash = doc.content_hash, doc.text_hash
        article.words, article.version_count = doc.words, n
        article.last_changed_at, article.suspect_hash = now, None
        set_fingerprints(session, article, doc.signature, doc.bands)
        self.counters["new_versions"] += 1
        if change.material:
            self.match(session, article, doc.topics, now)
            self.queue_updates(session, article, old_title, version, now)
        return change.material

    def _reclean_current(self, session: Session, article: Article, source: str) -> None:
        """Clean the stored text with the boilerplate the revisit was cleaned with, in place.

        The previous version's extraction (its raw text) stripped of the same set is what the
        new extraction is compared with: a line learned, or forgotten, since the last visit
        is a change in newsmon, not in the article, and makes no version.
        """
        learned = self.boilerplate.get(source)
        if learned is None:  # not known here (a test, a tool): the stored text as it is
            return
        raw = session.scalars(
            select(Version.raw_text).where(
                Version.article_id == article.id, Version.n == article.version_count
            )
        ).first()
        text = dedup.strip_boilerplate(raw or article.text, learned, BOILERPLATE_MAX_WORDS)
        if text != article.text:
            replace_text(session, article, text)
            self.counters["recleaned"] += 1

    def queue_updates(
        self,
        session: Session,
        article: Article,
        old_title: str | None,
        version: Version,
        now: datetime,
    ) -> None:
        """Update alerts for recipients who were already sent this story (alert_updates)."""
        if article.story_id is None:
            return
        sent = session.execute(
            select(Alert.topic, Alert.recipient).where(
                Alert.story_id == article.story_id, Alert.kind == "new", Alert.status == "sent"
            )
        ).all()
        rows = []
        for topic_name, rcpt in sent:
            topic = self.topics.get(topic_name)
            if topic is None or not topic.alert_updates:
                continue
            payload = {"old_title": old_title, "version": version.n}
            key = f"{article.id}:{version.n}"
            rows.append(
                _alert_row(topic_name, rcpt, article, "update", key, "immediate", now, payload)
            )
        if rows:
            insert_ignore(session, Alert, rows, ["topic", "recipient", "story_id", "kind", "key"])


def replace_text(session: Session, article: Article, text: str) -> None:
    """Replace the current text of an article and of its current version, in place: the page
    did not change, what newsmon strips from it did. Hashes, word count, MinHash signature
    and LSH bands follow the text, so story assignment never compares with a stale text."""
    content, text_only = text_hashes(article.title, text)
    current = session.scalars(
        select(Version).where(Version.article_id == article.id, Version.n == article.version_count)
    ).first()
    if current is not None:
        if current.raw_text is None:
            current.raw_text = current.text
        current.text = text
        current.content_hash = content
    article.text = text
    article.content_hash = content
    article.text_hash = text_only
    words = dedup.shingle_words(text)
    article.words = len(words)
    signature = dedup.signature_of_words(words)
    set_fingerprints(session, article, signature, dedup.band_hashes(signature) if signature else [])


def set_fingerprints(
    session: Session, article: Article, signature: bytes | None, bands: list[int]
) -> None:
    """Store an article's MinHash signature and replace its rows in the LSH index."""
    article.signature = signature
    core_execute(session, delete(LshBand).where(LshBand.article_id == article.id))
    if bands:
        rows = [{"band": i, "hash": h, "article_id": article.id} for i, h in enumerate(bands)]
        core_execute(session, insert(LshBand), rows)


def _alert_row(
    topic: str,
    recipient: str,
    article: Article,
    kind: str,
    key: str,
    mode: str,
    now: datetime,
    payload: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """One outbox row; (topic, recipient, story, kind, key) is unique, so a story is queued
    once however many copies or versions arrive."""
    return {
        "topic": topic,
        "recipient": recipient,
        "story_id": article.story_id,
        "article_id": article.id,
        "kind": kind,
        "key": key,
        "mode": mode,
        "status": "pending",
        "created_at": now,
        "due_at": now,
        "payload": json.dumps(payload or {}),
    }


# Run for every page, on no table the session holds objects of: built once and run as Core
# on the session's connection (see storage.queries.core_execute).
_COUNT_REQUEST = (
    update(Source)
    .where(Source.id == bindparam("source"))
    .values(
        requests=Source.requests + 1,
        not_modified=Source.not_modified + bindparam("more_not_modified"),
        errors=Source.errors + bindparam("more_errors"),
    )
)
_NEW_ARTICLE_AT = (
    update(Source)
    .where(Source.id == bindparam("source"))
    .values(last_new_article_at=bindparam("at"))
)


@cache  # built once per dialect, not for every article
def _count_paragraph(dialect_name: str) -> Any:
    """INSERT a paragraph key with docs = 1, or add 1 to its count (race-free upsert)."""
    dialect: Any = postgresql if dialect_name == "postgresql" else sqlite
    table = BoilerplateParagraph.__table__
    return dialect.insert(table).on_conflict_do_update(
        index_elements=[table.c.source_id, table.c.key], set_={"docs": table.c.docs + 1}
    )


# What choose_canonical needs of a story's copies (their length is `words`): not their text.
_COPY_COLUMNS = select(
    Article.id,
    Article.url,
    Article.published_at,
    Article.first_seen_at,
    Article.words,
    Article.canonical_link,
    Article.is_republication,
)


def _candidate_columns() -> Select[int, int | None, bytes | None, str | None, int]:
    """What best_match needs of a candidate: not its text."""
    return select(Article.id, Article.story_id, Article.signature, Article.text_hash, Article.words)


def _band_candidates() -> Select[int, int | None, bytes | None, str | None, int]:
    """The articles sharing the most LSH bands with a new one (bound: h0..h41, article_id).

    An OR of (band, hash) pairs, each arm a lookup in the primary key's index. Built once: the
    statement has one shape, so it is compiled once, not for every new article. The articles
    sharing the most bands come first: a band that many texts share through a common phrase
    must not crowd the real copy out of the candidate list.
    """
    arms = [and_(LshBand.band == i, LshBand.hash == bindparam(f"h{i}")) for i in range(dedup.BANDS)]
    shared = (
        select(LshBand.article_id, func.count().label("n"))
        .where(or_(*arms), LshBand.article_id != bindparam("article_id"))
        .group_by(LshBand.article_id)
        .order_by(func.count().desc(), LshBand.article_id)
        .limit(MAX_CANDIDATES)
        .subquery()
    )
    return _candidate_columns().join(shared, shared.c.article_id == Article.id)


_BAND_CANDIDATES = _band_candidates()


def due_revisits(
    session: Session, now: datetime, limit: int, source_ids: list[int] | None = None
) -> list[Article]:
    """Articles whose next check is due, most overdue first."""
    query = (
        select(Article)
        .where(Article.next_check_at.is_not(None), Article.next_check_at <= now)
        .order_by(Article.next_check_at)
        .limit(limit)
    )
    if source_ids is not None:
        query = query.where(Article.source_id.in_(source_ids))
    return list(session.scalars(query))
