"""The crawl's write path alone: CPU a page of `Ingestor.page` on pages extracted beforehand."""

from __future__ import annotations

import argparse
import cProfile
import json
import pickle
import pstats
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import synth  # noqa: E402
from benchmarks.crawl import TOPICS, config_toml  # noqa: E402
from crawler.items import ArticlePage, FeedHints  # noqa: E402

BATCH = 50  # the pipeline's BATCH_ITEMS
FTS_TRIGGERS = ("articles_fts_ai", "articles_fts_ad", "articles_fts_au")


def _extract(job: tuple[str, str]) -> Any:
    from crawler.process.worker import process_page

    path, url = job
    return process_page(Path(path).read_bytes(), url, "text/html; charset=utf-8", FeedHints())


def _init() -> None:
    from crawler.process.worker import init_worker

    init_worker(list(TOPICS))


def extracted(site: Path, n: int) -> list[tuple[str, str, Any]]:
    """(source, url, what the worker made of it) for the site's first `n` pages; cached
    beside the site, as extraction is not what is measured."""
    cache = site / f"extracted-{n}.pickle"
    if cache.exists():
        return list(pickle.loads(cache.read_bytes()))
    pages = json.loads((site / "manifest.json").read_text())["pages"][:n]
    jobs = [(str(site / p["path"].lstrip("/")), f"http://127.0.0.1:1{p['path']}") for p in pages]
    with ProcessPoolExecutor(initializer=_init) as pool:
        docs = list(pool.map(_extract, jobs, chunksize=10))
    out = [(p["source"], url, doc) for p, (_, url), doc in zip(pages, jobs, docs, strict=True)]
    cache.write_bytes(pickle.dumps(out))
    return out


def replay(items: list[tuple[str, str, Any]], db: Path, *, fts: bool, profile: bool) -> float:
    """Store the pages as new articles, BATCH a transaction as the pipeline does; returns the
    CPU seconds of the stores (this process: on SQLite, all of the work)."""
    from crawler.archive.ingest import Ingestor
    from crawler.config import load
    from storage.db import make_engine, serialise_writers, session_factory, transaction, upgrade

    url = f"sqlite:///{db}"
    upgrade(url)
    if not fts:
        with sqlite3.connect(db) as conn:
            for name in FTS_TRIGGERS:
                conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    toml = db.with_suffix(".toml")
    sources = sorted({source for source, _, _ in items})
    toml.write_text(config_toml(db, 1, sources, 32, 0))
    ingestor = Ingestor(load(toml))
    engine = make_engine(url)
    sessions = session_factory(engine, write=True)
    profiler = cProfile.Profile(time.process_time) if profile else None
    started = time.process_time()
    if profiler is not None:
        profiler.enable()
    for start in range(0, len(items), BATCH):
        with transaction(sessions) as session, ingestor.batch(session):
            serialise_writers(session)
            for source, page_url, doc in items[start : start + BATCH]:
                page = ArticlePage(source, page_url, [page_url], 200, b"", "text/html", None, None)
                page.body_hash = "0" * 64
                ingestor.page(session, page, doc)
    if profiler is not None:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumtime").print_stats(30)
    engine.dispose()
    return time.process_time() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("site", type=Path, help="a site crawl.py kept (--keep DIR: DIR/site)")
    parser.add_argument("--pages", type=int, default=600, help="pages replayed (600)")
    parser.add_argument("--no-fts", action="store_true", help="without SQLite's FTS5 triggers")
    parser.add_argument("--profile", action="store_true", help="cProfile the stores (CPU time)")
    args = parser.parse_args(argv)
    synth.header(f"ingest: the write path on {args.pages} extracted pages of {args.site}")
    items = extracted(args.site, args.pages)
    with tempfile.TemporaryDirectory() as tmp:
        cpu = replay(items, Path(tmp) / "ingest.db", fts=not args.no_fts, profile=args.profile)
    print(
        f"Ingestor.page: {cpu / len(items) * 1000:.2f} ms CPU a page over {len(items)} new "
        f"articles, {BATCH} a transaction{' (no FTS5 triggers)' if args.no_fts else ''}; "
        f"load average at the end {synth.load()}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
