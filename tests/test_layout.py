"""The layout stays readable: short modules and functions, and no import-time scan of Unicode.

(The import layers themselves are import-linter's contracts, run by `make lint`.)
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGES = ("crawler", "storage", "demo", "migrations")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50
# The initial migration creates the whole schema in one upgrade(); Scrapy's settings are one
# dict, built in one function (as Scrapy's own default_settings is one module of constants).
EXEMPT_MODULES = {"migrations/versions/0001_initial_schema.py"}
EXEMPT_FUNCTIONS = {("crawler/fetch/settings.py", "scrapy_settings")}


def _modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (REPO / package).rglob("*.py"))


def test_there_are_modules() -> None:
    assert len(_modules()) > 50


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(REPO)))
def test_module_and_functions_are_short(path: Path) -> None:
    name = str(path.relative_to(REPO))
    source = path.read_text(encoding="utf-8")
    if name not in EXEMPT_MODULES:
        assert source.count("\n") <= MAX_MODULE_LINES, f"{name}: over {MAX_MODULE_LINES} lines"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
        and (name, node.name) not in EXEMPT_FUNCTIONS
        and name not in EXEMPT_MODULES
    ]
    assert not long, f"{name}: functions over {MAX_FUNCTION_LINES} lines: {long}"


COUNT_UNICODE_CALLS = """
import unicodedata, sys
calls = 0
def counting(fn):
    def wrapper(*args):
        global calls
        calls += 1
        return fn(*args)
    return wrapper
for name in ("combining", "category", "name", "decomposition"):
    setattr(unicodedata, name, counting(getattr(unicodedata, name)))
import crawler.text.topics, crawler.text.shingles, crawler.text.dedup, crawler.text.diffing
import crawler.text.normalise, crawler.text.boilerplate, crawler.process.extract
import crawler.text.query, crawler.archive.search
print(calls)
"""


def test_nothing_scans_every_code_point_at_import() -> None:
    # every command and every extraction worker imports these; a table of all code points is
    # built at first use instead
    out = subprocess.run(
        [sys.executable, "-c", COUNT_UNICODE_CALLS],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    # a scan of the planes is over 100,000 calls; a few small tables are fine
    assert int(out.stdout.strip()) < 10_000


# What multiprocessing's spawn does first in a child: run the parent's main script as
# "__mp_main__" (multiprocessing.spawn._fixup_main_from_path). Then the modules it left loaded.
SPAWNED_CHILD = """
import runpy, sys
runpy.run_path(sys.argv[1], run_name="__mp_main__")
print(" ".join(m for m in ("crawler.cli", "typer", "rich", "scrapy") if m in sys.modules))
"""


def test_a_process_spawned_by_the_newsmon_script_does_not_import_the_command_line() -> None:
    # the extraction workers and the writer of a crawl started by `newsmon crawl`: at 20 MB of
    # typer, rich and the commands each
    script = Path(sys.executable).with_name("newsmon")
    if not script.exists():
        pytest.skip(f"no installed newsmon script beside {sys.executable}")
    out = subprocess.run(
        [sys.executable, "-c", SPAWNED_CHILD, str(script)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    assert out.stdout.split() == []
