"""Learning per source: count each short paragraph's pages, learn the lines that recur, and
strip newly learned lines from the articles already stored; count the facts pages show about
their source (headline candidate, byline source, time zone) and learn its profile."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from functools import cache
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crawler.archive.stories import replace_text, store_text
from crawler.items import Cleaned, Processed
from crawler.process.profile import SourceProfile, learn
from crawler.process.texts import BOILERPLATE_MAX_WORDS
from crawler.text.boilerplate import learn_boilerplate, strip_lines
from storage.models import Article, BoilerplateParagraph, SourceFact
from storage.queries import core_execute


@cache  # built once per dialect, not for every article
def _count_paragraph(dialect_name: str) -> Any:
    """INSERT a paragraph key with docs = 1, or add 1 to its count (race-free upsert)."""
    dialect: Any = postgresql if dialect_name == "postgresql" else sqlite
    table = BoilerplateParagraph.__table__
    return dialect.insert(table).on_conflict_do_update(
        index_elements=[table.c.source_id, table.c.key], set_={"docs": table.c.docs + 1}
    )


@cache
def _count_fact(dialect_name: str) -> Any:
    """INSERT a fact with docs = 1, or add 1 to its count (race-free upsert)."""
    dialect: Any = postgresql if dialect_name == "postgresql" else sqlite
    table = SourceFact.__table__
    return dialect.insert(table).on_conflict_do_update(
        index_elements=[table.c.source_id, table.c.kind, table.c.value],
        set_={"docs": table.c.docs + 1},
    )


def learn_facts(session: Session, source_id: int, doc: Processed) -> None:
    """Count the facts a new article's page showed about its source."""
    rows = [
        {"source_id": source_id, "kind": kind[:16], "value": value[:200], "docs": 1}
        for kind, value in sorted(set(doc.facts))
    ]
    if rows:
        core_execute(session, _count_fact(session.get_bind().dialect.name), rows)


def learned_profile(session: Session, source_id: int) -> SourceProfile:
    """What extraction may assume of a source's pages, from the facts counted so far."""
    rows = session.execute(
        select(SourceFact.kind, SourceFact.value, SourceFact.docs).where(
            SourceFact.source_id == source_id
        )
    ).all()
    return learn({(r.kind, r.value): r.docs for r in rows})


def learn_paragraphs(session: Session, source: str, source_id: int, doc: Processed) -> None:
    count_paragraphs(session, paragraph_rows(source_id, doc))


def paragraph_rows(source_id: int, doc: Processed) -> list[dict[str, Any]]:
    """One article's short paragraphs, as rows to count (:func:`count_paragraphs`)."""
    return [
        {"source_id": source_id, "key": key, "docs": 1, "sample": sample}
        for key, sample in doc.paragraph_keys.items()
    ]


def count_paragraphs(session: Session, rows: list[dict[str, Any]]) -> None:
    """Add each row's paragraph to its source's counts (one page's, or a batch's)."""
    if not rows:
        return
    # One statement of fixed shape run for every row (executemany): compiled once, where a
    # multi-row VALUES of varying length was compiled anew for every article.
    core_execute(session, _count_paragraph(session.get_bind().dialect.name), rows)


# A line this short that recurs verbatim in MIN_DOCS articles of one source is a label
# ("Read Next", "Source link", "Leave a Reply"), whatever share of the source carries it: a
# content farm puts such lines only in the copies it republishes.
SHORT_LINE_WORDS = 8
MIN_DOCS = 3


def learned_boilerplate(session: Session, source_id: int) -> set[str]:
    """The paragraph keys learned as boilerplate for one source."""
    n_docs = session.scalar(
        select(func.count()).select_from(Article).where(Article.source_id == source_id)
    )
    rows = session.execute(
        select(
            BoilerplateParagraph.key, BoilerplateParagraph.docs, BoilerplateParagraph.sample
        ).where(BoilerplateParagraph.source_id == source_id, BoilerplateParagraph.docs >= 2)
    ).all()
    counts = {r.key: r.docs for r in rows}
    short = {
        r.key
        for r in rows
        if r.docs >= MIN_DOCS and len((r.sample or "").split()) <= SHORT_LINE_WORDS
    }
    return short | set(learn_boilerplate(counts, n_docs or 0, min_docs=MIN_DOCS))


def _samples(session: Session, source_id: int, keys: Iterable[str]) -> list[str]:
    return [
        s
        for s in session.scalars(
            select(BoilerplateParagraph.sample).where(
                BoilerplateParagraph.source_id == source_id,
                BoilerplateParagraph.key.in_(list(keys)),
            )
        )
        if s
    ]


def set_text(session: Session, article: Article, text: str) -> None:
    """Replace the current text of an article and of its current version (not a new version:
    the page did not change, our knowledge of its boilerplate did), fingerprints included."""
    replace_text(session, article, text)


def _holding_one(samples: list[str]) -> Any:
    # autoescape: a `%` or `_` in a line is literal (and PostgreSQL's default escape, `\`,
    # is replaced by one that is escaped too).
    return or_(*(Article.text.contains(s[:60], autoescape=True) for s in samples))


def reclean(
    session: Session, source_id: int, new_keys: AbstractSet[str], learned: AbstractSet[str]
) -> int:
    """Strip newly learned boilerplate from the source's stored articles; returns how many."""
    samples = _samples(session, source_id, new_keys)
    if not samples:
        return 0
    # One query for all new lines: an article holding several of them is stripped once.
    changed = 0
    for article in session.scalars(
        select(Article).where(Article.source_id == source_id, _holding_one(samples))
    ):
        changed += _strip_stored(session, article, learned)
    return changed


def _strip_stored(session: Session, article: Article, learned: AbstractSet[str]) -> int:
    text, removed = strip_lines(article.text, learned, BOILERPLATE_MAX_WORDS)
    if not removed:
        return 0
    set_text(session, article, text)
    return 1


def holding(
    session: Session, source_id: int, new_keys: AbstractSet[str]
) -> list[tuple[int, str | None, str]]:
    """(id, title, text) of the source's stored articles that may hold a newly learned line:
    what :func:`reclean` strips, for the pool to strip (see :func:`store_recleaned`)."""
    samples = _samples(session, source_id, new_keys)
    if not samples:
        return []
    rows = core_execute(
        session,
        select(Article.id, Article.title, Article.text).where(
            Article.source_id == source_id, _holding_one(samples)
        ),
    )
    return [(row.id, row.title, row.text) for row in rows]


def store_recleaned(
    session: Session,
    cleaned: Mapping[int, Cleaned] | None,
    sent: Mapping[int, str],
    learned: AbstractSet[str],
) -> int:
    """Store what the pool stripped from :func:`holding`'s articles (`sent`: their texts by
    id; `cleaned`: those that lost a line, or None when the pool failed, and all are stripped
    here); returns how many changed. An article whose text changed since it was sent (a
    revisit, another reclean) is stripped here again, with what is learned now."""
    changed = 0
    for article_id in sent if cleaned is None else cleaned:
        article = session.get(Article, article_id)
        if article is None:
            continue
        if cleaned is None or article.text != sent[article_id]:
            changed += _strip_stored(session, article, learned)
        else:
            store_text(session, article, cleaned[article_id])
            changed += 1
    return changed
