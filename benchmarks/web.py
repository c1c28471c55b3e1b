"""The web view (`newsmon serve`) over a 100k-article archive: p50/p95 per route, per backend.

The archive is the search benchmark's (benchmarks/synth.py: 100k synthetic articles, one in ten
a copy of an earlier one), spread over 10 sources, with one version per article plus a second,
edited one for every tenth, and three topics matching 1/3, 1/7 and 1/31 of the articles. Each
page is requested through Starlette's TestClient (the whole app: routing, the guard, queries,
templates; no network), on a warm process.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from benchmarks import synth  # noqa: E402
from benchmarks.search import queries as search_queries  # noqa: E402
from crawler.web.app import create_app  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402

SOURCES = 10
# topic name: articles whose id is a multiple of this match it
TOPICS = {"wide": 3, "middle": 7, "narrow": 31}
WARMUP = 5


def enrich(url: str) -> None:
    """Sources, versions and topic matches over the filled archive, in set-based SQL."""
    engine = make_engine(url)
    with engine.begin() as conn:
        for k in range(2, SOURCES + 1):
            conn.execute(
                text(
                    "INSERT INTO sources (id, name, created_at, consecutive_failures, requests,"
                    " not_modified, errors) VALUES (:id, :name, :at, 0, 1000, 400, 3)"
                ),
                {"id": k, "name": f"source-{k}", "at": synth.EPOCH},
            )
        conn.execute(text(f"UPDATE articles SET source_id = (id % {SOURCES}) + 1"))
        conn.execute(
            text(
                "INSERT INTO versions (article_id, n, fetched_at, title, text, content_hash,"
                " words_added, words_removed, headline_changed, material)"
                " SELECT id, 1, first_seen_at, title, text, content_hash, 0, 0, false, true"
                " FROM articles"
            )
        )
        conn.execute(
            text(
                "INSERT INTO versions (article_id, n, fetched_at, title, text, content_hash,"
                " words_added, words_removed, headline_changed, material)"
                " SELECT id, 2, first_seen_at, 'Updated: ' || title,"
                " text || ' An official later confirmed the figures to reporters.', 'v2',"
                " 9, 0, true, true FROM articles WHERE id % 10 = 0"
            )
        )
        conn.execute(text("UPDATE articles SET version_count = 2 WHERE id % 10 = 0"))
        for topic, every in TOPICS.items():
            conn.execute(
                text(
                    "INSERT INTO topic_matches (topic, article_id, story_id, matched_at, terms)"
                    f" SELECT :topic, id, story_id, first_seen_at, '[]' FROM articles"
                    f" WHERE id % {every} = 0"
                ),
                {"topic": topic},
            )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def routes(n: int, rng: random.Random, words: list[str]) -> dict[str, Callable[[], str]]:
    """Route name: a maker of the next URL to request (random ids, pages and words)."""
    stories = [i + 1 for i, root in enumerate(synth.story_roots(n)) if root == i]
    return {
        "/": lambda: "/",
        "/topics/NAME": lambda: f"/topics/{rng.choice(list(TOPICS))}?page={rng.randint(1, 40)}",
        "/topics/NAME.atom": lambda: f"/topics/{rng.choice(list(TOPICS))}.atom",
        "/stories/ID": lambda: f"/stories/{rng.choice(stories)}",
        "/articles/ID": lambda: f"/articles/{rng.randrange(1, n // 10) * 10}",
        "/search?q=": lambda: "/search?" + urlencode({"q": words.pop()}),
        "/sources": lambda: "/sources",
    }


def measure(url: str, n: int, requests: int) -> dict[str, tuple[float, float]]:
    rng = random.Random(5)
    # The search benchmark's queries: 1 to 3 words of common, mid or rare frequency in turn.
    words = [q for _, q in search_queries(requests + WARMUP, synth.sampler().words)]
    app = create_app(url, topics=list(TOPICS))
    out = {}
    with TestClient(app) as client:
        for name, make in routes(n, rng, words).items():
            samples = []
            for k in range(WARMUP + requests):
                target = make()
                started = time.perf_counter()
                response = client.get(target)
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, (target, response.status_code)
                if k >= WARMUP:
                    samples.append(elapsed)
            out[name] = synth.percentiles(samples)
    app.state.engine.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=100_000, help="archive size")
    parser.add_argument("--requests", type=int, default=100, help="requests timed per route")
    parser.add_argument("--postgres", metavar="URL", help="also on this PostgreSQL server")
    parser.add_argument("--skip-sqlite", action="store_true", help="only PostgreSQL")
    parser.add_argument(
        "--keep", metavar="DIR", help="keep the archives: the SQLite file in DIR, the database"
    )
    parser.add_argument("--reuse", metavar="URL", help="time this archive, built by --keep")
    args = parser.parse_args(argv)
    synth.header(f"web view over {args.articles:,} articles")
    if args.reuse:
        upgrade(args.reuse)  # an archive kept before a later migration
        backend = make_url(args.reuse).get_backend_name()
        report(backend, args.articles, measure(args.reuse, args.articles, args.requests))
        return 0
    backends = ([] if args.skip_sqlite else ["sqlite"]) + (["postgres"] if args.postgres else [])
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            workdir = Path(args.keep) if args.keep and backend == "sqlite" else Path(tmp)
            with synth.database(backend, workdir, args.postgres, bool(args.keep)) as url:
                started = time.perf_counter()
                filler = synth.ArchiveFiller(url)
                filler.fill(
                    synth.archive_docs(range(args.articles), with_signatures=False), args.articles
                )
                filler.finish()
                filler.dispose()
                enrich(url)
                print(f"{backend}: archive built in {time.perf_counter() - started:.0f} s")
                report(backend, args.articles, measure(url, args.articles, args.requests))
    return 0


def report(backend: str, articles: int, figures: dict[str, tuple[float, float]]) -> None:
    print(f"\n| {backend}, {articles:,} articles | p50 ms | p95 ms |")
    print("| --- | ---: | ---: |")
    for name, (p50, p95) in figures.items():
        print(f"| `{name}` | {p50:.1f} | {p95:.1f} |")
    print(flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
