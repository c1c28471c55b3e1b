"""`newsmon demo`: serve the demo site on loopback, crawl it, print matches and the email sent."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from crawler.config import load

console = Console()


def run_demo(folder: Path) -> None:
    """Crawl the bundled demo site into folder/newsmon.db and show what an analyst would see."""
    from crawler.cycle import run_cycle
    from demo import DemoSite
    from demo.sink import SmtpSink

    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    db_url = f"sqlite:///{folder.resolve() / 'newsmon.db'}"
    with DemoSite() as site, SmtpSink() as sink:
        config_path = folder / "newsmon.toml"
        config_path.write_text(site.config_toml(db_url, smtp_port=sink.port), encoding="utf-8")
        for publisher in site.publishers:
            console.print(f"serving [bold]{publisher.name}[/bold] at {publisher.base_url}")
        summary = run_cycle(load(config_path), progress=console.is_terminal)
        console.print(
            f"\ncrawled in {summary['seconds']}s: {summary['fetched']} pages fetched, "
            f"{summary['new_articles']} articles stored, {summary['duplicates']} duplicate URLs "
            f"folded, {summary['errors']} pages failed, {summary['matches']} topic matches, "
            f"{summary['alerts_sent']} alert emails sent\n"
        )
        _show_topics(db_url)
        _show_first_email(sink.messages)
        console.print(
            f"\narchive: {folder / 'newsmon.db'} — try: newsmon --config {config_path} search Kyiv"
        )
        # Last line: the web view of this archive (it needs no demo site: only the database).
        console.print(
            f"web view: newsmon --config {config_path} serve   then open http://127.0.0.1:8080/",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )


def _show_topics(db_url: str) -> None:
    """Each topic's stories, ten at most, with their copies."""
    from storage.db import make_engine, session_factory
    from storage.queries import topic_summary

    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        for topic, rows in topic_summary(session).items():
            console.rule(f"topic [bold]{escape(topic)}[/bold]: {len(rows)} stories")
            for row in rows[:10]:
                extra = f" (+{row['copies']} copies)" if row["copies"] else ""
                console.print(
                    f"  {row['source']}: {row['title']}{extra}", highlight=False, markup=False
                )
            if len(rows) > 10:
                console.print(f"  … and {len(rows) - 10} more")
    engine.dispose()


def _show_first_email(messages: list[Any]) -> None:
    """The first alert email the sink received, as its recipient would read it."""
    for message in messages[:1]:
        console.rule(escape(f"email to {message['To']}: {message['Subject']}"))
        body = message.get_body(("plain",))
        content = body.get_content() if body is not None else ""
        console.print(content, highlight=False, markup=False)
