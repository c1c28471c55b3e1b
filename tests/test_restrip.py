"""Boilerplate learned while a page was in the pool is stripped from it before it is stored."""

from __future__ import annotations

from crawler.items import FeedHints, Processed
from crawler.process.worker import init_worker, process_page, restrip
from crawler.text import boilerplate
from crawler.text.topics import Topic

NEWS = " ".join(["The council voted on the new budget for schools and roads."] * 4)
PAGE = f"""<html><head><title>Budget vote</title></head><body><article>
<h1>Budget vote</h1><p>{NEWS}</p><p>Share this story</p><p>{NEWS} Again.</p>
<p>Read more from our newsroom</p><p>{NEWS} Finally.</p></article></body></html>"""
URL = "https://example.com/a"
# "newsroom" is only in a boilerplate line; "council" is in the article
TOPICS = [("media", "newsroom"), ("councils", "council AND budget")]


def _key(line: str) -> str:
    return boilerplate.paragraph_key(line)


def _restrip(doc: Processed, now: frozenset[str], then: frozenset[str]) -> Processed:
    topics = [Topic(name, query) for name, query in TOPICS]
    return restrip(doc, now, then, topics=topics, url=URL)


def _doc(boilerplate: frozenset[str] = frozenset()) -> Processed:
    init_worker(TOPICS)  # as in a pool worker
    doc = process_page(PAGE.encode(), URL, None, FeedHints(), boilerplate)
    assert doc.error is None
    return doc


def test_a_newly_learned_line_goes_as_if_the_worker_had_known_it() -> None:
    share, more = _key("Share this story"), _key("Read more from our newsroom")
    then = frozenset({share})
    now = frozenset({share, more})
    early = _doc(then)
    assert set(early.topics) == {"media", "councils"}
    late = _restrip(early, now, then)
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
    # the match the late-learned line made is gone with it
    assert late.topics == direct.topics == {"councils": ["council", "budget"]}


def test_a_page_without_the_new_lines_is_returned_as_it_is() -> None:
    then = frozenset({_key("Share this story")})
    doc = _doc(then)
    now = then | {_key("A line this page does not have")}
    assert _restrip(doc, now, then) is doc
    # and a key the worker already stripped is not looked for again
    assert _restrip(doc, then, then) is doc


def test_a_restripped_page_carries_the_fingerprints_of_its_stripped_text() -> None:
    share, more = _key("Share this story"), _key("Read more from our newsroom")
    then, now = frozenset({share}), frozenset({share, more})
    late, direct = _restrip(_doc(then), now, then), _doc(now)
    assert late.signature is not None
    assert (late.signature, late.bands) == (direct.signature, direct.bands)
