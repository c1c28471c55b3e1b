"""Shared by the benchmarks: synthetic article texts, fast archive fills, timing figures."""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
import platform
import random
import re
import shlex
import sys
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url

from crawler.text import dedup, shingles
from crawler.text.normalise import content_hash, normalise_text
from storage.db import make_engine, upgrade
from storage.models import Article, LshBand, Source, Story

REPO = Path(__file__).resolve().parent.parent
# Archive articles are published five minutes apart, the newest last.
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
# One in ten archive articles republishes an earlier one (same story), as syndication does.
COPY_SHARE = 0.1
# Words a document draws from its own small topic vocabulary rather than the language's:
# real texts are bursty (an article on a subject repeats that subject's words).
TOPIC_SHARE = 0.15
BOILERPLATE_LINES = (
    "Read more: our coverage of the story so far",
    "Sign up for our morning newsletter",
    "Source link",
    "This article has been updated with additional reporting.",
)


# --- The machine and the command line -------------------------------------------------------------
def machine() -> str:
    """`nproc` and the CPU model, as docs/benchmarks.md records them."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"


def command() -> str:
    """The command that reproduces this run, from the repository root."""
    script = Path(sys.argv[0]).resolve()
    try:
        shown = str(script.relative_to(REPO))
    except ValueError:
        shown = str(script)
    return " ".join([".venv/bin/python", shown, *map(shlex.quote, sys.argv[1:])])


def load() -> str:
    """The 1-minute load average: other work on the machine skews every figure."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "unknown"


def header(title: str) -> None:
    print(f"# {title}")
    print(f"command: {command()}")
    print(f"machine: {machine()}")
    print(f"date:    {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, load average {load()}")


def percentiles(samples: Sequence[float]) -> tuple[float, float]:
    """p50 and p95 of the samples."""
    p50, p95 = np.percentile(np.asarray(samples, dtype=float), [50, 95])
    return float(p50), float(p95)


# --- Text -----------------------------------------------------------------------------------------
def corpus_dir() -> Path:
    return Path(
        os.environ.get("NEWSMON_CORPUS_DIR", REPO.parent / "shared" / "corpus" / "readability")
    )


_WORD = re.compile(r"[a-z]+")
_SYLLABLES = ("ka", "to", "ri", "men", "sa", "lo", "ver", "an", "tu", "pel", "dor", "ni", "que")


