"""crawler.process.byline.find_author gives what trafilatura's extract_author gives, on every
page."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml.html import HtmlElement
from trafilatura.metadata import extract_author

from crawler.process.byline import find_author
from crawler.process.extract import _parse
from demo import DemoSite
from tests.corpus_score import real_pages


def _tree(html: str | bytes) -> HtmlElement:
    tree = _parse(html, None)
    assert tree is not None
    return tree


def _page(body: str) -> str:
    return f"<html><head><title>t</title></head><body>{body}<p>{'Text. ' * 40}</p></body></html>"


CASES = [
    # the most specific expression first, wherever it is on the page
    ('<p class="byline">By Ann Other</p><a rel="author" href="/x">Jane Doe</a>', "Jane Doe"),
    ('<div class="author">Jane Doe</div>', "Jane Doe"),
    ("<author>Jane Doe</author>", "Jane Doe"),
    # document order within one expression
    ('<span class="author">Jane Doe</span><div class="author">Ann Other</div>', "Jane Doe"),
    # comments, sidebars, dates and figures are pruned with what they hold
    (
        '<div id="comments"><span class="author">A Troll</span></div>'
        '<p class="byline">Ann Other</p>',
        "Ann Other",
    ),
    (
        '<aside><div class="sidebar"><a rel="author">Col Umnist</a></div></aside>'
        '<span class="byl">Ann Other</span>',
        "Ann Other",
    ),
    (
        '<figure><figcaption class="author">Photo Grapher</figcaption></figure>'
        '<div class="writer">Jane Doe</div>',
        "Jane Doe",
    ),
    # ... also inside the byline: its text without them
    ('<span class="author">Jane Doe <time>12 May 2024</time> tail</span>', "Jane Doe tail"),
    (
        '<p class="byline">Jane Doe<span class="date">12 May</span>, Ann Other</p>',
        "Jane Doe; Ann Other",
    ),
    # too short, then too long: the next candidate
    ('<span class="author">JD</span><span class="author">Jane Doe</span>', "Jane Doe"),
    (f'<div class="author">{"x " * 70}</div><span id="authorbox">Ann Other</span>', "Ann Other"),
    # the last-resort expression matches any element
    ('<li data-component="Byline">Jane Doe</li>', "Jane Doe"),
    ('<td itemprop="author">Jane Doe</td>', "Jane Doe"),
    # trafilatura's first expression also tests a child element <rel> ("rel='me'", no "@"):
    # such pages go to trafilatura itself
    ('<div class="author">Ann Other</div><span><rel>me</rel>Jane Doe</span>', "Ann Other"),
    ('<span><rel>me</rel>Jane Doe</span><div class="author">Ann Other</div>', "Me Jane Doe"),
    ("<p>No byline here.</p>", None),
]


@pytest.mark.parametrize(("body", "expected"), CASES)
def test_crafted_bylines(body: str, expected: str | None) -> None:
    html = _page(body)
    assert find_author(_tree(html)) == expected
    assert extract_author(_tree(html)) == expected


def test_find_author_leaves_the_tree_as_it_was() -> None:
    html = _page('<div class="author">Jane Doe <time>May</time></div><div id="comments">x</div>')
    tree = _tree(html)
    before = len(list(tree.iter()))
    find_author(tree)
    assert len(list(tree.iter())) == before


def test_same_as_trafilatura_on_the_corpus(corpus_dir: Path) -> None:
    pages = real_pages(corpus_dir)
    found = 0
    for page in pages:
        expected = extract_author(_tree(page.html))
        assert find_author(_tree(page.html)) == expected, page.name
        found += expected is not None
    assert found >= 30  # the comparison covers pages with a byline, not only pages without


def test_same_as_trafilatura_on_the_fixture_site() -> None:
    with DemoSite(corpus=False) as site:
        bodies = [
            res.body
            for routes in site._routes.values()  # every page the site serves this cycle
            for res in routes.values()
            if res.body.lstrip().startswith((b"<!DOCTYPE", b"<!doctype", b"<html"))
        ]
    assert len(bodies) > 100
    found = 0
    for body in bodies:
        expected = extract_author(_tree(body))
        assert find_author(_tree(body)) == expected
        found += expected is not None
    assert found > 50
