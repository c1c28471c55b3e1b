"""The `newsmon` command line: thin typer commands over the library.

Owns the commands (app: the application and shared helpers; crawling: init, db, crawl, run,
stats, reprocess, demo; reading: search, show, diff, export, alerts; sources: sources add and
check). The top layer: it may import anything of newsmon's; nothing imports it but
`crawler.__main__` (`python -m crawler` and the `newsmon` script), when it runs.
"""

from __future__ import annotations

import sys

from crawler.cli import crawling, reading, sources  # noqa: F401 - importing registers the commands
from crawler.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
