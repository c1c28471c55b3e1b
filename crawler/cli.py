"""The `newsmon` command line: thin typer commands over the library."""

from __future__ import annotations

import csv
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from crawler.config import DEFAULT_CONFIG_PATH, Config, ConfigError, load

app = typer.Typer(
    help="newsmon: watch the news for your topics, archive clean text, email new matches.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
alerts_app = typer.Typer(help="Alert emails.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(alerts_app, name="alerts")

err = Console(stderr=True)
EXIT_CONFIG = 2

F = TypeVar("F", bound=Callable[..., Any])


class State:
    config_path: Path | None = None
    verbose: int = 0
    quiet: bool = False

    @property
    def log_level(self) -> str:
        if self.quiet:
            return "CRITICAL"
        return {0: "WARNING", 1: "INFO"}.get(self.verbose, "DEBUG")


state = State()


@app.callback()
def main_options(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", help=f"configuration file [env NEWSMON_CONFIG; {DEFAULT_CONFIG_PATH}]"
        ),
    ] = None,
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True, help="more logging")] = 0,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="print nothing but errors")] = False,
) -> None:
    """Global options come before the command: `newsmon --config c.toml crawl`."""
    state.config_path, state.verbose, state.quiet = config, verbose, quiet
    handler = logging.StreamHandler(sys.stderr)
    # The handler's own level: Scrapy resets the root logger's level when it starts.
    handler.setLevel(state.log_level)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=state.log_level, handlers=[handler], force=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(code)


def get_config() -> Config:
    try:
        return load(state.config_path)
    except ConfigError as exc:
        raise fail(str(exc), EXIT_CONFIG) from None


def explain_schema(url: str) -> None:
    """After a database error: exit 1 with the way out when the archive is not migrated (a
    traceback full of SQL says it badly); otherwise return and let the error speak."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage.db import SchemaError, require_schema

    try:
        require_schema(url)
    except SchemaError as exc:
        raise fail(str(exc)) from None
    except SQLAlchemyError:
        return  # e.g. the server is down: the original error says so


@contextmanager
def session() -> Iterator[Any]:
    from sqlalchemy.exc import DBAPIError

    from storage.db import make_engine, session_factory

    config = get_config()
    engine = make_engine(config.database_url)
    try:
        with session_factory(engine)() as s:
            yield s
    except DBAPIError:
        explain_schema(config.database_url)
        raise
    finally:
        engine.dispose()


def parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"--since: not an ISO date or datetime: {value!r}", EXIT_CONFIG) from None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def echo_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=None) + "\n")


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
    from crawler.cycle import run_cycle
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
    from crawler.daemon import run_daemon
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
    """Per source: articles, last success, errors, 304 rate, time since the last new article;
    per recent cycle: its counters.

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


@app.command()
def reprocess(
    source: Annotated[str | None, typer.Option("--source", help="only this source")] = None,
) -> None:
    """Re-apply extraction and learned boilerplate cleaning to the stored HTML
    (needs crawl.store_html = true when the pages were fetched).

    Example: newsmon reprocess --source "Example Wire"
    """
    from crawler.reprocess import reprocess as run_reprocess
    from storage.db import make_engine, session_factory, transaction

    config = get_config()
    engine = make_engine(config.database_url)
    try:
        with transaction(session_factory(engine, write=True)) as s:
            result = run_reprocess(s, config, source)
    finally:
        engine.dispose()
    print(
        f"reprocessed {result['articles']} articles: {result['changed']} changed, "
        f"{result['no_html']} without stored HTML"
    )


# -- reading the archive --------------------------------------------------------------------
@app.command()
def search(
    query: Annotated[str, typer.Argument(help='terms, "phrases", prefix*, AND/OR/NOT')],
    topic: Annotated[str | None, typer.Option(help="only articles matching this topic")] = None,
    since: Annotated[str | None, typer.Option(help="ISO date: published or seen since")] = None,
    limit: Annotated[int, typer.Option(min=1, help="at most this many results")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="print a JSON array")] = False,
) -> None:
    """Full-text search of the archive, newest first.

    Example: newsmon search '"Antony Blinken" AND Kyiv' --since 2026-01-01 --json
    """
    from storage.search import SearchError
    from storage.search import search as run_search

    with session() as s:
        try:
            hits = run_search(s, query, topic=topic, since=parse_since(since), limit=limit)
        except SearchError as exc:
            raise fail(str(exc), EXIT_CONFIG) from None
    if as_json:
        echo_json(hits)
        return
    for hit in hits:
        print(f"{hit['id']:>6}  {hit['published_at'] or '':25.25}  {hit['source']}: {hit['title']}")
        print(f"        {hit['url']}")
        print(f"        {hit['snippet']}")


