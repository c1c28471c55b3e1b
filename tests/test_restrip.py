"""Boilerplate learned while a page was in the pool is stripped from it before it is stored."""

from __future__ import annotations

from crawler import dedup
from crawler.items import FeedHints
from crawler.worker import Processed, process_page, restrip

NEWS = " ".join(["The council voted on the new budget for schools and roads."] * 4)
PAGE = f"""<html><head><title>Budget vote</title></head><body><article>
<h1>Budget vote</h1><p>{NEWS}</p><p>Share this story</p><p>{NEWS} Again.</p>
<p>Read more from our newsroom</p><p>{NEWS} Finally.</p></article></body></html>"""


def _key(line: str) -> str:
    return dedup.paragraph_key(line)


def _doc(boilerplate: frozenset[str] = frozenset()) -> Processed:
    doc = process_page(PAGE.encode(), "https://example.com/a", None, FeedHints(), boilerplate)
    assert doc.error is None
    return doc


def test_a_newly_learned_line_goes_as_if_the_worker_had_known_it() -> None:
    share, more = _key("Share this story"), _key("Read more from our newsroom")
    then = frozenset({share})
    now = frozenset({share, more})
    late = restrip(_doc(then), now, then)
    assert "Read more from our newsroom" not in late.text
    assert "Share this story" not in late.text
    direct = _doc(now)
    assert (late.text, late.content_hash, late.text_hash, late.words) == (
        direct.text,
        direct.content_hash,
        direct.text_hash,
        direct.words,
    )
    assert late.raw_text == direct.raw_text


def test_a_page_without_the_new_lines_is_returned_as_it_is() -> None:
    then = frozenset({_key("Share this story")})
    doc = _doc(then)
    now = then | {_key("A line this page does not have")}
    assert restrip(doc, now, then) is doc
    # and a key the worker already stripped is not looked for again
    assert restrip(doc, then, then) is doc
