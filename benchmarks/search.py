"""Full-text search over 100k articles: crawler.archive.search on SQLite FTS5 and PostgreSQL."""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, literal_column, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from sqlalchemy.sql.elements import ColumnElement  # noqa: E402

from benchmarks import synth  # noqa: E402
from crawler.archive.search import fts5_query, parse_query, search  # noqa: E402
from storage.db import make_engine, session_factory  # noqa: E402
from storage.models import Article  # noqa: E402

WARMUP = 10
# Query words by frequency rank in the vocabulary: common words are in a large share of the
# archive, rare ones in a few hundred articles at most.
CLASSES = {"common": (20, 300), "mid": (300, 3000), "rare": (3000, 18_000)}
# Operators of one backend or the other, and words too short to be asked for.
UNASKED = {"and", "or", "not", "near"}


@dataclass
class Figures:
    """Milliseconds per query and matching articles, for one class of queries."""

    ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)  # this process's CPU (all of it on SQLite)
    hits: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def queries(n: int, words: list[str], seed: int = 1) -> list[tuple[str, str]]:
    """(class, query) pairs: 1 to 3 words of one frequency class, the classes in turn."""
    rng = random.Random(seed)
    names = list(CLASSES)
    out = []
    for k in range(n):
        name = names[k % len(names)]
        lo, hi = CLASSES[name]
        pool = [w for w in words[lo : min(hi, len(words))] if len(w) > 2 and w not in UNASKED]
        out.append((name, " ".join(rng.sample(pool, 1 + (k // len(names)) % 3))))
    return out


def count_hits(session: Session, query: str) -> int:
    """All articles matching `query` (search returns only the newest `limit`)."""
    if session.get_bind().dialect.name == "sqlite":
        sql = text("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH :q")
        return int(session.scalar(sql, {"q": fts5_query(parse_query(query))}) or 0)
    tsquery = func.websearch_to_tsquery(literal_column("'simple'"), query)
    document: ColumnElement[Any] = literal_column("articles.search_vector")
    stmt = select(func.count()).select_from(Article).where(document.op("@@")(tsquery))
    return int(session.scalar(stmt) or 0)


_NEWEST_SQLITE = text(
    "SELECT a.id FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid "
    "WHERE articles_fts MATCH :q "
    "ORDER BY coalesce(a.published_at, a.first_seen_at) DESC, a.id DESC LIMIT :n"
)
_NEWEST_POSTGRES = text(
    "SELECT a.id FROM articles a WHERE a.search_vector @@ websearch_to_tsquery('simple', :q) "
    "ORDER BY coalesce(a.published_at, a.first_seen_at) DESC, a.id DESC LIMIT :n"
)
_SNIPPETS_SQLITE = text(
    "SELECT rowid, snippet(articles_fts, 1, '[', ']', '…', 24) FROM articles_fts "
    "WHERE articles_fts MATCH :q AND rowid IN (SELECT value FROM json_each(:ids))"
)
_SNIPPETS_POSTGRES = text(
    "SELECT id, ts_headline('simple', text, websearch_to_tsquery('simple', :q), "
    "'StartSel=[, StopSel=], MaxWords=30, MinWords=10') FROM articles WHERE id = ANY(:ids)"
)


def ordered_search(session: Session, query: str, limit: int = 20) -> list[int]:
    """The proposed order of work (--proposal): the newest `limit` matches first, in the
    full-text query, then snippets for those only. Returns the ids, newest first."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    q = fts5_query(parse_query(query)) if sqlite else query
    newest = _NEWEST_SQLITE if sqlite else _NEWEST_POSTGRES
    ids = [int(r[0]) for r in session.execute(newest, {"q": q, "n": limit})]
    if ids:
        snippets = _SNIPPETS_SQLITE if sqlite else _SNIPPETS_POSTGRES
        session.execute(snippets, {"q": q, "ids": json.dumps(ids) if sqlite else ids}).all()
    return ids


def measure(url: str, batch: list[tuple[str, str]], proposal: bool = False) -> dict[str, Figures]:
    """Time `search` (or, with `proposal`, `ordered_search`) over the batch of queries."""
    engine = make_engine(url)
    factory = session_factory(engine)
    figures = {name: Figures() for name in CLASSES}
    for i, (name, query) in enumerate(batch):
        with factory() as session:
            started, cpu_started = time.perf_counter(), time.thread_time()
            try:
                if proposal:
                    ordered_search(session, query, limit=20)
                else:
                    search(session, query, limit=20)
            except Exception as exc:  # a failing query is a finding, not the end of the run
                session.rollback()
                if i >= WARMUP:
                    figures[name].errors.append(f"{query!r}: {type(exc).__name__}: {exc}"[:300])
                continue
            seconds, cpu = time.perf_counter() - started, time.thread_time() - cpu_started
            if i >= WARMUP:
                figures[name].ms.append(seconds * 1000)
                figures[name].cpu_ms.append(cpu * 1000)
                figures[name].hits.append(count_hits(session, query))
    engine.dispose()
    return figures


def same_results(url: str, batch: list[tuple[str, str]]) -> str:
    """Whether `ordered_search` finds the same articles, in the same order, as `search`."""
    engine = make_engine(url)
    with session_factory(engine)() as session:
        differ = sum(
            [hit["id"] for hit in search(session, q, limit=20)] != ordered_search(session, q)
            for _, q in batch
        )
    engine.dispose()
    return f"{len(batch) - differ} of {len(batch)} queries give the same 20 articles in order"


def report(backend: str, figures: dict[str, Figures]) -> None:
    every = Figures(
        ms=[ms for f in figures.values() for ms in f.ms],
        cpu_ms=[ms for f in figures.values() for ms in f.cpu_ms],
        hits=[h for f in figures.values() for h in f.hits],
    )
    for name, f in [*figures.items(), ("all", every)]:
        if not f.ms:
            print(f"{backend:10} {name:6}: no query succeeded")
            continue
        p50, p95 = synth.percentiles(f.ms)
        cpu50, cpu95 = synth.percentiles(f.cpu_ms)
        print(
            f"{backend:10} {name:6}: p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  (CPU {cpu50:6.1f} / "
            f"{cpu95:6.1f} ms)  over {len(f.ms)} queries"
            f"  (matching articles: median {statistics.median(f.hits):,.0f}, max {max(f.hits):,})"
        )
    for name, f in figures.items():
        if f.errors:
            print(f"{backend:10} {name:6}: {len(f.errors)} queries FAILED, e.g. {f.errors[0]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=100_000, help="archive size")
    parser.add_argument("--queries", type=int, default=200, help="queries timed per backend")
    parser.add_argument("--postgres", metavar="URL", help="also on this PostgreSQL server")
    parser.add_argument("--skip-sqlite", action="store_true", help="only PostgreSQL")
    parser.add_argument("--keep", metavar="DIR", help="keep the SQLite archive in DIR")
    parser.add_argument(
        "--proposal",
        action="store_true",
        help="also time ordered_search: order and limit in SQL first, then 20 snippets",
    )
    args = parser.parse_args(argv)
    synth.header("search: crawler.archive.search.search(session, query, limit=20)")
    words, _, vocab = synth.vocabulary()
    print(f"texts:   {vocab}; {args.articles:,} articles of 300-900 words")
    batch = queries(args.queries + WARMUP, words)
    backends = ([] if args.skip_sqlite else ["sqlite"]) + (["postgresql"] if args.postgres else [])
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(args.keep or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for backend in backends:
            kind = "sqlite" if backend == "sqlite" else "postgres"
            with synth.database(kind, workdir, args.postgres, bool(args.keep)) as url:
                started = time.perf_counter()
                filler = synth.ArchiveFiller(url)
                docs = synth.archive_docs(range(args.articles), with_signatures=False)
                filler.fill(docs, args.articles)
                filler.finish()
                filler.dispose()
                print(f"{backend:10} archive filled in {time.perf_counter() - started:.0f} s")
                report(backend, measure(url, batch))
                if args.proposal:
                    report(f"{backend}*", measure(url, batch, proposal=True))
                    print(f"{backend}*: {same_results(url, batch)} (* = ordered_search)")
    print(f"load average at the end: {synth.load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
