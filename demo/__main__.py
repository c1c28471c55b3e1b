"""Serve the demo news site until Ctrl-C: ``python -m demo [--advance-every 60]``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from demo.site import DemoSite


def main(argv: list[str] | None = None) -> int:
    """Start the site, print each publisher's base URL (and config if asked), serve until Ctrl-C.

    Example: ``python -m demo --config-out demo.toml --database-url sqlite:///demo.db``
    """
    parser = argparse.ArgumentParser(prog="python -m demo", description=main.__doc__)
    parser.add_argument("--seed", type=int, default=0, help="seed of every random choice")
    parser.add_argument("--articles", type=int, default=60, help="base articles per publisher")
    parser.add_argument("--no-corpus", action="store_true", help="leave the corpus host out")
    parser.add_argument(
        "--advance-every",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="call advance() this often (0: never)",
    )
    parser.add_argument("--config-out", type=Path, help="write a newsmon TOML config here")
    parser.add_argument(
        "--database-url", default="sqlite:///newsmon-demo.db", help="database URL for --config-out"
    )
    args = parser.parse_args(argv)
    site = DemoSite(seed=args.seed, articles_per_publisher=args.articles, corpus=not args.no_corpus)
    with site:
        for publisher in site.publishers:
            print(f"{publisher.name:22} {publisher.base_url}/")
        print(f"{len(site.articles())} articles; Ctrl-C to stop", flush=True)
        if args.config_out:
            args.config_out.write_text(site.config_toml(args.database_url), encoding="utf-8")
            print(f"config written to {args.config_out}", flush=True)
        try:
            while True:
                time.sleep(args.advance_every or 3600)
                if args.advance_every:
                    site.advance()
                    print(f"cycle {site.cycle}: {len(site.articles())} articles", flush=True)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
