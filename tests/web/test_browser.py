"""The web view in a real browser: Debian's headless Chromium driven by Playwright, against a
real `newsmon serve` over the crawled SQLite archive. Nothing is downloaded: Playwright is told
to run /usr/bin/chromium, and the tests skip without it.

NEWSMON_WEB_SCREENSHOTS=docs also writes the README's screenshots (docs/web-*.png).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from storage.db import make_engine, session_factory
from storage.models import Version
from tests.web.conftest import WebArchive, serving

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def base(sqlite_archive: WebArchive) -> Iterator[str]:
    with serving(sqlite_archive.config) as url:
        yield url


class Watched:
    """A page whose console errors, uncaught exceptions, dialogs and failed requests are kept."""

    def __init__(self, context: Any) -> None:
        self.page = context.new_page()
        self.problems: list[str] = []
        self.page.on(
            "console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}")
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
        self.page.on(
            "dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss())
        )
        self.page.on("requestfailed", self._failed)
        self.page.on(
            "response", lambda r: r.status >= 400 and self.problems.append(f"{r.status}: {r.url}")
        )

    def _failed(self, request: Any) -> None:
        # The browser's own favicon fetch, cancelled because the test clicked on to the next
        # page before it was answered, is no failure of the page (seen once under load).
        aborted = (request.failure or "").endswith("ERR_ABORTED")
        if not (aborted and request.url.endswith("/favicon.svg")):
            self.problems.append(f"failed: {request.url} ({request.failure})")

    def goto(self, url: str) -> Any:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, url
        return response


def _pick(db_url: str, sql: str) -> int:
    engine = make_engine(db_url)
    with session_factory(engine)() as s:
        value = s.scalar(text(sql))
    engine.dispose()
    assert value is not None, sql
    return int(value)


def test_click_through_every_page_without_console_errors(browser, base, sqlite_archive) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    w = Watched(context)
    page = w.page
    response = w.goto(base + "/")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert page.locator("svg.chart").count() == 3
    page.locator(".card h2 a", has_text="ukraine-russia").first.click()
    page.wait_for_url("**/topics/ukraine-russia")
    assert page.locator("h1").inner_text() == "ukraine-russia"
    page.locator("li.story a.title").first.click()
    page.wait_for_url("**/stories/*")
    assert page.locator("svg.timeline circle").count() >= 1
    assert page.locator(".badge", has_text="canonical").count() == 1
    page.locator("ol.copies a.title").first.click()
    page.wait_for_url("**/articles/*")
    assert page.locator("dl.record").is_visible()
    page.locator("dl.record a", has_text="story").first.click()
    page.wait_for_url("**/stories/*")
    page.locator("header nav a", has_text="Sources").click()
    page.wait_for_url("**/sources")
    assert page.locator("table.sources tbody tr").count() >= 5
    page.fill("input[name=q]", "Kyiv")
    page.locator(".searchbox button").click()
    page.wait_for_url("**/search?q=Kyiv")
    assert page.locator("ul.results mark").count() >= 1
    page.locator("ul.results a.title").first.click()
    page.wait_for_url("**/articles/*")
    w.goto(base + "/topics/climate.atom")
    w.goto(base + "/topics/climate?page=2")
    assert w.problems == []
    context.close()


def test_diffs_show_coloured(browser, base, sqlite_archive) -> None:
    context = browser.new_context()
    w = Watched(context)
    w.goto(f"{base}/articles/{sqlite_archive.edited_id}")
    marks = w.page.locator(".diff ins, .diff del, .headline ins, .headline del")
    assert marks.count() >= 1 and marks.first.is_visible()
    colours = w.page.evaluate(
        "[...document.querySelectorAll('ins, del')].map(e => getComputedStyle(e).color)"
    )
    assert set(colours) <= {"rgb(31, 122, 58)", "rgb(163, 32, 32)"} and colours
    headline = _pick(
        sqlite_archive.db_url, "SELECT article_id FROM versions WHERE headline_changed LIMIT 1"
    )
    w.goto(f"{base}/articles/{headline}")
    assert w.page.locator("p.headline del").count() >= 1
    assert w.page.locator("p.headline ins").count() >= 1
    assert w.problems == []
    context.close()


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["csp", "escaping-alone"])
def test_hostile_fields_never_run(browser, base, sqlite_archive, bypass_csp) -> None:
    """With the CSP, and without it (so that escaping alone is what is tested)."""
    context = browser.new_context(bypass_csp=bypass_csp)
    w = Watched(context)
    story = _pick(
        sqlite_archive.db_url,
        f"SELECT story_id FROM articles WHERE id = {sqlite_archive.hostile_id}",
    )
    for route in (
        f"/articles/{sqlite_archive.hostile_id}",
        f"/stories/{story}",
        "/search?q=delegation",
        "/topics/ukraine-russia",
        "/sources",
        "/",
    ):
        w.goto(base + route)
        assert w.page.evaluate("window.__pwned") is None, route
        assert w.page.locator("script, iframe, img[src=x], svg[onload]").count() == 0, route
    w.goto(f"{base}/articles/{sqlite_archive.hostile_id}")
    assert "<script>window.__pwned=1</script>" in w.page.locator("h1").inner_text()
    assert w.problems == []
    context.close()


def test_screenshots(browser, base, sqlite_archive) -> None:
    target = os.environ.get("NEWSMON_WEB_SCREENSHOTS")
    if not target:
        pytest.skip("set NEWSMON_WEB_SCREENSHOTS=docs to write the README's screenshots")
    out = Path(target)
    engine = make_engine(sqlite_archive.db_url)
    with session_factory(engine)() as s:
        article = s.scalar(
            select(Version.article_id)
            .where(Version.words_added > 5, Version.article_id != sqlite_archive.hostile_id)
            .order_by(Version.id)
        )
    engine.dispose()
    story = _pick(sqlite_archive.db_url, "SELECT id FROM stories ORDER BY copies DESC LIMIT 1")
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    for name, route in (
        ("dashboard", "/"),
        ("story", f"/stories/{story}"),
        ("article", f"/articles/{article}#v2"),
    ):
        page.goto(base + route)
        page.screenshot(path=str(out / f"web-{name}.png"))
    context.close()
