"""Commands that set up and run the crawl: init, db, crawl, run, stats, reprocess, demo."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from crawler.cli.app import (
    EXIT_CONFIG,
    app,
    db_app,
    echo_json,
    err,
    fail,
    get_config,
    session,
    state,
)
from crawler.config import DEFAULT_CONFIG_PATH, ConfigError, load


# -- init and db --------------------------------------------------------------------------
@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="where to write config/newsmon.toml")] = Path(
        "."
    ),
) -> None:
    """Write a commented starter config and create the database.

    Example: newsmon init ~/newsmon && cd ~/newsmon && newsmon crawl
    """
    from sqlalchemy.engine import make_url

    from crawler.starter import write_starter
    from storage.db import upgrade

    path = write_starter(directory)
    config = load(path)
    db_url = config.database_url
    if db_url.startswith("sqlite:///") and not db_url.startswith("sqlite:////"):
        # A relative SQLite path is relative to the project directory.
        db_url = "sqlite:///" + str(directory / db_url.removeprefix("sqlite:///"))
    upgrade(db_url)
    # NEWSMON_DATABASE_URL may carry a password: never print it.
    shown = make_url(db_url).render_as_string(hide_password=True)
    err.print(f"wrote {path}; database ready at {shown}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations.

    Example: newsmon --config config/newsmon.toml db upgrade
    """
    from storage.db import upgrade

    upgrade(get_config().database_url)


@db_app.command("current")
def db_current() -> None:
    """Show the database's migration revision and the newest one.

    Example: newsmon db current
    """
    from storage.db import current_revision, head_revision, make_engine

    url = get_config().database_url
    engine = make_engine(url)
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    head = head_revision(url)
    print(
        f"current: {current or '(empty database)'}; head: {head}"
        + (" (up to date)" if current == head else "")
    )


# -- crawl ---------------------------------------------------------------------------------
def summary_line(summary: dict[str, Any]) -> str:
    from storage.models import COUNTERS

    parts = ", ".join(f"{k} {summary[k]}" for k in COUNTERS)
    return f"crawl {summary['status']} in {summary['seconds']}s: {parts}"


@app.command()
def crawl(
    source: Annotated[
        list[str] | None, typer.Option("--source", help="only this source (repeatable)")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the summary as one JSON object")
    ] = False,
    revisits_only: Annotated[
        bool, typer.Option("--revisits-only", help="poll no source; only revisit what is due")
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="poll sources even if their feed TTL or backoff says wait"),
    ] = False,
) -> None:
    """Run one full cycle, then exit: discover, fetch, extract, dedup, store, revisit, match, alert.

    Example: newsmon crawl --source "Example Wire" --json
    """
    from crawler.cycle import run_cycle, stop_resource_tracker
    from crawler.lock import EXIT_LOCKED, LockedError
    from storage.db import SchemaError

    config = get_config()
    try:
        summary = run_cycle(
            config,
            source or [],
            log_level=state.log_level,
            progress=sys.stderr.isatty() and not state.quiet and not as_json,
            revisits_only=revisits_only,
            force=force,
        )
    except ConfigError as exc:
        raise fail(str(exc), EXIT_CONFIG) from None
    except LockedError as exc:
        raise fail(str(exc), EXIT_LOCKED) from None
    except SchemaError as exc:
        raise fail(str(exc)) from None
    finally:
        stop_resource_tracker()  # no child of the crawl outlives it, not even as a zombie
    if as_json:
        echo_json(summary)
    elif not state.quiet:
        print(summary_line(summary))
    if summary["status"] == "failed":
        raise fail(summary.get("error") or "the crawl failed")


@app.command()
def run() -> None:
    """Run the daemon: poll each source at its `every`, revisit and send alerts, until SIGTERM.

    Example: newsmon --config /etc/newsmon.toml run
    """
    from crawler.schedule.daemon import run_daemon
    from storage.db import SchemaError

    config = get_config()
    path = state.config_path or Path(os.environ.get("NEWSMON_CONFIG") or DEFAULT_CONFIG_PATH)
    try:
        run_daemon(config, path)
    except SchemaError as exc:
        raise fail(str(exc)) from None


