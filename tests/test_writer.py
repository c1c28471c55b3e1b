"""The writer process (crawler/archive/writer.py): the archive it writes is the one the crawl
process writes, whenever it takes over; when it dies, the run says so and nothing is lost."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from demo import DemoSite
from tests.conftest import REPO, fresh_postgres_database, newsmon

# crawl.writer_after: never (every write in the crawl process), from the first batch, and
# after 15 article pages (a handover with the first sources' learning under way).
MODES = {"inline": 10**9, "from the start": 0, "mid-crawl": 15}
PER_PUBLISHER = 12


def _config(site: DemoSite, db_url: str, after: int, directory: Path) -> Path:
    toml = site.config_toml(db_url)
    assert "[crawl]\n" in toml
    path = directory / f"newsmon-{after}.toml"
    path.write_text(toml.replace("[crawl]\n", f"[crawl]\nwriter_after = {after}\n", 1), "utf-8")
    return path


def _crawl(config: Path, *args: str) -> tuple[dict[str, Any], str]:
    """`newsmon crawl --json ARGS`: its summary (without ids and times) and its log."""
    done = newsmon("-vv", "crawl", "--json", *args, config=config)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    return {k: v for k, v in summary.items() if k not in ("seconds", "run_id")}, done.stderr


def _two_cycles(db_url: str, after: int, directory: Path) -> tuple[list[dict[str, Any]], str]:
    """Crawl a fresh fixture site, let it change (edits, new and gone articles), crawl again:
    both summaries and the crawls' logs."""
    with DemoSite(corpus=False, articles_per_publisher=PER_PUBLISHER) as site:
        config = _config(site, db_url, after, directory)
        first, first_log = _crawl(config)
        site.advance()
        second, second_log = _crawl(config, "--force")
    return [first, second], first_log + second_log


_PORT = re.compile(r"(//127\.\d+\.\d+\.\d+):\d+")  # each fixture site has a port of its own


def _portless(row: Any) -> tuple[Any, ...]:
    return tuple(_PORT.sub(r"\1", v) if isinstance(v, str) else v for v in row)


def archive(db_url: str) -> dict[str, Any]:
    """What a crawl stored, without ids and times: articles, stories as sets of URLs,
    versions, topic matches, learned boilerplate and source facts."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = lambda sql: sorted(_portless(r) for r in conn.execute(text(sql)))  # noqa: E731
            stories: dict[int, set[str]] = {}
            for story, url in conn.execute(text("SELECT story_id, url FROM articles")):
                stories.setdefault(story, set()).add(_PORT.sub(r"\1", url))
            return {
                "articles": rows(
                    "SELECT url, title, text, author, words, content_hash, version_count, "
                    "status FROM articles"
                ),
                "stories": sorted(sorted(urls) for urls in stories.values()),
                "versions": rows(
                    "SELECT a.url, v.n, v.text FROM versions v "
                    "JOIN articles a ON a.id = v.article_id"
                ),
                "matches": rows(
                    "SELECT m.topic, a.url, m.terms FROM topic_matches m "
                    "JOIN articles a ON a.id = m.article_id"
                ),
                "aliases": rows("SELECT url FROM article_urls"),
                "boilerplate": rows(
                    "SELECT s.name, b.key, b.docs FROM boilerplate_paragraphs b "
                    "JOIN sources s ON s.id = b.source_id"
                ),
                "facts": rows(
                    "SELECT s.name, f.kind, f.value, f.docs FROM source_facts f "
                    "JOIN sources s ON s.id = f.source_id"
                ),
            }
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], dict]:
    """Two cycles with every write in the crawl process, on SQLite."""
    directory = tmp_path_factory.mktemp("inline")
    db_url = f"sqlite:///{directory / 'newsmon.db'}"
    summaries, log = _two_cycles(db_url, MODES["inline"], directory)
    assert "writer process" not in log
    return summaries, archive(db_url)


@contextmanager
def _archive_url(backend: str, directory: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'newsmon.db'}"
        return
    from storage.db import upgrade

    with fresh_postgres_database() as url:
        upgrade(url)  # the crawl migrates SQLite archives only
        yield url


@pytest.mark.parametrize(
    ("backend", "mode"),
    [("sqlite", "from the start"), ("sqlite", "mid-crawl"), ("postgres", "from the start")],
)
def test_the_writer_process_stores_what_the_crawl_process_would(
    reference: tuple[list[dict[str, Any]], dict], tmp_path: Path, backend: str, mode: str
) -> None:
    """The same summaries, articles, texts, stories, versions, matches and learning, two
    cycles running, whether the writes move to a writer process at once or mid-crawl."""
    with _archive_url(backend, tmp_path) as db_url:
        summaries, log = _two_cycles(db_url, MODES[mode], tmp_path)
        stored = archive(db_url)
    # mid-crawl: the second cycle writes fewer pages than it takes to hand over
    handovers = 2 if MODES[mode] == 0 else 1
    assert log.count("archive writes go to a writer process") == handovers, log[-3000:]
    expected_summaries, expected = reference
    assert summaries == expected_summaries
    assert stored["articles"] and stored["matches"] and stored["boilerplate"]
    for part, rows in expected.items():
        assert stored[part] == rows, part


def _writer_pid(crawl: int) -> int | None:
    """The crawl's writer process (it names itself newsmon-writer), if it runs."""
    try:
        children = Path(f"/proc/{crawl}/task/{crawl}/children").read_text().split()
    except OSError:
        return None
    for pid in map(int, children):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "newsmon-writer":
                return pid
        except OSError:
            continue
    return None


