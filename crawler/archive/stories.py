"""Stories: near-duplicate copies joined by their MinHash fingerprints; the canonical copy."""

from __future__ import annotations

from sqlalchemy import Select, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from crawler.archive.context import IngestState
from crawler.items import Cleaned, Processed
from crawler.process.texts import fingerprint
from crawler.text import dedup, shingles
from storage.models import (
    Article,
    ArticleURL,
    LshBand,
    Story,
    Version,
    utcnow,
)
from storage.queries import core_execute

# At most this many LSH candidates are compared in full for one new article.
MAX_CANDIDATES = 50


def replace_text(session: Session, article: Article, text: str) -> None:
    """Replace the current text of an article and of its current version, in place: the page
    did not change, what newsmon strips from it did. Hashes, word count, MinHash signature
    and LSH bands follow the text, so story assignment never compares with a stale text."""
    store_text(session, article, fingerprint(article.title, text))


def store_text(session: Session, article: Article, clean: Cleaned) -> None:
    """:func:`replace_text` with the text's fingerprints computed already (in the pool)."""
    current = session.scalars(
        select(Version).where(Version.article_id == article.id, Version.n == article.version_count)
    ).first()
    if current is not None:
        if current.raw_text is None:
            current.raw_text = current.text
        current.text = clean.text
        current.content_hash = clean.content_hash
    article.text = clean.text
    article.content_hash = clean.content_hash
    article.text_hash = clean.text_hash
    article.words = clean.words
    set_fingerprints(session, article, clean.signature, clean.bands)


def set_fingerprints(
    session: Session, article: Article, signature: bytes | None, bands: list[int]
) -> None:
    """Store an article's MinHash signature and replace its rows in the LSH index."""
    article.signature = signature
    core_execute(session, delete(LshBand).where(LshBand.article_id == article.id))
    if bands:
        rows = [{"band": i, "hash": h, "article_id": article.id} for i, h in enumerate(bands)]
        core_execute(session, insert(LshBand), rows)


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
    arms = [
        and_(LshBand.band == i, LshBand.hash == bindparam(f"h{i}")) for i in range(shingles.BANDS)
    ]
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


def assign_story(state: IngestState, session: Session, article: Article, doc: Processed) -> None:
    """Join the story of the best near-duplicate, or start a new one."""
    match = nearest(session, doc, article.id)
    if match is None:
        story = Story(canonical_article_id=article.id, created_at=utcnow())
        session.add(story)
        session.flush()
        article.story_id = story.id
    else:
        article.story_id = match.story_id
        state.counters["story_copies"] += 1
        recanonicalise(session, match.story_id)
    add_bands(session, article.id, doc.bands)


def nearest(session: Session, doc: Processed, article_id: int = -1) -> dedup.Candidate | None:
    """The stored near-duplicate whose story the document joins, if any."""
    found = candidates(session, article_id, doc)
    return dedup.best_match(doc.signature, doc.text_hash, doc.words, found)


def add_bands(session: Session, article_id: int, bands: list[int]) -> None:
    """An article's rows in the LSH index."""
    if bands:
        rows = [{"band": i, "hash": h, "article_id": article_id} for i, h in enumerate(bands)]
        core_execute(session, insert(LshBand), rows)


def candidates(session: Session, article_id: int, doc: Processed) -> list[dedup.Candidate]:
    """The stored articles that may be near-duplicates of `doc` (not `article_id` itself)."""
    if doc.bands:
        params = {f"h{i}": h for i, h in enumerate(doc.bands)}
        # flushed first: the story of an article stored earlier in this batch counts
        session.flush()
        rows = core_execute(session, _BAND_CANDIDATES, {**params, "article_id": article_id})
    else:
        rows = session.execute(
            _candidate_columns()
            .where(Article.text_hash == doc.text_hash, Article.id != article_id)
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


def recanonicalise(session: Session, story_id: int) -> None:
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
