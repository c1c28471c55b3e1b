"""The web view's archive: two real crawls of the fixture site (with site.advance() between, so
articles have versions) plus the hostile one-article site, on SQLite and PostgreSQL; and a real
`newsmon serve` on loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from demo import DemoSite
from demo.sink import SmtpSink
from storage.db import make_engine, session_factory, upgrade
from storage.models import Article
from tests.conftest import BACKENDS, REPO, empty_archive, newsmon
from tests.web.hostile import HostileSite


@dataclass
class WebArchive:
    db_url: str
    config: Path
    hostile_id: int  # the article whose fields carry payloads
    edited_id: int  # an article with two versions or more (the hostile one excepted)


def _config(site: DemoSite, hostile: HostileSite, db_url: str, smtp_port: int) -> str:
    extra = "\n".join(
        [
            "[revisit]",
            'schedule = ["1s", "1s", "1s", "1s"]',
            "budget = 2000",
            "[[sources]]",
            'name = "Hostile <img src=x onerror=window.__pwned=1> Gazette"',
            f'feeds = ["{hostile.base}/feed.xml"]',
        ]
    )
    return site.config_toml(db_url, smtp_port=smtp_port, extra=extra)


def _crawl(config: Path) -> None:
    result = newsmon("crawl", "--json", config=config)
    assert result.returncode == 0, result.stderr[-3000:]


def _ids(db_url: str, hostile_url: str) -> tuple[int, int]:
    engine = make_engine(db_url)
    with session_factory(engine)() as s:
        hostile = s.scalar(select(Article.id).where(Article.url == hostile_url))
        edited = s.scalar(
            select(Article.id)
            .where(Article.version_count > 1, Article.url != hostile_url)
            .order_by(Article.id)
        )
    engine.dispose()
    assert hostile is not None and edited is not None
    return hostile, edited


@contextmanager
def _crawled(db_url: str, tmp: Path) -> Iterator[WebArchive]:
    with (
        DemoSite(corpus=False) as site,
        HostileSite() as hostile,
        SmtpSink() as sink,
    ):
        upgrade(db_url)
        config = tmp / "newsmon.toml"
        config.write_text(_config(site, hostile, db_url, sink.port), encoding="utf-8")
        _crawl(config)
        site.advance()
        hostile.edited = True
        time.sleep(1.2)  # every article's first revisit (after 1s) is due
        _crawl(config)
        yield WebArchive(db_url, config, *_ids(db_url, hostile.article_url))


@pytest.fixture(scope="session")
def web_archives(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], WebArchive]]:
    """The crawled archive of a backend, made on first request and kept for the session: the
    SQLite-only tests do not make a PostgreSQL one they would skip."""
    with ExitStack() as stack:
        made: dict[str, WebArchive] = {}

        def get(backend: str) -> WebArchive:
            if backend not in made:
                tmp = tmp_path_factory.mktemp(f"web-{backend}")
                db_url = stack.enter_context(empty_archive(backend, tmp))
                made[backend] = stack.enter_context(_crawled(db_url, tmp))
            return made[backend]

        yield get


@pytest.fixture(scope="session", params=BACKENDS)
def web_archive(
    request: pytest.FixtureRequest, web_archives: Callable[[str], WebArchive]
) -> WebArchive:
    """The crawled archive, on a SQLite file, then (when configured) on PostgreSQL."""
    return web_archives(request.param)


@pytest.fixture(scope="session")
def sqlite_archive(web_archives: Callable[[str], WebArchive]) -> WebArchive:
    """The SQLite one only (the browser and Datasette tests)."""
    return web_archives("sqlite")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited {process.returncode}: {process.stderr}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout}s")


@contextmanager
def serving(config: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`newsmon serve` in a child process on a free loopback port; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler", "--config", str(config), "serve", "--port", str(port)]
        + list(args),
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/static/style.css", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)