def _crawl_with_writer(config: Path) -> tuple[subprocess.Popen[str], int]:
    """Start a crawl in a process group of its own (as under a terminal or systemd); return
    once its writer process runs."""
    env = {k: v for k, v in os.environ.items() if k != "NEWSMON_CONFIG"}
    cmd = [sys.executable, "-m", "crawler", "--config", str(config), "crawl", "--json"]
    crawl = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while (writer := _writer_pid(crawl.pid)) is None and crawl.poll() is None:
        assert time.monotonic() < deadline, "no writer process appeared"
        time.sleep(0.02)
    assert writer is not None, "the crawl ended before its writer process appeared"
    return crawl, writer


def _articles(db_url: str) -> int:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        stored = int(conn.execute(text("SELECT count(*) FROM articles")).scalar_one())
    engine.dispose()
    return stored


def test_a_killed_writer_fails_the_run_and_the_next_one_stores_everything(
    tmp_path: Path,
) -> None:
    """The OOM killer takes the writer mid-crawl: the crawl writes the rest itself, ends
    with the run marked failed (the batches lost), and the next run, not trusting that run's
    listing validators, stores every article the site has."""
    db_url = f"sqlite:///{tmp_path / 'newsmon.db'}"
    with DemoSite(corpus=False, articles_per_publisher=40) as site:
        config = _config(site, db_url, 0, tmp_path)
        crawl, writer = _crawl_with_writer(config)
        os.kill(writer, signal.SIGKILL)
        out, err = crawl.communicate(timeout=300)
        assert crawl.returncode != 0, "a run that lost writes must not pass for complete"
        killed = json.loads(out.strip().splitlines()[-1])
        assert killed["status"] == "failed" and "writes were lost" in killed["error"], killed
        assert "writer process died" in err, err[-3000:]
        after, _ = _crawl(config)
        stored = _articles(db_url)
    assert after["status"] == "ok"
    assert stored == killed["new_articles"] + after["new_articles"]
    assert stored == _reference_count(tmp_path)


def _reference_count(directory: Path) -> int:
    """Articles an uninterrupted crawl of the same site stores."""
    db_url = f"sqlite:///{directory / 'reference.db'}"
    with DemoSite(corpus=False, articles_per_publisher=40) as site:
        summary, _ = _crawl(_config(site, db_url, MODES["inline"], directory))
    return int(summary["new_articles"])


def test_a_stop_signal_to_the_whole_process_group_loses_no_write(tmp_path: Path) -> None:
    """Ctrl-C, or a service manager stopping the crawl, signals every process of it: the
    writer lives on to write what the stopping crawl sends it."""
    db_url = f"sqlite:///{tmp_path / 'newsmon.db'}"
    with DemoSite(corpus=False, articles_per_publisher=40) as site:
        config = _config(site, db_url, 0, tmp_path)
        crawl, _ = _crawl_with_writer(config)
        time.sleep(0.5)  # batches on their way to the writer
        os.killpg(crawl.pid, signal.SIGTERM)
        out, err = crawl.communicate(timeout=300)
    summary = json.loads(out.strip().splitlines()[-1])
    assert "writes were lost" not in str(summary.get("error")), err[-3000:]
    assert "writer process died" not in err
    assert _articles(db_url) == summary["new_articles"] > 0