@app.command()
def stats(
    runs: Annotated[int, typer.Option(help="how many recent cycles to list")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Per source: its health, articles, last success, errors, 304 rate, time since the last
    new article, today's counters; per recent cycle: its counters.

    Example: newsmon stats --runs 5
    """
    from storage.queries import run_stats, source_stats

    with session() as s:
        data = {"sources": source_stats(s), "runs": run_stats(s, runs)}
    if as_json:
        echo_json(data)
        return
    print(
        f"{'source':30} {'articles':>8} {'errors':>6} {'304 rate':>8}  "
        "last success / last new article"
    )
    for row in data["sources"]:
        rate = f"{row['not_modified_rate']:.0%}" if row["not_modified_rate"] is not None else "-"
        stale = "  STOPPED YIELDING" if row["stale"] else ""
        print(
            f"{row['source'][:30]:30} {row['articles']:>8} {row['errors']:>6} {rate:>8}  "
            f"{row['last_success_at'] or '-'} / {row['last_new_article_at'] or '-'}{stale}"
        )
        _print_health(row)
    print()
    for r in data["runs"]:
        counters = " ".join(
            f"{k}={r[k]}"
            for k in (
                "fetched",
                "new_articles",
                "new_versions",
                "not_modified",
                "duplicates",
                "errors",
                "matches",
                "alerts_sent",
            )
        )
        print(f"run {r['id']} {r['started_at']} {r['status']}: {counters}")


def _print_health(row: dict[str, Any]) -> None:
    """A source's verdict and today's counters, under its line of `stats`."""
    verdict = "healthy" if row["healthy"] else f"UNHEALTHY: {row['health_problem']}"
    today = row["days"][0] if row["days"] else None
    if today:
        rate = today["not_modified_rate"]
        verdict += (
            f"; {today['day']}: {today['polls']} polls, {today['articles']} new, "
            f"{today['errors']} errors, median words {today['median_words'] or '-'}, "
            f"304 rate {'-' if rate is None else f'{rate:.0%}'}"
        )
    print(f"  {verdict}")


@app.command()
def reprocess(
    source: Annotated[str | None, typer.Option("--source", help="only this source")] = None,
) -> None:
    """Re-apply extraction and learned boilerplate cleaning to the stored HTML
    (needs crawl.store_html = true when the pages were fetched).

    Example: newsmon reprocess --source "Example Wire"
    """
    from crawler.archive.reprocess import reprocess as run_reprocess
    from crawler.lock import EXIT_LOCKED, CrawlLock, LockedError, lock_path
    from storage.db import make_engine, session_factory

    config = get_config()
    engine = make_engine(config.database_url)
    try:
        # Under the crawl lock, as a crawl: the two rewrite the same articles.
        with CrawlLock(lock_path(config)), progress_bar("reprocessing") as bar:
            result = run_reprocess(
                session_factory(engine, write=True), config, source, progress=bar
            )
    except LockedError as exc:
        raise fail(str(exc), EXIT_LOCKED) from None
    finally:
        engine.dispose()
    print(
        f"reprocessed {result['articles']} articles: {result['changed']} changed, "
        f"{result['no_html']} without stored HTML"
    )


@contextmanager
def progress_bar(what: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr when it is a terminal (and not --quiet): a callback taking
    (done, total); None otherwise."""
    if state.quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress

    with Progress(console=err, transient=True) as bar:
        task = bar.add_task(what, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


@app.command()
def demo(
    keep: Annotated[Path, typer.Option(help="folder for the demo's config and database")] = Path(
        "demo-out"
    ),
) -> None:
    """Serve the bundled demo news site on loopback, crawl it, print the matches and the email sent.

    Example: newsmon demo
    """
    from demo.run import run_demo

    run_demo(keep)
