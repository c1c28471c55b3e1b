"""The command line: init, db, help texts, and the demo."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from crawler.cli import app
from crawler.config import load
from tests.conftest import newsmon


def _commands() -> list[tuple[str, object]]:
    group = typer.main.get_command(app)
    out = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        if subcommands:
            out += [(f"{name} {sub}", c) for sub, c in subcommands.items()]
        else:
            out.append((name, command))
    return out


@pytest.mark.parametrize(("name", "command"), _commands(), ids=lambda v: str(v))
def test_every_command_has_help_with_an_example(name: str, command: object) -> None:
    help_text = getattr(command, "help", None) or ""
    assert help_text.strip(), f"`newsmon {name}` has no help text"
    assert "Example: newsmon" in help_text, f"`newsmon {name}` help has no example"


def test_init_writes_a_valid_config_and_creates_the_database(tmp_path: Path) -> None:
    result = newsmon("init", str(tmp_path))
    assert result.returncode == 0, result.stderr
    config_path = tmp_path / "config" / "newsmon.toml"
    config = load(config_path)
    assert config.topics and config.sources
    assert (tmp_path / "newsmon.db").exists()
    again = newsmon("init", str(tmp_path))
    assert again.returncode != 0
    assert "exists" in again.stderr


def test_db_upgrade_and_current(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "a.db"}"\n', encoding="utf-8")
    before = newsmon("db", "current", config=config)
    assert before.returncode == 0
    assert "(empty database)" in before.stdout
    assert newsmon("db", "upgrade", config=config).returncode == 0
    after = newsmon("db", "current", config=config)
    assert "up to date" in after.stdout


def test_global_options_come_from_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "a.db"}"\n', encoding="utf-8")
    result = newsmon("db", "upgrade", env={"NEWSMON_CONFIG": str(config)})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "a.db").exists()


def test_bad_search_query_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "a.db"}"\n', encoding="utf-8")
    newsmon("db", "upgrade", config=config)
    result = newsmon("search", '"unclosed', config=config)
    assert result.returncode == 2
    assert "unclosed quote" in result.stderr


def test_demo_crawls_and_shows_matches_and_the_email(tmp_path: Path) -> None:
    result = newsmon("demo", "--keep", str(tmp_path / "demo"), timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "topic ukraine-russia" in result.stdout
    assert "email to" in result.stdout and "[newsmon]" in result.stdout
    assert (tmp_path / "demo" / "newsmon.db").exists()
