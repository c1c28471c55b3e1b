"""Operations: the crawl lock around migrations and `reprocess`, history retention, LIKE
escaping in re-cleaning, secrets kept out of configuration errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, inspect, select

from crawler.archive.learning import reclean
from crawler.config import ConfigError, from_dict
from crawler.lock import EXIT_LOCKED, CrawlLock, lock_path
from crawler.text import boilerplate, shingles
from storage.db import make_engine, session_factory, transaction, upgrade
from storage.models import Article, BoilerplateParagraph, CrawlRun, PageError, Source, utcnow
from tests.conftest import newsmon


@pytest.fixture
def sessions(db_url: str) -> Iterator[object]:
    upgrade(db_url)
    engine = make_engine(db_url)
    yield session_factory(engine, write=True)
    engine.dispose()


# -- reclean: LIKE patterns ---------------------------------------------------------------------
def _article(session: object, source_id: int, n: int, text: str) -> Article:
    article = Article(
        url=f"https://news.example/{n}",
        source_id=source_id,
        title=f"Title {n}",
        text=text,
        content_hash=f"{n:064d}",
        words=len(shingles.shingle_words(text)),
    )
    session.add(article)  # type: ignore[attr-defined]
    return article


def test_reclean_reads_only_articles_holding_the_line_literally(sessions: object) -> None:
    """`%`, `_` (and, on PostgreSQL, the default escape `\\`) in a learned line are literal:
    a line `50% off_today \\ now` neither matches `50 percent off today` nor misses itself."""
    line = "Save 50% off_today \\ subscribe now"
    body = "A paragraph of the article itself, with enough words to stay."
    with transaction(sessions) as session:  # type: ignore[arg-type]
        source = Source(name="Example")
        session.add(source)
        session.flush()
        holder = _article(session, source.id, 1, f"{body}\n{line}")
        # matches the unescaped pattern '%Save 50% off_today \ subscribe now%' on SQLite
        _article(session, source.id, 2, f"{body}\nSave 50 percent offXtoday \\ subscribe now")
        key = boilerplate.paragraph_key(line)
        session.add(BoilerplateParagraph(source_id=source.id, key=key, docs=5, sample=line))
        session.flush()
        holder_id, source_id = holder.id, source.id
    loaded: list[int] = []
    with transaction(sessions) as session:  # type: ignore[arg-type]
        event.listen(
            session, "loaded_as_persistent", lambda _s, obj: loaded.append(getattr(obj, "id", 0))
        )
        changed = reclean(session, source_id, {key}, {key})
    assert changed == 1
    assert loaded == [holder_id]
    with sessions() as session:  # type: ignore[operator]
        assert session.get(Article, holder_id).text == body


# -- configuration errors keep secrets ------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "http://newsmon:s3cretpw@redis.example:6379/0",
        "redis:/newsmon:s3cretpw@redis.example:6379/0",
        "newsmon:s3cretpw@redis.example:6379",
        "rediss//:s3cretpw@redis.example",
    ],
)
def test_a_malformed_redis_url_is_reported_without_its_password(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        from_dict({"distributed": {"redis_url": url}})
    assert caught.value.key == "distributed.redis_url"
    assert "not a Redis URL" in str(caught.value)
    assert "s3cretpw" not in str(caught.value)


def test_the_cli_does_not_print_a_malformed_redis_urls_password(tmp_path: Path) -> None:
    config = tmp_path / "newsmon.toml"
    config.write_text(
        '[distributed]\nredis_url = "http://u:s3cretpw@127.0.0.1:6379/0"\n', encoding="utf-8"
    )
    result = newsmon("crawl", config=config)
    assert result.returncode == 2
    assert "distributed.redis_url" in result.stderr
    assert "s3cretpw" not in result.stderr + result.stdout


# -- the crawl lock comes first -------------------------------------------------------------------
def _locked_config(tmp_path: Path, db_url: str) -> tuple[Path, CrawlLock]:
    config = tmp_path / "newsmon.toml"
    config.write_text(
        f'[database]\nurl = "{db_url}"\n\n[[sources]]\nname = "S"\n'
        'feeds = ["http://127.0.0.1:9/feed.xml"]\n',
        encoding="utf-8",
    )
    return config, CrawlLock(lock_path(from_dict({"database": {"url": db_url}})))


def test_a_crawl_waiting_for_the_lock_does_not_touch_the_schema(tmp_path: Path) -> None:
    """A second cron crawl must not migrate the archive under the running one."""
    db_file = tmp_path / "newsmon.db"
    db_url = f"sqlite:///{db_file}"
    config, lock = _locked_config(tmp_path, db_url)
    with lock:
        result = newsmon("crawl", config=config)
    assert result.returncode == EXIT_LOCKED, result.stderr[-2000:]
    assert "another crawl is running" in result.stderr
    if db_file.exists():  # nothing may have been created in it
        engine = make_engine(db_url)
        try:
            assert inspect(engine).get_table_names() == []
        finally:
            engine.dispose()


# -- reprocess: under the lock, in batches --------------------------------------------------------
def test_reprocess_waits_for_no_crawl_it_exits_75_while_one_runs(
    tmp_path: Path, sqlite_url: str
) -> None:
    upgrade(sqlite_url)
    config, lock = _locked_config(tmp_path, sqlite_url)
    with lock:
        result = newsmon("reprocess", config=config)
    assert result.returncode == EXIT_LOCKED, result.stderr[-2000:]
    assert "another crawl is running" in result.stderr


def test_reprocess_commits_in_batches_and_reads_html_a_batch_at_a_time(db_url: str) -> None:
    import zlib

    from crawler.archive.ingest import Ingestor
    from crawler.archive.reprocess import reprocess
    from crawler.items import ArticlePage, FeedHints
    from crawler.process.worker import body_hash, init_worker, process_page
    from tests.test_ingest import PARAGRAPHS, page_html

    upgrade(db_url)
    init_worker([])
    config = from_dict({"database": {"url": db_url}, "crawl": {"store_html": True}})
    engine = make_engine(db_url)
    sessions = session_factory(engine, write=True)
    for n in range(5):
        url = f"https://news.example/world/{n}"
        body = page_html(f"Talks resume, day {n}", [f"Day {n}.", *PARAGRAPHS])
        page = ArticlePage(
            source="Example", url=url, urls=[url], status=200, body=b"",
            content_type="text/html", etag=None, last_modified=None, body_hash=body_hash(body),
        )  # fmt: skip
        doc = process_page(body, url, "text/html", FeedHints(), keep_html=True)
        with transaction(sessions) as session:
            Ingestor(config).page(session, page, doc)
    with transaction(sessions) as session:
        for article in session.scalars(select(Article)):
            article.text = "garbled"
    commits: list[int] = []
    html_rows: list[int] = []
    event.listen(engine, "commit", lambda _conn: commits.append(1))

    def count_html(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and "html" in statement:
            html_rows.append(1)

    event.listen(engine, "after_cursor_execute", count_html)
    stats = reprocess(sessions, config, batch_size=2)
    assert stats == {"articles": 5, "changed": 5, "no_html": 0}
    assert len(commits) >= 3  # 2 + 2 + 1: a running crawl waits for one batch at most
    assert len(html_rows) >= 3
    with sessions() as session:
        texts = list(session.scalars(select(Article.text)))
    assert all(t.startswith("Day") for t in texts), texts
    assert zlib  # (store_html kept the pages)
    engine.dispose()


# -- history retention ----------------------------------------------------------------------------
def test_a_crawl_prunes_runs_and_errors_older_than_the_retention(db_url: str) -> None:
    from crawler.cycle import start_run

    upgrade(db_url)
    config = from_dict({"database": {"url": db_url}, "crawl": {"history_retention": "30d"}})
    assert from_dict({}).crawl.history_retention == timedelta(days=90)
    engine = make_engine(db_url)
    sessions = session_factory(engine, write=True)
    now = utcnow()
    with transaction(sessions) as session:
        for age_days in (40, 31, 29, 1):
            started = now - timedelta(days=age_days)
            run = CrawlRun(started_at=started, finished_at=started, status="ok")
            session.add(run)
            session.flush()
            session.add(
                PageError(run_id=run.id, url="https://x.example/", reason="404", at=started)
            )
        session.add(PageError(url="https://y.example/", reason="old", at=now - timedelta(days=50)))
    start_run(config, now, None)
    with sessions() as session:
        ages = sorted(
            (now - r.started_at.replace(tzinfo=now.tzinfo)).days
            for r in session.scalars(select(CrawlRun))
        )
        errors = session.scalar(select(func.count()).select_from(PageError))
    engine.dispose()
    assert ages == [0, 1, 29]  # the new run, and the two within 30 days
    assert errors == 2


def test_recent_errors_counts_the_last_day_only(db_url: str) -> None:
    from storage.queries import source_stats

    upgrade(db_url)
    engine = make_engine(db_url)
    sessions = session_factory(engine, write=True)
    now = utcnow()
    with transaction(sessions) as session:
        session.add(Source(name="Example"))
        for hours in (0.5, 12, 30, 24 * 20):
            session.add(
                PageError(
                    source="Example", url="https://x.example/", reason="500",
                    at=now - timedelta(hours=hours),
                )
            )  # fmt: skip
    with sessions() as session:
        (row,) = source_stats(session)
    engine.dispose()
    assert row["recent_errors"] == 2


def test_reprocess_shows_progress_on_a_terminal(tmp_path: Path, sqlite_url: str) -> None:
    import os
    import pty
    import subprocess
    import sys

    from tests.conftest import REPO

    upgrade(sqlite_url)
    config, _ = _locked_config(tmp_path, sqlite_url)
    main, sub = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NEWSMON_CONFIG"}
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "--config", str(config), "reprocess"],
        stderr=sub, stdout=subprocess.PIPE, text=True, cwd=REPO, env=env, timeout=120,
    )  # fmt: skip
    os.close(sub)
    shown = b""
    try:
        while chunk := os.read(main, 65536):
            shown += chunk
    except OSError:  # EIO: the terminal's other end is closed
        pass
    os.close(main)
    assert result.returncode == 0, shown[-2000:]
    assert b"reprocessing" in shown
    assert "reprocessed 0 articles" in result.stdout


# -- nothing left behind --------------------------------------------------------------------------
def under_reaper(
    tmp_path: Path, config: Path, *args: str, term_after: float = -1
) -> tuple[int, list[dict[str, object]], str]:
    """Run `newsmon --config CONFIG ARGS` under tests.reaper: its exit code, the processes
    it left (alive or zombie), its stderr."""
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    stderr = tmp_path / f"stderr-{len(list(tmp_path.glob('stderr-*')))}.txt"
    cmd = [sys.executable, "-m", "crawler", "--config", str(config), *args]
    env = {k: v for k, v in os.environ.items() if k != "NEWSMON_CONFIG"}
    result = subprocess.run(
        [sys.executable, "-m", "tests.reaper", str(term_after), str(stderr), *cmd],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=400,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    return report["code"], report["left"], stderr.read_text(encoding="utf-8")


def test_a_crawl_leaves_no_process_behind_not_even_a_zombie(
    tmp_path: Path, sqlite_url: str
) -> None:
    """The extraction pool's workers and multiprocessing's resource tracker are reaped before
    `crawl` exits, so an init that never reaps orphans collects no zombie per cycle."""
    from demo import DemoSite

    with DemoSite(corpus=False, articles_per_publisher=12) as site:
        config = tmp_path / "newsmon.toml"
        config.write_text(site.config_toml(sqlite_url), encoding="utf-8")
        code, left, stderr = under_reaper(tmp_path, config, "crawl")
    assert code == 0, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    assert left == []


def test_stopping_the_resource_tracker_with_a_semaphore_alive_prints_nothing(
    tmp_path: Path,
) -> None:
    """A crawl stopped by SIGTERM may end with a pool queue's semaphore still referenced: the
    tracker must not unlink it as leaked, nor the exit then fail to (a traceback on stderr)."""
    import subprocess
    import sys

    from tests.conftest import REPO

    script = (
        "import multiprocessing as mp\n"
        "lock = mp.get_context('spawn').Lock()\n"
        "from crawler.cycle import stop_resource_tracker\n"
        "stop_resource_tracker()\n"
        "with lock: print('still usable')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert result.returncode == 0 and result.stdout == "still usable\n", result.stderr
    assert "Traceback" not in result.stderr and "leaked" not in result.stderr, result.stderr
