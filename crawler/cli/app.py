"""The typer application, its global options and the helpers every command shares."""

from __future__ import annotations

import json
import logging
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

