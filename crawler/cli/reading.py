"""Commands that read the archive and send its alerts: search, show, diff, export, alerts."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from crawler.cli.app import (
    EXIT_CONFIG,
    alerts_app,
    app,
    echo_json,
    fail,
    get_config,
    parse_since,
    session,
    state,
)
from crawler.config import ConfigError


# -- reading the archive --------------------------------------------------------------------
@app.command()
def search(
    query: Annotated[str, typer.Argument(help='a topic query: "phrases", NOT, title:, site:')],
    topic: Annotated[str | None, typer.Option(help="only articles matching this topic")] = None,
    since: Annotated[str | None, typer.Option(help="ISO date: published or seen since")] = None,
    limit: Annotated[int, typer.Option(min=1, help="at most this many results")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="print a JSON array")] = False,
) -> None:
    """Full-text search of the archive, newest first.

    Example: newsmon search '"Antony Blinken" AND Kyiv' --since 2026-01-01 --json
    """
    from crawler.archive.search import SearchError
    from crawler.archive.search import search as run_search

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
    from crawler.archive.lookup import article_by_ref
    from storage.queries import show_record

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
    from crawler.text.diffing import render_diff, word_diff
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
