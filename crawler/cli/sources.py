"""Commands about sources: `sources add` (from a publisher's address) and `sources check`."""

from __future__ import annotations

import os
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import tomlkit
import typer

from crawler.cli.app import EXIT_CONFIG, app, echo_json, err, fail, get_config, state
from crawler.config import DEFAULT_CONFIG_PATH, Config, ConfigError, from_dict

sources_app = typer.Typer(help="Sources: add one by its address, check them.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")

# An added source's polling interval follows its publishing rate within these.
EVERY_MIN, EVERY_MAX = "5m", "1h"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def config_path() -> Path:
    return state.config_path or Path(os.environ.get("NEWSMON_CONFIG") or DEFAULT_CONFIG_PATH)


def _host(url: str) -> str:
    return (urlsplit(url).netloc or "").lower().removeprefix("www.")


def already_configured(config: Config, url: str, name: str | None) -> str | None:
    """Why `url` (or `name`) cannot be added: a source has that name, or lists that host."""
    for source in config.sources:
        if name is not None and source.name == name:
            return f"a source named {name!r} is already configured"
        if any(_host(u) == _host(url) for u in [*source.feeds, *source.sitemaps, *source.pages]):
            return f"{_host(url)} is already configured, as source {source.name!r}"
    return None


def source_table(found: Any, name: str) -> dict[str, Any]:
    """The [[sources]] table of what `sources add` found (only the keys it sets)."""
    table: dict[str, Any] = {"name": name}
    if found.feeds:
        table["feeds"] = list(found.feeds)
    if found.sitemaps:
        table["sitemaps"] = list(found.sitemaps)
    if found.pages:
        table.update(pages=found.pages, follow=found.follow)
        if found.paginate:
            table["paginate"] = found.paginate
    table.update(every_min=EVERY_MIN, every_max=EVERY_MAX)
    return table


def with_source(text: str, table: dict[str, Any], note: str) -> str:
    """The configuration `text` with one more [[sources]] table; comments and layout kept."""
    doc = tomlkit.parse(text)
    item = tomlkit.table()
    item.add(tomlkit.comment(note))
    for key, value in table.items():
        item.add(key, value)
    if "sources" not in doc:
        doc.append("sources", tomlkit.aot())
    doc["sources"].append(item)
    return tomlkit.dumps(doc)


def _print_found(found: Any) -> None:
    print(f"{found.url}: {found.name}")
    for label, listed in (("feed", found.feeds), ("sitemap", found.sitemaps)):
        for url, links in listed.items():
            print(f"  {label:8} {url} ({links} links)")
    for url in found.pages:
        print(f"  page     {url}")
    if found.pages:
        print(
            f"  follow   {found.follow}"
            + (f"  paginate {found.paginate}" if found.paginate else "")
        )
    print(f"  articles listed: {len(found.links)}; a sample of {len(found.sample)}:")
    for s in sorted(found.sample, key=lambda s: s.published_at or EPOCH, reverse=True):
        when = s.published_at.date().isoformat() if s.published_at else "no date"
        print(f"    {when:10} {s.words:>5} words  {(s.title or '(no title)')[:70]}")


@sources_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="the publisher's address, e.g. its home page")],
    name: Annotated[
        str | None, typer.Option(help="the source's name [default: the site's]")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="print the TOML, write nothing")
    ] = False,
) -> None:
    """Find a publisher's feeds, sitemaps or section pages from its address, show a sample of
    extracted articles, and add it to the configuration (its comments kept).

    Example: newsmon sources add https://www.example.org/ --name "Example Herald" --dry-run
    """
    from crawler.fetch.probe import ProbeSpider, run_spider

    config, path = get_config(), config_path()
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise fail(f"not an http(s) address: {url!r}", EXIT_CONFIG)
    if clash := already_configured(config, url, name):
        raise fail(clash, EXIT_CONFIG)
    found = run_spider(config, ProbeSpider, url=url).found
    if found.error:
        raise fail(found.error, EXIT_CONFIG)
    name = name or found.name
    if clash := already_configured(config, url, name):
        raise fail(f"{clash} (choose another with --name)", EXIT_CONFIG)
    _print_found(found)
    table = source_table(found, name)
    text = with_source(
        path.read_text(encoding="utf-8"), table, f"added by `newsmon sources add {url}`"
    )
    try:
        from_dict(tomllib.loads(text), path)  # never write a file that would not load
    except ConfigError as exc:
        raise fail(f"the source found would not be valid: {exc}", EXIT_CONFIG) from None
    if dry_run:
        print("\n" + with_source("", table, f"newsmon sources add {url}").strip())
        return
    path.write_text(text, encoding="utf-8")
    err.print(f"added source {name!r} to {path}")


@sources_app.command("check")
def check(
    name: Annotated[str | None, typer.Argument(help="only this source")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Poll the sources once without storing anything: listings answering, articles seen,
    robots.txt, and extraction health (median words, stubs, dates, authors).

    Example: newsmon sources check "Example Wire" --json
    """
    from crawler.cycle import select_sources
    from crawler.fetch.checkup import CheckSpider
    from crawler.fetch.probe import run_spider

    config = get_config()
    try:
        sources = select_sources(config, [name] if name else [])
    except ConfigError as exc:
        raise fail(str(exc), EXIT_CONFIG) from None
    spider = run_spider(config, CheckSpider, sources=sources, max_pages=config.crawl.max_pages)
    reports = [
        spider.checkups[s.name].report(s.feeds, [*s.feeds, *s.sitemaps, *s.pages])
        for s in sources
    ]
    if as_json:
        echo_json(reports)
        return
    for r in reports:
        print(r["source"])
        print(
            f"  feeds: {r['feeds_answering']} of {r['feeds']} answering; "
            f"all listings: {r['answering']} of {r['listings']}"
        )
        for url, why in r["failing"].items():
            print(f"    {url}: {why}")
        print(f"  articles seen: {r['articles_seen']}; robots.txt: {r['robots']}")
        print(
            f"  extraction ({r['sampled']} sampled): median {r['median_words'] or '-'} words, "
            f"stubs {r['stub_share']:.0%}, dated {r['date_share']:.0%}, "
            f"with author {r['author_share']:.0%}"
        )
