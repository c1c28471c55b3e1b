"""Time to deduplicate one new article against archives of 1k, 10k and 100k stored articles."""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import synth  # noqa: E402
from crawler.archive.ingest import Ingestor  # noqa: E402
from crawler.config import Config  # noqa: E402
from crawler.items import Processed  # noqa: E402
from storage.db import make_engine, session_factory  # noqa: E402
from storage.models import Article, Story, utcnow  # noqa: E402

# Probe articles are numbered from here, far beyond any archive article.
PROBE_BASE = 50_000_000
WARMUP = 10


@dataclass(frozen=True)
class Probe:
    doc: synth.Doc
    story_id: int | None  # the story it must join; None: it must start a new one


@dataclass(frozen=True)
class Result:
    size: int
    build_seconds: float
    p50_ms: float
    p95_ms: float
    cpu_p50_ms: float  # this process's CPU: on SQLite all the work, and robust to a busy machine
    candidates: float
    correct: int
    probes: int


def probes(n: int, size: int, roots: list[int]) -> list[Probe]:
    """Half republications of random stored articles, half new articles."""
    rng = random.Random(size)
    out = []
    for k in range(n):
        seed = PROBE_BASE + k
        if k % 2 == 0:
            j = rng.randrange(size)
            title, body = synth.sampler().near_copy(*synth.archive_text(j), seed=seed)
            out.append(Probe(synth.fingerprint(seed, title, body), roots[j] + 1))
        else:
            out.append(Probe(synth.fingerprint(seed, *synth.sampler().article(seed)), None))
    return out


def processed(doc: synth.Doc) -> Processed:
    """What the worker hands the ingestor for this text."""
    return Processed(
        title=doc.title,
        text=doc.text,
        raw_text=None,
        author=None,
        published_at=None,
        language="en",
        site_name=None,
        canonical_url=None,
        foreign_canonical=None,
        content_hash=doc.content_hash,
        text_hash=doc.text_hash,
        words=doc.words,
        signature=doc.signature,
        bands=doc.bands,
    )


def time_one(
    factory: sessionmaker[Session], ingestor: Ingestor, probe: Probe
) -> tuple[float, float, int, bool]:
    """Seconds of `assign_story` (plus the flush of what it adds) for one new article, inside a
    transaction rolled back afterwards so that the archive keeps its size; also its CPU seconds,
    the number of LSH candidates and whether the story chosen is the right one."""
    doc = probe.doc
    now = utcnow()
    with factory() as session:
        session.begin()
        article = Article(
            url=f"https://probe.example/{doc.seed}.html",
            source_id=1,
            title=doc.title,
            text=doc.text,
            first_seen_at=now,
            last_checked_at=now,
            last_changed_at=now,
            content_hash=doc.content_hash,
            text_hash=doc.text_hash,
            words=doc.words,
            signature=doc.signature,
        )
        session.add(article)
        session.flush()
        started, cpu_started = time.perf_counter(), time.thread_time()
        ingestor.assign_story(session, article, processed(doc))
        session.flush()
        seconds, cpu = time.perf_counter() - started, time.thread_time() - cpu_started
        candidates = len(ingestor._candidates(session, article, processed(doc)))
        if probe.story_id is not None:
            correct = article.story_id == probe.story_id
        else:  # assign_story made a new story whose canonical copy is this article
            story = session.get(Story, article.story_id)
            correct = story is not None and story.canonical_article_id == article.id
        session.rollback()
    return seconds, cpu, candidates, correct


def measure(url: str, size: int, build: float, n: int, roots: list[int]) -> Result:
    ingestor = Ingestor(Config.model_validate({"database": {"url": url}}))
    engine = make_engine(url)
    factory = session_factory(engine, write=True)
    batch = probes(n + WARMUP, size, roots)
    times, cpus, cands, correct = [], [], [], 0
    for i, probe in enumerate(batch):
        seconds, cpu, candidates, ok = time_one(factory, ingestor, probe)
        if i < WARMUP:
            continue
        times.append(seconds * 1000)
        cpus.append(cpu * 1000)
        cands.append(candidates)
        correct += ok
    engine.dispose()
    p50, p95 = synth.percentiles(times)
    cpu_p50 = synth.percentiles(cpus)[0]
    return Result(size, build, p50, p95, cpu_p50, sum(cands) / len(cands), correct, n)


def run(backend: str, url: str, sizes: list[int], n: int) -> list[Result]:
    filler = synth.ArchiveFiller(url)
    results = []
    stored = 0
    for size in sizes:
        started = time.perf_counter()
        filler.fill(synth.archive_docs(range(stored, size)), size - stored)
        filler.finish()
        stored = size
        build = time.perf_counter() - started
        result = measure(url, size, build, n, filler.roots)
        results.append(result)
        print(
            f"{backend:8} {size:>7,} articles: p50 {result.p50_ms:6.2f} ms  "
            f"p95 {result.p95_ms:6.2f} ms  (CPU p50 {result.cpu_p50_ms:5.2f} ms)  "
            f"LSH candidates {result.candidates:5.2f}/article  joined the right story "
            f"{result.correct}/{result.probes}  (archive grown in {build:.0f} s)",
            flush=True,
        )
    filler.dispose()
    first, last = results[0], results[-1]
    print(
        f"{backend:8} ratio {last.size:,}/{first.size:,}: p50 {last.p50_ms / first.p50_ms:.2f}x  "
        f"p95 {last.p95_ms / first.p95_ms:.2f}x  CPU p50 {last.cpu_p50_ms / first.cpu_p50_ms:.2f}x"
    )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000", help="archive sizes, ascending")
    parser.add_argument("--articles", type=int, default=200, help="new articles timed per size")
    parser.add_argument("--postgres", metavar="URL", help="also on this PostgreSQL server")
    parser.add_argument("--skip-sqlite", action="store_true", help="only PostgreSQL")
    parser.add_argument("--keep", metavar="DIR", help="keep the SQLite archive in DIR")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    synth.header("dedup: one new article against an archive (Ingestor.assign_story)")
    _, _, vocab = synth.vocabulary()
    print(f"texts:   {vocab}; 300-900 words; 10% of the archive and half the probes are copies")
    backends = ([] if args.skip_sqlite else ["sqlite"]) + (["postgresql"] if args.postgres else [])
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(args.keep or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for backend in backends:
            kind = "sqlite" if backend == "sqlite" else "postgres"
            with synth.database(kind, workdir, args.postgres, bool(args.keep)) as url:
                run(backend, url, sizes, args.articles)
    print(f"load average at the end: {synth.load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