def _synthetic_vocabulary(size: int = 18_000) -> tuple[list[str], list[int]]:
    rng = random.Random(7)
    words: dict[str, None] = {}
    while len(words) < size:
        words["".join(rng.choices(_SYLLABLES, k=rng.randint(1, 4)))] = None
    # Zipf: the r-th word is r times rarer than the first.
    return list(words), [max(1, 100_000 // r) for r in range(1, size + 1)]


def vocabulary() -> tuple[list[str], list[int], str]:
    """Words with their frequencies, most frequent first, and where they come from.

    The real texts of the readability corpus (expected.txt of its real pages) give real English
    words with real frequencies; without the corpus a Zipf-weighted synthetic vocabulary is used.
    """
    root = corpus_dir()
    counts: dict[str, int] = {}
    for expected in sorted(root.glob("*/expected.txt")):
        for word in _WORD.findall(expected.read_text(encoding="utf-8", errors="replace").lower()):
            if len(word) > 1 or word == "a":
                counts[word] = counts.get(word, 0) + 1
    if len(counts) < 5000:
        words, freqs = _synthetic_vocabulary()
        return words, freqs, "synthetic (Zipf, 18,000 words: corpus not found)"
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [w for w, _ in ranked], [c for _, c in ranked], f"readability corpus ({root})"


class TextSampler:
    """Seeded article texts: paragraphs of sentences of words drawn by frequency, each article
    with a few topic words of its own, so that texts differ as news texts do (their 5-word
    shingles are nearly all distinct) while common words recur everywhere."""

    def __init__(self, words: list[str], freqs: list[int]) -> None:
        self.words = words
        self.cum = list(itertools.accumulate(freqs))
        # Topic words: neither the commonest (function words) nor hapaxes.
        self.topical = words[100 : min(len(words), 8000)]

    def _tokens(self, rng: random.Random, n: int, topic: list[str]) -> list[str]:
        tokens = rng.choices(self.words, cum_weights=self.cum, k=n)
        for i in range(n):
            if rng.random() < TOPIC_SHARE:
                tokens[i] = rng.choice(topic)
        return tokens

    def article(self, seed: int) -> tuple[str, str]:
        """(title, text) of article `seed`: 300 to 900 words in paragraphs of 1-4 sentences."""
        rng = random.Random(seed)
        topic = rng.sample(self.topical, 30)
        tokens = self._tokens(rng, rng.randint(300, 900), topic)
        sentences = []
        while tokens:
            k = rng.randint(8, 28)
            words, tokens = tokens[:k], tokens[k:]
            sentences.append(words[0].capitalize() + " " + " ".join(words[1:]) + ".")
        paragraphs = []
        while sentences:
            k = rng.randint(1, 4)
            paragraphs.append(" ".join(sentences[:k]))
            sentences = sentences[k:]
        title_words = self._tokens(rng, rng.randint(6, 12), topic)
        return " ".join(title_words).capitalize(), "\n".join(paragraphs)

    def near_copy(self, title: str, body: str, seed: int) -> tuple[str, str]:
        """A republication: a short paragraph dropped (at most 10% of the words), a boilerplate
        line added, 2% of words changed; a copy as newsmon must still fold into its story."""
        rng = random.Random(seed)
        paragraphs = body.split("\n")
        total = len(body.split())
        short = [i for i, p in enumerate(paragraphs) if i and len(p.split()) <= total // 10]
        if short:
            del paragraphs[rng.choice(short)]
        paragraphs.insert(rng.randrange(1, len(paragraphs) + 1), rng.choice(BOILERPLATE_LINES))
        changed = []
        for paragraph in paragraphs:
            words = paragraph.split(" ")
            for i in range(len(words)):
                if rng.random() < 0.02:
                    words[i] = rng.choice(self.topical)
            changed.append(" ".join(words))
        return title, "\n".join(changed)


# --- Archive documents ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Doc:
    """One synthetic article with everything the worker would compute for it."""

    seed: int
    title: str
    text: str
    words: int
    text_hash: str
    content_hash: str
    signature: bytes | None
    bands: list[int]


def archive_parent(i: int) -> int | None:
    """The archive article that article `i` republishes, or None for an original."""
    rng = random.Random(f"parent-{i}")
    return rng.randrange(i) if i > 0 and rng.random() < COPY_SHARE else None


def fingerprint(seed: int, title: str, body: str) -> Doc:
    """What `crawler.process.worker.process_page` computes from a text, with the same
    functions."""
    sig = dedup.signature(body)
    return Doc(
        seed=seed,
        title=title,
        text=body,
        words=len(shingles.shingle_words(body)),
        text_hash=hashlib.sha256(normalise_text(body).encode()).hexdigest(),
        content_hash=content_hash(title, body),
        signature=sig,
        bands=dedup.band_hashes(sig) if sig is not None else [],
    )


_sampler: TextSampler | None = None


def sampler() -> TextSampler:
    global _sampler
    if _sampler is None:
        words, freqs, _ = vocabulary()
        _sampler = TextSampler(words, freqs)
    return _sampler


def archive_text(i: int) -> tuple[str, str]:
    parent = archive_parent(i)
    if parent is None:
        return sampler().article(i)
    return sampler().near_copy(*archive_text(parent), seed=i)


def archive_doc(i: int) -> Doc:
    return fingerprint(i, *archive_text(i))


def archive_docs(ids: Iterable[int], *, with_signatures: bool = True) -> Iterator[Doc]:
    """Archive documents made in a pool of one process per core (fork: they share the
    vocabulary already loaded here), in the order of `ids`."""
    sampler()
    func = archive_doc if with_signatures else _archive_doc_text_only
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(os.cpu_count() or 1) as pool:
        yield from pool.imap(func, ids, chunksize=250)


def _archive_doc_text_only(i: int) -> Doc:
    title, body = archive_text(i)
    return Doc(i, title, body, 0, "", content_hash(title, body), None, [])


def story_roots(n: int) -> list[int]:
    """For archive articles 0..n-1, the original each one's story starts from."""
    roots: list[int] = []
    for i in range(n):
        parent = archive_parent(i)
        roots.append(i if parent is None else roots[parent])
    return roots


# --- Databases ------------------------------------------------------------------------------------
@contextmanager
def database(kind: str, workdir: Path, postgres: str | None, keep: bool) -> Iterator[str]:
    """A fresh, migrated archive: a SQLite file in `workdir`, or a new PostgreSQL database on
    the server of `postgres` (dropped afterwards unless `keep`)."""
    if kind == "sqlite":
        path = workdir / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    assert postgres is not None
    name = f"newsmon_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        if keep:
            print(f"kept PostgreSQL database {name}")
        else:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def article_row(doc: Doc, story_id: int | None, source_id: int) -> dict[str, Any]:
    """The articles row of archive document `doc` (its id is seed + 1)."""
    when = EPOCH + timedelta(minutes=5 * doc.seed)
    return {
        "id": doc.seed + 1,
        "url": f"https://news{doc.seed % 50}.example/{doc.seed}.html",
        "source_id": source_id,
        "story_id": story_id,
        "title": doc.title,
        "text": doc.text,
        "published_at": when,
        "first_seen_at": when,
        "last_checked_at": when,
        "last_changed_at": when,
        "content_hash": doc.content_hash,
        "text_hash": doc.text_hash,
        "words": doc.words,
        "signature": doc.signature,
    }


class ArchiveFiller:
    """Bulk INSERTs of archive documents: stories, articles and their LSH bands."""

    BATCH = 2000

    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url)
        self.roots: list[int] = []
        with self.engine.begin() as conn:
            conn.execute(insert(Source), [{"id": 1, "name": "bench", "created_at": EPOCH}])

    def fill(self, docs: Iterable[Doc], count: int) -> None:
        """Append `count` documents (the next ones in id order) to the archive."""
        self.roots = story_roots(len(self.roots) + count)
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= self.BATCH:
                self._write(batch)
                batch = []
        if batch:
            self._write(batch)

    def _write(self, batch: list[Doc]) -> None:
        stories = [
            {"id": d.seed + 1, "canonical_article_id": d.seed + 1, "created_at": EPOCH}
            for d in batch
            if self.roots[d.seed] == d.seed
        ]
        articles = [article_row(d, self.roots[d.seed] + 1, 1) for d in batch]
        bands = [
            {"band": b, "hash": h, "article_id": d.seed + 1}
            for d in batch
            for b, h in enumerate(d.bands)
        ]
        with self.engine.begin() as conn:
            if stories:
                conn.execute(insert(Story), stories)
            conn.execute(insert(Article), articles)
            if bands:
                conn.execute(insert(LshBand), bands)

    def finish(self) -> None:
        """Story copy counts; on PostgreSQL fresh planner statistics, as autovacuum keeps them
        (newsmon never runs ANALYZE on SQLite, so neither does this)."""
        with self.engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE stories SET copies = (SELECT count(*) FROM articles "
                    "WHERE articles.story_id = stories.id)"
                )
            )
        if self.engine.dialect.name == "postgresql":
            with self.engine.begin() as conn:  # rows were inserted with explicit ids
                for table in ("sources", "stories", "articles"):
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))

    def dispose(self) -> None:
        self.engine.dispose()
