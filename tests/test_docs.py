"""Every CLI command has help text with an example, and the README documents it (as
sqlite-utils' tests/test_docs.py does)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer.main

from crawler.cli import app
from tests.conftest import REPO


def _commands(group: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(full name, command) of every leaf command; typer vendors click, so a group is what
    has subcommands."""
    for name, command in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        if getattr(command, "commands", None):
            yield from _commands(command, f"{full} ")
        else:
            yield full, command


COMMANDS = dict(_commands(typer.main.get_group(app)))


def test_there_are_commands() -> None:
    # the parametrised tests below would pass on an empty list
    assert {"crawl", "run", "search", "show", "export", "db upgrade", "alerts send"} <= set(
        COMMANDS
    )


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_has_help_with_an_example(name: str) -> None:
    text = COMMANDS[name].help or ""
    summary = text.strip().splitlines()[0] if text.strip() else ""
    assert len(summary) > 10, f"`newsmon {name}` has no help text"
    examples = re.findall(r"Example:\s*(newsmon .+)", text)
    assert examples, f"`newsmon {name}`'s help has no 'Example: newsmon ...' line"
    assert any(name in example for example in examples), (
        f"`newsmon {name}`'s example does not run `{name}`: {examples}"
    )


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_is_in_the_readme(name: str) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"newsmon {name}" in readme, f"README.md does not mention `newsmon {name}`"
