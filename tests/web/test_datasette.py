"""The archive opens as is in Datasette: full-text search on articles (migration 0003) and the
README's SQL recipes as canned queries (docs/datasette-metadata.json), against a real Datasette."""

from __future__ import annotations

import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from storage.db import sqlite_path
from tests.conftest import REPO
from tests.web.conftest import WebArchive, free_port, get_json, wait_for

METADATA = REPO / "docs" / "datasette-metadata.json"


@pytest.fixture
def datasette(sqlite_archive: WebArchive) -> Iterator[str]:
    pytest.importorskip("datasette")
    path = sqlite_path(sqlite_archive.db_url)
    assert path is not None and path.stem == "newsmon"
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", str(path), "--metadata", str(METADATA)]
        + ["--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/-/versions.json", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _rows(url: str) -> list[dict[str, Any]]:
    data = get_json(url)
    assert isinstance(data, dict)
    return list(data["rows"])


def test_datasette_searches_articles(datasette: str) -> None:
    everything = _rows(f"{datasette}/newsmon/articles.json?_shape=objects&_size=max")
    kyiv = _rows(f"{datasette}/newsmon/articles.json?_search=Kyiv&_shape=objects&_size=max")
    assert 0 < len(kyiv) < len(everything)  # the search is applied, not ignored
    for row in kyiv:
        assert "kyiv" in f"{row['title']} {row['text']}".lower()


def test_datasette_answers_the_canned_queries(datasette: str) -> None:
    topic = _rows(f"{datasette}/newsmon/topic_newest.json?topic=ukraine-russia&_shape=objects")
    assert topic and {"published_at", "source", "title", "url"} <= set(topic[0])
    query = urllib.parse.quote("Kyiv AND Russia")
    found = _rows(f"{datasette}/newsmon/full_text_search.json?query={query}&_shape=objects")
    assert found and all(set(r) == {"id", "title"} for r in found)
    assert _rows(f"{datasette}/newsmon/widest_stories.json?_shape=objects")
    assert _rows(f"{datasette}/newsmon/headline_rewrites.json?_shape=objects")