@app.command()
def show(
    ref: Annotated[str, typer.Argument(help="article id or any of its URLs")],
    as_json: Annotated[bool, typer.Option("--json", help="print the record as JSON")] = False,
) -> None:
    """One article: metadata, URLs, versions, its story and the story's other copies.

    Example: newsmon show 42 --json
    """
    from storage.queries import article_by_ref, show_record

    with session() as s:
        article = article_by_ref(s, ref)
        if article is None:
            raise fail(f"no article with id or URL {ref!r}")
        record = show_record(s, article)
    if as_json:
        echo_json(record)
        return
    for key in (
        "id",
        "title",
        "url",
        "source",
        "author",
        "published_at",
        "language",
        "status",
        "first_seen_at",
        "last_checked_at",
        "last_changed_at",
        "story_id",
        "story_canonical",
        "topics",
    ):
        print(f"{key:>16}: {record[key]}")
    for alias in record["aliases"]:
        print(f"{'alias':>16}: {alias}")
    for v in record["history"]:
        print(
            f"{'version ' + str(v['n']):>16}: {v['fetched_at']} +{v['words_added']} "
            f"-{v['words_removed']}{' headline changed' if v['headline_changed'] else ''}"
        )
    for c in record["copies"]:
        print(f"{'copy':>16}: #{c['id']} {c['source']}: {c['url']}")
    print()
    print(record["text"])


@app.command()
def diff(
    article_id: Annotated[int, typer.Argument(help="article id")],
    from_n: Annotated[
        int | None, typer.Option("--from", help="older version (default: second last)")
    ] = None,
    to_n: Annotated[int | None, typer.Option("--to", help="newer version (default: last)")] = None,
) -> None:
    """Word-level diff between two versions of an article.

    Example: newsmon diff 42 --from 1 --to 3
    """
    from crawler.diffing import render_diff, word_diff
    from storage.models import Article
    from storage.queries import version

    with session() as s:
        article = s.get(Article, article_id)
        if article is None:
            raise fail(f"no article with id {article_id}")
        to_n = to_n or article.version_count
        from_n = from_n or max(1, to_n - 1)
        old, new = version(s, article_id, from_n), version(s, article_id, to_n)
        if old is None or new is None:
            raise fail(
                f"article {article_id} has versions 1 to {article.version_count}", EXIT_CONFIG
            )
    color = sys.stdout.isatty()
    print(f"--- version {from_n} ({old.fetched_at.isoformat()})")
    print(f"+++ version {to_n} ({new.fetched_at.isoformat()})")
    print(render_diff(word_diff(old.title or "", new.title or ""), color=color))
    print()
    print(render_diff(word_diff(old.text, new.text), color=color))


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv")] = "jsonl",
    since: Annotated[str | None, typer.Option(help="ISO date: first seen since")] = None,
    topic: Annotated[str | None, typer.Option(help="only articles matching this topic")] = None,
    output: Annotated[Path | None, typer.Option(help="file to write (default: stdout)")] = None,
) -> None:
    """The archive, one article per line (jsonl) or row (csv).

    Example: newsmon export --format csv --topic ukraine-russia --output ukraine.csv
    """
    from storage.queries import EXPORT_FIELDS, iter_export

    if fmt not in ("jsonl", "csv"):
        raise fail(f"--format: expected jsonl or csv, not {fmt!r}", EXIT_CONFIG)
    out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        with session() as s:
            records = iter_export(s, since=parse_since(since), topic=topic)
            if fmt == "jsonl":
                for record in records:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
                writer.writeheader()
                for record in records:
                    record["aliases"] = " ".join(record["aliases"])
                    record["topics"] = " ".join(record["topics"])
                    writer.writerow(record)
    finally:
        if output:
            out.close()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8080,
) -> None:
    """A read-only web view of the archive: topics, stories, article diffs, search, sources.

    Any host but loopback needs web.token (or NEWSMON_WEB_TOKEN).

    Example: newsmon serve --host 127.0.0.1 --port 8080
    """
    from crawler.web.server import BindError
    from crawler.web.server import serve as run_server
    from storage.db import SchemaError

    try:
        run_server(get_config(), host, port)
    except BindError as exc:
        raise fail(str(exc), EXIT_CONFIG) from None
    except SchemaError as exc:
        raise fail(str(exc)) from None


# -- alerts, demo ----------------------------------------------------------------------------
@alerts_app.command("send")
def alerts_send() -> None:
    """Send due alerts now.

    Example: newsmon alerts send
    """
    from crawler.cycle import send_alerts

    sent = send_alerts(get_config())
    if not state.quiet:
        print(f"alerts sent: {sent}")


@alerts_app.command("test")
def alerts_test(to: Annotated[str, typer.Option("--to", help="recipient address")]) -> None:
    """Send a sample alert email to check the SMTP settings.

    Example: newsmon alerts test --to me@example.org
    """
    from crawler.alerts.sender import send_test

    try:
        message_id = send_test(get_config(), to)
    except ConfigError as exc:
        raise fail(str(exc), EXIT_CONFIG) from None
    except OSError as exc:
        raise fail(f"could not send: {exc}") from None
    print(f"sent {message_id} to {to}")


@app.command()
def demo(
    keep: Annotated[Path, typer.Option(help="folder for the demo's config and database")] = Path(
        "demo-out"
    ),
) -> None:
    """Serve the bundled demo news site on loopback, crawl it, print the matches and the email sent.

    Example: newsmon demo
    """
    from crawler.demo import run_demo

    run_demo(keep)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
